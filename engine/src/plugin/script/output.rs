//! Reading what a script module printed, as Ansible does: the JSON object
//! in stdout (junk lines before or after it tolerated), or a
//! `MODULE FAILURE` result carrying the raw output.

use serde_json::{json, Map, Value};

/// What the module's process did.
pub struct Printed<'a> {
    pub rc: i32,
    pub stdout: &'a str,
    pub stderr: &'a str,
}

/// Why a run produced no JSON, for the hint in the failure message.
pub struct Hints<'a> {
    /// The interpreter used (to detect "interpreter not found").
    pub interpreter: Option<&'a str>,
    /// The module imports ansible.module_utils.
    pub ansible_module: bool,
}

pub const DOCS_HINT: &str = "docs/plugins.md, \"Script modules\"";

pub fn parse(p: &Printed<'_>, hints: &Hints<'_>) -> Map<String, Value> {
    match extract_json(p.stdout) {
        Some((mut dict, junk)) => {
            if let Some(junk) = junk {
                add_warning(
                    &mut dict,
                    format!("Module invocation had junk after the JSON data: {junk}"),
                );
            }
            dict
        }
        None => module_failure(p, hints),
    }
}

fn add_warning(dict: &mut Map<String, Value>, warning: String) {
    match dict.get_mut("warnings") {
        Some(Value::Array(list)) => list.push(Value::String(warning)),
        _ => {
            dict.insert("warnings".into(), json!([warning]));
        }
    }
}

/// The first line starting with `{` up to the last line ending with `}`;
/// also returns any trailing junk.
fn extract_json(stdout: &str) -> Option<(Map<String, Value>, Option<String>)> {
    let lines: Vec<&str> = stdout.lines().collect();
    let start = lines.iter().position(|l| l.starts_with('{'))?;
    let rest = &lines[start..];
    let end = rest.iter().rposition(|l| l.trim_end().ends_with('}'))?;
    let text = rest[..=end].join("\n");
    let junk = rest[end + 1..].join("\n");
    match serde_json::from_str(&text).ok()? {
        Value::Object(m) => Some((m, (!junk.trim().is_empty()).then_some(junk))),
        _ => None,
    }
}

fn module_failure(p: &Printed<'_>, hints: &Hints<'_>) -> Map<String, Value> {
    let mut msg = "MODULE FAILURE".to_string();
    let out = format!("{}\n{}", p.stdout, p.stderr);
    if hints
        .interpreter
        .is_some_and(|i| interpreter_missing(i, &out))
    {
        msg = "The module failed to execute correctly, you probably need to set the interpreter."
            .into();
    } else if hints.ansible_module && import_failed(&out) {
        msg.push_str(&format!(
            "\nThe module uses ansible.module_utils (AnsibleModule), which cannot be imported on \
             the target. srplay runs WANT_JSON and old-style (key=value) script modules; an \
             AnsibleModule module needs ansible installed on the target (see {DOCS_HINT})."
        ));
    }
    msg.push_str("\nSee stdout/stderr for the exact error");
    let mut r = Map::new();
    r.insert("failed".into(), json!(true));
    r.insert("msg".into(), json!(msg));
    r.insert("module_stdout".into(), json!(p.stdout));
    r.insert("module_stderr".into(), json!(p.stderr));
    let traceback = [p.stderr, p.stdout]
        .into_iter()
        .find(|s| s.starts_with("Traceback"));
    if let Some(tb) = traceback {
        r.insert("exception".into(), json!(tb));
    }
    r.insert("rc".into(), json!(p.rc));
    r
}

fn interpreter_missing(interpreter: &str, out: &str) -> bool {
    [": No such file or directory", ": not found"]
        .iter()
        .any(|tail| out.contains(&format!("{interpreter}{tail}")))
}

fn import_failed(out: &str) -> bool {
    out.contains("No module named 'ansible") || out.contains("ImportError")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stdout: &str, stderr: &str, rc: i32) -> Map<String, Value> {
        parse(
            &Printed { rc, stdout, stderr },
            &Hints {
                interpreter: Some("/usr/bin/nope"),
                ansible_module: true,
            },
        )
    }

    #[test]
    fn json_found_among_junk() {
        let r = run("booting\n{\"changed\": true,\n \"x\": 1}\nbye\n", "", 0);
        assert_eq!(r["changed"], true);
        assert_eq!(r["x"], 1);
        assert_eq!(
            r["warnings"][0],
            "Module invocation had junk after the JSON data: bye"
        );
    }

    #[test]
    fn failures_table() {
        // (stdout, stderr, expected msg start)
        let cases = [
            ("not json", "", "MODULE FAILURE\nSee stdout/stderr"),
            ("[1, 2]", "", "MODULE FAILURE\nSee stdout/stderr"),
            ("{broken", "", "MODULE FAILURE\nSee stdout/stderr"),
            ("", "sh: 1: /usr/bin/nope: not found", "The module failed to execute correctly, you probably need to set the interpreter.\nSee"),
            ("", "Traceback (most recent call last):\nModuleNotFoundError: No module named 'ansible'", "MODULE FAILURE\nThe module uses ansible.module_utils"),
        ];
        for (stdout, stderr, want) in cases {
            let r = run(stdout, stderr, 1);
            assert_eq!(r["failed"], true, "{stdout}");
            assert!(
                r["msg"].as_str().unwrap().starts_with(want),
                "{stdout}: {}",
                r["msg"]
            );
            assert_eq!(r["module_stdout"], stdout);
            assert_eq!(r["rc"], 1);
        }
        assert!(run("", "Traceback (x)", 1).contains_key("exception"));
    }
}
