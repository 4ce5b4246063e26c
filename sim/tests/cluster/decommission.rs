//! DECOMMISSION against real BE processes: start, progress, completion,
//! auto-removal, cancel, and drop_backend_after_decommission=false.

use crate::common;

use common::*;
use starrocks_sim::version::SrVersion;

const NET: u8 = 40;

fn tablets(sim: &Sim, be: &str) -> Option<usize> {
    sim.backend(be)
        .map(|r| get(&r, "TabletNum").parse().unwrap())
}

fn setup(sim: &Sim) {
    sim.sql("CREATE DATABASE d").unwrap();
    sim.sql("CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 12 PROPERTIES ('replication_num' = '1')")
        .unwrap();
}

#[test]
fn lifecycle_progress_completion_and_removal() {
    let sim = Sim::up(NET, 1, 3, 0, 0, SrVersion::V3_3);
    setup(&sim);
    let be1 = sim.be_addr("be1");
    assert_eq!(tablets(&sim, &be1), Some(4));
    let used_before = get(&sim.backend(&be1).unwrap(), "DataUsedCapacity");
    assert_eq!(used_before, "512.000 MB");

    sim.sql("ADMIN SIM STALL MIGRATION").unwrap();
    sim.sql(&format!("ALTER SYSTEM DECOMMISSION BACKEND \"{be1}\""))
        .unwrap();
    let row = sim.backend(&be1).unwrap();
    assert_eq!(get(&row, "SystemDecommissioned"), "true");
    assert_eq!(get(&row, "ClusterDecommissioned"), "false");
    // stalled: several heartbeat rounds pass, nothing moves
    let hb = get(&row, "LastHeartbeat");
    poll("two more heartbeats", || {
        get(&sim.backend(&be1).unwrap(), "LastHeartbeat") != hb
    });
    assert_eq!(tablets(&sim, &be1), Some(4));

    sim.sql("ADMIN SIM SET MIGRATION RATE 1").unwrap();
    let mut seen = Vec::new();
    poll("the BE to leave SHOW BACKENDS", || {
        let n = tablets(&sim, &be1);
        if let Some(n) = n {
            if seen.last() != Some(&n) {
                seen.push(n);
            }
        }
        n.is_none()
    });
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "TabletNum must only fall: {seen:?}"
    );
    assert!(
        seen.iter().any(|n| *n > 0 && *n < 4),
        "progress was visible: {seen:?}"
    );
    let others: usize = ["be2", "be3"]
        .iter()
        .map(|b| tablets(&sim, &sim.be_addr(b)).unwrap())
        .sum();
    assert_eq!(others, 12);
    let used = get(
        &sim.backend(&sim.be_addr("be2")).unwrap(),
        "DataUsedCapacity",
    );
    assert_eq!(used, "768.000 MB");
}

#[test]
fn kept_when_drop_after_decommission_is_false_then_dropped() {
    let sim = Sim::up(NET, 1, 2, 0, 0, SrVersion::Latest);
    setup(&sim);
    sim.sql("ADMIN SET FRONTEND CONFIG (\"drop_backend_after_decommission\" = \"false\")")
        .unwrap();
    let be1 = sim.be_addr("be1");
    sim.sql(&format!("ALTER SYSTEM DECOMMISSION BACKEND \"{be1}\""))
        .unwrap();
    poll("TabletNum 0", || tablets(&sim, &be1) == Some(0));
    let row = sim.backend(&be1).unwrap();
    assert_eq!(get(&row, "SystemDecommissioned"), "true");
    assert_eq!(get(&row, "StatusCode"), "OK");
    // still listed on later rounds
    let hb = get(&row, "LastHeartbeat");
    poll("another heartbeat", || {
        get(&sim.backend(&be1).unwrap(), "LastHeartbeat") != hb
    });
    sim.sql(&format!("ALTER SYSTEM DROP BACKEND \"{be1}\""))
        .unwrap();
    assert!(sim.backend(&be1).is_none());
}

#[test]
fn cancel_decommission() {
    let sim = Sim::up(NET, 1, 2, 0, 0, SrVersion::V3_3);
    setup(&sim);
    let be1 = sim.be_addr("be1");
    sim.sql("ADMIN SIM SET MIGRATION RATE 0").unwrap();
    sim.sql(&format!("ALTER SYSTEM DECOMMISSION BACKEND \"{be1}\""))
        .unwrap();
    assert_eq!(
        get(&sim.backend(&be1).unwrap(), "SystemDecommissioned"),
        "true"
    );
    sim.sql(&format!("CANCEL DECOMMISSION BACKEND \"{be1}\""))
        .unwrap();
    assert_eq!(
        get(&sim.backend(&be1).unwrap(), "SystemDecommissioned"),
        "false"
    );
    sim.sql("ADMIN SIM SET MIGRATION RATE 5").unwrap();
    let hb = get(&sim.backend(&be1).unwrap(), "LastHeartbeat");
    poll("another heartbeat", || {
        get(&sim.backend(&be1).unwrap(), "LastHeartbeat") != hb
    });
    assert_eq!(tablets(&sim, &be1), Some(6));
}

#[test]
fn decommission_over_mysql_protocol_reports_prefix() {
    let sim = Sim::up(NET, 1, 2, 0, 0, SrVersion::V3_1);
    sim.sql("CREATE DATABASE d").unwrap();
    sim.sql("CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 2 PROPERTIES ('replication_num' = '2')")
        .unwrap();
    let out = sim.mariadb(
        "fe1",
        &[
            "-e",
            &format!(
                "ALTER SYSTEM DECOMMISSION BACKEND \"{}\"",
                sim.be_addr("be1")
            ),
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ERROR 1064 (HY000) at line 1: Unexpected exception: It will cause insufficient BE number if these BEs are decommissioned because the table d.t requires 2 replicas."),
        "{err}"
    );
}

#[test]
fn a_new_backend_receives_tablets_by_balancing() {
    let sim = Sim::up(NET, 1, 2, 1, 0, SrVersion::V3_3);
    setup(&sim);
    let be3 = sim.be_addr("be3");
    sim.sql(&format!("ALTER SYSTEM ADD BACKEND \"{be3}\""))
        .unwrap();
    assert_eq!(tablets(&sim, &be3), Some(0));
    let out = std::process::Command::new("bash")
        .arg(sim.host("be3").root.join("be/bin/start_be.sh"))
        .arg("--daemon")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    poll("balanced 4/4/4", || {
        ["be1", "be2", "be3"]
            .iter()
            .all(|b| tablets(&sim, &sim.be_addr(b)) == Some(4))
    });
}
