//! Every refusal text from FACTS.md §2.4, through the executor (the same
//! code the MySQL port runs). Wire-level codes are in protocol.rs.

use starrocks_sim::backend::BeReport;
use starrocks_sim::cluster::Cluster;
use starrocks_sim::exec::{execute, Session};
use starrocks_sim::outcome::Outcome;
use starrocks_sim::version::SrVersion;

const NOW: i64 = 1760670343000;

fn cluster(v: SrVersion, bes: usize) -> (Cluster, Session) {
    let mut c = Cluster::new(v, "127.0.1.1", 9010, NOW);
    for i in 0..bes {
        let a = format!("127.0.1.{}:9050", 10 + i);
        c.add_backends(std::slice::from_ref(&a)).unwrap();
        c.apply_be_heartbeat(
            &a,
            Ok(BeReport {
                be_port: 9060,
                http_port: 8040,
                brpc_port: 8060,
                version: v.full().into(),
                start_time_ms: NOW,
                cpu_cores: 2,
                mem_limit: 1 << 30,
                disk_total: 100 << 30,
                disk_other_used: 20 << 30,
                shutting_down: false,
            }),
            NOW,
        );
    }
    (c, Session::default())
}

fn err(c: &mut Cluster, s: &mut Session, sql: &str) -> (u16, String) {
    match execute(c, s, sql, NOW).outcome {
        Outcome::Err(e) => (e.code, e.msg),
        other => panic!("{sql}: expected an error, got {other:?}"),
    }
}

fn ok(c: &mut Cluster, s: &mut Session, sql: &str) {
    if let Outcome::Err(e) = execute(c, s, sql, NOW).outcome {
        panic!("{sql}: {e}")
    }
}

#[test]
fn backend_refusals() {
    let (mut c, mut s) = cluster(SrVersion::V3_3, 3);
    assert_eq!(
        err(&mut c, &mut s, "ALTER SYSTEM ADD BACKEND '127.0.1.10:9050'"),
        (
            1064,
            "Backend already exists with same host 127.0.1.10 and port 9050".into()
        )
    );
    ok(
        &mut c,
        &mut s,
        "ALTER SYSTEM ADD COMPUTE NODE '127.0.1.50:9050'",
    );
    assert_eq!(
        err(&mut c, &mut s, "ALTER SYSTEM ADD BACKEND '127.0.1.50:9050'").1,
        "Compute node already exists with same host 127.0.1.50 and port 9050"
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM DROP BACKEND '127.0.1.99:9050'"
        )
        .1,
        "backend does not exists[127.0.1.99:9050]"
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM DECOMMISSION BACKEND '127.0.1.99:9050'"
        )
        .1,
        "Unexpected exception: Backend does not exist[127.0.1.99:9050]"
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "CANCEL DECOMMISSION BACKEND '127.0.1.99:9050'"
        )
        .1,
        "Backend does not exists[127.0.1.99]"
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM DROP COMPUTE NODE '127.0.1.98:9050'"
        )
        .1,
        "compute node does not exists[127.0.1.98:9050]"
    );
    assert_eq!(
        err(&mut c, &mut s, "ALTER SYSTEM ADD BACKEND '127.0.1.10'").1,
        "Invalid host port: 127.0.1.10"
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM ADD BACKEND '127.0.1.10:70000'"
        )
        .1,
        "Port is out of range: 70000"
    );

    // single-replica data: DROP refused without FORCE
    ok(&mut c, &mut s, "CREATE DATABASE d");
    ok(
        &mut c,
        &mut s,
        "CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 3 PROPERTIES ('replication_num' = '1')",
    );
    assert_eq!(
        err(&mut c, &mut s, "ALTER SYSTEM DROP BACKEND '127.0.1.10:9050'").1,
        "Tables such as [d.t] on the backend[127.0.1.10:9050] have only one replica. To avoid data loss, \
         please change the replication_num of [d.t] to three. ALTER SYSTEM DROP BACKEND <backends> FORCE \
         can be used to forcibly drop the backend. "
    );
    ok(
        &mut c,
        &mut s,
        "ALTER SYSTEM DROP BACKEND '127.0.1.10:9050' FORCE",
    );

    // replica count: 2 BEs left, a table wants 2
    ok(
        &mut c,
        &mut s,
        "CREATE TABLE d.t2 (k INT) DISTRIBUTED BY HASH(k) BUCKETS 2 PROPERTIES ('replication_num' = '2')",
    );
    assert_eq!(
        err(&mut c, &mut s, "ALTER SYSTEM DECOMMISSION BACKEND '127.0.1.11:9050'").1,
        "Unexpected exception: It will cause insufficient BE number if these BEs are decommissioned because the table d.t2 requires 2 replicas."
    );
    // cancel of a BE that is not decommissioned: accepted
    ok(
        &mut c,
        &mut s,
        "CANCEL DECOMMISSION BACKEND '127.0.1.11:9050'",
    );
}

