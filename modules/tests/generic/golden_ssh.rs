//! The same golden cases as `golden.rs` (`tests/fixtures/<module>/`), run
//! over a real ssh connection to a loopback sshd (one sshd, a few hosts):
//! result fields, files left behind, check mode changing nothing and a
//! second run not changing must hold over ssh exactly as locally.

use crate::common;

use common::{cases, ssh};

macro_rules! golden_over_ssh {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let (_sshd, setup) = ssh::setup_for(stringify!($name));
                cases::run_all(stringify!($name), &setup);
            }
        )*
    };
}

for_each_golden_module!(golden_over_ssh);

/// `wait_for` over ssh against a port that really listens: the probe
/// runs on the target (here: this machine) and sees the listener.
#[test]
fn wait_for_open_port() {
    let (_sshd, setup) = ssh::setup_for("wait_for_open_port");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local addr").port();
    let accept = std::thread::spawn(move || {
        let _ = listener.accept();
    });
    let args = serde_json::json!({"port": port, "timeout": 30});
    let res = common::run_module(
        "wait_for",
        args.as_object().cloned().unwrap_or_default(),
        &setup,
    );
    assert_eq!(
        res.get("failed"),
        Some(&serde_json::json!(false)),
        "{res:?}"
    );
    assert_eq!(res.get("state"), Some(&serde_json::json!("started")));
    let _ = accept.join();
}

/// Every case really went over ssh: the connection says so.
#[test]
fn the_setup_is_an_ssh_connection() {
    let (_sshd, setup) = ssh::setup_for("transport");
    assert_eq!(setup.conn.transport(), "ssh");
    let res = common::run_module(
        "command",
        serde_json::json!({"_raw_params": "printenv SSH_CONNECTION"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        &setup,
    );
    let out = res.get("stdout").and_then(|v| v.as_str()).unwrap_or("");
    assert!(out.contains("127.0.1."), "not over ssh: {res:?}");
}

/// POSIX ACLs survive rewrites over ssh too.
#[test]
fn acl_survives_rewrites() {
    let (_sshd, setup) = ssh::setup_for("acl");
    common::acl::run_all(&setup);
}
