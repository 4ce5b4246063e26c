//! The public compat corpus (`shared/compat/inventory/`, next to the repo):
//! each case's `expected.json` and `expected.graph` were produced by the real
//! `ansible-inventory`; `srplay inventory` must produce the same. Read-only.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared/compat/inventory` relative to the repo (as CI lays it out), or
/// `$SRPLAY_COMPAT_DIR`, or the workplace's `/work/shared` for worktrees.
fn corpus_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SRPLAY_COMPAT_DIR") {
        return PathBuf::from(d).join("inventory");
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        root.join("../shared/compat/inventory"),
        PathBuf::from("/work/shared/compat/inventory"),
    ];
    candidates
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .unwrap_or_else(|| {
            panic!("compat corpus not found (tried {candidates:?}); set SRPLAY_COMPAT_DIR")
        })
}

fn inventory_file(dir: &Path) -> String {
    ["hosts.ini", "hosts.yml", "hosts.yaml"]
        .iter()
        .find(|f| dir.join(f).is_file())
        .unwrap_or_else(|| panic!("no hosts.* in {}", dir.display()))
        .to_string()
}

fn srplay(dir: &Path, mode: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_srplay"))
        .args(["inventory", "-i", &inventory_file(dir), mode])
        .current_dir(dir)
        .output()
        .expect("spawn srplay");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check_case(dir: &Path) -> Vec<String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let mut fails = Vec::new();
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let got_text = srplay(dir, "--list");
    match serde_json::from_str::<Value>(&got_text) {
        Ok(got) if got == want => {}
        _ => fails.push(format!("{name} --list:\nexpected {want:#}\ngot {got_text}")),
    }
    if let Ok(graph) = std::fs::read_to_string(dir.join("expected.graph")) {
        let got = srplay(dir, "--graph");
        if got.trim_end() != graph.trim_end() {
            fails.push(format!("{name} --graph:\nexpected\n{graph}\ngot\n{got}"));
        }
    }
    fails
}

#[test]
fn compat_corpus_inventories() {
    let root = corpus_dir();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases in {}", root.display());
    let failures: Vec<String> = dirs.iter().flat_map(|d| check_case(d)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} compat checks failed:\n{}",
        failures.len(),
        dirs.len() * 2,
        failures.join("\n")
    );
}
