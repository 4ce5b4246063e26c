//! The template renderer (Ansible's filters and tests on minijinja) on
//! arbitrary template text with a few variables, some of them templates
//! themselves. `lookup`/`query`/`q` would run commands (`pipe`) or read
//! files, so inputs naming them are skipped.
#![no_main]

use indexmap::IndexMap;
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use srplay_engine::template::{render_str, render_text, LazyVars, VarMap, VarValue};

fn calls_a_lookup(text: &str) -> bool {
    let words = text.split(|c: char| !(c.is_alphanumeric() || c == '_'));
    text.contains("lookup") || text.contains("query") || words.into_iter().any(|w| w == "q")
}

fn vars() -> VarMap {
    let mut v = VarMap::new();
    v.insert("name".into(), VarValue::literal(json!("fe1")));
    v.insert("port".into(), VarValue::literal(json!(9030)));
    v.insert("hosts".into(), VarValue::literal(json!(["a", "b", "c"])));
    v.insert(
        "conf".into(),
        VarValue::literal(json!({"k": "v", "n": [1, 2.5, null, true]})),
    );
    v.insert("greeting".into(), VarValue::raw(json!("hello {{ name }}")));
    v.insert("selfref".into(), VarValue::raw(json!("{{ selfref }}")));
    v
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if calls_a_lookup(text) {
        return;
    }
    let vars = LazyVars::new(vars(), IndexMap::new());
    let _ = render_text(text, &vars);
    let _ = render_str(text, &vars);
});
