//! `fail`: fail with a message.

use super::ControlCtx;
use crate::module::{ArgSpec, ArgType, Args, ModuleError, ModuleSpec, Outcome};
use serde_json::Value;

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[ArgSpec::new("msg", ArgType::Raw, "The failure message")
        .default("\"Failed as requested from task\"")],
    returns: &[("msg", "The message given.")],
    ..ModuleSpec::new("fail", "Fail with custom message")
};

pub fn run(_ctx: &ControlCtx<'_>, args: Args) -> Result<Outcome, ModuleError> {
    let mut o = Outcome::failed("");
    o.msg = None;
    let msg = args
        .get("msg")
        .cloned()
        .unwrap_or(Value::String("Failed as requested from task".into()));
    o.data.insert("msg".into(), msg);
    o.data
        .insert("exception".into(), "(traceback unavailable)".into());
    Ok(o)
}
