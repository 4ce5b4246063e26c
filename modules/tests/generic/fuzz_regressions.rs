//! Inputs that once failed a fuzz target in `fuzz/`, replayed on every test
//! run. `tests/fixtures/fuzz-regressions/<target>/<case>` is the raw input
//! the target was given; each must give a clean result, never a panic.

use srplay_modules::jvm_options::{self, FlagEdit};
use srplay_modules::starrocks_config::{check_entry, edit_conf};
use srplay_testkit::fuzz_replay::regression_cases;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// The conf_edit target's input: conf text, then after a `%%` line edit
/// lines `set k=v` / `rm k` / `flag F` / `noflag F`.
fn split_edits(text: &str) -> (&str, Vec<(String, String)>, Vec<String>, FlagEdit) {
    let (conf, edits) = text.split_once("\n%%\n").unwrap_or((text, ""));
    let (mut set, mut remove, mut flags) = (Vec::new(), Vec::new(), FlagEdit::default());
    for line in edits.lines() {
        let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
        match cmd {
            "set" => {
                let (k, v) = arg.split_once('=').unwrap_or((arg, ""));
                set.push((k.to_string(), v.to_string()));
            }
            "rm" => remove.push(arg.to_string()),
            "flag" => flags.set.push(arg.to_string()),
            "noflag" => flags.remove.push(arg.to_string()),
            _ => {}
        }
    }
    (conf, set, remove, flags)
}

/// Every setting the module accepts (check_entry) edits idempotently: a
/// second run with the same settings changes nothing.
#[test]
fn conf_edit_regressions() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-regressions/conf_edit");
    for case in regression_cases(&dir) {
        let (name, input) = (case.name, case.input);
        let text = String::from_utf8_lossy(&input).into_owned();
        let result = catch_unwind(AssertUnwindSafe(|| {
            let (conf, set, remove, flags) = split_edits(&text);
            let set: Vec<_> = set
                .into_iter()
                .filter(|(k, v)| check_entry(k, v).is_ok())
                .collect();
            let (once, _) = edit_conf(conf, &set, &remove);
            let (twice, _) = edit_conf(&once, &set, &remove);
            let _ = jvm_options::edit_java_opts(conf, &flags, None);
            once == twice
        }));
        assert_eq!(
            result.ok(),
            Some(true),
            "{name}: panicked or not idempotent"
        );
    }
}

/// Keys and values that would not read back as the same single entry.
#[test]
fn conf_entries_that_break_the_line_format_are_refused() {
    let bad = [
        ("http_port ", "8030"),
        ("", "1"),
        ("a=b", "1"),
        ("a#b", "1"),
        ("C\"", ""),
        ("a\nb", "1"),
        ("mem_limit", "80%\nsys_log_level = DEBUG"),
    ];
    for (k, v) in bad {
        assert!(check_entry(k, v).is_err(), "{k:?} = {v:?} accepted");
    }
    assert_eq!(check_entry("mem_limit", "80%"), Ok(()));
    assert_eq!(check_entry("JAVA_OPTS", "\"-Xmx8g\t-XX:+UseG1GC\""), Ok(()));
}
