//! `starrocks_backend` against the real simulator over the MySQL
//! protocol: add / idempotence / check mode, the decommission lifecycle
//! with progress and resume, refusals (capacity, replica count, single
//! replica drop), connection loss and FE restart mid-wait.

use crate::sim_common;
use crate::starrocks_common;

use serde_json::{json, Value};
use sim_common::{backend, col, eventually, login, outcome, run_with, show, Recorder};
use srplay_modules::starrocks_backend::StarrocksBackend;
use srplay_testkit::{SimCluster, SimLayout};
use starrocks_common::{failure, CHECK, NORMAL};
use std::sync::Arc;

fn args(sim: &SimCluster, addr: &str, extra: Value) -> Value {
    let (host, port) = addr.split_once(':').unwrap();
    let mut a = json!({"host": host, "heartbeat_port": port.parse::<u16>().unwrap(), "poll_interval": 0.05});
    a.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    login(sim, "fe1", a)
}

fn fails(sim: &SimCluster, addr: &str, extra: Value) -> String {
    failure(&StarrocksBackend, NORMAL, json!({}), args(sim, addr, extra))
}

fn tablets(sim: &SimCluster, addr: &str) -> Option<i64> {
    backend(sim, addr).map(|r| col(&r, "TabletNum").parse().unwrap())
}

fn decommissioning(sim: &SimCluster, addr: &str) -> bool {
    backend(sim, addr).is_some_and(|r| col(&r, "SystemDecommissioned") == "true")
}

/// 12 tablets of `replication_num` replicas spread over the BEs.
fn table(sim: &SimCluster, name: &str, replication_num: u32) {
    sim.sql("CREATE DATABASE IF NOT EXISTS d").unwrap();
    sim.sql(&format!(
        "CREATE TABLE d.{name} (k INT) DISTRIBUTED BY HASH(k) BUCKETS 12 PROPERTIES ('replication_num' = '{replication_num}')"
    ))
    .unwrap();
}

/// Runs `state: decommissioned, wait: true` for `be` on another thread,
/// recording progress in `rec`; join the handle for the module's result.
fn wait_in_background(
    sim: &SimCluster,
    be: &str,
    rec: &Arc<Recorder>,
    timeout: u64,
) -> std::thread::JoinHandle<serde_json::Map<String, Value>> {
    let a = args(
        sim,
        be,
        json!({"state": "decommissioned", "wait": true, "timeout": timeout}),
    );
    let rec = rec.clone();
    std::thread::spawn(move || {
        run_with(&StarrocksBackend, NORMAL, rec, a)
            .unwrap()
            .to_result()
    })
}

/// Starts the (stopped or killed) FE `fe1` again from its metadata and
/// waits until it answers.
fn start_fe_again(sim: &SimCluster) {
    let start = sim.host("fe1").root.join("fe/bin/start_fe.sh");
    let out = std::process::Command::new(&start)
        .arg("--daemon")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eventually("the FE to serve again", || sim.sql("SHOW BACKENDS").is_ok());
}

