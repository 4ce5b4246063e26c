//! A plugin's [`ModuleDoc`] as the engine's [`ModuleSpec`], so plugin
//! modules get the same load-time argument checks and `srplay doc` page
//! as built-in ones.
//!
//! `ModuleSpec` holds `&'static` data; a plugin's is built once per
//! library (libraries are cached and never unloaded) and leaked.

use crate::module::{ArgSpec, ArgType, ModuleSpec};
use serde_json::Value;
use srplay_plugin_api::{ModuleDoc, OptionDoc, OptionType};

pub(crate) fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn leak_strs(v: &[String]) -> &'static [&'static str] {
    Box::leak(
        v.iter()
            .map(|s| leak_str(s))
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    )
}

pub(crate) fn spec_from_doc(doc: &ModuleDoc, description: String) -> &'static ModuleSpec {
    let options: Vec<ArgSpec> = doc.options.iter().map(arg_spec).collect();
    let returns: Vec<(&'static str, &'static str)> = doc
        .returns
        .iter()
        .map(|r| (leak_str(&r.name), leak_str(&r.description)))
        .collect();
    Box::leak(Box::new(ModuleSpec {
        aliases: leak_strs(&doc.aliases),
        options: Box::leak(options.into_boxed_slice()),
        returns: Box::leak(returns.into_boxed_slice()),
        ..ModuleSpec::new(leak_str(&doc.name), leak_str(&description))
    }))
}

fn arg_spec(opt: &OptionDoc) -> ArgSpec {
    ArgSpec {
        name: leak_str(&opt.name),
        kind: arg_type(opt.kind),
        required: opt.required,
        aliases: leak_strs(&opt.aliases),
        choices: leak_strs(&opt.choices),
        default: opt.default.as_ref().map(|d| leak_str(&default_text(d))),
        no_log: opt.no_log,
        doc: leak_str(&opt.doc),
    }
}

fn arg_type(kind: OptionType) -> ArgType {
    match kind {
        OptionType::Str => ArgType::Str,
        OptionType::Bool => ArgType::Bool,
        OptionType::Int => ArgType::Int,
        OptionType::Float => ArgType::Float,
        OptionType::List => ArgType::List,
        OptionType::Dict => ArgType::Dict,
        OptionType::Path => ArgType::Path,
        OptionType::Mode => ArgType::Mode,
        OptionType::Raw => ArgType::Raw,
    }
}

/// `ArgSpec::default` is text parsed as JSON, falling back to a string:
/// a plain string stays bare (`Hello`) unless it would parse as
/// something else (`"10"`, `"true"`), which is then kept quoted.
fn default_text(v: &Value) -> String {
    match v {
        Value::String(s) if serde_json::from_str::<Value>(s).is_err() => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_round_trip_through_normalize() {
        let doc = ModuleDoc {
            name: "m".into(),
            options: vec![
                OptionDoc::new("greeting", OptionType::Str, "").default("Hello"),
                OptionDoc::new("port", OptionType::Str, "").default("10"),
                OptionDoc::new("n", OptionType::Int, "").default(3),
                OptionDoc::new("flag", OptionType::Bool, "").default(true),
                OptionDoc::new("state", OptionType::Str, "")
                    .choices(&["present", "absent"])
                    .default("present"),
            ],
            ..Default::default()
        };
        let spec = spec_from_doc(&doc, "d".into());
        let got = spec.normalize(serde_json::Map::new()).unwrap();
        assert_eq!(
            Value::Object(got),
            json!({"greeting": "Hello", "port": "10", "n": 3, "flag": true, "state": "present"})
        );
        let err = spec
            .check(json!({"state": "gone"}).as_object().unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("one of: present, absent"), "{err}");
    }
}
