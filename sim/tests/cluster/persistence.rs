//! The leader's metadata survives a stop (SIGTERM) and a kill, and nodes
//! come back after restarts.

use crate::common;

use std::process::Command;

use common::*;
use mysql_async::prelude::Queryable;
use starrocks_sim::version::SrVersion;

const NET: u8 = 80;

fn script(sim: &Sim, host: &str, rel: &str, args: &[&str]) {
    let out = Command::new("bash")
        .arg(sim.host(host).root.join(rel))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{rel}: {out:?}");
}

fn pid_file_alive(path: &std::path::Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse::<i32>().ok())
        .map(|pid| {
            std::path::Path::new(&format!("/proc/{pid}/cmdline")).exists()
                && !std::fs::read(format!("/proc/{pid}/cmdline"))
                    .unwrap_or_default()
                    .is_empty()
        })
        .unwrap_or(false)
}

#[test]
fn metadata_survives_restart_and_kill() {
    let sim = Sim::up(NET, 1, 2, 0, 0, SrVersion::Latest);
    sim.sql("CREATE DATABASE keep").unwrap();
    sim.sql("CREATE TABLE keep.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 4 PROPERTIES ('replication_num'='2')")
        .unwrap();
    sim.sql("ADMIN SET FRONTEND CONFIG ('drop_backend_after_decommission' = 'false')")
        .unwrap();
    sim.sql("ALTER SYSTEM ADD BROKER b1 '127.0.0.1:1'").unwrap();
    let before = sim.sql("SHOW BACKENDS").unwrap();
    let ids: Vec<_> = before.rows.iter().map(|r| r[0].clone()).collect();

    let meta = sim.host("fe1").root.join("fe/meta");
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(meta.join("srsim.json")).unwrap()).unwrap();
    assert_eq!(state["mode"], "leader");

    // graceful stop (SIGUSR1) removes the pid file; start again
    script(&sim, "fe1", "fe/bin/stop_fe.sh", &["--graceful"]);
    assert!(!sim.host("fe1").root.join("fe/bin/fe.pid").exists());
    assert!(sim.sql("SELECT 1").is_err());
    script(&sim, "fe1", "fe/bin/start_fe.sh", &["--daemon"]);
    poll("SQL after restart", || sim.sql("SELECT 1").is_ok());
    let after = sim.sql("SHOW BACKENDS").unwrap();
    assert_eq!(
        after.rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        ids
    );
    assert!(sim.sql("SHOW TABLES FROM keep").unwrap().rows.len() == 1);
    let cfg = sim
        .sql("ADMIN SHOW FRONTEND CONFIG LIKE 'drop_backend_after_decommission'")
        .unwrap();
    assert_eq!(cfg.rows[0][2].as_deref(), Some("false"));
    assert_eq!(sim.sql("SHOW BROKER").unwrap().rows.len(), 1);

    // killed (no cleanup at all): the atomic state file is intact
    sim.sql(&format!("ADMIN SIM KILL NODE '{}'", sim.fe_addr("fe1")))
        .unwrap();
    poll("leader gone", || sim.sql("SELECT 1").is_err());
    script(&sim, "fe1", "fe/bin/start_fe.sh", &["--daemon"]);
    poll("SQL after kill", || sim.sql("SELECT 1").is_ok());
    assert_eq!(sim.sql("SHOW BACKENDS").unwrap().rows.len(), 2);
    poll("BEs alive again", || {
        sim.sql("SHOW BACKENDS")
            .unwrap()
            .rows
            .iter()
            .all(|r| r[8].as_deref() == Some("true"))
    });
    // The restarted FE saves its state as the BEs come back, so its own
    // in-flight temp file may be there; a killed writer's must not be.
    let live_pid = std::fs::read_to_string(sim.host("fe1").root.join("fe/bin/fe.pid")).unwrap();
    let in_flight = format!("srsim.tmp.{}", live_pid.trim());
    let leftovers: Vec<_> = std::fs::read_dir(&meta)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".tmp") && *n != in_flight)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn backend_restart_goes_disconnected_then_ok() {
    let sim = Sim::up(NET, 1, 1, 0, 0, SrVersion::Latest);
    let be = sim.be_addr("be1");
    let start1 = get(&sim.backend(&be).unwrap(), "LastStartTime");
    let pid = sim.host("be1").root.join("be/bin/be.pid");
    assert!(pid_file_alive(&pid));
    script(&sim, "be1", "be/bin/stop_be.sh", &[]);
    assert!(!pid.exists());
    poll("BE disconnected", || {
        let r = sim.backend(&be).unwrap();
        get(&r, "Alive") == "false" && get(&r, "StatusCode") == "DISCONNECTED"
    });
    assert!(get(&sim.backend(&be).unwrap(), "ErrMsg").contains("Connection refused"));
    std::thread::sleep(std::time::Duration::from_millis(1100)); // a later start second
    script(&sim, "be1", "be/bin/start_be.sh", &["--daemon"]);
    poll("BE back", || {
        get(&sim.backend(&be).unwrap(), "StatusCode") == "OK"
    });
    let r = sim.backend(&be).unwrap();
    assert_eq!(get(&r, "Alive"), "true");
    assert_eq!(get(&r, "ErrMsg"), "");
    assert_ne!(get(&r, "LastStartTime"), start1);
    // starting twice is refused like StarRocks' script does
    let out = Command::new("bash")
        .arg(sim.host("be1").root.join("be/bin/start_be.sh"))
        .arg("--daemon")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Backend running as process"));
}