#[test]
fn capacity_refusal() {
    let (mut c, mut s) = cluster(SrVersion::V3_3, 3);
    ok(&mut c, &mut s, "CREATE DATABASE d");
    ok(
        &mut c,
        &mut s,
        "CREATE TABLE d.big (k INT) DISTRIBUTED BY HASH(k) BUCKETS 30 PROPERTIES ('replication_num'='1', 'sim_tablet_size'='2G')",
    );
    ok(&mut c, &mut s, "ADMIN SIM FILL DISK '127.0.1.11:9050' 99");
    ok(&mut c, &mut s, "ADMIN SIM FILL DISK '127.0.1.12:9050' 99");
    assert_eq!(
        err(&mut c, &mut s, "ALTER SYSTEM DECOMMISSION BACKEND '127.0.1.10:9050'").1,
        "Unexpected exception: It will cause insufficient disk space if these BEs are decommissioned."
    );
    ok(&mut c, &mut s, "ADMIN SIM FREE DISK '127.0.1.11:9050'");
    ok(
        &mut c,
        &mut s,
        "ALTER SYSTEM DECOMMISSION BACKEND '127.0.1.10:9050'",
    );
    // already decommissioned: silently skipped
    ok(
        &mut c,
        &mut s,
        "ALTER SYSTEM DECOMMISSION BACKEND '127.0.1.10:9050'",
    );
}

#[test]
fn older_versions_use_older_texts() {
    let (mut c, mut s) = cluster(SrVersion::V2_5, 1);
    assert_eq!(
        err(&mut c, &mut s, "ALTER SYSTEM ADD BACKEND '127.0.1.10:9050'").1,
        "Same backend already exists[127.0.1.10:9050]"
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM DECOMMISSION BACKEND '127.0.1.99:9050'"
        )
        .1,
        "Backend does not exist[127.0.1.99:9050]"
    );
}

#[test]
fn frontend_refusals() {
    let (mut c, mut s) = cluster(SrVersion::V3_3, 0);
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM DROP FOLLOWER '127.0.1.1:9010'"
        )
        .1,
        "can not drop current master node."
    );
    assert_eq!(
        err(&mut c, &mut s, "ALTER SYSTEM ADD FOLLOWER '127.0.1.1:9011'").1,
        "FE with the same host: 127.0.1.1 already exists"
    );
    ok(&mut c, &mut s, "ALTER SYSTEM ADD OBSERVER '127.0.1.2:9010'");
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM DROP FOLLOWER '127.0.1.2:9010'"
        )
        .1,
        "FOLLOWER does not exist[127.0.1.2:9010]"
    );
    ok(&mut c, &mut s, "ALTER SYSTEM ADD FOLLOWER '127.0.1.3:9010'");
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM DROP OBSERVER '127.0.1.3:9010'"
        )
        .1,
        "OBSERVER does not exist[127.0.1.3:9010]"
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM DROP FOLLOWER '127.0.1.9:9010'"
        )
        .1,
        "frontend does not exist[127.0.1.9:9010]"
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM ADD FOLLOWER 'no-such-host.invalid:9010'"
        )
        .1,
        "unknown fqdn host: no-such-host.invalid"
    );
    ok(&mut c, &mut s, "ALTER SYSTEM CREATE IMAGE");
    ok(
        &mut c,
        &mut s,
        "ALTER SYSTEM DROP OBSERVER '127.0.1.2:9010'",
    );
    ok(
        &mut c,
        &mut s,
        "ALTER SYSTEM DROP FOLLOWER '127.0.1.3:9010'",
    );
    assert_eq!(c.frontends.len(), 1);
}

