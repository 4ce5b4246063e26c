//! `raw`: send a command line to the target as is; no guards, no
//! processing of the output. Skipped in check mode, as in Ansible.

use crate::util::{self, run};
use serde::Deserialize;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOptions {
    #[serde(rename = "_raw_params")]
    pub raw_params: Option<String>,
    pub executable: Option<String>,
}

const OPTIONS: &[ArgSpec] = &[ArgSpec::new(
    "executable",
    ArgType::Str,
    "Run the command with this shell (`executable -c command`) instead of the login default.",
)];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    free_form: Some("_raw_params"),
    required_one_of: &[&["_raw_params"]],
    returns: &[
        ("rc", "The command's exit status."),
        ("stdout", "Standard output, unchanged."),
        ("stdout_lines", "`stdout` split into lines."),
        ("stderr", "Standard error, unchanged."),
        ("stderr_lines", "`stderr` split into lines."),
    ],
    ..ModuleSpec::new("raw", "Executes a low-down and dirty command.")
};

pub struct Raw;

#[async_trait::async_trait]
impl Module for Raw {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    /// Guards and command (or the query) go in one `exec`.
    fn single_exec(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: RawOptions = util::options(&SPEC, args)?;
        let text = o.raw_params.unwrap_or_default();
        if ctx.check_mode {
            let mut out = Outcome::changed(false);
            out.skipped = true;
            out.msg = Some("check mode not supported for raw".into());
            return Ok(out);
        }
        let script = match &o.executable {
            Some(exe) => format!("exec {} -c {}", quote(exe), quote(&text)),
            None => text,
        };
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
