//! `debug`: print a message or a variable.

use super::{verbose_always, ControlCtx};
use crate::module::{ArgSpec, ArgType, Args, ModuleError, ModuleSpec, Outcome};
use serde_json::Value;

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[
        ArgSpec::new("msg", ArgType::Raw, "The message to print").default("\"Hello world!\""),
        ArgSpec::new("var", ArgType::Str, "A variable (or expression) to print"),
        ArgSpec::new(
            "verbosity",
            ArgType::Int,
            "Print only at this -v level or above",
        )
        .default("0"),
    ],
    mutually_exclusive: &[&["msg", "var"]],
    returns: &[
        ("msg", "The message (with `msg`)."),
        (
            "<var>",
            "With `var`: the value, under the variable's (or expression's) name.",
        ),
        (
            "skipped_reason",
            "Set when `verbosity` is above the run's `-v` level.",
        ),
    ],
    ..ModuleSpec::new("debug", "Print statements during execution")
};

pub fn run(ctx: &ControlCtx<'_>, args: Args) -> Result<Outcome, ModuleError> {
    let verbosity = args.get("verbosity").and_then(Value::as_i64).unwrap_or(0);
    if verbosity > i64::from(ctx.verbosity) {
        let mut o = Outcome::ok();
        o.skipped = true;
        return Ok(o.with("skipped_reason", "Verbosity threshold not met."));
    }
    let mut o = Outcome::ok();
    match args.get("var").and_then(Value::as_str) {
        Some(var) => {
            let expr = format!("{{{{ {var} }}}}");
            let value = match ctx.eval.render(&Value::String(expr)) {
                Ok(v) => v,
                Err(e) if e.contains("is undefined") => {
                    Value::String(format!("<< error 1 - {} >>", undefined_reason(ctx, var)))
                }
                Err(e) => return Err(ModuleError::failed(e)),
            };
            o.data.insert(var.to_string(), value);
        }
        None => {
            let msg = args
                .get("msg")
                .cloned()
                .unwrap_or(Value::String("Hello world!".into()));
            o.data.insert("msg".into(), msg);
        }
    }
    Ok(verbose_always(o))
}

/// ansible-core's reason for an undefined `var`: for a plain variable
/// chain, the first missing link (`'p' is undefined`, `object of type
/// 'dict' has no attribute 'delta'`); for another expression, the whole
/// text.
fn undefined_reason(ctx: &ControlCtx<'_>, var: &str) -> String {
    let var = var.trim();
    if !var.split('.').all(super::set_fact::is_identifier) {
        return format!("'{var}' is undefined");
    }
    let strict = format!(
        "{{{{ {}({var}, '{var}') }}}}",
        crate::template::filters::STRICT_FN
    );
    // An error names the template it came from; the reason comes first.
    let reason = |e: &str| e.split(" (in `").next().unwrap_or(e).to_string();
    match ctx.eval.render(&Value::String(strict)) {
        Err(e) => reason(&e),
        _ => format!("'{var}' is undefined"),
    }
}
