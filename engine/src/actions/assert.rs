//! `assert`: fail unless every condition holds.

use super::{verbose_always, ControlCtx};
use crate::module::{ArgSpec, ArgType, Args, ModuleError, ModuleSpec, Outcome};
use serde_json::Value;

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[
        // Raw, not List: a lone string is one condition (commas inside it
        // belong to the expression), as in ansible-core.
        ArgSpec::new(
            "that",
            ArgType::Raw,
            "Conditions that must all be true (a list, or one condition)",
        )
        .required(),
        ArgSpec::new("fail_msg", ArgType::Raw, "Message when an assertion fails").aliases(&["msg"]),
        ArgSpec::new("success_msg", ArgType::Raw, "Message when all pass"),
        ArgSpec::new("quiet", ArgType::Bool, "Print less").default("false"),
    ],
    returns: &[
        (
            "msg",
            "`success_msg` when every condition holds, `fail_msg` (or `msg`) otherwise.",
        ),
        ("assertion", "The first condition that failed."),
        (
            "evaluated_to",
            "What that condition evaluated to (`false`).",
        ),
    ],
    ..ModuleSpec::new("assert", "Asserts given expressions are true")
};

pub fn run(ctx: &ControlCtx<'_>, args: Args) -> Result<Outcome, ModuleError> {
    let quiet = args.get("quiet").and_then(Value::as_bool).unwrap_or(false);
    let that = match args.get("that") {
        Some(Value::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
        None => vec![],
    };
    for cond in &that {
        let ok = ctx.eval.condition(cond).map_err(ModuleError::failed)?;
        if !ok {
            let msg = match args.get("fail_msg") {
                Some(Value::Null) | None => Value::String("Assertion failed".into()),
                Some(m) => m.clone(),
            };
            let assertion = match cond {
                Value::String(s) => Value::String(s.clone()),
                other => other.clone(),
            };
            let mut o = Outcome::failed("")
                .with("assertion", assertion)
                .with("evaluated_to", false);
            o.msg = None;
            o.data.insert("msg".into(), msg);
            o.data
                .insert("exception".into(), "(traceback unavailable)".into());
            return Ok(if quiet { o } else { verbose_always(o) });
        }
    }
    let msg = match args.get("success_msg") {
        Some(Value::Null) | None => Value::String("All assertions passed".into()),
        Some(m) => m.clone(),
    };
    let mut o = Outcome::ok();
    o.data.insert("msg".into(), msg);
    Ok(if quiet { o } else { verbose_always(o) })
}
