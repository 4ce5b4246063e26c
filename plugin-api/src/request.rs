//! What the host asks a module to do, and what the module answers.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One module run on one host.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Request {
    /// Normalized arguments: canonical names, coerced types, defaults.
    #[serde(default)]
    pub args: Map<String, Value>,
    /// Report what would change, change nothing.
    #[serde(default)]
    pub check_mode: bool,
    /// Fill [`Response::diff`] when something changes.
    #[serde(default)]
    pub diff: bool,
    /// The inventory name of the host.
    #[serde(default)]
    pub host: String,
    /// The host's variables as the task sees them.
    #[serde(default)]
    pub vars: Map<String, Value>,
    #[serde(default)]
    pub verbosity: u8,
}

impl Request {
    /// A string argument (`None` when absent or null).
    pub fn str_arg(&self, name: &str) -> Option<&str> {
        self.args.get(name).and_then(Value::as_str)
    }

    /// A boolean argument (false when absent).
    pub fn bool_arg(&self, name: &str) -> bool {
        self.args
            .get(name)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// One before/after pair shown by `--diff`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    #[serde(default)]
    pub before_header: String,
    #[serde(default)]
    pub after_header: String,
    #[serde(default)]
    pub before: String,
    #[serde(default)]
    pub after: String,
}

/// A module's result: Ansible's result dictionary (`changed`, `msg`,
/// `diff`, `warnings`, plus any return values), which is exactly what
/// crosses the ABI.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    pub changed: bool,
    pub failed: bool,
    pub skipped: bool,
    pub msg: Option<String>,
    pub diff: Vec<Diff>,
    pub warnings: Vec<String>,
    /// Every other return value (`stdout`, `dest`…).
    pub data: Map<String, Value>,
}

impl Response {
    pub fn ok() -> Self {
        Response::default()
    }

    pub fn changed(changed: bool) -> Self {
        Response {
            changed,
            ..Default::default()
        }
    }

    /// A failed result that still carries return values (use `Err` from
    /// `run` for a plain failure).
    pub fn failed(msg: impl Into<String>) -> Self {
        Response {
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

    pub fn warn(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }

    /// The result dictionary sent to the host.
    pub fn to_result(&self) -> Map<String, Value> {
        let mut m = self.data.clone();
        m.insert("changed".into(), Value::Bool(self.changed));
        m.insert("failed".into(), Value::Bool(self.failed));
        if self.skipped {
            m.insert("skipped".into(), Value::Bool(true));
        }
        if let Some(msg) = &self.msg {
            m.insert("msg".into(), Value::String(msg.clone()));
        }
        if !self.diff.is_empty() {
            let diffs = self
                .diff
                .iter()
                .map(|d| serde_json::to_value(d).unwrap_or(Value::Null))
                .collect();
            m.insert("diff".into(), Value::Array(diffs));
        }
        if !self.warnings.is_empty() {
            m.insert("warnings".into(), self.warnings.clone().into());
        }
        m
    }
}