#[test]
fn add_check_mode_wait_idempotence_cancel_and_drop() {
    let sim = SimCluster::up(SimLayout::new(1, 1).spares(0, 1));
    let be2 = sim.be_addr("be2");

    // check mode: reported, nothing sent, cluster unchanged
    let r = outcome(&StarrocksBackend, CHECK, args(&sim, &be2, json!({})));
    assert_eq!(r["changed"], true);
    assert_eq!(r["queries"], json!([]));
    assert_eq!(r["diff"]["before"], "absent\n");
    assert!(backend(&sim, &be2).is_none(), "check mode added nothing");

    // add with wait: alive once the process heartbeats
    sim.start_spare("be2");
    let r = outcome(
        &StarrocksBackend,
        NORMAL,
        args(&sim, &be2, json!({"wait": true, "timeout": 20})),
    );
    assert_eq!(r["changed"], true, "{r:?}");
    assert_eq!(
        r["queries"],
        json!([format!("ALTER SYSTEM ADD BACKEND \"{be2}\"")])
    );
    assert_eq!(r["backend"]["before"], Value::Null);
    assert_eq!(r["backend"]["after"]["alive"], true);
    assert_eq!(r["backend"]["after"]["address"], be2.as_str());
    assert!(r["diff"]["after"].as_str().unwrap().contains("alive: true"));
    assert_eq!(col(&backend(&sim, &be2).unwrap(), "Alive"), "true");

    // idempotent
    let r = outcome(
        &StarrocksBackend,
        NORMAL,
        args(&sim, &be2, json!({"wait": true})),
    );
    assert_eq!(
        (r["changed"].clone(), r["queries"].clone()),
        (json!(false), json!([]))
    );
    assert!(r.get("diff").is_none());

    // cancel_decommission: nothing running is ok; an unknown BE is refused
    let r = outcome(
        &StarrocksBackend,
        NORMAL,
        args(&sim, &be2, json!({"state": "cancel_decommission"})),
    );
    assert_eq!(r["changed"], false);
    let unknown = format!("{}:9051", sim.address("be2"));
    let msg = fails(&sim, &unknown, json!({"state": "cancel_decommission"}));
    assert!(
        msg.contains("is not in SHOW BACKENDS, nothing to cancel"),
        "{msg}"
    );
    assert!(msg.contains(&be2), "lists the known BEs: {msg}");

    // unknown host refused before any SQL
    let msg = fails(&sim, "no-such-host.invalid:9050", json!({}));
    assert!(msg.contains("unknown host `no-such-host.invalid`"), "{msg}");

    // absent: check mode keeps it, then dropped, then idempotent
    let r = outcome(
        &StarrocksBackend,
        CHECK,
        args(&sim, &be2, json!({"state": "absent"})),
    );
    assert_eq!(r["changed"], true);
    assert!(backend(&sim, &be2).is_some());
    let r = outcome(
        &StarrocksBackend,
        NORMAL,
        args(&sim, &be2, json!({"state": "absent", "wait": true})),
    );
    assert_eq!(r["changed"], true);
    assert_eq!(
        r["queries"],
        json!([format!("ALTER SYSTEM DROP BACKEND \"{be2}\"")]),
        "no FORCE unless asked"
    );
    assert_eq!(r["backend"]["after"], Value::Null);
    assert!(backend(&sim, &be2).is_none());
    let r = outcome(
        &StarrocksBackend,
        NORMAL,
        args(&sim, &be2, json!({"state": "absent"})),
    );
    assert_eq!(r["changed"], false);
}

#[test]
fn bad_arguments_are_refused() {
    // (args, expected text): checked before any connection is made
    let cases = [
        (
            json!({"host": "h", "state": "gone"}),
            "value must be one of: present, decommissioned, absent, cancel_decommission, got: gone",
        ),
        (
            json!({"host": "h", "heartbeat_port": 0}),
            "heartbeat_port must be 1..65535, got 0",
        ),
        (
            json!({"host": "h", "poll_interval": 0}),
            "poll_interval must be a number of seconds > 0",
        ),
        (
            json!({"host": "h", "timeout": -1}),
            "timeout must be a number of seconds >= 0",
        ),
        (json!({"host": "h\"; DROP"}), "contains `\"`"),
        (json!({"heartbeat_port": 9050}), "host"),
        (json!({"host": "h", "force": "maybe"}), "expected a boolean"),
    ];
    for (args, want) in cases {
        let msg = failure(&StarrocksBackend, NORMAL, json!({}), args.clone());
        assert!(msg.contains(want), "{args}: {msg}");
    }
}

