//! `starrocks_frontend` against the real simulator (3 FEs, a spare FE
//! host, 2 BEs): quorum refusals, observer add with wait, check mode,
//! idempotence, role mismatch, drop by the real role, and a BE
//! decommission wait that survives a leader switch.

use crate::sim_common;
use crate::starrocks_common;

use serde_json::{json, Value};
use sim_common::{backend, col, eventually, frontend, login, outcome, run_with, Recorder};
use srplay_modules::starrocks_backend::StarrocksBackend;
use srplay_modules::starrocks_frontend::StarrocksFrontend;
use srplay_testkit::{SimCluster, SimLayout};
use starrocks_common::{failure, CHECK, NORMAL};
use std::sync::Arc;

fn args(sim: &SimCluster, addr: &str, extra: Value) -> Value {
    let (host, port) = addr.split_once(':').unwrap();
    let mut a =
        json!({"host": host, "edit_log_port": port.parse::<u16>().unwrap(), "poll_interval": 0.05});
    a.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    login(sim, "fe1", a)
}

fn fails(sim: &SimCluster, addr: &str, extra: Value) -> String {
    failure(
        &StarrocksFrontend,
        NORMAL,
        json!({}),
        args(sim, addr, extra),
    )
}

fn frontend_count(sim: &SimCluster) -> usize {
    sim_common::show(sim, "SHOW FRONTENDS").len()
}

#[test]
fn frontend_membership_rules_and_lifecycle() {
    let sim = SimCluster::up(SimLayout::new(3, 2).spares(1, 0));
    let [fe1, fe2, fe4] = ["fe1", "fe2", "fe4"].map(|f| sim.fe_addr(f));
    assert_eq!(frontend_count(&sim), 3);

    // refusals, each before anything is sent
    let refusals = [
        (fe1.clone(), json!({"state": "absent"}), format!("refusing to drop {fe1}: it is the leader")),
        (
            fe2.clone(),
            json!({"state": "absent"}),
            format!("refusing to drop {fe2}: dropping {fe2} would leave 2 followers (leader included), an even number"),
        ),
        (
            fe4.clone(),
            json!({"role": "follower"}),
            format!("refusing to add {fe4}: adding a follower would make 4 followers"),
        ),
        (fe4.clone(), json!({}), "role (follower or observer) is required to add it".to_string()),
        (
            format!("{}:9011", sim.address("fe2")),
            json!({"role": "observer"}),
            format!("ERROR 1064 (HY000): FE with the same host: {} already exists", sim.address("fe2")),
        ),
        (
            "no-such-host.invalid:9010".to_string(),
            json!({"role": "observer"}),
            "unknown host `no-such-host.invalid`".to_string(),
        ),
        (
            fe2.clone(),
            json!({"role": "observer"}),
            format!("{fe2} is already an FE with role FOLLOWER in SHOW FRONTENDS, not observer; changing an FE's role needs state=absent"),
        ),
    ];
    for (addr, extra, want) in refusals {
        let msg = fails(&sim, &addr, extra.clone());
        assert!(msg.contains(&want), "{addr} {extra}: {msg}");
    }
    assert_eq!(frontend_count(&sim), 3, "no refusal changed anything");
    let bad = failure(
        &StarrocksFrontend,
        NORMAL,
        json!({}),
        json!({"host": "h", "role": "leader"}),
    );
    assert!(
        bad.contains("value must be one of: follower, observer, got: leader"),
        "{bad}"
    );

    // add an observer: check mode, then for real with wait, then idempotent
    let r = outcome(
        &StarrocksFrontend,
        CHECK,
        args(&sim, &fe4, json!({"role": "observer", "wait": true})),
    );
    assert_eq!(
        (r["changed"].clone(), r["queries"].clone()),
        (json!(true), json!([]))
    );
    assert!(frontend(&sim, &fe4).is_none());
    sim.start_spare("fe4");
    let r = outcome(
        &StarrocksFrontend,
        NORMAL,
        args(
            &sim,
            &fe4,
            json!({"role": "observer", "wait": true, "timeout": 20}),
        ),
    );
    assert_eq!(r["changed"], true, "{r:?}");
    assert_eq!(
        r["queries"],
        json!([format!("ALTER SYSTEM ADD OBSERVER \"{fe4}\"")])
    );
    assert_eq!(r["role"], "OBSERVER");
    assert_eq!(
        (
            r["frontend"]["after"]["alive"].clone(),
            r["frontend"]["after"]["join"].clone()
        ),
        (json!(true), json!(true))
    );
    assert_eq!(r["diff"]["before"], "absent\n");
    assert_eq!(
        r["diff"]["after"],
        "present\nrole: OBSERVER\nalive: true\njoin: true\n"
    );
    let r = outcome(
        &StarrocksFrontend,
        NORMAL,
        args(&sim, &fe4, json!({"role": "observer", "wait": true})),
    );
    assert_eq!(
        (r["changed"].clone(), r["queries"].clone()),
        (json!(false), json!([]))
    );

    // drop uses the real role (OBSERVER), not the `role` argument
    let r = outcome(
        &StarrocksFrontend,
        NORMAL,
        args(
            &sim,
            &fe4,
            json!({"state": "absent", "role": "follower", "wait": true}),
        ),
    );
    assert_eq!(r["changed"], true, "{r:?}");
    assert_eq!(
        r["queries"],
        json!([format!("ALTER SYSTEM DROP OBSERVER \"{fe4}\"")])
    );
    assert!(r["msg"]
        .as_str()
        .unwrap()
        .contains("as OBSERVER (its role in SHOW FRONTENDS)"));
    assert!(r["warnings"]
        .to_string()
        .contains("role=follower was given"));
    assert!(frontend(&sim, &fe4).is_none());
    let r = outcome(
        &StarrocksFrontend,
        NORMAL,
        args(&sim, &fe4, json!({"state": "absent"})),
    );
    assert_eq!(r["changed"], false);

    // allow_unsafe lifts the quorum rule (3 -> 2 followers)
    let r = outcome(
        &StarrocksFrontend,
        CHECK,
        args(&sim, &fe2, json!({"state": "absent", "allow_unsafe": true})),
    );
    assert_eq!(r["changed"], true);
    assert!(frontend(&sim, &fe2).is_some(), "check mode");
    let r = outcome(
        &StarrocksFrontend,
        NORMAL,
        args(&sim, &fe2, json!({"state": "absent", "allow_unsafe": true})),
    );
    assert_eq!(
        r["queries"],
        json!([format!("ALTER SYSTEM DROP FOLLOWER \"{fe2}\"")])
    );
    assert!(frontend(&sim, &fe2).is_none());
}

