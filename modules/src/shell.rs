//! `shell`: run a command line through a shell on the target (`/bin/sh`
//! or `executable`), with pipes, redirections and variables.

use crate::command::{self, CommandOptions, Invocation, COMMON_OPTIONS, RETURNS};
use crate::util;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};

const OPTIONS: &[ArgSpec] = &[
    COMMON_OPTIONS[0],
    COMMON_OPTIONS[1],
    COMMON_OPTIONS[2],
    COMMON_OPTIONS[3],
    COMMON_OPTIONS[4],
    COMMON_OPTIONS[5],
    COMMON_OPTIONS[6],
    ArgSpec::new(
        "executable",
        ArgType::Str,
        "The shell to run the command with (an absolute path); default `/bin/sh`.",
    ),
    // ansible-core's shell action refuses it when the task runs (not when
    // the playbook loads), so a play can `ignore_errors` it.
    ArgSpec::new(
        "expand_argument_vars",
        ArgType::Raw,
        "Not supported by `shell` (the shell expands the line itself): given, the task fails, as in ansible-core.",
    ),
];

const UNSUPPORTED: &str = "expand_argument_vars";

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    free_form: Some("_raw_params"),
    mutually_exclusive: &[&["_raw_params", "cmd"]],
    required_one_of: &[&["_raw_params", "cmd"]],
    returns: RETURNS,
    ..ModuleSpec::new("shell", "Execute shell commands on targets.")
};

pub struct Shell;

#[async_trait::async_trait]
impl Module for Shell {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    /// Guards and command (or the query) go in one `exec`.
    fn single_exec(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        if args.contains_key(UNSUPPORTED) {
            return Ok(Outcome::failed(format!(
                "Unsupported parameters for (shell) module: {UNSUPPORTED}"
            )));
        }
        let o: CommandOptions = util::options(&SPEC, args)?;
        let inv = Invocation::from_options(&o, true)?;
        command::execute(ctx, &inv).await
    }
}