#[test]
fn decommission_lifecycle_progress_resume_and_check_mode() {
    let sim = SimCluster::up(SimLayout::new(1, 3));
    table(&sim, "t", 1);
    let be1 = sim.be_addr("be1");
    assert_eq!(tablets(&sim, &be1), Some(4));
    sim.sql("ADMIN SIM STALL MIGRATION").unwrap();

    // check mode: precheck runs, nothing is sent
    let r = outcome(
        &StarrocksBackend,
        CHECK,
        args(&sim, &be1, json!({"state": "decommissioned", "wait": true})),
    );
    assert_eq!(r["changed"], true);
    assert_eq!(r["queries"], json!([]));
    assert_eq!(r["precheck"]["remaining_backends"], 2);
    // read from information_schema.partitions_meta
    assert_eq!(
        r["precheck"]["max_replication"],
        json!({"table": "d.t", "replication_num": 1})
    );
    assert_eq!(
        r["precheck"]["leaving_data_used_bytes"],
        512u64 * 1024 * 1024
    );
    assert!(r["diff"]["after"]
        .as_str()
        .unwrap()
        .contains("decommissioned: true"));
    assert!(!decommissioning(&sim, &be1), "check mode changed nothing");

    // start, but the wait times out: a clear failure, the decommission runs on
    let dec = json!({"state": "decommissioned", "wait": true, "timeout": 0.5});
    let r = run_with(
        &StarrocksBackend,
        NORMAL,
        Arc::new(Recorder::default()),
        args(&sim, &be1, dec.clone()),
    )
    .unwrap()
    .to_result();
    assert_eq!(r["failed"], true);
    assert_eq!(r["changed"], true);
    let msg = r["msg"].as_str().unwrap();
    assert!(msg.contains(&format!("still 4 tablets on {be1}")), "{msg}");
    assert!(msg.contains("re-run to keep waiting"), "{msg}");
    assert_eq!(
        r["queries"],
        json!([format!("ALTER SYSTEM DECOMMISSION BACKEND \"{be1}\"")])
    );
    assert_eq!(r["tablets_left"], 4);
    assert!(decommissioning(&sim, &be1));
    // replication_num was read: no warning about it
    let warnings = r.get("warnings").map(Value::to_string).unwrap_or_default();
    assert!(
        !warnings.contains("replication_num could not be read"),
        "{warnings}"
    );

    // resume: the statement is not sent again
    let r = run_with(
        &StarrocksBackend,
        NORMAL,
        Arc::new(Recorder::default()),
        args(&sim, &be1, dec),
    )
    .unwrap()
    .to_result();
    assert_eq!(
        (r["failed"].clone(), r["changed"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(r["queries"], json!([]));
    assert!(r["msg"].as_str().unwrap().contains("still 4 tablets"));
    assert!(decommissioning(&sim, &be1));

    // resume until done, with progress; migration restarts once we watch
    let rec = Arc::new(Recorder::default());
    let waiting = wait_in_background(&sim, &be1, &rec, 30);
    eventually("a first progress update", || !rec.updates().is_empty());
    sim.sql("ADMIN SIM SET MIGRATION RATE 1").unwrap();
    let r = waiting.join().unwrap();
    assert_eq!(r["failed"], false, "{r:?}");
    assert_eq!(r["changed"], false, "resuming sends nothing");
    assert_eq!(r["queries"], json!([]));
    assert_eq!(r["tablets_left"], 0);
    assert_eq!(r["backend"]["after"], Value::Null);
    assert_eq!(r["backend"]["before"]["decommissioned"], true);
    assert!(r["msg"]
        .as_str()
        .unwrap()
        .contains("all tablets moved and the BE was removed"));
    let updates = rec.updates();
    assert_eq!(updates[0].0, 0);
    assert_eq!(updates[0].1, 4);
    assert!(
        updates[0].2.starts_with("tablets left 4, rate "),
        "{updates:?}"
    );
    let left: Vec<u64> = updates.iter().map(|(d, t, _)| t - d).collect();
    assert!(
        left.windows(2).all(|w| w[0] >= w[1]),
        "counts only fall: {left:?}"
    );
    assert_eq!(*left.last().unwrap(), 0, "{updates:?}");
    assert!(updates.iter().all(|(_, t, _)| *t == 4));
    assert!(
        rec.lines()
            .iter()
            .any(|l| l.starts_with(&format!("decommissioning {be1}: tablets left 4"))),
        "{:?}",
        rec.lines()
    );
    assert!(backend(&sim, &be1).is_none());
    let others: i64 = ["be2", "be3"]
        .iter()
        .map(|b| tablets(&sim, &sim.be_addr(b)).unwrap())
        .sum();
    assert_eq!(others, 12, "the data moved to the others");

    // and again: done, nothing to do
    let r = outcome(
        &StarrocksBackend,
        NORMAL,
        args(&sim, &be1, json!({"state": "decommissioned", "wait": true})),
    );
    assert_eq!(
        (r["changed"].clone(), r["failed"].clone()),
        (json!(false), json!(false))
    );
    assert!(r["msg"]
        .as_str()
        .unwrap()
        .contains("is not in SHOW BACKENDS"));
}

#[test]
fn refusals_capacity_replicas_and_single_replica_drop() {
    let sim = SimCluster::up(SimLayout::new(1, 3));
    table(&sim, "t3", 3);
    let [be1, be2, be3] = ["be1", "be2", "be3"].map(|b| sim.be_addr(b));

    // capacity: the others' disks are full -> refused by the module itself
    for b in [&be2, &be3] {
        sim.sql(&format!("ADMIN SIM FILL DISK '{b}'")).unwrap();
    }
    eventually("full disks in SHOW BACKENDS", || {
        [&be2, &be3]
            .iter()
            .all(|b| col(&backend(&sim, b).unwrap(), "AvailCapacity") == "0.000 B")
    });
    let r = run_with(
        &StarrocksBackend,
        NORMAL,
        Arc::new(Recorder::default()),
        args(&sim, &be1, json!({"state": "decommissioned"})),
    )
    .unwrap()
    .to_result();
    assert_eq!(r["failed"], true);
    assert_eq!(r["changed"], false);
    let msg = r["msg"].as_str().unwrap();
    assert!(
        msg.contains(&format!("refusing to decommission {be1}: insufficient capacity: the leaving BE(s) hold 1.500 GB of data but the 2 remaining live, non-decommissioned BE(s) have only 0.000 B free")),
        "{msg}"
    );
    assert!(msg.ends_with("nothing was changed"), "{msg}");
    assert_eq!(r["queries"], json!([]));
    assert!(!decommissioning(&sim, &be1));
    for b in [&be2, &be3] {
        sim.sql(&format!("ADMIN SIM FREE DISK '{b}'")).unwrap();
    }
    eventually("free disks", || {
        col(&backend(&sim, &be2).unwrap(), "AvailCapacity") != "0.000 B"
            && col(&backend(&sim, &be3).unwrap(), "AvailCapacity") != "0.000 B"
    });

    // replica count: replication_num 3 on 3 BEs -> refused by the module
    // itself (partitions_meta), before any statement is sent
    let r = run_with(
        &StarrocksBackend,
        NORMAL,
        Arc::new(Recorder::default()),
        args(&sim, &be1, json!({"state": "decommissioned"})),
    )
    .unwrap()
    .to_result();
    assert_eq!(
        (r["failed"].clone(), r["changed"].clone()),
        (json!(true), json!(false))
    );
    let msg = r["msg"].as_str().unwrap();
    assert!(
        msg.contains(&format!("refusing to decommission {be1}: insufficient replicas: table d.t3 has replication_num 3 but only 2 live, non-decommissioned BE(s) would remain")),
        "{msg}"
    );
    assert!(msg.ends_with("nothing was changed"), "{msg}");
    assert_eq!(r["queries"], json!([]));
    assert!(!decommissioning(&sim, &be1));

    // DROP of a BE holding the only replica: refused without force
    sim.sql("DROP DATABASE d").unwrap();
    table(&sim, "t1", 1);
    let msg = fails(&sim, &be1, json!({"state": "absent"}));
    assert!(msg.contains("have only one replica"), "{msg}");
    assert!(msg.contains("set force=true to drop it anyway"), "{msg}");
    assert!(backend(&sim, &be1).is_some());
    let r = outcome(
        &StarrocksBackend,
        NORMAL,
        args(&sim, &be1, json!({"state": "absent", "force": true})),
    );
    assert_eq!(r["changed"], true);
    assert_eq!(
        r["queries"],
        json!([format!("ALTER SYSTEM DROP BACKEND \"{be1}\" FORCE")])
    );
    assert!(r["warnings"].to_string().contains("held 4 tablets"));
    assert!(backend(&sim, &be1).is_none());
}

/// The replica-count precheck per case: BEs in the cluster, how many of
/// the others are dead, the widest table's replication_num, and whether
/// decommissioning be1 is refused by the module (the FE is never asked).
#[test]
fn replica_precheck_counts_the_live_remaining_backends() {
    let sim = SimCluster::up(SimLayout::new(1, 4));
    let be = |i: usize| sim.be_addr(&format!("be{i}"));
    let cases: &[(u32, usize, bool)] = &[
        // replication_num, dead others, refused
        (3, 0, false), // 3 remain for 3 replicas
        (3, 1, true),  // be4 dead: 2 live remain
        (2, 1, false),
        (4, 0, true), // all 4 needed, 3 remain
    ];
    for (i, (replication, dead, refused)) in cases.iter().enumerate() {
        sim.sql("DROP DATABASE IF EXISTS d").unwrap();
        table(&sim, &format!("r{i}"), *replication);
        for d in 0..*dead {
            sim.sql(&format!("ADMIN SIM HEARTBEAT FAIL '{}'", be(4 - d)))
                .unwrap();
        }
        eventually("dead BEs in SHOW BACKENDS", || {
            (0..*dead).all(|d| col(&backend(&sim, &be(4 - d)).unwrap(), "Alive") == "false")
        });
        let r = outcome(
            &StarrocksBackend,
            CHECK,
            args(&sim, &be(1), json!({"state": "decommissioned"})),
        );
        let case = format!("case {i}: replication_num {replication}, {dead} dead: {r:?}");
        assert_eq!(r["failed"], *refused, "{case}");
        if *refused {
            let msg = r["msg"].as_str().unwrap();
            assert!(
                msg.contains(&format!(
                    "insufficient replicas: table d.r{i} has replication_num {replication} but only {} live",
                    3 - dead
                )),
                "{case}"
            );
        } else {
            assert_eq!(r["precheck"]["remaining_backends"], 3 - dead, "{case}");
            assert_eq!(
                r["precheck"]["max_replication"]["replication_num"], *replication,
                "{case}"
            );
        }
        for d in 0..*dead {
            sim.sql(&format!("ADMIN SIM HEARTBEAT OK '{}'", be(4 - d)))
                .unwrap();
        }
        eventually("BEs alive again", || {
            (1..=4).all(|n| col(&backend(&sim, &be(n)).unwrap(), "Alive") == "true")
        });
    }
}

#[test]
fn wait_survives_dropped_connections_and_an_fe_restart() {
    let sim = SimCluster::up(SimLayout::new(1, 3));
    table(&sim, "t", 1);
    let be1 = sim.be_addr("be1");
    sim.sql("ADMIN SIM STALL MIGRATION").unwrap();
    let rec = Arc::new(Recorder::default());
    let waiting = wait_in_background(&sim, &be1, &rec, 40);
    eventually("the wait to start", || !rec.updates().is_empty());
    sim.sql("ADMIN SIM DROP CONNECTIONS").unwrap();
    // the FE process dies and comes back from its metadata
    let fe1 = sim.fe_addr("fe1");
    let _ = sim.sql(&format!("ADMIN SIM KILL NODE '{fe1}'"));
    eventually("the module to notice", || {
        rec.lines()
            .iter()
            .any(|l| l.starts_with("lost the FE connection"))
    });
    start_fe_again(&sim);
    sim.sql("ADMIN SIM SET MIGRATION RATE 2").unwrap();
    let r = waiting.join().unwrap();
    assert_eq!(r["failed"], false, "{r:?}");
    assert_eq!(r["tablets_left"], 0);
    assert_eq!(
        r["queries"],
        json!([format!("ALTER SYSTEM DECOMMISSION BACKEND \"{be1}\"")]),
        "sent once, never again after reconnecting"
    );
    assert!(
        rec.lines()
            .iter()
            .any(|l| l.starts_with("reconnected to the FE")),
        "{:?}",
        rec.lines()
    );
    assert!(backend(&sim, &be1).is_none());
    assert_eq!(show(&sim, "SHOW BACKENDS").len(), 2);
}

#[test]
fn a_be_dying_mid_decommission_fails_clearly_or_is_waited_for() {
    let sim = SimCluster::up(SimLayout::new(1, 3));
    table(&sim, "t", 1);
    let be1 = sim.be_addr("be1");
    sim.sql("ADMIN SIM STALL MIGRATION").unwrap();
    sim.sql(&format!("ALTER SYSTEM DECOMMISSION BACKEND \"{be1}\""))
        .unwrap();
    sim.sql(&format!("ADMIN SIM HEARTBEAT FAIL '{be1}'"))
        .unwrap();
    eventually("be1 dead", || {
        col(&backend(&sim, &be1).unwrap(), "Alive") == "false"
    });
    let msg = fails(
        &sim,
        &be1,
        json!({"state": "decommissioned", "wait": true, "timeout": 20}),
    );
    assert!(
        msg.contains(&format!("{be1} is not alive (Alive=false")),
        "{msg}"
    );
    assert!(msg.contains("with 4 tablets left"), "{msg}");
    assert!(msg.contains("fail_on_dead=false"), "{msg}");

    // fail_on_dead=false: reported once, waited for until the timeout
    let rec = Arc::new(Recorder::default());
    let r = run_with(
        &StarrocksBackend,
        NORMAL,
        rec.clone(),
        args(
            &sim,
            &be1,
            json!({"state": "decommissioned", "wait": true, "timeout": 0.5, "fail_on_dead": false}),
        ),
    )
    .unwrap()
    .to_result();
    assert_eq!(r["failed"], true);
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("timed out after 0.5s: still 4 tablets"),
        "{r:?}"
    );
    let dead_lines = rec
        .lines()
        .iter()
        .filter(|l| l.contains("waiting anyway (fail_on_dead=false)"))
        .count();
    assert_eq!(dead_lines, 1, "{:?}", rec.lines());
    assert!(decommissioning(&sim, &be1));

    // cancel it: check mode first, then for real, then idempotent
    let cancel = json!({"state": "cancel_decommission"});
    let r = outcome(&StarrocksBackend, CHECK, args(&sim, &be1, cancel.clone()));
    assert_eq!(
        (r["changed"].clone(), r["queries"].clone()),
        (json!(true), json!([]))
    );
    assert!(decommissioning(&sim, &be1), "check mode");
    let r = outcome(&StarrocksBackend, NORMAL, args(&sim, &be1, cancel.clone()));
    assert_eq!(r["changed"], true);
    assert_eq!(
        r["queries"],
        json!([format!("CANCEL DECOMMISSION BACKEND \"{be1}\"")])
    );
    assert_eq!(r["backend"]["after"]["decommissioned"], false);
    assert!(r["diff"]["after"]
        .as_str()
        .unwrap()
        .contains("decommissioned: false"));
    assert!(!decommissioning(&sim, &be1));
    let r = outcome(&StarrocksBackend, NORMAL, args(&sim, &be1, cancel));
    assert_eq!(r["changed"], false);
}

#[test]
fn a_resumed_run_waits_for_a_restarting_fe() {
    let sim = SimCluster::up(SimLayout::new(1, 2));
    table(&sim, "t", 1);
    let be1 = sim.be_addr("be1");
    sim.sql("ADMIN SIM STALL MIGRATION").unwrap();
    sim.sql(&format!("ALTER SYSTEM DECOMMISSION BACKEND \"{be1}\""))
        .unwrap();
    let fe1 = sim.fe_addr("fe1");
    let _ = sim.sql(&format!("ADMIN SIM KILL NODE '{fe1}'"));
    eventually("the FE to be down", || sim.sql("SHOW BACKENDS").is_err());
    let rec = Arc::new(Recorder::default());
    let waiting = wait_in_background(&sim, &be1, &rec, 40);
    eventually("the module to retry", || {
        rec.lines()
            .iter()
            .any(|l| l.starts_with("lost the FE connection"))
    });
    start_fe_again(&sim);
    sim.sql("ADMIN SIM SET MIGRATION RATE 2").unwrap();
    let r = waiting.join().unwrap();
    assert_eq!(r["failed"], false, "{r:?}");
    assert_eq!(r["changed"], false);
    assert_eq!(r["queries"], json!([]), "resumed, never re-issued");
    // the restarted FE drains at its default rate, so the BE may already
    // be gone by the module's first successful read
    let before = &r["backend"]["before"];
    assert!(
        before.is_null() || before["decommissioned"] == true,
        "{r:?}"
    );
    assert_eq!(r["tablets_left"], 0);
    assert!(backend(&sim, &be1).is_none());
}
