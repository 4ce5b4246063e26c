//! Fault injection: ADMIN SIM statements and the `srsim sql` CLI.

use crate::common;

use std::process::Command;

use common::*;
use mysql_async::prelude::*;
use starrocks_sim::version::SrVersion;

const NET: u8 = 100;

fn process_running(pid_file: &std::path::Path) -> bool {
    let Ok(pid) = std::fs::read_to_string(pid_file) else {
        return false;
    };
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", pid.trim())).unwrap_or_default();
    String::from_utf8_lossy(&cmdline).contains("--conf")
}

#[test]
fn kill_node() {
    let sim = Sim::up(NET, 1, 1, 0, 0, SrVersion::Latest);
    let be = sim.be_addr("be1");
    let pid = sim.host("be1").root.join("be/bin/be.pid");
    assert!(process_running(&pid));
    sim.sql(&format!("ADMIN SIM KILL NODE '{be}'")).unwrap();
    poll("BE process gone", || !process_running(&pid));
    assert!(pid.exists(), "a killed process leaves its pid file");
    poll("BE not alive", || {
        get(&sim.backend(&be).unwrap(), "Alive") == "false"
    });
    let e = err_text(sim.sql("ADMIN SIM KILL NODE '127.0.0.1:1'"));
    assert!(
        e.contains("no simulated node answers on 127.0.0.1:1"),
        "{e}"
    );
}

