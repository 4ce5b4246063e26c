//! Bad inventories: `srplay inventory --list` must exit 1 (never panic or
//! hang) and print the golden `expected.stderr`, in which the case directory
//! is written `<CASE_DIR>`. Each case is a directory under
//! `tests/fixtures/inventory/bad/` with `args` (relative to the case dir).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn cases() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/inventory/bad");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("bad fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn check(dir: &Path) -> Option<String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let args: Vec<String> = std::fs::read_to_string(dir.join("args"))
        .expect("args")
        .split_whitespace()
        .map(String::from)
        .collect();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_srplay"))
        .arg("inventory")
        .args(&args)
        .arg("--list")
        .current_dir(dir)
        .output()
        .expect("spawn srplay");
    let elapsed = start.elapsed();
    // The canonical path is what srplay prints (sources are made absolute).
    let canon = std::fs::canonicalize(dir).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr)
        .replace(&canon.to_string_lossy().to_string(), "<CASE_DIR>")
        .replace(&dir.to_string_lossy().to_string(), "<CASE_DIR>");
    let want = std::fs::read_to_string(dir.join("expected.stderr")).expect("expected.stderr");
    let mut problems = Vec::new();
    if out.status.code() != Some(1) {
        problems.push(format!("exit status {:?}, want 1", out.status.code()));
    }
    if stderr != want {
        problems.push(format!("stderr:\n{stderr}\nwant:\n{want}"));
    }
    if elapsed > Duration::from_secs(10) {
        problems.push(format!("took {elapsed:?}"));
    }
    (!problems.is_empty()).then(|| format!("case {name}: {}", problems.join("; ")))
}

#[test]
fn bad_inventories_fail_with_file_and_line() {
    let dirs = cases();
    assert!(dirs.len() >= 10, "expected at least 10 bad-input cases");
    let failures: Vec<String> = dirs.iter().filter_map(|d| check(d)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
