//! Golden tests for bad playbooks: `tests/fixtures/bad/<case>/` holds the
//! playbook, `expected.stderr` (paths written `<CASE>`), `expected.rc` and
//! optionally `expected.stdout`. Every case's first task would create the
//! file `marker`: it must not exist afterwards when loading failed.

mod playbook_support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn bad_playbooks_report_location_and_touch_nothing() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 7, "expected the bad-playbook cases");
    let mut failures = Vec::new();
    for name in &names {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(name);
        copy_dir(&root.join(name), &dir);
        let out = Command::new(env!("CARGO_BIN_EXE_srplay"))
            .args(["-i", "localhost,", "-c", "local", "play.yml"])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let placeholder =
            |s: &[u8]| String::from_utf8_lossy(s).replace(&dir.display().to_string(), "<CASE>");
        let (stderr, stdout) = (placeholder(&out.stderr), placeholder(&out.stdout));
        let want_rc: i32 = std::fs::read_to_string(dir.join("expected.rc"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let want_err = std::fs::read_to_string(dir.join("expected.stderr")).unwrap();
        let rc = out.status.code().unwrap_or(-1);
        if rc != want_rc {
            failures.push(format!("{name}: exit {rc}, want {want_rc}"));
        }
        if stderr != want_err {
            failures.push(format!(
                "{name}: stderr differs\n--- want\n{want_err}--- got\n{stderr}"
            ));
        }
        if let Ok(want_out) = std::fs::read_to_string(dir.join("expected.stdout")) {
            if stdout != want_out {
                failures.push(format!(
                    "{name}: stdout differs\n--- want\n{want_out}--- got\n{stdout}"
                ));
            }
        }
        if want_rc == 1 && dir.join("marker").exists() {
            failures.push(format!(
                "{name}: a host was touched before validation failed"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
