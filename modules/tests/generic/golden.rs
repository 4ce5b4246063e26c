//! Every module's golden cases (`tests/fixtures/<module>/*.yaml`) run
//! against a temp dir over the local connection: result fields, files
//! left behind, check mode changing nothing, a second run not changing.

use crate::common;

use common::{cases, Setup};

macro_rules! golden {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                cases::run_all(stringify!($name), &Setup::local());
            }
        )*
    };
}

for_each_golden_module!(golden);

/// `wait_for` against a port that really listens (a listener owned by
/// this test): the wait ends with `state: started`.
#[test]
fn wait_for_open_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local addr").port();
    let accept = std::thread::spawn(move || {
        // Accept the probe's connection so it completes, then drop it.
        let _ = listener.accept();
    });
    let args = serde_json::json!({"port": port, "timeout": 30});
    let res = common::run_module(
        "wait_for",
        args.as_object().cloned().unwrap_or_default(),
        &Setup::local(),
    );
    assert_eq!(
        res.get("failed"),
        Some(&serde_json::json!(false)),
        "{res:?}"
    );
    assert_eq!(res.get("state"), Some(&serde_json::json!("started")));
    assert_eq!(res.get("port"), Some(&serde_json::json!(port)));
    let _ = accept.join();
}

/// Rewrites through a temp file keep the file's POSIX ACL (lineinfile,
/// blockinfile, replace, copy, template, starrocks_config), as Ansible's
/// `atomic_move` keeps it.
#[test]
fn acl_survives_rewrites() {
    common::acl::run_all(&Setup::local());
}
