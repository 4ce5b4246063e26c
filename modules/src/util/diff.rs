//! `--diff` entries and their unified rendering.

use similar::TextDiff;
use srplay_engine::module::Diff;

/// A before/after text diff of one file, headed like Ansible's.
pub fn file_diff(path: &str, before: Option<&str>, after: Option<&str>) -> Diff {
    Diff {
        before_header: path.to_string(),
        after_header: path.to_string(),
        before: before.unwrap_or_default().to_string(),
        after: after.unwrap_or_default().to_string(),
    }
}

/// A state change (`file`: absent -> directory…) as Ansible's `file` shows it.
pub fn state_diff(path: &str, before: &str, after: &str) -> Diff {
    Diff {
        before_header: path.to_string(),
        after_header: path.to_string(),
        before: format!("path: {path}\nstate: {before}\n"),
        after: format!("path: {path}\nstate: {after}\n"),
    }
}

/// The unified diff text a callback prints for one entry
/// (`--- before: f` / `+++ after: f` / hunks), as Ansible's default does.
pub fn unified(d: &Diff) -> String {
    let diff = TextDiff::from_lines(&d.before, &d.after);
    let mut out = String::new();
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("before: {}", d.before_header),
            &format!("after: {}", d.after_header),
        )
        .to_string();
    out.push_str(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_table() {
        let cases = [
            (
                "a\nb\n",
                "a\nc\n",
                "--- before: /f\n+++ after: /f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n",
            ),
            ("same\n", "same\n", ""),
            (
                "",
                "new\n",
                "--- before: /f\n+++ after: /f\n@@ -0,0 +1 @@\n+new\n",
            ),
        ];
        for (before, after, want) in cases {
            let d = file_diff("/f", Some(before), Some(after));
            assert_eq!(unified(&d), want, "{before:?} -> {after:?}");
        }
    }
}
