//! Playground up / status / down, the inventory, host trees and scripts.

use crate::common;

use std::process::Command;

use common::*;
use starrocks_sim::hosttree::{self, BePorts, FePorts, HostSpec};
use starrocks_sim::playground;
use starrocks_sim::version::SrVersion;

const NET: u8 = 120;

#[test]
fn up_status_down() {
    let dir = tempfile::tempdir().unwrap();
    let opts = fast_options(NET);
    let c =
        playground::up_with(dir.path(), 1, 2, 1, 1, SrVersion::V3_3, &[srsim()], &opts).unwrap();
    let hosts = std::fs::read_to_string(dir.path().join("hosts")).unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let fe1 = c.hosts.iter().find(|h| h.name == "fe1").unwrap();
    assert!(hosts.contains(&format!(
        "[fe]\nfe1 ansible_connection=local ansible_host={} sr_home={} query_port=9030",
        fe1.address,
        root.join("fe1").display()
    )));
    for g in ["[be]\nbe1 ", "be2 ", "[new_fe]\nfe2 ", "[new_be]\nbe3 "] {
        assert!(hosts.contains(g), "{g} in\n{hosts}");
    }
    assert!(hosts
        .lines()
        .filter(|l| !l.starts_with('[') && !l.starts_with('#') && !l.is_empty())
        .all(|l| {
            l.contains("ansible_connection=local")
                && l.contains("ansible_host=127.")
                && l.contains("sr_home=")
        }));
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("playground.json")).unwrap())
            .unwrap();
    assert_eq!(state["hosts"].as_array().unwrap().len(), 5);

    let status = playground::status(dir.path()).unwrap();
    assert!(status.contains("SHOW FRONTENDS") && status.contains("SHOW BACKENDS"));
    assert!(status.matches("| true ").count() >= 3, "{status}");

    // spares: trees exist, nothing started, not registered
    let be3 = c.hosts.iter().find(|h| h.name == "be3").unwrap();
    assert!(be3.root.join("be/bin/start_be.sh").exists());
    assert!(!be3.root.join("be/bin/be.pid").exists());
    assert_eq!(
        playground::sql(&c.leader_edit_log, "SHOW BACKENDS")
            .unwrap()
            .rows
            .len(),
        2
    );

    // scale out by hand like the SOP: ADD then start
    let addr = format!("{}:9050", be3.address);
    playground::sql(
        &c.leader_edit_log,
        &format!("ALTER SYSTEM ADD BACKEND '{addr}'"),
    )
    .unwrap();
    let out = Command::new("bash")
        .arg(be3.root.join("be/bin/start_be.sh"))
        .arg("--daemon")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    poll("be3 alive", || {
        row_by(
            &playground::sql(&c.leader_edit_log, "SHOW BACKENDS").unwrap(),
            "IP",
            "HeartbeatPort",
            &addr,
        )
        .map(|r| get(&r, "Alive") == "true")
        .unwrap_or(false)
    });

    // up again while running is refused
    assert!(
        playground::up_with(dir.path(), 1, 1, 0, 0, SrVersion::V3_3, &[srsim()], &opts).is_err()
    );

    playground::down(dir.path()).unwrap();
    for h in &c.hosts {
        assert!(!h.root.join("fe/bin/fe.pid").exists() && !h.root.join("be/bin/be.pid").exists());
    }
    assert!(playground::status(dir.path()).is_err());
    playground::down(dir.path()).unwrap(); // idempotent
}

