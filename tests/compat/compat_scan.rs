//! `srplay compat` golden outputs: every project with an `expected.txt`
//! is scanned (text and JSON) and compared; every `run`/`vault` project
//! (they run under srplay) must scan clean with exit 0.
//! Regenerate goldens with SRPLAY_BLESS=1.

use crate::compat_support;

use std::path::Path;
use std::process::Command;

fn scan(dir: &Path, json: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_srplay"));
    cmd.args(["compat", "."]).current_dir(dir);
    if json {
        cmd.args(["--output", "json"]);
    }
    let out = cmd.output().expect("run srplay compat");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn unsupported_projects_match_goldens() {
    let unsupported = compat_support::projects("compat");
    assert!(
        unsupported.len() >= 6,
        "expected at least 6 compat projects, found {}",
        unsupported.len()
    );
    let clean = compat_support::projects("clean");
    assert!(!clean.is_empty(), "expected a `clean` project");
    let cases: Vec<(&std::path::PathBuf, i32)> = unsupported
        .iter()
        .map(|d| (d, 1))
        .chain(clean.iter().map(|d| (d, 0)))
        .collect();
    let bless = std::env::var_os("SRPLAY_BLESS").is_some();
    let mut failures = Vec::new();
    for (dir, want_code) in cases {
        for (json, file) in [(false, "expected.txt"), (true, "expected.json")] {
            let (code, out) = scan(dir, json);
            if code != want_code {
                failures.push(format!("{}: exit {code}, want {want_code}", dir.display()));
            }
            let golden = dir.join(file);
            if bless {
                std::fs::write(&golden, &out).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&golden).unwrap_or_default();
            if want != out {
                failures.push(format!(
                    "{}:\n{}",
                    golden.display(),
                    srplay_engine::output::unified_diff(&want, &out, "expected", "srplay compat")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn runnable_projects_scan_clean() {
    let mut dirs = compat_support::projects("run");
    dirs.extend(compat_support::projects("pending"));
    assert!(dirs.len() >= 15);
    let mut failures = Vec::new();
    for dir in &dirs {
        let (code, out) = scan(dir, false);
        let summary = out.lines().last().unwrap_or_default().to_string();
        if code != 0 || !summary.contains(" 0 not") {
            failures.push(format!("{}: exit {code}\n{out}", dir.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn json_totals_agree_with_findings() {
    for dir in compat_support::projects("compat") {
        let (_, out) = scan(&dir, true);
        let doc: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        let findings = doc["findings"].as_array().expect("findings");
        let errors = findings.iter().filter(|f| f["severity"] == "error").count();
        assert_eq!(
            doc["totals"]["errors"].as_u64(),
            Some(errors as u64),
            "{}",
            dir.display()
        );
        assert_eq!(
            doc["totals"]["files"].as_u64(),
            Some(doc["files"].as_array().unwrap().len() as u64)
        );
        for f in findings {
            for key in ["file", "line", "col", "kind", "name", "message", "severity"] {
                assert!(f.get(key).is_some(), "{key} missing in {f}");
            }
        }
    }
}

#[test]
fn exit_codes_table() {
    let root = compat_support::projects_root();
    let cases: &[(&str, i32)] = &[
        ("loops", 0),
        ("unsupported_collection", 1),
        ("/nonexistent/srplay-compat-path", 2),
    ];
    for (path, want) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_srplay"))
            .args(["compat", &root.join(path).display().to_string()])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(*want),
            "{path}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
