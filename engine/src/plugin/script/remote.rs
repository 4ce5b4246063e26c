//! Getting a script module onto the target (once per host, user and
//! content) and running it there with its arguments file.

use super::source::Shebang;
use crate::connection::{ConnectionError, ExecOutput, Stdin};
use crate::module::ModuleContext;
use crate::shell::quote;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Private per-user directory on the target holding uploaded modules.
const MODULE_DIR: &str = "/tmp/srplay-$(id -u)-modules";

/// Printed (with exit status 127) when the uploaded copy has vanished,
/// e.g. a tmp cleaner ran: the module is then copied again.
pub const COPY_MISSING: &str = "srplay: uploaded module copy is missing";

/// (host, become user, checksum) -> the module's path on the target.
type Uploaded = Mutex<HashMap<(String, String, String), String>>;

fn uploaded() -> &'static Uploaded {
    static UPLOADED: OnceLock<Uploaded> = OnceLock::new();
    UPLOADED.get_or_init(Default::default)
}

fn cache_key(ctx: &ModuleContext, checksum: &str) -> (String, String, String) {
    let user = ctx
        .r#become
        .as_ref()
        .map(|b| b.user.clone())
        .unwrap_or_default();
    (ctx.host.clone(), user, checksum.to_string())
}

/// The module's path on the target, uploading it on first use.
pub async fn ensure_uploaded(
    ctx: &ModuleContext,
    name: &str,
    checksum: &str,
    content: &[u8],
) -> Result<String, ConnectionError> {
    let key = cache_key(ctx, checksum);
    if let Some(path) = uploaded()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        return Ok(path.clone());
    }
    let file = quote(&format!("{name}-{}", &checksum[..16]));
    // The directory must be ours and not a symlink: another user could
    // have created it in /tmp to run code as us.
    let script = format!(
        "d=\"{MODULE_DIR}\"; mkdir -p -m 0700 \"$d\" || exit 1; \
         if [ -L \"$d\" ] || [ ! -O \"$d\" ]; then echo \"unsafe module directory $d: not owned by $(id -un)\" >&2; exit 1; fi; \
         chmod 0700 \"$d\" && t=$(mktemp \"$d/.upload.XXXXXX\") || exit 1; \
         if cat > \"$t\" && chmod 0700 \"$t\" && mv -f \"$t\" \"$d\"/{file}; then printf '%s' \"$d\"/{file}; \
         else rm -f \"$t\"; exit 1; fi"
    );
    let out = ctx
        .exec_stdin(script, Stdin::Bytes(content.to_vec()))
        .await?;
    if !out.success() {
        return Err(ConnectionError::Other(format!(
            "cannot copy module `{name}` to the target: {}",
            out.stderr_str().trim()
        )));
    }
    let path = out.stdout_str();
    uploaded()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, path.clone());
    Ok(path)
}

/// Forget an upload, so the next [`ensure_uploaded`] copies again.
pub fn forget_upload(ctx: &ModuleContext, checksum: &str) {
    uploaded()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&cache_key(ctx, checksum));
}

/// How to start a module: the shell words before the module's path.
pub struct Launcher {
    pub line: String,
    /// The interpreter as the shell will report it if it is missing.
    pub interpreter: String,
}

/// The launcher for a module with this shebang (none: execute the file
/// itself). `ansible_<name>_interpreter` replaces the interpreter, as in
/// Ansible; a `python` shebang without it finds python3 or python.
pub fn launcher(shebang: Option<&Shebang>, ctx: &ModuleContext) -> Option<Launcher> {
    let sb = shebang?;
    let name = sb.name();
    let configured = ctx
        .var(&format!("ansible_{name}_interpreter"))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty());
    let is_env = sb.interpreter.rsplit('/').next() == Some("env");
    // With `env`, the first shebang argument is the program itself.
    let shebang_args = if is_env && !sb.args.is_empty() {
        &sb.args[1..]
    } else {
        &sb.args[..]
    };
    let (interpreter, mut words) = match configured {
        Some(conf) => {
            let words: Vec<String> = conf.split_whitespace().map(quote).collect();
            let first = conf.split_whitespace().next().unwrap_or(conf).to_string();
            (first, words)
        }
        None if name == "python" => (
            "/usr/bin/python".to_string(),
            vec![
                "\"$(command -v python3 || command -v python || echo /usr/bin/python)\""
                    .to_string(),
            ],
        ),
        None if is_env => (name.to_string(), vec![quote(&sb.interpreter), quote(name)]),
        None => (sb.interpreter.clone(), vec![quote(&sb.interpreter)]),
    };
    // A configured interpreter replaces the whole `env program` pair;
    // shebang flags (`-u`, `-e`) are kept.
    words.extend(shebang_args.iter().map(|w| quote(w)));
    Some(Launcher {
        line: words.join(" "),
        interpreter,
    })
}