#[test]
fn cli_playground_and_embedded_argv_prefix() {
    // `srsim playground` through the CLI, on a private subnet via the lib
    // (the CLI uses 127.0.1.x); here the argv prefix has two elements,
    // like ["/path/srplay", "srsim"].
    let dir = tempfile::tempdir().unwrap();
    let wrapper = dir.path().join("fake-srplay");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n[ \"$1\" = srsim ] || exit 9\nshift\nexec '{}' \"$@\"\n",
            srsim()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let pg = dir.path().join("pg");
    let argv = vec![wrapper.display().to_string(), "srsim".to_string()];
    let c =
        playground::up_with(&pg, 1, 1, 0, 0, SrVersion::V2_5, &argv, &fast_options(NET)).unwrap();
    let out = Command::new(srsim())
        .args(["playground", "status"])
        .arg(&pg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("2.5.22-5fa3fa8"));
    let out = Command::new(srsim())
        .args(["playground", "down"])
        .arg(&pg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(playground::sql(&c.leader_edit_log, "SELECT 1").is_err());
}

#[test]
fn host_tree_files() {
    let dir = tempfile::tempdir().unwrap();
    for v in [SrVersion::V2_5, SrVersion::V3_3, SrVersion::Latest] {
        let root = dir.path().join(v.name());
        hosttree::generate(&HostSpec {
            root: root.clone(),
            address: "127.0.1.5".into(),
            version: v,
            fe: Some(FePorts::default()),
            be: Some(BePorts::default()),
            sim_argv: vec!["/opt/srplay".into(), "srsim".into()],
            fe_extra: vec![],
            be_extra: vec![],
        })
        .unwrap();
        let fe_conf = std::fs::read_to_string(root.join("fe/conf/fe.conf")).unwrap();
        assert!(fe_conf.contains("priority_networks = 127.0.1.5/32"));
        assert!(fe_conf.contains("edit_log_port = 9010") && fe_conf.contains("query_port = 9030"));
        assert!(fe_conf.contains("\nJAVA_OPTS=\"-Dlog4j2.formatMsgNoLookups=true -Xmx8192m"));
        match v {
            SrVersion::V2_5 => assert!(fe_conf.contains("\nJAVA_OPTS_FOR_JDK_9=\"")),
            SrVersion::Latest => assert!(!fe_conf.contains("JAVA_OPTS_FOR_JDK")),
            _ => assert!(fe_conf.contains("\nJAVA_OPTS_FOR_JDK_11=\"")),
        }
        let be_conf = std::fs::read_to_string(root.join("be/conf/be.conf")).unwrap();
        for l in [
            "be_port = 9060",
            "be_http_port = 8040",
            "heartbeat_service_port = 9050",
            "brpc_port = 8060",
        ] {
            assert!(be_conf.contains(l), "{l}");
        }
        let start = std::fs::read_to_string(root.join("be/bin/start_be.sh")).unwrap();
        assert!(start.contains("CMD=('/opt/srplay' 'srsim' be --conf"));
        let fe_v = Command::new("bash")
            .arg(root.join("fe/bin/show_fe_version.sh"))
            .output()
            .unwrap();
        let fe_v = String::from_utf8_lossy(&fe_v.stdout);
        assert!(
            fe_v.starts_with(&format!(
                "Build version: {}\nCommit hash: {}\n",
                v.release(),
                v.commit()
            )),
            "{fe_v}"
        );
        let be_v = Command::new("bash")
            .arg(root.join("be/bin/show_be_version.sh"))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&be_v.stdout),
            format!("{} RELEASE (build {})\n", v.release(), v.commit())
        );
    }
}

#[tokio::test]
async fn run_cli_is_callable_from_an_async_runtime() {
    // as `srplay srsim ...` does from srplay's own runtime
    let dir = tempfile::tempdir().unwrap();
    let c = playground::up_with(
        dir.path(),
        1,
        0,
        0,
        0,
        SrVersion::V3_3,
        &[srsim()],
        &fast_options(NET),
    )
    .unwrap();
    starrocks_sim::run_cli(vec![
        "srsim".into(),
        "sql".into(),
        "--fe".into(),
        c.leader_edit_log.clone(),
        "CREATE DATABASE from_cli".into(),
    ])
    .unwrap();
    assert!(playground::sql(&c.leader_edit_log, "SHOW DATABASES")
        .unwrap()
        .rows
        .iter()
        .any(|r| r[0].as_deref() == Some("from_cli")));
    starrocks_sim::run_cli(vec![
        "srsim".into(),
        "playground".into(),
        "down".into(),
        dir.path().display().to_string(),
    ])
    .unwrap();
    let e = starrocks_sim::run_cli(vec!["srsim".into(), "bogus".into()]).unwrap_err();
    assert!(e.to_string().contains("invalid arguments"));
}
