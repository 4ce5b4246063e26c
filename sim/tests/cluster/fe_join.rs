//! FEs joining through --helper, with and without a prior ALTER SYSTEM ADD.

use crate::common;

use std::process::Command;

use common::*;
use starrocks_sim::version::SrVersion;

const NET: u8 = 60;

fn start_fe(sim: &Sim, name: &str, args: &[&str]) -> std::process::Output {
    let script = sim.host(name).root.join("fe/bin/start_fe.sh");
    Command::new("bash")
        .arg(script)
        .args(args)
        .output()
        .unwrap()
}

fn fe_log(sim: &Sim, name: &str) -> String {
    std::fs::read_to_string(sim.host(name).root.join("fe/log/fe.out")).unwrap_or_default()
}

#[test]
fn join_refused_until_added_then_serves_sql() {
    let sim = Sim::up(NET, 1, 1, 0, 1, SrVersion::V3_3);
    let leader = sim.fe_addr("fe1");
    let fe2 = sim.fe_addr("fe2");
    let out = start_fe(&sim, "fe2", &["--helper", &leader, "--daemon"]);
    assert!(out.status.success(), "{out:?}");
    poll("the not-added message", || {
        fe_log(&sim, "fe2")
            .contains("current node is not added to the group. please add it first. sleep 5 seconds and retry")
    });
    assert!(sim.frontend(&fe2).is_none());

    sim.sql(&format!("ALTER SYSTEM ADD FOLLOWER \"{fe2}\""))
        .unwrap();
    poll("fe2 alive and joined", || {
        sim.frontend(&fe2)
            .map(|r| get(&r, "Alive") == "true" && get(&r, "Join") == "true")
            .unwrap_or(false)
    });
    let row = sim.frontend(&fe2).unwrap();
    assert_eq!(get(&row, "Role"), "FOLLOWER");
    assert_eq!(get(&row, "IsHelper"), "true");
    assert_eq!(get(&row, "QueryPort"), "9030");

    // the new FE serves SQL too (statements go to the leader)
    let out = sim.mariadb("fe2", &["-N", "-e", "SHOW FRONTENDS"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let out = sim.mariadb("fe2", &["-e", "CREATE DATABASE via_follower"]);
    assert!(out.status.success(), "{out:?}");
    assert!(sim
        .sql("SHOW DATABASES")
        .unwrap()
        .rows
        .iter()
        .any(|r| r[0].as_deref() == Some("via_follower")));

    // the leader cannot be dropped; the follower can
    let out = sim.mariadb(
        "fe2",
        &["-e", &format!("ALTER SYSTEM DROP FOLLOWER \"{leader}\"")],
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("ERROR 1064 (HY000) at line 1: can not drop current master node."));
    sim.sql(&format!("ALTER SYSTEM DROP FOLLOWER \"{fe2}\""))
        .unwrap();
    assert!(sim.frontend(&fe2).is_none());
}

#[test]
fn observer_joins() {
    let sim = Sim::up(NET, 1, 0, 0, 1, SrVersion::Latest);
    let fe2 = sim.fe_addr("fe2");
    sim.sql(&format!("ALTER SYSTEM ADD OBSERVER \"{fe2}\""))
        .unwrap();
    let row = sim.frontend(&fe2).unwrap();
    assert_eq!(
        (
            get(&row, "Alive"),
            get(&row, "Join"),
            get(&row, "LastHeartbeat")
        ),
        ("false".into(), "false".into(), "NULL".into())
    );
    let out = start_fe(&sim, "fe2", &["--helper", &sim.fe_addr("fe1"), "--daemon"]);
    assert!(out.status.success(), "{out:?}");
    poll("observer alive", || {
        get(&sim.frontend(&fe2).unwrap(), "Alive") == "true"
    });
    let row = sim.frontend(&fe2).unwrap();
    assert_eq!(get(&row, "Role"), "OBSERVER");
    assert_eq!(get(&row, "IsHelper"), "false");
    assert_ne!(get(&row, "StartTime"), "NULL");
}

#[test]
fn helper_pointing_at_itself_is_refused() {
    let sim = Sim::up(NET, 1, 0, 0, 1, SrVersion::V3_3);
    let fe2 = sim.fe_addr("fe2");
    sim.sql(&format!("ALTER SYSTEM ADD FOLLOWER \"{fe2}\""))
        .unwrap();
    let out = start_fe(&sim, "fe2", &["--helper", &fe2, "--daemon"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Do not specify the helper node to FE itself. Please specify it to the existing running Leader or Follower FE"),
        "{err}"
    );
}

#[test]
fn started_without_helper_has_another_cluster_id() {
    let sim = Sim::up(NET, 1, 0, 0, 1, SrVersion::V3_3);
    let fe2 = sim.fe_addr("fe2");
    sim.sql(&format!("ALTER SYSTEM ADD FOLLOWER \"{fe2}\""))
        .unwrap();
    let out = start_fe(&sim, "fe2", &["--daemon"]);
    assert!(out.status.success(), "{out:?}");
    poll("invalid cluster id", || {
        get(&sim.frontend(&fe2).unwrap(), "ErrMsg").starts_with("invalid cluster id: ")
    });
    let row = sim.frontend(&fe2).unwrap();
    assert_eq!(
        (get(&row, "Alive"), get(&row, "Join")),
        ("false".into(), "false".into())
    );
}

#[test]
fn a_copied_meta_dir_is_refused() {
    let sim = Sim::up(NET, 1, 0, 0, 1, SrVersion::V3_3);
    let fe2 = sim.fe_addr("fe2");
    sim.sql(&format!("ALTER SYSTEM ADD FOLLOWER \"{fe2}\""))
        .unwrap();
    // copy fe1's meta into fe2's tree, as a careless `cp -r fe/` would
    let (src, dst) = (
        sim.host("fe1").root.join("fe/meta"),
        sim.host("fe2").root.join("fe/meta"),
    );
    for f in ["srsim.json", "srsim.node"] {
        std::fs::copy(src.join(f), dst.join(f)).unwrap();
    }
    let out = start_fe(&sim, "fe2", &["--helper", &sim.fe_addr("fe1"), "--daemon"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds the metadata of the FE at"), "{err}");
    // wiped, it joins
    std::fs::remove_dir_all(&dst).unwrap();
    let out = start_fe(&sim, "fe2", &["--helper", &sim.fe_addr("fe1"), "--daemon"]);
    assert!(out.status.success(), "{out:?}");
    poll("fe2 alive", || {
        get(&sim.frontend(&fe2).unwrap(), "Alive") == "true"
    });
}
