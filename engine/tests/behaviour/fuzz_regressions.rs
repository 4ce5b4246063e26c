//! Inputs that once crashed, hung or exhausted memory (found by the fuzz
//! targets in `fuzz/` or the bad-input corpus), replayed on every test run.
//! The layout and rules are testkit's `fuzz_replay`.

use indexmap::IndexMap;
use serde_json::json;
use srplay_engine::module::ModuleRegistry;
use srplay_engine::playbook::{Loader, LoaderOptions};
use srplay_engine::template::{render_text, LazyVars, VarMap, VarValue};
use srplay_testkit::fuzz_replay::replay;
use std::path::{Path, PathBuf};

/// Where one fuzz target's saved inputs live.
fn dir_of(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz-regressions")
        .join(target)
}

#[test]
fn playbook_load_regressions() {
    let dir = Path::new("/nonexistent/srplay-fuzz");
    replay(&dir_of("playbook_load"), |_, input| {
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
    replay(&dir_of("template_render"), |_, input| {
        let text = std::str::from_utf8(input).map_err(|e| e.to_string())?;
        let mut vars = VarMap::new();
        vars.insert("name".into(), VarValue::literal(json!("fe1")));
        vars.insert("hosts".into(), VarValue::literal(json!(["a", "b"])));
        let vars = LazyVars::new(vars, IndexMap::new());
        render_text(text, &vars).map(|_| ()).map_err(|e| e.msg)
    });
}
