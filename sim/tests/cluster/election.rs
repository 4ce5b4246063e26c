//! Leader failover: with a majority of followers alive a new leader is
//! elected; a restarted old leader steps down; without a majority nothing
//! is elected.

use crate::common;

use std::process::Command;

use common::*;
use starrocks_sim::playground;
use starrocks_sim::version::SrVersion;

const NET: u8 = 140;

fn script(sim: &Sim, host: &str, rel: &str, args: &[&str]) {
    let out = Command::new("bash")
        .arg(sim.host(host).root.join(rel))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{rel}: {out:?}");
}

fn role_on(sim: &Sim, via: &str, fe: &str) -> Option<(String, String)> {
    let rs = sim.sql_on(via, "SHOW FRONTENDS").ok()?;
    let r = row_by(&rs, "IP", "EditLogPort", &sim.fe_addr(fe))?;
    Some((get(&r, "Role"), get(&r, "Alive")))
}

#[test]
fn majority_elects_and_old_leader_steps_down() {
    let sim = Sim::up(NET, 3, 1, 0, 0, SrVersion::V3_3);
    sim.sql("CREATE DATABASE survives").unwrap();
    poll("followers alive", || {
        role_on(&sim, "fe1", "fe2")
            .map(|r| r.1 == "true")
            .unwrap_or(false)
            && role_on(&sim, "fe1", "fe3")
                .map(|r| r.1 == "true")
                .unwrap_or(false)
    });
    script(&sim, "fe1", "fe/bin/stop_fe.sh", &[]);
    poll("a new leader", || {
        role_on(&sim, "fe2", "fe2")
            .map(|r| r.0 == "LEADER")
            .unwrap_or(false)
            || role_on(&sim, "fe3", "fe3")
                .map(|r| r.0 == "LEADER")
                .unwrap_or(false)
    });
    let (leader, other) = if role_on(&sim, "fe2", "fe2").map(|r| r.0) == Some("LEADER".into()) {
        ("fe2", "fe3")
    } else {
        ("fe3", "fe2")
    };
    assert_eq!(leader, "fe2", "the live follower with the smallest id wins");
    poll("old leader seen dead", || {
        role_on(&sim, leader, "fe1") == Some(("FOLLOWER".into(), "false".into()))
    });
    // the metadata came along; the other follower forwards to the new leader
    poll("other follower forwards", || {
        sim.sql_on(other, "SHOW DATABASES")
            .map(|rs| rs.rows.iter().any(|r| r[0].as_deref() == Some("survives")))
            .unwrap_or(false)
    });
    poll("BE still alive", || {
        sim.sql_on(leader, "SHOW BACKENDS")
            .map(|rs| rs.rows[0][8].as_deref() == Some("true"))
            .unwrap_or(false)
    });

    // the old leader comes back and becomes a follower
    script(&sim, "fe1", "fe/bin/start_fe.sh", &["--daemon"]);
    poll("old leader rejoins as follower", || {
        role_on(&sim, leader, "fe1") == Some(("FOLLOWER".into(), "true".into()))
    });
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sim.host("fe1").root.join("fe/meta/srsim.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["mode"], "follower");
    poll("fe1 forwards to the new leader", || {
        sim.sql_on("fe1", "SHOW FRONTENDS")
            .map(|rs| {
                row_by(&rs, "IP", "EditLogPort", &sim.fe_addr(leader)).map(|r| get(&r, "Role"))
                    == Some("LEADER".into())
            })
            .unwrap_or(false)
    });
}

#[test]
fn no_majority_no_leader() {
    let sim = Sim::up(NET, 2, 0, 0, 0, SrVersion::V3_3);
    poll("follower alive", || {
        role_on(&sim, "fe1", "fe2")
            .map(|r| r.1 == "true")
            .unwrap_or(false)
    });
    script(&sim, "fe1", "fe/bin/stop_fe.sh", &[]);
    // well past the election timeout, fe2 still is no leader
    let fe2 = sim.fe_addr("fe2");
    for _ in 0..30 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let e = playground::sql(&fe2, "SHOW FRONTENDS")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("failed to forward the statement to the leader"),
            "{e}"
        );
    }
}