#[test]
fn graceful_be_stop_reports_shutdown() {
    let sim = Sim::up(NET, 1, 1, 0, 0, SrVersion::Latest);
    let be = sim.be_addr("be1");
    // stop_be.sh -g sends SIGTERM and waits for the exit
    script(&sim, "be1", "be/bin/stop_be.sh", &["-g"]);
    let r = sim.backend(&be).unwrap();
    assert_eq!(
        (get(&r, "Alive"), get(&r, "StatusCode")),
        ("false".into(), "SHUTDOWN".into())
    );
    let hb = get(&r, "LastHeartbeat");
    // later failed heartbeats keep SHUTDOWN
    std::thread::sleep(std::time::Duration::from_millis(500));
    let r = sim.backend(&be).unwrap();
    assert_eq!(get(&r, "StatusCode"), "SHUTDOWN");
    assert_eq!(get(&r, "LastHeartbeat"), hb);
    script(&sim, "be1", "be/bin/start_be.sh", &["--daemon"]);
    poll("BE back", || {
        get(&sim.backend(&be).unwrap(), "StatusCode") == "OK"
    });
}

/// `SET PASSWORD` stores only MySQL's native hash: the metadata file never
/// holds the password, and logins after a restart are checked against the
/// hash. A meta dir written by an older simulator (plain `root_password`)
/// is read, and rewritten with the hash, at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_password_is_stored_as_its_hash_and_old_metadata_migrates() {
    let sim = Sim::up(NET, 1, 0, 0, 0, SrVersion::Latest);
    let state_file = sim.host("fe1").root.join("fe/meta/srsim.json");
    let read_state = || -> (String, serde_json::Value) {
        let text = std::fs::read_to_string(&state_file).unwrap();
        let json = serde_json::from_str(&text).unwrap();
        (text, json)
    };
    let logs_in = |password: Option<&'static str>| {
        let sim = &sim;
        async move {
            for _ in 0..100 {
                match sim.conn("fe1", password).await {
                    Ok(c) => {
                        c.disconnect().await.unwrap();
                        return true;
                    }
                    Err(mysql_async::Error::Server(e)) if e.code == 1045 => return false,
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
                }
            }
            panic!("the FE never answered a login");
        }
    };

    let mut c = sim.conn("fe1", None).await.unwrap();
    c.query_drop("SET PASSWORD FOR 'root' = PASSWORD('s3cret-persisted')")
        .await
        .unwrap();
    c.disconnect().await.unwrap();
    let (text, json) = read_state();
    assert!(!text.contains("s3cret-persisted"), "{text}");
    // SELECT PASSWORD('s3cret-persisted') on a MySQL 5.7 server.
    assert_eq!(
        json["cluster"]["root_password_hash"],
        "*127DA32222090374DB228072349255755F836C7B"
    );
    assert!(json["cluster"].get("root_password").is_none(), "{text}");

    script(&sim, "fe1", "fe/bin/stop_fe.sh", &["--graceful"]);
    script(&sim, "fe1", "fe/bin/start_fe.sh", &["--daemon"]);
    // (password, accepted)
    let cases = [
        (Some("s3cret-persisted"), true),
        (Some("wrong"), false),
        (None, false),
    ];
    for (password, ok) in cases {
        assert_eq!(logs_in(password).await, ok, "after a restart: {password:?}");
    }

    // An older simulator's meta dir: the password in plain text.
    script(&sim, "fe1", "fe/bin/stop_fe.sh", &["--graceful"]);
    let (_, mut json) = read_state();
    let cluster = json["cluster"].as_object_mut().unwrap();
    cluster.remove("root_password_hash");
    cluster.insert("root_password".into(), "old-plain-pw".into());
    std::fs::write(&state_file, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    script(&sim, "fe1", "fe/bin/start_fe.sh", &["--daemon"]);
    let cases = [
        (Some("old-plain-pw"), true),
        (Some("s3cret-persisted"), false),
        (None, false),
    ];
    for (password, ok) in cases {
        assert_eq!(logs_in(password).await, ok, "migrated: {password:?}");
    }
    let (text, json) = read_state();
    assert!(!text.contains("old-plain-pw"), "not rewritten: {text}");
    assert_eq!(
        json["cluster"]["root_password_hash"],
        starrocks_sim::password::native_hash("old-plain-pw")
    );
}

/// A follower's meta dir holds the replicated hash, never the password,
/// and with the leader gone the follower still checks logins against it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_keep_only_the_hash_and_check_logins_with_the_leader_gone() {
    let sim = Sim::up(NET, 2, 0, 0, 0, SrVersion::Latest);
    let mut c = sim.conn("fe1", None).await.unwrap();
    c.query_drop("SET PASSWORD FOR 'root' = PASSWORD('f0llower-pw')")
        .await
        .unwrap();
    c.disconnect().await.unwrap();
    let replica = sim.host("fe2").root.join("fe/meta/srsim.json");
    let want = "\"*".to_string() + &starrocks_sim::password::native_hash("f0llower-pw")[1..];
    poll("the hash replicated to the follower", || {
        std::fs::read_to_string(&replica).is_ok_and(|t| t.contains(&want))
    });
    assert!(!std::fs::read_to_string(&replica)
        .unwrap()
        .contains("f0llower-pw"));

    script(&sim, "fe1", "fe/bin/stop_fe.sh", &[]);
    poll("leader gone", || sim.sql_on("fe1", "SELECT 1").is_err());
    // (password, accepted by the follower alone)
    let cases = [
        (None, false),
        (Some("wrong"), false),
        (Some("f0llower-pw"), true),
    ];
    for (password, ok) in cases {
        let login = sim.conn("fe2", password).await;
        match (login, ok) {
            (Ok(c), true) => drop(c),
            (Err(mysql_async::Error::Server(e)), false) => {
                assert_eq!(e.code, 1045, "{password:?}: {e:?}")
            }
            (other, _) => panic!("{password:?}: want accepted={ok}, got {other:?}"),
        }
    }
}
