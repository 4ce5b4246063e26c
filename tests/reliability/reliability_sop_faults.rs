//! Cluster faults at playbook level that the SOP tests do not already
//! cover: the leader FE changes while `decommission_be.yml` waits for the
//! BE's tablets to move away. (Dropped FE connections and a BE dying
//! mid-decommission are in `sop_scale_in.rs`.)

use crate::sop_support;
use sop_support::Pg;
use std::time::Duration;

/// Poll the cluster until `be` is decommissioning; false after the guard.
fn wait_decommissioning(pg_leader: &str, be: &str) -> bool {
    for _ in 0..1800 {
        let out = std::process::Command::new(sop_support::SRPLAY)
            .args(["srsim", "sql", "--fe", pg_leader, "SHOW BACKENDS"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let decommissioning = text
            .lines()
            .find(|l| l.contains(&format!("| {be} ")))
            .is_some_and(|l| Pg::cells(l)[10] == "true");
        if decommissioning {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn decommission_playbook_survives_a_leader_switch_during_its_wait() {
    let pg = Pg::up(
        "127.0.60",
        &[
            "--fe",
            "3",
            "--be",
            "3",
            "--spare-fe",
            "0",
            "--spare-be",
            "0",
        ],
    );
    let leader = pg.leader();
    pg.sql(&leader, "CREATE DATABASE d");
    pg.sql(
        &leader,
        "CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 8 \
         PROPERTIES (\"replication_num\" = \"2\")",
    );
    pg.sql(&leader, "ADMIN SIM STALL MIGRATION");
    let be3 = pg.addr("be3");
    let new_leader = format!("{}:9010", pg.addr("fe2"));
    let switcher = {
        let (old, new, be3) = (leader.clone(), new_leader.clone(), be3.clone());
        std::thread::spawn(move || {
            if !wait_decommissioning(&old, &be3) {
                return false;
            }
            let run = |fe: &str, stmt: &str| {
                std::process::Command::new(sop_support::SRPLAY)
                    .args(["srsim", "sql", "--fe", fe, stmt])
                    .output()
                    .unwrap()
                    .status
                    .success()
            };
            run(&old, &format!("ADMIN SIM SWITCH LEADER '{new}'"))
                && wait_decommissioning(&new, &be3)
                && run(&new, "ADMIN SIM SET MIGRATION RATE 2")
        })
    };
    let (code, out) = pg.decommission_fast_polling("be3", 170);
    assert!(
        switcher.join().unwrap(),
        "the leader switch was not injected during the decommission:\n{out}"
    );
    assert_eq!(code, 0, "{out}");
    let listed = pg.sql(&new_leader, "SHOW BACKENDS");
    assert!(
        !listed.contains(&format!("| {be3} ")),
        "BE still listed:\n{listed}"
    );
    let frontends = pg.sql(&new_leader, "SHOW FRONTENDS");
    assert!(
        frontends
            .lines()
            .any(|l| l.contains(&format!("| {} ", pg.addr("fe2"))) && l.contains("LEADER")),
        "fe2 is not the leader:\n{frontends}"
    );
}
