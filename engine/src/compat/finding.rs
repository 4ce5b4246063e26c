//! What the scanner reports.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Not supported: the project will not run (or not the same) as is.
    Error,
    /// Accepted but behaves differently or has no effect.
    Warning,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub col: usize,
    /// module, keyword, filter, test, lookup, plugin, strategy,
    /// connection, callback, config, role, include, syntax.
    pub kind: &'static str,
    pub name: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    pub severity: Severity,
    /// Index of the task the finding belongs to, if any.
    #[serde(skip)]
    pub task: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScannedFile {
    pub path: String,
    /// playbook, tasks, handlers, vars, meta, template, inventory,
    /// ansible.cfg, module, plugin, vault, other.
    pub kind: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub files: usize,
    pub tasks: usize,
    pub supported: usize,
    pub unsupported: usize,
    pub errors: usize,
    pub warnings: usize,
    pub unreadable: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub files: Vec<ScannedFile>,
    pub findings: Vec<Finding>,
    pub totals: Totals,
}

impl Report {
    /// 0: everything supported; 1: something is not; 2: unreadable input.
    pub fn exit_code(&self) -> i32 {
        if self.totals.unreadable > 0 {
            2
        } else if self.totals.errors > 0 {
            1
        } else {
            0
        }
    }

    /// Distinct `kind name` of the errors, in order of first appearance,
    /// with their counts.
    pub fn unsupported_names(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for f in self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            let label = format!("{} {}", f.kind, f.name);
            match out.iter_mut().find(|(l, _)| *l == label) {
                Some((_, n)) => *n += 1,
                None => out.push((label, 1)),
            }
        }
        out
    }
}
