//! Control actions: the modules that run on the controller (debug,
//! set_fact, assert, fail, pause, meta, include_vars) and the few that
//! only probe the host (setup, ping, wait_for_connection).
//!
//! Controller actions never open a connection: the executor calls
//! [`run_control`] with a [`ControlCtx`] that evaluates templates and
//! conditions for the host. Their [`Module`] impls exist for the registry
//! (names, argument specs checked at load time).

mod assert;
pub mod async_job;
mod async_status;
mod debug;
mod fail;
mod include_vars;
mod meta;
mod pause;
mod ping;
mod set_fact;
mod setup;
mod wait_for_connection;

use crate::module::{
    Args, Module, ModuleContext, ModuleError, ModuleRegistry, ModuleSpec, Outcome,
};
use async_trait::async_trait;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

pub use meta::MetaAction;

/// What a controller action may ask of the executor for its host.
pub trait Evaluator: Send + Sync {
    /// Render a value (templates inside strings, native types kept).
    fn render(&self, v: &Value) -> Result<Value, String>;
    /// Evaluate a conditional expression.
    fn condition(&self, c: &Value) -> Result<bool, String>;
}

pub struct ControlCtx<'a> {
    pub host: &'a str,
    /// The task's name as its banner shows it (`pause` heads its prompt
    /// with it).
    pub task_name: String,
    pub eval: &'a dyn Evaluator,
    pub check_mode: bool,
    pub verbosity: u8,
    /// Where relative files are looked up (role dir, file dir, playbook dir).
    pub search_paths: Vec<PathBuf>,
    /// The role the task belongs to (`include_vars dir:` is under its `vars/`).
    pub role_path: Option<PathBuf>,
    /// The directory of the task's file.
    pub task_dir: PathBuf,
    /// stdin and stdout are a terminal (`pause` may prompt).
    pub interactive: bool,
    /// Print a line of output (`pause` announces itself).
    pub say: &'a (dyn Fn(&str) + Send + Sync),
    /// The run's interruption: a timed `pause` ends at the first signal
    /// (waiting out the grace period would only delay the stop).
    pub cancel: Option<crate::executor::Cancel>,
}

impl ControlCtx<'_> {
    pub fn find_file(&self, subdir: &str, rel: &str) -> Option<PathBuf> {
        let p = PathBuf::from(rel);
        if p.is_absolute() {
            return p.exists().then_some(p);
        }
        self.search_paths
            .iter()
            .flat_map(|b| [b.join(subdir).join(rel), b.join(rel)])
            .find(|c| c.exists())
    }
}

/// Actions run by [`run_control`] on the controller.
pub const CONTROLLER_ACTIONS: &[&str] = &[
    "debug",
    "set_fact",
    "assert",
    "fail",
    "pause",
    "meta",
    "include_vars",
];

pub fn is_controller_action(short: &str) -> bool {
    CONTROLLER_ACTIONS.contains(&short)
}

/// Arguments the action evaluates itself (conditions, variable names):
/// the executor must not render them first.
pub fn raw_args(short: &str) -> &'static [&'static str] {
    match short {
        "debug" => &["var"],
        "assert" => &["that"],
        _ => &[],
    }
}

/// Actions that run once, for the first host, whatever the hosts
/// (ansible-core's `BYPASS_HOST_LOOP`): `pause` waits or asks once.
pub fn bypasses_host_loop(short: &str) -> bool {
    short == "pause"
}

/// Register every control action.
pub fn register(reg: &mut ModuleRegistry) {
    for spec in [
        &debug::SPEC,
        &set_fact::SPEC,
        &assert::SPEC,
        &fail::SPEC,
        &pause::SPEC,
        &meta::SPEC,
        &include_vars::SPEC,
    ] {
        reg.register(Arc::new(ControllerOnly(spec)));
    }
    reg.register(Arc::new(setup::Setup));
    reg.register(Arc::new(ping::Ping));
    reg.register(Arc::new(async_status::AsyncStatus));
    reg.register(Arc::new(wait_for_connection::WaitForConnection));
}

/// Run a controller action on normalized arguments.
pub async fn run_control(
    short: &str,
    ctx: &ControlCtx<'_>,
    args: Args,
) -> Result<Outcome, ModuleError> {
    match short {
        "debug" => debug::run(ctx, args),
        "set_fact" => set_fact::run(ctx, args),
        "assert" => assert::run(ctx, args),
        "fail" => fail::run(ctx, args),
        "pause" => pause::run(ctx, args).await,
        "meta" => meta::run(ctx, args),
        "include_vars" => include_vars::run(ctx, args),
        other => Err(ModuleError::failed(format!(
            "{other} is not a controller action"
        ))),
    }
}

/// A controller action as the registry sees it.
struct ControllerOnly(&'static ModuleSpec);

#[async_trait]
impl Module for ControllerOnly {
    fn spec(&self) -> &ModuleSpec {
        self.0
    }
    async fn run(&self, _: &ModuleContext, _: Args) -> Result<Outcome, ModuleError> {
        Err(ModuleError::failed(format!(
            "`{}` runs on the controller, through the executor",
            self.0.name
        )))
    }
}

/// Ansible marks these results to be printed even without `-v`.
pub(crate) fn verbose_always(o: Outcome) -> Outcome {
    o.with("_ansible_verbose_always", true)
}
