//! Inputs that once crashed, hung or exhausted memory (found by the fuzz
//! targets in `fuzz/` or the bad-input corpus), replayed on every test run.
//! The layout and rules are testkit's `fuzz_replay`; a case's extension
//! picks the inventory format.

use inventory_parser::{range, Inventory};
use srplay_testkit::fuzz_replay::replay;
use std::path::{Path, PathBuf};

/// Where one fuzz target's saved inputs live.
fn dir_of(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz-regressions")
        .join(target)
}

#[test]
fn inventory_parse_regressions() {
    replay(&dir_of("inventory_parse"), |name, input| {
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
    replay(&dir_of("host_pattern"), |_, input| {
        let text = std::str::from_utf8(input).map_err(|e| e.to_string())?;
        range::expand(text)?;
        inv.select(text).map(|_| ()).map_err(|e| e.to_string())
    });
}
