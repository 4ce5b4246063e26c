//! What a module run reports: Ansible's result dictionary, typed.

use serde_json::{Map, Value};

/// One before/after pair for `--diff` (Ansible's `diff` result entry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub before_header: String,
    pub after_header: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub changed: bool,
    pub failed: bool,
    pub skipped: bool,
    pub msg: Option<String>,
    pub diff: Vec<Diff>,
    pub warnings: Vec<String>,
    /// Every other return value (`rc`, `stdout`, `dest`, `checksum`…),
    /// stored by `register` next to `changed`/`failed`/`msg`.
    pub data: Map<String, Value>,
}

impl Outcome {
    pub fn ok() -> Self {
        Outcome::default()
    }

    pub fn changed(changed: bool) -> Self {
        Outcome {
            changed,
            ..Default::default()
        }
    }

    pub fn failed(msg: impl Into<String>) -> Self {
        Outcome {
            failed: true,
            msg: Some(msg.into()),
            ..Default::default()
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.data.insert(key.to_string(), value.into());
        self
    }

    pub fn with_msg(mut self, msg: impl Into<String>) -> Self {
        self.msg = Some(msg.into());
        self
    }

    pub fn with_diff(mut self, diff: Diff) -> Self {
        self.diff.push(diff);
        self
    }

    /// The dictionary `register` stores, as Ansible shapes it.
    pub fn to_result(&self) -> Map<String, Value> {
        let mut m = self.data.clone();
        m.insert("changed".into(), Value::Bool(self.changed));
        if self.failed {
            m.insert("failed".into(), Value::Bool(true));
        } else {
            m.entry("failed").or_insert(Value::Bool(false));
        }
        if self.skipped {
            m.insert("skipped".into(), Value::Bool(true));
        }
        if let Some(msg) = &self.msg {
            m.insert("msg".into(), Value::String(msg.clone()));
        }
        if !self.diff.is_empty() {
            let d: Vec<Value> = self
                .diff
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "before_header": d.before_header, "after_header": d.after_header,
                        "before": d.before, "after": d.after,
                    })
                })
                .collect();
            m.insert(
                "diff".into(),
                if d.len() == 1 {
                    d[0].clone()
                } else {
                    Value::Array(d)
                },
            );
        }
        if !self.warnings.is_empty() {
            m.insert("warnings".into(), self.warnings.clone().into());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_dict_has_ansible_keys() {
        let r = Outcome::changed(true)
            .with("rc", 0)
            .with_msg("done")
            .to_result();
        assert_eq!(r["changed"], true);
        assert_eq!(r["failed"], false);
        assert_eq!(r["rc"], 0);
        assert_eq!(r["msg"], "done");
        assert!(!r.contains_key("skipped"));
        let f = Outcome::failed("boom").to_result();
        assert_eq!(f["failed"], true);
        assert_eq!(f["changed"], false);
    }
}
