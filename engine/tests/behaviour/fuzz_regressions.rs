//! Inputs that once crashed, hung or exhausted memory (found by the fuzz
//! targets in `fuzz/` or the bad-input corpus), replayed on every test run.
//! `tests/fixtures/fuzz-regressions/<target>/<case>` is the input; an
//! optional `<case>.err` holds text the error must contain. Each input must
//! give a clean `Ok` or `Err`, never a panic.

use indexmap::IndexMap;
use serde_json::json;
use srplay_engine::module::ModuleRegistry;
use srplay_engine::playbook::{Loader, LoaderOptions};
use srplay_engine::template::{render_text, LazyVars, VarMap, VarValue};
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
fn replay(target: &str, run: impl Fn(&[u8]) -> Result<(), String>) {
    let mut failures = Vec::new();
    for (name, input, want_err) in cases(target) {
        match catch_unwind(AssertUnwindSafe(|| run(&input))) {
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
fn playbook_load_regressions() {
    let dir = Path::new("/nonexistent/srplay-fuzz");
    replay("playbook_load", |input| {
        let text = std::str::from_utf8(input).map_err(|e| e.to_string())?;
        let loader = Loader::new(
            ModuleRegistry::new(),
            LoaderOptions::default(),
            dir.to_path_buf(),
        );
        loader
            .load_playbook_text(&dir.join("play.yml"), text)
            .map(|_| ())
            .map_err(|d| d.render())
    });
}

#[test]
fn template_render_regressions() {
    replay("template_render", |input| {
        let text = std::str::from_utf8(input).map_err(|e| e.to_string())?;
        let mut vars = VarMap::new();
        vars.insert("name".into(), VarValue::literal(json!("fe1")));
        vars.insert("hosts".into(), VarValue::literal(json!(["a", "b"])));
        let vars = LazyVars::new(vars, IndexMap::new());
        render_text(text, &vars).map(|_| ()).map_err(|e| e.msg)
    });
}