#[test]
fn decommission_wait_survives_a_leader_switch() {
    let sim = SimCluster::up(SimLayout::new(3, 3));
    sim.sql("CREATE DATABASE d").unwrap();
    sim.sql("CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 12 PROPERTIES ('replication_num' = '1')")
        .unwrap();
    let be1 = sim.be_addr("be1");
    sim.sql("ADMIN SIM STALL MIGRATION").unwrap();
    let rec = Arc::new(Recorder::default());
    let (host, port) = be1.split_once(':').unwrap();
    let a = login(
        &sim,
        "fe1",
        json!({"host": host, "heartbeat_port": port.parse::<u16>().unwrap(),
        "state": "decommissioned", "wait": true, "timeout": 40, "poll_interval": 0.05}),
    );
    let waiting = {
        let rec = rec.clone();
        std::thread::spawn(move || {
            run_with(&StarrocksBackend, NORMAL, rec, a)
                .unwrap()
                .to_result()
        })
    };
    eventually("the wait to start", || !rec.updates().is_empty());
    let fe2 = sim.fe_addr("fe2");
    sim.sql(&format!("ADMIN SIM SWITCH LEADER '{fe2}'"))
        .unwrap();
    eventually("fe2 to lead", || {
        frontend(&sim, &fe2).is_some_and(|r| col(&r, "Role") == "LEADER")
    });
    sim.sql("ADMIN SIM SET MIGRATION RATE 2").unwrap();
    let r = waiting.join().unwrap();
    assert_eq!(r["failed"], false, "{r:?}");
    assert_eq!(r["tablets_left"], 0);
    assert_eq!(r["queries"].as_array().unwrap().len(), 1);
    assert!(backend(&sim, &be1).is_none());
}
