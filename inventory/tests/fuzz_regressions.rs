//! Inputs that once crashed, hung or exhausted memory (found by the fuzz
//! targets in `fuzz/` or the bad-input corpus), replayed on every test run.
//! `tests/fixtures/fuzz-regressions/<target>/<case>` is the input (its
//! extension picks the inventory format); an optional `<case>.err` holds
//! text the error must contain. Each input must give a clean `Ok` or `Err`,
//! never a panic.

use inventory_parser::{range, Inventory};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// (case name, input bytes, expected error text) of one target's cases.
fn cases(target: &str) -> Vec<(String, Vec<u8>, Option<String>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz-regressions")
        .join(target);
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).expect("regression dir") {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "err") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let err = std::fs::read_to_string(dir.join(format!("{name}.err")))
            .ok()
            .map(|s| s.trim_end().to_string());
        out.push((name, std::fs::read(&path).unwrap(), err));
    }
    out.sort();
    assert!(!out.is_empty(), "no regression inputs in {}", dir.display());
    out
}

/// Runs every case; collects panics and unmet error expectations.
fn replay(target: &str, run: impl Fn(&str, &[u8]) -> Result<(), String>) {
    let mut failures = Vec::new();
    for (name, input, want_err) in cases(target) {
        match catch_unwind(AssertUnwindSafe(|| run(&name, &input))) {
            Err(_) => failures.push(format!("{name}: panicked")),
            Ok(Ok(())) if want_err.is_some() => failures.push(format!("{name}: no error")),
            Ok(Err(got)) => {
                if let Some(want) = want_err.filter(|w| !got.contains(w.as_str())) {
                    failures.push(format!("{name}: error {got:?} lacks {want:?}"));
                }
            }
            Ok(Ok(())) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn inventory_parse_regressions() {
    replay("inventory_parse", |name, input| {
        let path = Path::new("/nonexistent/srplay-fuzz").join(name);
        let inv = Inventory::from_bytes(&path, input).map_err(|e| e.to_string())?;
        let _ = inventory_parser::list_json(&inv, &[], false);
        Ok(())
    });
}

#[test]
fn host_pattern_regressions() {
    let inv = Inventory::from_bytes(
        Path::new("/nonexistent/hosts.ini"),
        b"[fe]\nfe[1:3]\n[be]\nbe[01:10]\n",
    )
    .unwrap();
    replay("host_pattern", |_, input| {
        let text = std::str::from_utf8(input).map_err(|e| e.to_string())?;
        range::expand(text)?;
        inv.select(text).map(|_| ()).map_err(|e| e.to_string())
    });
}
