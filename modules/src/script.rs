//! `script`: copy a controller script to a temp dir on the target, run it
//! with its arguments (optionally through `executable`), remove it.

use crate::util::{self, run};
use serde::Deserialize;
use srplay_engine::connection::{FileAttrs, PutSource};
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptOptions {
    #[serde(rename = "_raw_params")]
    pub raw_params: Option<String>,
    pub cmd: Option<String>,
    pub creates: Option<String>,
    pub removes: Option<String>,
    pub chdir: Option<String>,
    pub executable: Option<String>,
    pub decrypt: Option<bool>,
}

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new(
        "cmd",
        ArgType::Str,
        "Path to the local script followed by its arguments (instead of the free form).",
    ),
    ArgSpec::new(
        "creates",
        ArgType::Str,
        "A remote filename; when it already exists, this step will not be run.",
    ),
    ArgSpec::new(
        "removes",
        ArgType::Str,
        "A remote filename; when it does not exist, this step will not be run.",
    ),
    ArgSpec::new(
        "chdir",
        ArgType::Str,
        "Change into this (absolute) remote directory before running the script.",
    ),
    ArgSpec::new(
        "executable",
        ArgType::Str,
        "Name or path of an executable to invoke the script with.",
    ),
    ArgSpec::new(
        "decrypt",
        ArgType::Bool,
        "Accepted for compatibility (vault files are not decrypted).",
    )
    .default("true"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    free_form: Some("_raw_params"),
    mutually_exclusive: &[&["_raw_params", "cmd"]],
    required_one_of: &[&["_raw_params", "cmd"]],
    returns: &[
        ("rc", "The script's exit status."),
        ("stdout", "Standard output, unchanged."),
        ("stdout_lines", "`stdout` split into lines."),
        ("stderr", "Standard error, unchanged."),
        ("stderr_lines", "`stderr` split into lines."),
        (
            "msg",
            "`non-zero return code` on failure; why it was skipped.",
        ),
    ],
    ..ModuleSpec::new(
        "script",
        "Runs a local script on a remote node after transferring it.",
    )
};

pub struct Script;

#[async_trait::async_trait]
impl Module for Script {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: ScriptOptions = util::options(&SPEC, args)?;
        let raw = o.raw_params.clone().or(o.cmd.clone()).unwrap_or_default();
        let raw = raw.trim();
        let parts = util::shlex::split(raw)
            .ok_or_else(|| ModuleError::failed(format!("No closing quotation in: {raw}")))?;
        let Some(first) = parts.first() else {
            return Ok(Outcome::failed("script: no script given"));
        };
        if let Some(d) = &o.chdir {
            if !d.starts_with('/') {
                return Ok(Outcome::failed(format!(
                    "chdir {d} must be an absolute path for a Unix-aware remote node"
                )));
            }
        }
        // creates/removes are decided on the target before anything else.
        let guard = run::literal_guard_script(o.creates.as_deref(), o.removes.as_deref());
        let skipped = |msg: String| {
            let mut out = Outcome::ok().with_msg(msg);
            out.skipped = true;
            out
        };
        let mut tmpdir = None;
        if !guard.is_empty() || !ctx.check_mode {
            let mk = if ctx.check_mode {
                ""
            } else {
                "mktemp -d \"${TMPDIR:-/tmp}/.srplay-script-XXXXXX\""
            };
            let out = ctx.exec(format!("{guard}{mk}")).await?;
            let text = out.stdout_str();
            match run::read_guard(&text) {
                run::Guard::SkipCreates => {
                    return Ok(skipped(format!(
                        "{} exists, matching creates option",
                        o.creates.unwrap_or_default()
                    )))
                }
                run::Guard::SkipRemoves => {
                    return Ok(skipped(format!(
                        "{} does not exist, matching removes option",
                        o.removes.unwrap_or_default()
                    )))
                }
                _ => {}
            }
            if !ctx.check_mode {
                if !out.success() {
                    return Err(ModuleError::failed(format!(
                        "could not make a temp dir: {}",
                        out.stderr_str().trim()
                    )));
                }
                tmpdir = Some(text.trim().to_string());
            }
        }
        let Some(local) = ctx.find_file("files", first) else {
            return Ok(Outcome::failed(format!(
                "Could not find or access '{first}' on the Ansible Controller."
            )));
        };
        if ctx.check_mode {
            if o.creates.is_some() || o.removes.is_some() {
                return Ok(Outcome::changed(true));
            }
            return Ok(skipped("Check mode is not supported for this task.".into()));
        }
        let dir = tmpdir.unwrap_or_default();
        let name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "script".into());
        let remote = format!("{dir}/{name}");
        let attrs = FileAttrs {
            mode: Some("0700".into()),
            ..Default::default()
        };
        if let Err(e) = ctx
            .put(PutSource::File(local.clone()), &remote, &attrs)
            .await
        {
            let _ = ctx.exec(format!("rm -rf -- {}", quote(&dir))).await;
            return Err(e.into());
        }
        let target = raw.replacen(first.as_str(), &quote(&remote), 1);
        let cmd = match &o.executable {
            Some(exe) => format!("{exe} {target}"),
            None => target,
        };
        let cd = o
            .chdir
            .as_ref()
            .map(|d| format!("cd -P {} && ", quote(d)))
            .unwrap_or_default();
        let script = format!(
            "( {cd}{cmd} ) </dev/null; rc=$?; rm -rf -- {}; exit $rc",
            quote(&dir)
        );
        let out = ctx.exec(script).await?;
        let mut res = run::with_output(
            Outcome::changed(true).with("rc", out.rc),
            &out.stdout_str(),
            &out.stderr_str(),
            false,
        );
        if out.rc != 0 {
            res.failed = true;
            res.msg = Some("non-zero return code".into());
        }
        Ok(res)
    }
}
