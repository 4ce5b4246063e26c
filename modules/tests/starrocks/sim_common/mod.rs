//! Helpers for the cluster-membership tests against the real simulator
//! (`srplay_testkit::SimCluster`): login arguments, a progress sink that
//! records what modules report, and reading SHOW output through the
//! simulator's own protocol (independent of the module under test).
#![allow(dead_code)]

use crate::starrocks_common::{ctx, rt, Mode};
use serde_json::{json, Map, Value};
use srplay_engine::module::{Module, ModuleError, Outcome, Progress};
use srplay_testkit::SimCluster;
use std::sync::{Arc, Mutex};

/// Everything a module reported through `ctx.progress`.
#[derive(Default)]
pub struct Recorder {
    pub updates: Mutex<Vec<(u64, u64, String)>>,
    pub lines: Mutex<Vec<String>>,
}

impl Progress for Recorder {
    fn update(&self, done: u64, total: u64, msg: &str) {
        self.updates
            .lock()
            .unwrap()
            .push((done, total, msg.to_string()));
    }
    fn line(&self, msg: &str) {
        self.lines.lock().unwrap().push(msg.to_string());
    }
}

impl Recorder {
    pub fn updates(&self) -> Vec<(u64, u64, String)> {
        self.updates.lock().unwrap().clone()
    }
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

/// `login_host` / `login_port` of an FE of the cluster, merged into `args`.
pub fn login(sim: &SimCluster, fe: &str, args: Value) -> Value {
    let (host, port) = sim.query_endpoint(fe);
    let mut m = json!({"login_host": host, "login_port": port})
        .as_object()
        .unwrap()
        .clone();
    m.extend(args.as_object().unwrap().clone());
    Value::Object(m)
}

/// Run a module the way the engine does, with `progress` as the sink.
pub fn run_with(
    module: &dyn Module,
    mode: Mode,
    progress: Arc<dyn Progress>,
    args: Value,
) -> Result<Outcome, ModuleError> {
    let mut c = ctx(mode, json!({}));
    c.progress = progress;
    let args = module
        .spec()
        .normalize(args.as_object().cloned().expect("args are a mapping"))?;
    rt().block_on(module.run(&c, args))
}

/// The result dictionary of a run (an `Err` fails the test).
pub fn outcome(module: &dyn Module, mode: Mode, args: Value) -> Map<String, Value> {
    run_with(module, mode, Arc::new(Recorder::default()), args.clone())
        .unwrap_or_else(|e| panic!("{} {args}: {e}", module.spec().name))
        .to_result()
}

/// Rows of a SHOW statement as column -> value maps.
pub fn show(sim: &SimCluster, statement: &str) -> Vec<Map<String, Value>> {
    let rs = sim.sql(statement).unwrap();
    rs.rows
        .iter()
        .map(|r| {
            rs.columns
                .iter()
                .zip(r)
                .map(|(c, v)| (c.name.clone(), v.clone().map_or(Value::Null, Value::String)))
                .collect()
        })
        .collect()
}

/// The SHOW BACKENDS row of `addr` (`ip:heartbeat_port`), if listed.
pub fn backend(sim: &SimCluster, addr: &str) -> Option<Map<String, Value>> {
    row_at(show(sim, "SHOW BACKENDS"), "HeartbeatPort", addr)
}

/// The SHOW FRONTENDS row of `addr` (`ip:edit_log_port`), if listed.
pub fn frontend(sim: &SimCluster, addr: &str) -> Option<Map<String, Value>> {
    row_at(show(sim, "SHOW FRONTENDS"), "EditLogPort", addr)
}

fn row_at(rows: Vec<Map<String, Value>>, port_col: &str, addr: &str) -> Option<Map<String, Value>> {
    rows.into_iter().find(|r| {
        format!(
            "{}:{}",
            r["IP"].as_str().unwrap_or_default(),
            r[port_col].as_str().unwrap_or_default()
        ) == addr
    })
}

/// A column of a row as text.
pub fn col(row: &Map<String, Value>, c: &str) -> String {
    row[c].as_str().unwrap_or_default().to_string()
}

/// Poll `cond` every 50 ms for up to 20 s (a bound, not a timing assertion).
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