#[test]
fn broker_compute_node_and_config_statements() {
    let (mut c, mut s) = cluster(SrVersion::V3_3, 0);
    ok(
        &mut c,
        &mut s,
        "ALTER SYSTEM ADD BROKER hdfs '127.0.1.5:8000', '127.0.1.6:8000'",
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM ADD BROKER hdfs '127.0.1.5:8000'"
        )
        .1,
        "Broker(127.0.1.5:8000) has already in brokers."
    );
    ok(
        &mut c,
        &mut s,
        "ALTER SYSTEM DROP BROKER hdfs '127.0.1.5:8000'",
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ALTER SYSTEM DROP BROKER hdfs '127.0.1.5:8000'"
        )
        .1,
        "Broker(127.0.1.5:8000) has not in brokers."
    );
    ok(&mut c, &mut s, "ALTER SYSTEM DROP ALL BROKER hdfs");
    assert!(c.brokers.is_empty());
    ok(
        &mut c,
        &mut s,
        "ALTER SYSTEM ADD COMPUTE NODE '127.0.1.7:9050'",
    );
    ok(
        &mut c,
        &mut s,
        "ALTER SYSTEM DROP COMPUTE NODE '127.0.1.7:9050'",
    );

    ok(
        &mut c,
        &mut s,
        "ADMIN SET FRONTEND CONFIG ('drop_backend_after_decommission' = 'false')",
    );
    assert!(!c.config_bool("drop_backend_after_decommission"));
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ADMIN SET FRONTEND CONFIG ('no_such_thing' = '1')"
        )
        .1,
        "Config 'no_such_thing' does not exist or is not mutable"
    );
    assert_eq!(
        err(
            &mut c,
            &mut s,
            "ADMIN SET FRONTEND CONFIG ('http_port' = '1')"
        )
        .1,
        "Config 'http_port' does not exist or is not mutable"
    );
    let (code, msg) = err(&mut c, &mut s, "SHOW TABLES");
    assert_eq!((code, msg.as_str()), (1046, "No database selected"));
    let (code, msg) = err(&mut c, &mut s, "USE nope");
    assert_eq!((code, msg.as_str()), (1049, "Unknown database 'nope'"));
    let (_, msg) = err(&mut c, &mut s, "CREATE TABLE x.t (k int)");
    assert_eq!(msg, "Unknown database 'x'");
    ok(&mut c, &mut s, "CREATE DATABASE x");
    let (_, msg) = err(&mut c, &mut s, "CREATE TABLE x.t (k int)");
    assert_eq!(
        msg,
        "Backend node not found. Check if any backend node is down."
    );
}

#[test]
fn nothing_crashes_on_garbage() {
    let (mut c, mut s) = cluster(SrVersion::V3_3, 1);
    for sql in [
        "",
        ";",
        "SELECT",
        "SHOW",
        "ALTER SYSTEM",
        "ALTER SYSTEM ADD BACKEND",
        "CREATE TABLE t (",
        "'unterminated",
        "SELECT (((",
        "ADMIN SIM",
        "SET x",
        "SHOW PROC",
        "\u{1F600}",
        "DROP",
        "SELECT @@",
        "CANCEL DECOMMISSION BACKEND 1",
        "ALTER SYSTEM ADD BACKEND 'a:b'",
    ] {
        match execute(&mut c, &mut s, sql, NOW).outcome {
            Outcome::Err(e) => assert!(
                e.code == 1064 || e.code == 1065 || e.code == 1193,
                "{sql}: {e}"
            ),
            other => panic!("{sql}: {other:?}"),
        }
    }
}
