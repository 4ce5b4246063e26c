//! `meta`: steer the executor (flush handlers, end the play or host…).

use super::ControlCtx;
use crate::module::{ArgSpec, ArgType, Args, ModuleError, ModuleSpec, Outcome};
use serde_json::Value;

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[ArgSpec::new("_raw_params", ArgType::Str, "The meta action")
        .required()
        .choices(&[
            "noop",
            "flush_handlers",
            "refresh_inventory",
            "clear_facts",
            "clear_host_errors",
            "end_play",
            "end_host",
            "end_batch",
            "end_role",
            "reset_connection",
        ])],
    free_form: Some("_raw_params"),
    returns: &[("_meta", "The meta action the executor carried out.")],
    ..ModuleSpec::new("meta", "Execute Ansible 'actions'")
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaAction {
    Noop,
    FlushHandlers,
    RefreshInventory,
    ClearFacts,
    ClearHostErrors,
    EndPlay,
    EndHost,
    EndBatch,
    EndRole,
    ResetConnection,
}

impl MetaAction {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "noop" => MetaAction::Noop,
            "flush_handlers" => MetaAction::FlushHandlers,
            "refresh_inventory" => MetaAction::RefreshInventory,
            "clear_facts" => MetaAction::ClearFacts,
            "clear_host_errors" => MetaAction::ClearHostErrors,
            "end_play" => MetaAction::EndPlay,
            "end_host" => MetaAction::EndHost,
            "end_batch" => MetaAction::EndBatch,
            "end_role" => MetaAction::EndRole,
            "reset_connection" => MetaAction::ResetConnection,
            _ => return None,
        })
    }
}

/// The executor acts on `_meta` in the outcome.
pub fn run(_ctx: &ControlCtx<'_>, args: Args) -> Result<Outcome, ModuleError> {
    let what = args
        .get("_raw_params")
        .and_then(Value::as_str)
        .unwrap_or("noop");
    MetaAction::parse(what)
        .ok_or_else(|| ModuleError::failed(format!("invalid meta action requested: {what}")))?;
    Ok(Outcome::ok().with("_meta", what))
}
