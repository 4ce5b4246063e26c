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

/// A path option with `$VAR` or `~` costs one round trip more (all of a
/// module's paths expanded at once), except in the one-command modules,
/// whose command expands them itself.
#[test]
fn unchanged_runs_take_one_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().to_string_lossy().into_owned();
    std::fs::write(dir.path().join("f.conf"), "k=v\n").expect("write");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    // An unset variable stays as written: a directory of that name.
    std::fs::create_dir(dir.path().join("$NO_SUCH_VAR_X")).expect("mkdir");
    std::fs::write(dir.path().join("$NO_SUCH_VAR_X/g"), "g\n").expect("write");
    // `$D` is the temp dir, from the task's environment.
    let env = vec![("D".to_string(), d.clone())];
    // (module, args, round trips): each runs twice; the second run must
    // change nothing and use exactly that many commands.
    let cases: Vec<(&str, Value, usize)> = vec![
        ("stat", json!({"path": format!("{d}/f.conf")}), 1),
        ("stat", json!({"path": "$D/f.conf"}), 1),
        (
            "copy",
            json!({"content": "k=v\n", "dest": format!("{d}/f.conf")}),
            1,
        ),
        (
            "copy",
            json!({"content": "k=v\n", "dest": "${D}/f.conf"}),
            2,
        ),
        (
            "file",
            json!({"path": format!("{d}/sub"), "state": "directory", "mode": "0755"}),
            1,
        ),
        (
            "lineinfile",
            json!({"path": format!("{d}/f.conf"), "line": "k=v"}),
            1,
        ),
        ("lineinfile", json!({"path": "$D/f.conf", "line": "k=v"}), 2),
        (
            "blockinfile",
            json!({"path": format!("{d}/f.conf"), "block": "x", "state": "absent"}),
            1,
        ),
        (
            "replace",
            json!({"path": format!("{d}/f.conf"), "regexp": "nomatch", "replace": "y"}),
            1,
        ),
        (
            "command",
            json!({"cmd": "true", "creates": format!("{d}/f.conf")}),
            1,
        ),
        (
            "command",
            json!({"cmd": "true", "chdir": "$D", "creates": "$D/*.conf"}),
            1,
        ),
        ("slurp", json!({"src": format!("{d}/f.conf")}), 1),
        ("slurp", json!({"src": "$D/$NO_SUCH_VAR_X/g"}), 2),
    ];
    for (module, args, want) in cases {
        let conn = Arc::new(Counting::default());
        let mut setup = Setup::local();
        setup.conn = conn.clone();
        setup.environment = env.clone();
        let args = args.as_object().cloned().unwrap_or_default();
        run_module(module, args.clone(), &setup);
        conn.execs.store(0, Ordering::SeqCst);
        let res = run_module(module, args.clone(), &setup);
        assert_eq!(res.get("changed"), Some(&json!(false)), "{module}: {res:?}");
        assert_ne!(res.get("failed"), Some(&json!(true)), "{module}: {res:?}");
        assert_eq!(
            conn.execs.load(Ordering::SeqCst),
            want,
            "{module} {args:?}: round trips on an unchanged run"
        );
    }
}