#[test]
fn heartbeat_failure_and_recovery_from_the_cli() {
    let sim = Sim::up(NET, 1, 1, 0, 0, SrVersion::Latest);
    let be = sim.be_addr("be1");
    let run = |stmt: &str| {
        Command::new(srsim())
            .args(["sql", "--fe", &sim.fe_addr("fe1"), stmt])
            .output()
            .unwrap()
    };
    let out = run(&format!("ADMIN SIM HEARTBEAT FAIL '{be}'"));
    assert!(out.status.success(), "{out:?}");
    poll("BE disconnected", || {
        get(&sim.backend(&be).unwrap(), "StatusCode") == "DISCONNECTED"
    });
    assert!(get(&sim.backend(&be).unwrap(), "ErrMsg").contains("injected fault"));
    let out = run(&format!("ADMIN SIM HEARTBEAT OK '{be}'"));
    assert!(out.status.success(), "{out:?}");
    poll("BE alive again", || {
        get(&sim.backend(&be).unwrap(), "Alive") == "true"
    });
    // the CLI prints tables and fails on errors
    let out = run("SHOW FRONTENDS");
    assert!(String::from_utf8_lossy(&out.stdout).contains("| LEADER "));
    let out = run("ALTER SYSTEM DROP BACKEND '127.0.0.1:1'");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("backend does not exists[127.0.0.1:1]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_connections() {
    let sim = Sim::up(NET, 1, 0, 0, 0, SrVersion::V3_3);
    let mut a = sim.conn("fe1", None).await.unwrap();
    let mut b = sim.conn("fe1", None).await.unwrap();
    a.query_drop("ADMIN SIM DROP CONNECTIONS").await.unwrap();
    let mut dropped = false;
    for _ in 0..100 {
        if b.query_drop("SELECT 1").await.is_err() {
            dropped = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(dropped, "the other connection was closed");
    // new connections work
    let mut c = sim.conn("fe1", None).await.unwrap();
    c.query_drop("SELECT 1").await.unwrap();
}

#[test]
fn switch_leader() {
    let sim = Sim::up(NET, 2, 1, 0, 0, SrVersion::V3_3);
    let (fe1, fe2) = (sim.fe_addr("fe1"), sim.fe_addr("fe2"));
    sim.sql(&format!("ADMIN SIM SWITCH LEADER '{fe2}'"))
        .unwrap();
    let rs = sim.sql_on("fe2", "SHOW FRONTENDS").unwrap();
    let role = |addr: &str| get(&row_by(&rs, "IP", "EditLogPort", addr).unwrap(), "Role");
    assert_eq!(
        (role(&fe1), role(&fe2)),
        ("FOLLOWER".into(), "LEADER".into())
    );
    // the old leader forwards to the new one
    let e = err_text(sim.sql_on("fe1", &format!("ALTER SYSTEM DROP FOLLOWER '{fe2}'")));
    assert!(e.contains("can not drop current master node."), "{e}");
    poll("old leader alive as follower", || {
        let rs = sim.sql_on("fe2", "SHOW FRONTENDS").unwrap();
        get(&row_by(&rs, "IP", "EditLogPort", &fe1).unwrap(), "Alive") == "true"
    });
    poll("BE heartbeated by the new leader", || {
        let rs = sim.sql_on("fe2", "SHOW BACKENDS").unwrap();
        rs.rows[0][8].as_deref() == Some("true")
    });
    let state = |h: &str| -> serde_json::Value {
        let p = sim.host(h).root.join("fe/meta/srsim.json");
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    assert_eq!(state("fe1")["mode"], "follower");
    assert_eq!(state("fe2")["mode"], "leader");
    // and back
    sim.sql_on("fe1", &format!("ADMIN SIM SWITCH LEADER '{fe1}'"))
        .unwrap();
    let rs = sim.sql_on("fe1", "SHOW FRONTENDS").unwrap();
    assert_eq!(
        get(&row_by(&rs, "IP", "EditLogPort", &fe1).unwrap(), "Role"),
        "LEADER"
    );
}

#[test]
fn fill_disk() {
    let sim = Sim::up(NET, 1, 2, 0, 0, SrVersion::V3_3);
    let (be1, be2) = (sim.be_addr("be1"), sim.be_addr("be2"));
    sim.sql("CREATE DATABASE d").unwrap();
    sim.sql("CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 10 PROPERTIES ('replication_num'='1', 'sim_tablet_size'='1G')")
        .unwrap();
    sim.sql(&format!("ADMIN SIM FILL DISK '{be2}'")).unwrap();
    let r = sim.backend(&be2).unwrap();
    assert_eq!(
        (get(&r, "AvailCapacity"), get(&r, "UsedPct")),
        ("0.000 B".into(), "100.00 %".into())
    );
    let e = err_text(sim.sql(&format!("ALTER SYSTEM DECOMMISSION BACKEND '{be1}'")));
    assert!(
        e.ends_with("It will cause insufficient disk space if these BEs are decommissioned."),
        "{e}"
    );
    sim.sql(&format!("ADMIN SIM FREE DISK '{be2}'")).unwrap();
    sim.sql(&format!("ALTER SYSTEM DECOMMISSION BACKEND '{be1}'"))
        .unwrap();
}

#[test]
fn compute_node_process() {
    let sim = Sim::up(NET, 1, 0, 0, 0, SrVersion::V3_3);
    let home = sim.dir.path().join("cn1");
    std::fs::create_dir_all(home.join("conf")).unwrap();
    let addr = format!(
        "{}.200",
        sim.host("fe1").address.rsplit_once('.').unwrap().0
    );
    std::fs::write(
        home.join("conf/cn.conf"),
        format!("thrift_port = 9060\nbe_http_port = 8040\nheartbeat_service_port = 9050\nbrpc_port = 8060\npriority_networks = {addr}/32\n"),
    )
    .unwrap();
    let mut child = Command::new(srsim())
        .args(["cn", "--conf"])
        .arg(home.join("conf/cn.conf"))
        .spawn()
        .unwrap();
    poll("cn.pid", || home.join("bin/cn.pid").exists());
    sim.sql(&format!("ALTER SYSTEM ADD COMPUTE NODE '{addr}:9050'"))
        .unwrap();
    poll("CN alive", || {
        let rs = sim.sql("SHOW COMPUTE NODES").unwrap();
        row_by(&rs, "IP", "HeartbeatPort", &format!("{addr}:9050"))
            .map(|r| get(&r, "Alive") == "true")
            == Some(true)
    });
    child.kill().unwrap();
    child.wait().unwrap();
}
