//! The arguments file a script module reads (its path is `argv[1]`).

use super::source::ArgsStyle;
use crate::shell::quote;
use serde_json::{json, Map, Value};

/// Ansible's internal arguments every module receives, next to its own.
pub struct Internal<'a> {
    pub module_name: &'a str,
    pub check_mode: bool,
    pub diff: bool,
    pub verbosity: u8,
    pub no_log: bool,
}

/// The version reported in `_ansible_version`: the ansible-core release
/// whose behaviour srplay follows.
const ANSIBLE_VERSION: &str = "2.19.14";

pub fn render(style: ArgsStyle, args: &Map<String, Value>, internal: &Internal<'_>) -> String {
    let mut all = args.clone();
    let extra = [
        ("_ansible_check_mode", json!(internal.check_mode)),
        ("_ansible_no_log", json!(internal.no_log)),
        ("_ansible_debug", json!(false)),
        ("_ansible_diff", json!(internal.diff)),
        ("_ansible_verbosity", json!(internal.verbosity)),
        ("_ansible_version", json!(ANSIBLE_VERSION)),
        ("_ansible_module_name", json!(internal.module_name)),
    ];
    for (k, v) in extra {
        all.insert(k.to_string(), v);
    }
    match style {
        ArgsStyle::Json => Value::Object(all).to_string(),
        ArgsStyle::AnsibleModule => json!({ "ANSIBLE_MODULE_ARGS": all }).to_string(),
        ArgsStyle::KeyValue => key_value(&all),
    }
}

/// `k=v` pairs, each value shell-quoted, as Ansible writes old-style args
/// (values are stringified the way Python's `str()` would).
fn key_value(args: &Map<String, Value>) -> String {
    args.iter()
        .map(|(k, v)| format!("{k}={}", quote(&python_str(v))))
        .collect::<Vec<_>>()
        .join(" ")
}

fn python_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn internal() -> Internal<'static> {
        Internal {
            module_name: "m",
            check_mode: true,
            diff: false,
            verbosity: 0,
            no_log: false,
        }
    }

    #[test]
    fn styles_render() {
        let args = json!({"name": "a b", "n": 3}).as_object().unwrap().clone();
        let kv = render(ArgsStyle::KeyValue, &args, &internal());
        assert!(
            kv.starts_with("name='a b' n=3 _ansible_check_mode=True _ansible_no_log=False"),
            "{kv}"
        );
        let j: Value = serde_json::from_str(&render(ArgsStyle::Json, &args, &internal())).unwrap();
        assert_eq!(j["name"], "a b");
        assert_eq!(j["_ansible_check_mode"], true);
        assert_eq!(j["_ansible_module_name"], "m");
        let am: Value =
            serde_json::from_str(&render(ArgsStyle::AnsibleModule, &args, &internal())).unwrap();
        assert_eq!(am["ANSIBLE_MODULE_ARGS"]["n"], 3);
    }
}
