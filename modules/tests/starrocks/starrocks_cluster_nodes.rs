//! `starrocks_compute_node`, `starrocks_broker` and `starrocks_facts`
//! against the real simulator: a compute node process (`srsim cn`) and a
//! broker stand-in (a TCP listener the FE heartbeats) on a spare host's
//! loopback address.

use crate::sim_common;
use crate::starrocks_common;

use serde_json::{json, Value};
use sim_common::{login, outcome, show};
use srplay_modules::starrocks_broker::StarrocksBroker;
use srplay_modules::starrocks_compute_node::StarrocksComputeNode;
use srplay_modules::starrocks_facts::StarrocksFacts;
use srplay_testkit::{srsim_bin, SimCluster, SimLayout};
use starrocks_common::{failure, CHECK, NORMAL};
use std::process::{Child, Command};

/// A compute node process, killed when dropped.
struct Cn(Child);

impl Drop for Cn {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_cn(sim: &SimCluster, host: &str) -> Cn {
    let conf = sim.host(host).root.join("be/conf/be.conf");
    Cn(Command::new(srsim_bin())
        .arg("cn")
        .arg("--conf")
        .arg(conf)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start srsim cn"))
}

fn listed(sim: &SimCluster, statement: &str, addr: &str) -> bool {
    show(sim, statement).iter().any(|r| {
        let port = r
            .get("HeartbeatPort")
            .or(r.get("Port"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        format!("{}:{port}", r["IP"].as_str().unwrap_or_default()) == addr
    })
}

#[test]
fn compute_nodes_and_brokers() {
    let sim = SimCluster::up(SimLayout::new(1, 1).spares(0, 2));
    let cn = sim.be_addr("be2");
    let (cn_host, cn_port) = cn.split_once(':').unwrap();
    let cn_args = |extra: Value| {
        let mut a = json!({"host": cn_host, "port": cn_port.parse::<u16>().unwrap(), "poll_interval": 0.05});
        a.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        login(&sim, "fe1", a)
    };

    // compute node: check mode, add + wait for alive, idempotent, drop
    let r = outcome(&StarrocksComputeNode, CHECK, cn_args(json!({})));
    assert_eq!(
        (r["changed"].clone(), r["queries"].clone()),
        (json!(true), json!([]))
    );
    assert!(!listed(&sim, "SHOW COMPUTE NODES", &cn));
    let _process = start_cn(&sim, "be2");
    let r = outcome(
        &StarrocksComputeNode,
        NORMAL,
        cn_args(json!({"wait": true, "timeout": 20})),
    );
    assert_eq!(r["changed"], true, "{r:?}");
    assert_eq!(
        r["queries"],
        json!([format!("ALTER SYSTEM ADD COMPUTE NODE \"{cn}\"")])
    );
    assert_eq!(r["compute_node"]["after"]["alive"], true);
    assert_eq!(r["diff"]["after"], "present\nalive: true\n");
    let r = outcome(
        &StarrocksComputeNode,
        NORMAL,
        cn_args(json!({"wait": true})),
    );
    assert_eq!(
        (r["changed"].clone(), r["queries"].clone()),
        (json!(false), json!([]))
    );
    // a BE cannot take the CN's address: the FE's refusal is surfaced
    let msg = failure(
        &srplay_modules::starrocks_backend::StarrocksBackend,
        NORMAL,
        json!({}),
        login(
            &sim,
            "fe1",
            json!({"host": cn_host, "heartbeat_port": cn_port.parse::<u16>().unwrap()}),
        ),
    );
    assert!(
        msg.contains(&format!(
            "Compute node already exists with same host {cn_host} and port {cn_port}"
        )),
        "{msg}"
    );
    let r = outcome(
        &StarrocksComputeNode,
        NORMAL,
        cn_args(json!({"state": "absent", "wait": true})),
    );
    assert_eq!(r["changed"], true);
    assert_eq!(r["compute_node"]["after"], Value::Null);
    assert!(!listed(&sim, "SHOW COMPUTE NODES", &cn));
    let r = outcome(
        &StarrocksComputeNode,
        NORMAL,
        cn_args(json!({"state": "absent"})),
    );
    assert_eq!(r["changed"], false);
    // a CN that never starts: a clear timeout
    let silent = sim.be_addr("be3");
    let (sh, sp) = silent.split_once(':').unwrap();
    let msg = failure(
        &StarrocksComputeNode,
        NORMAL,
        json!({}),
        login(
            &sim,
            "fe1",
            json!({"host": sh, "port": sp.parse::<u16>().unwrap(), "wait": true, "timeout": 0.3, "poll_interval": 0.05}),
        ),
    );
    assert!(
        msg.contains(&format!(
            "timed out after 0.3s: compute node {silent} is not alive yet"
        )),
        "{msg}"
    );

    // broker: the FE heartbeats it by connecting to its port
    let bhost = sim.address("be3");
    let listener = std::net::TcpListener::bind((bhost.as_str(), 8000)).unwrap();
    let baddr = format!("{bhost}:8000");
    let b_args = |extra: Value| {
        let mut a = json!({"name": "hdfs_broker", "host": bhost, "poll_interval": 0.05});
        a.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        login(&sim, "fe1", a)
    };
    let r = outcome(&StarrocksBroker, CHECK, b_args(json!({})));
    assert_eq!(
        (r["changed"].clone(), r["queries"].clone()),
        (json!(true), json!([]))
    );
    assert!(!listed(&sim, "SHOW PROC '/brokers'", &baddr));
    let r = outcome(
        &StarrocksBroker,
        NORMAL,
        b_args(json!({"wait": true, "timeout": 20})),
    );
    assert_eq!(r["changed"], true, "{r:?}");
    assert_eq!(
        r["queries"],
        json!([format!("ALTER SYSTEM ADD BROKER `hdfs_broker` \"{baddr}\"")])
    );
    assert_eq!(r["broker"]["after"]["alive"], true);
    assert_eq!(r["broker"]["after"]["name"], "hdfs_broker");
    let r = outcome(&StarrocksBroker, NORMAL, b_args(json!({})));
    assert_eq!(r["changed"], false);
    // another name at the same address is another broker
    let r = outcome(&StarrocksBroker, CHECK, b_args(json!({"name": "other"})));
    assert_eq!(r["changed"], true);
    let r = outcome(&StarrocksBroker, NORMAL, b_args(json!({"state": "absent"})));
    assert_eq!(r["changed"], true);
    assert_eq!(
        r["queries"],
        json!([format!(
            "ALTER SYSTEM DROP BROKER `hdfs_broker` \"{baddr}\""
        )])
    );
    assert!(!listed(&sim, "SHOW PROC '/brokers'", &baddr));
    drop(listener);
    for (args, want) in [
        (
            json!({"name": "a b", "host": "h"}),
            "name `a b` contains ` `",
        ),
        (json!({"host": "h"}), "name"),
        (
            json!({"name": "x", "host": "h", "port": 70000}),
            "port must be 1..65535, got 70000",
        ),
    ] {
        let msg = failure(&StarrocksBroker, NORMAL, json!({}), args.clone());
        assert!(msg.contains(want), "{args}: {msg}");
    }
}

#[test]
fn facts_from_a_live_simulated_cluster() {
    let sim = SimCluster::up(SimLayout::new(1, 2));
    let r = outcome(&StarrocksFacts, CHECK, login(&sim, "fe1", json!({})));
    assert_eq!(r["changed"], false);
    let fe1 = sim.fe_addr("fe1");
    assert_eq!(r["leader"], fe1.as_str());
    assert_eq!(r["followers"], json!([fe1]));
    assert_eq!(r["alive_followers"], 1);
    assert!(
        r["version_number"].as_str().unwrap().starts_with("3.3."),
        "{}",
        r["version_number"]
    );
    assert!(
        r["version"].as_str().unwrap().starts_with("3.3."),
        "{}",
        r["version"]
    );
    let bes = r["backends"].as_array().unwrap();
    let mut addrs: Vec<&str> = bes.iter().map(|b| b["address"].as_str().unwrap()).collect();
    addrs.sort();
    let mut want = vec![sim.be_addr("be1"), sim.be_addr("be2")];
    want.sort();
    assert_eq!(addrs, want);
    assert!(bes
        .iter()
        .all(|b| b["alive"] == true && b["decommissioned"] == false));
    assert!(bes
        .iter()
        .all(|b| b["total_capacity_bytes"].as_u64().unwrap() > 0));
    assert_eq!(r["backend_totals"]["count"], 2);
    assert_eq!(r["backend_totals"]["alive"], 2);
    assert_eq!(r["ansible_facts"]["starrocks"]["leader"], fe1.as_str());
    assert_eq!(r["compute_nodes"], json!([]));
}

#[test]
fn membership_modules_are_registered_with_their_defaults() {
    let mut reg = srplay_engine::module::ModuleRegistry::new();
    srplay_modules::register_all(&mut reg);
    // (name, minimal args, defaults expected after normalization)
    let cases = [
        (
            "srplay.starrocks.starrocks_backend",
            json!({"host": "h"}),
            json!({"heartbeat_port": 9050, "state": "present", "wait": false, "force": false, "fail_on_dead": true, "login_port": 9030}),
        ),
        (
            "starrocks_frontend",
            json!({"host": "h"}),
            json!({"edit_log_port": 9010, "state": "present", "allow_unsafe": false, "role": null}),
        ),
        (
            "starrocks_compute_node",
            json!({"host": "h"}),
            json!({"port": 9050, "state": "present"}),
        ),
        (
            "srplay.starrocks.starrocks_broker",
            json!({"name": "b", "host": "h"}),
            json!({"port": 8000, "state": "present", "wait": false}),
        ),
    ];
    for (name, args, defaults) in cases {
        let m = reg
            .get(name)
            .unwrap_or_else(|| panic!("{name} not registered"));
        let n = m
            .spec()
            .normalize(args.as_object().unwrap().clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for (k, v) in defaults.as_object().unwrap() {
            assert_eq!(n.get(k).unwrap_or(&Value::Null), v, "{name} {k}");
        }
    }
}
