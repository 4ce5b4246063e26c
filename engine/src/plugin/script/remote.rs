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

/// How to start the module: the interpreter words (already shell-quoted
/// or shell code), or nothing to execute the file itself.
pub fn launcher(shebang: Option<&Shebang>, ctx: &ModuleContext) -> Option<String> {
    let sb = shebang?;
    let name = sb.name();
    let configured = ctx
        .var(&format!("ansible_{name}_interpreter"))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty());
    let is_env = sb.interpreter.rsplit('/').next() == Some("env");
    let words = |ws: &[String]| ws.iter().map(|w| quote(w)).collect::<Vec<_>>();
    let line = match (configured, is_env) {
        (Some(interp), true) => interp.split_whitespace().map(quote).collect::<Vec<_>>(),
        (Some(interp), false) => {
            let mut w: Vec<String> = interp.split_whitespace().map(quote).collect();
            w.extend(words(&sb.args));
            w
        }
        // Ansible discovers a Python for `python` shebangs; prefer python3.
        (None, _) if name == "python" => {
            let mut w = vec![
                "\"$(command -v python3 || command -v python || echo /usr/bin/python)\""
                    .to_string(),
            ];
            w.extend(words(if is_env { &sb.args[1..] } else { &sb.args }));
            w
        }
        (None, _) => {
            let mut w = vec![quote(&sb.interpreter)];
            w.extend(words(&sb.args));
            w
        }
    };
    Some(line.join(" "))
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
        "umask 077; a=$(mktemp {}/args.XXXXXX) || exit 1; cat > \"$a\" || exit 1; \
         {start} \"$a\"; rc=$?; rm -f \"$a\"; exit $rc",
        quote(dir)
    );
    ctx.exec_stdin(script, Stdin::Bytes(args.into_bytes()))
        .await
}
