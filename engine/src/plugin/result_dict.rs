//! An Ansible result dictionary (what a plugin or script module prints)
//! as an [`Outcome`].

use crate::module::{Diff, Outcome};
use serde_json::{Map, Value};

/// Reads `changed`, `failed`, `skipped`, `msg`, `diff`, `warnings`; every
/// other key becomes a return value. As Ansible does, a result without
/// `failed` but with a non-zero `rc` is a failure.
pub fn outcome_from_result(mut result: Map<String, Value>) -> Outcome {
    let changed = result.remove("changed").is_some_and(|v| truthy(&v));
    let rc_failed = result.get("rc").is_some_and(nonzero_rc);
    let failed = match result.remove("failed") {
        Some(v) => truthy(&v),
        None => rc_failed,
    };
    let skipped = result.remove("skipped").is_some_and(|v| truthy(&v));
    let msg = result.remove("msg").map(|v| match v {
        Value::String(s) => s,
        other => other.to_string(),
    });
    let diff = result.remove("diff").map(diffs).unwrap_or_default();
    let warnings = match result.remove("warnings") {
        Some(Value::Array(items)) => items.into_iter().map(text).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![text(other)],
    };
    Outcome {
        changed,
        failed,
        skipped,
        msg,
        diff,
        warnings,
        data: result,
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => matches!(
            s.to_ascii_lowercase().as_str(),
            "yes" | "y" | "true" | "t" | "on" | "1"
        ),
        _ => false,
    }
}

fn nonzero_rc(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_i64() != Some(0),
        Value::String(s) => s.trim() != "0",
        _ => false,
    }
}

fn diffs(v: Value) -> Vec<Diff> {
    match v {
        Value::Array(items) => items.into_iter().filter_map(one_diff).collect(),
        other => one_diff(other).into_iter().collect(),
    }
}

fn one_diff(v: Value) -> Option<Diff> {
    let Value::Object(m) = v else { return None };
    let field = |k: &str| m.get(k).cloned().map(text).unwrap_or_default();
    Some(Diff {
        before_header: field("before_header"),
        after_header: field("after_header"),
        before: field("before"),
        after: field("after"),
    })
}

fn text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => serde_json::to_string_pretty(&other).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outcome(v: Value) -> Outcome {
        outcome_from_result(v.as_object().unwrap().clone())
    }

    #[test]
    fn result_dict_table() {
        // (result, changed, failed, skipped, msg)
        let cases = [
            (
                json!({"changed": true, "msg": "m"}),
                true,
                false,
                false,
                Some("m"),
            ),
            (json!({"changed": "yes"}), true, false, false, None),
            (json!({"rc": 2}), false, true, false, None),
            (json!({"rc": 2, "failed": false}), false, false, false, None),
            (json!({"rc": "0"}), false, false, false, None),
            (
                json!({"failed": true, "msg": 3}),
                false,
                true,
                false,
                Some("3"),
            ),
            (json!({"skipped": true}), false, false, true, None),
        ];
        for (input, changed, failed, skipped, msg) in cases {
            let o = outcome(input.clone());
            assert_eq!(
                (o.changed, o.failed, o.skipped, o.msg.as_deref()),
                (changed, failed, skipped, msg),
                "{input}"
            );
        }
    }

    #[test]
    fn diff_warnings_and_data() {
        let o = outcome(json!({
            "changed": true, "rc": 0, "dest": "/f",
            "diff": {"before": "a\n", "after": "b\n", "before_header": "/f"},
            "warnings": ["careful"],
        }));
        assert_eq!(o.diff.len(), 1);
        assert_eq!(o.diff[0].before, "a\n");
        assert_eq!(o.diff[0].after_header, "");
        assert_eq!(o.warnings, vec!["careful".to_string()]);
        assert_eq!(Value::Object(o.data), json!({"rc": 0, "dest": "/f"}));
        let many = outcome(json!({"diff": [{"before": "x"}, {"after": {"k": 1}}]}));
        assert_eq!(many.diff.len(), 2);
        assert!(many.diff[1].after.contains("\"k\": 1"));
    }
}
