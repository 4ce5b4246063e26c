//! `--output json`: one document with every play, task and host result,
//! printed when the run ends (the shape of Ansible's `json` callback).

use super::{Callback, HostEvent, Reporter, Stats, Status, TaskKind};
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};

pub struct JsonCallback {
    reporter: Arc<Reporter>,
    doc: Mutex<Doc>,
}

#[derive(Default)]
struct Doc {
    plays: Vec<Value>,
    stats: Value,
    warnings: Vec<String>,
    errors: Vec<String>,
    raw: String,
}

impl JsonCallback {
    pub fn new(reporter: Arc<Reporter>) -> Self {
        JsonCallback {
            reporter,
            doc: Mutex::new(Doc::default()),
        }
    }

    fn with_task<F: FnOnce(&mut Map<String, Value>)>(&self, f: F) {
        let mut doc = self.doc.lock().expect("not poisoned");
        let task = doc
            .plays
            .last_mut()
            .and_then(|p| p["tasks"].as_array_mut())
            .and_then(|t| t.last_mut())
            .and_then(Value::as_object_mut);
        if let Some(t) = task {
            f(t);
        }
    }
}

impl Callback for JsonCallback {
    fn play_start(&self, name: &str) {
        self.doc
            .lock()
            .expect("not poisoned")
            .plays
            .push(json!({"play": {"name": name}, "tasks": []}));
    }

    fn no_hosts(&self) {}

    fn task_start(&self, name: &str, kind: TaskKind) {
        let mut doc = self.doc.lock().expect("not poisoned");
        if let Some(tasks) = doc.plays.last_mut().and_then(|p| p["tasks"].as_array_mut()) {
            tasks.push(
                json!({"task": {"name": name, "handler": kind == TaskKind::Handler}, "hosts": {}}),
            );
        }
    }

    fn host_result(&self, ev: &HostEvent) {
        let mut r = ev.result.clone();
        r.retain(|k, _| !k.starts_with("_ansible"));
        r.insert("action".into(), ev.action.clone().into());
        if ev.status == Status::Unreachable {
            r.insert("unreachable".into(), true.into());
        }
        if ev.ignored {
            r.insert("ignored".into(), true.into());
        }
        self.with_task(|t| {
            let hosts = t.entry("hosts").or_insert_with(|| json!({}));
            if let Some(h) = hosts.as_object_mut() {
                match &ev.item {
                    Some(_) => {
                        let entry = h
                            .entry(ev.host.clone())
                            .or_insert_with(|| json!({"results": []}));
                        if let Some(a) = entry.get_mut("results").and_then(Value::as_array_mut) {
                            a.push(Value::Object(r));
                        }
                    }
                    None => {
                        h.insert(ev.host.clone(), Value::Object(r));
                    }
                }
            }
        });
    }

    fn loop_done(
        &self,
        host: &str,
        _status: Status,
        _all_skipped: bool,
        result: &Map<String, Value>,
    ) {
        let mut r = result.clone();
        r.retain(|k, _| !k.starts_with("_ansible"));
        self.with_task(|t| {
            if let Some(h) = t.get_mut("hosts").and_then(Value::as_object_mut) {
                h.insert(host.to_string(), Value::Object(r));
            }
        });
    }

    fn included(&self, _file: &str, _hosts: &[String], _item: Option<&str>) {}

    fn warning(&self, msg: &str) {
        self.doc
            .lock()
            .expect("not poisoned")
            .warnings
            .push(msg.to_string());
    }

    fn error(&self, msg: &str) {
        self.doc
            .lock()
            .expect("not poisoned")
            .errors
            .push(msg.to_string());
    }

    fn recap(&self, stats: &Stats) {
        self.doc.lock().expect("not poisoned").stats =
            serde_json::to_value(stats).unwrap_or_default();
    }

    fn raw(&self, text: &str) {
        self.doc.lock().expect("not poisoned").raw.push_str(text);
    }

    fn finish(&self) {
        let doc = self.doc.lock().expect("not poisoned");
        if !doc.raw.is_empty() {
            self.reporter.print(&doc.raw);
            return;
        }
        let out = json!({
            "plays": doc.plays,
            "stats": doc.stats,
            "global_custom_stats": {},
            "warnings": doc.warnings,
            "errors": doc.errors,
        });
        self.reporter.print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&out).unwrap_or_default()
        ));
    }
}
