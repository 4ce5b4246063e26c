//! Hot paths of a run: rendering task arguments and resolving variables.
//! `cargo bench -p srplay-engine`

use serde_json::{json, Value};
use srplay_engine::template::{condition, render_str, render_value_in, LazyVars, VarMap, VarValue};
use srplay_engine::vars::{Layer, VarLayers};
use std::sync::Arc;

fn main() {
    divan::main();
}

fn vars() -> Arc<LazyVars> {
    let mut m = VarMap::new();
    let src = json!({
        "fe_port": 9030, "be_port": 9060, "hosts": ["fe1", "fe2", "fe3"],
        "conf_dir": "/opt/starrocks/fe/conf", "conf_file": "{{ conf_dir }}/fe.conf",
        "nested": {"a": {"b": "{{ fe_port + 1 }}"}},
    });
    for (k, v) in src.as_object().unwrap() {
        m.insert(k.clone(), VarValue::raw(v.clone()));
    }
    LazyVars::new(m, Default::default())
}

#[divan::bench]
fn plain_string(b: divan::Bencher) {
    let v = vars();
    b.bench(|| render_str(divan::black_box("no templates here"), &v).unwrap());
}

#[divan::bench]
fn lone_expression(b: divan::Bencher) {
    let v = vars();
    b.bench(|| render_str(divan::black_box("{{ fe_port + 1 }}"), &v).unwrap());
}

#[divan::bench]
fn mixed_template(b: divan::Bencher) {
    let v = vars();
    b.bench(|| {
        render_str(
            divan::black_box("host={{ hosts | join(',') }} port={{ fe_port }}"),
            &v,
        )
        .unwrap()
    });
}

#[divan::bench]
fn lazy_chain(b: divan::Bencher) {
    b.bench(|| {
        // A fresh var set per task, as the executor builds one.
        let v = vars();
        render_str(divan::black_box("{{ conf_file }}"), &v).unwrap()
    });
}

#[divan::bench]
fn task_args(b: divan::Bencher) {
    let v = vars();
    let args = json!({"path": "{{ conf_file }}", "line": "port={{ nested.a.b }}", "mode": "0644", "backup": true});
    b.bench(|| render_value_in(divan::black_box(&args), &v).unwrap());
}

#[divan::bench]
fn when_condition(b: divan::Bencher) {
    let v = vars();
    let c = Value::String("fe_port > 9000 and 'fe2' in hosts".into());
    b.bench(|| condition(divan::black_box(&c), &v).unwrap());
}

#[divan::bench(args = [10, 100, 1000])]
fn precedence_merge(b: divan::Bencher, n: usize) {
    let layer = |prefix: &str| {
        let mut m = serde_json::Map::new();
        for i in 0..n {
            m.insert(format!("{prefix}{i}"), json!(i));
        }
        m
    };
    let mut l = VarLayers::new();
    for (layer_kind, prefix) in [
        (Layer::RoleDefaults, "v"),
        (Layer::Inventory, "v"),
        (Layer::PlayVars, "p"),
        (Layer::TaskVars, "v"),
        (Layer::ExtraVars, "e"),
    ] {
        l.push(layer_kind, layer(prefix));
    }
    b.bench(|| l.merge());
}
