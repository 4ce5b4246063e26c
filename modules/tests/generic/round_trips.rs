//! Speed: every round trip over ssh costs ~7 ms, so a module that finds
//! nothing to do must find that out in one. A connection that counts its
//! commands pins the number each module needs on a second, unchanged run.

use crate::common;

use async_trait::async_trait;
use common::{run_module, Setup};
use serde_json::{json, Value};
use srplay_engine::connection::{
    Connection, ConnectionError, ExecOutput, ExecRequest, LocalConnection,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Default)]
struct Counting {
    inner: LocalConnection,
    execs: AtomicUsize,
}

#[async_trait]
impl Connection for Counting {
    fn transport(&self) -> &'static str {
        "local"
    }
    async fn exec(&self, req: ExecRequest) -> Result<ExecOutput, ConnectionError> {
        self.execs.fetch_add(1, Ordering::SeqCst);
        self.inner.exec(req).await
    }
}

#[test]
fn unchanged_runs_take_one_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_string_lossy().into_owned();
    std::fs::write(dir.path().join("f.conf"), "k=v\n").expect("write");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    // (module, args): each runs twice; the second run must change nothing
    // and use exactly one command.
    let cases: Vec<(&str, Value)> = vec![
        ("stat", json!({"path": format!("{d}/f.conf")})),
        (
            "copy",
            json!({"content": "k=v\n", "dest": format!("{d}/f.conf")}),
        ),
        (
            "file",
            json!({"path": format!("{d}/sub"), "state": "directory", "mode": "0755"}),
        ),
        (
            "lineinfile",
            json!({"path": format!("{d}/f.conf"), "line": "k=v"}),
        ),
        (
            "blockinfile",
            json!({"path": format!("{d}/f.conf"), "block": "x", "state": "absent"}),
        ),
        (
            "replace",
            json!({"path": format!("{d}/f.conf"), "regexp": "nomatch", "replace": "y"}),
        ),
        (
            "command",
            json!({"cmd": "true", "creates": format!("{d}/f.conf")}),
        ),
        ("slurp", json!({"src": format!("{d}/f.conf")})),
    ];
    for (module, args) in cases {
        let conn = Arc::new(Counting::default());
        let mut setup = Setup::local();
        setup.conn = conn.clone();
        let args = args.as_object().cloned().unwrap_or_default();
        run_module(module, args.clone(), &setup);
        conn.execs.store(0, Ordering::SeqCst);
        let res = run_module(module, args, &setup);
        assert_eq!(res.get("changed"), Some(&json!(false)), "{module}: {res:?}");
        assert_eq!(
            conn.execs.load(Ordering::SeqCst),
            1,
            "{module}: round trips on an unchanged run"
        );
    }
}