/// Runs the uploaded module with `args` written to a private temp file
/// (never on the command line: it may hold secrets).
pub async fn run(
    ctx: &ModuleContext,
    module_path: &str,
    launcher: Option<&str>,
    args: String,
) -> Result<ExecOutput, ConnectionError> {
    let dir = module_path.rsplit_once('/').map_or(".", |(d, _)| d);
    let module = quote(module_path);
    let start = match launcher {
        Some(l) => format!("{l} {module}"),
        None => module.clone(),
    };
    let script = format!(
        "[ -f {module} ] || {{ echo '{COPY_MISSING}' >&2; exit 127; }}; \
         umask 077; a=$(mktemp {}/args.XXXXXX) || exit 1; cat > \"$a\" || exit 1; \
         {start} \"$a\"; rc=$?; rm -f \"$a\"; exit $rc",
        quote(dir)
    );
    ctx.exec_stdin(script, Stdin::Bytes(args.into_bytes()))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::LocalConnection;
    use crate::module::{NoProgress, TemplateRenderer};
    use serde_json::{json, Map};
    use std::sync::Arc;

    struct NoTemplates;
    impl TemplateRenderer for NoTemplates {
        fn render(&self, _: &str, s: &str, _: &Map<String, Value>) -> Result<String, String> {
            Ok(s.to_string())
        }
    }

    fn ctx(vars: Value) -> ModuleContext {
        ModuleContext {
            host: "h".into(),
            conn: Arc::new(LocalConnection::new()),
            check_mode: false,
            diff: false,
            r#become: None,
            environment: Vec::new(),
            vars: Arc::new(vars.as_object().unwrap().clone()),
            search_paths: Vec::new(),
            renderer: Arc::new(NoTemplates),
            progress: Arc::new(NoProgress),
        }
    }

    #[test]
    fn launcher_table() {
        let discover = "\"$(command -v python3 || command -v python || echo /usr/bin/python)\"";
        // (shebang, vars, line, interpreter)
        let cases = [
            (
                "#!/bin/bash -e",
                json!({}),
                "/bin/bash -e".to_string(),
                "/bin/bash",
            ),
            (
                "#!/usr/bin/env bash",
                json!({}),
                "/usr/bin/env bash".into(),
                "bash",
            ),
            (
                "#!/usr/bin/python",
                json!({}),
                discover.into(),
                "/usr/bin/python",
            ),
            (
                "#!/usr/bin/env python -u",
                json!({}),
                format!("{discover} -u"),
                "/usr/bin/python",
            ),
            (
                "#!/usr/bin/python",
                json!({"ansible_python_interpreter": "/opt/py/bin/python3"}),
                "/opt/py/bin/python3".into(),
                "/opt/py/bin/python3",
            ),
            (
                "#!/usr/bin/env python3",
                json!({"ansible_python3_interpreter": "python3 -S"}),
                "python3 -S".into(),
                "python3",
            ),
            (
                "#!/usr/bin/ruby -w",
                json!({"ansible_ruby_interpreter": "/usr/local/bin/ruby"}),
                "/usr/local/bin/ruby -w".into(),
                "/usr/local/bin/ruby",
            ),
        ];
        for (line, vars, want_line, want_interp) in cases {
            let sb = super::super::source::shebang(line).unwrap();
            let l = launcher(Some(&sb), &ctx(vars)).unwrap();
            assert_eq!(
                (l.line.as_str(), l.interpreter.as_str()),
                (want_line.as_str(), want_interp),
                "{line}"
            );
        }
        assert!(launcher(None, &ctx(json!({}))).is_none());
    }
}
