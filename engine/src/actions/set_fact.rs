//! `set_fact`: set host variables (above play and task vars).

use super::ControlCtx;
use crate::module::{Args, ModuleError, ModuleSpec, Outcome};
use serde_json::{Map, Value};

pub static SPEC: ModuleSpec = ModuleSpec {
    open: true,
    returns: &[
        ("ansible_facts", "The variables set; they become host variables for the rest of the run (`cacheable` is accepted: srplay keeps no fact cache)."),
    ],
    ..ModuleSpec::new("set_fact", "Set host variables and facts")
};

pub fn run(_ctx: &ControlCtx<'_>, args: Args) -> Result<Outcome, ModuleError> {
    let mut facts = Map::new();
    for (k, v) in args {
        if k == "cacheable" {
            continue;
        }
        if !is_identifier(&k) {
            return Err(ModuleError::failed(format!(
                "The variable name '{k}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores."
            )));
        }
        facts.insert(k, v);
    }
    if facts.is_empty() {
        return Err(ModuleError::failed(
            "No key/value pairs provided, at least one is required for this action to succeed",
        ));
    }
    Ok(Outcome::ok().with("ansible_facts", Value::Object(facts)))
}

pub fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
