//! The report as text (one line per finding, then a summary) or JSON.

use super::finding::{Report, Severity};

pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let sev = match f.severity {
            Severity::Error => "not supported",
            Severity::Warning => "differs",
        };
        out.push_str(&format!(
            "{}:{}:{}: {sev}: {} {}: {}",
            f.file, f.line, f.col, f.kind, f.name, f.message
        ));
        if let Some(s) = &f.suggestion {
            out.push_str(&format!(" ({s})"));
        }
        out.push('\n');
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

/// `43 files, 512 tasks: 509 supported, 3 not: module x (2), filter y (1); 2 warnings`
pub fn summary_line(report: &Report) -> String {
    let t = &report.totals;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{}, {}: {} supported, {} not",
        plural(t.files, "file"),
        plural(t.tasks, "task"),
        t.supported,
        t.unsupported
    );
    let names = report.unsupported_names();
    if !names.is_empty() {
        let list: Vec<String> = names.iter().map(|(n, c)| format!("{n} ({c})")).collect();
        line.push_str(": ");
        line.push_str(&list.join(", "));
    }
    if t.warnings > 0 {
        line.push_str(&format!("; {} to note", plural(t.warnings, "difference")));
    }
    line
}

pub fn render_json(report: &Report) -> String {
    let doc = serde_json::json!({
        "files": report.files,
        "findings": report.findings,
        "totals": report.totals,
        "exit_code": report.exit_code(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
