//! End to end: decommission_be.yml (prechecks, confirmation, resumable
//! wait, faults) and the vertical scaling / rollout playbooks.

use crate::sop_support;
use sop_support::{assert_no_changes, Pg};

fn table(pg: &Pg, replicas: u32) {
    let leader = pg.leader();
    pg.sql(&leader, "CREATE DATABASE IF NOT EXISTS d");
    pg.sql(
        &leader,
        &format!(
            "CREATE TABLE d.t{replicas} (k INT) DISTRIBUTED BY HASH(k) BUCKETS 8 \
             PROPERTIES (\"replication_num\" = \"{replicas}\")"
        ),
    );
}

#[test]
fn decommission_refuses_unsafe_then_resumes_and_survives_dropped_connections() {
    let pg = Pg::up(
        "127.0.43",
        &[
            "--fe",
            "1",
            "--be",
            "3",
            "--spare-fe",
            "0",
            "--spare-be",
            "0",
        ],
    );
    let leader = pg.leader();
    let be3 = pg.addr("be3");
    let target = [
        "-e",
        "sr_targets=be3",
        "-e",
        "sr_decommission_poll_interval=0.3",
    ];
    let args = |extra: &[&'static str]| -> Vec<&str> {
        target
            .iter()
            .copied()
            .chain(extra.iter().copied())
            .collect()
    };

    // too few BEs for replication_num 3
    table(&pg, 3);
    let (code, out) = pg.play("decommission_be.yml", &args(&["-e", "sr_confirm=yes"]));
    assert_ne!(code, 0, "{out}");
    // refused by starrocks_backend's own precheck (partitions_meta)
    assert!(
        out.contains("table d.t3 has replication_num 3 but only 2 live"),
        "{out}"
    );
    pg.sql(&leader, "DROP DATABASE d");

    // insufficient capacity on the remaining BEs
    table(&pg, 2);
    for be in ["be1", "be2"] {
        pg.sql(
            &leader,
            &format!("ADMIN SIM FILL DISK '{}:9050'", pg.addr(be)),
        );
    }
    let (code, out) = pg.play("decommission_be.yml", &args(&["-e", "sr_confirm=yes"]));
    assert_ne!(code, 0, "{out}");
    assert!(out.to_lowercase().contains("capacity"), "{out}");
    for be in ["be1", "be2"] {
        pg.sql(
            &leader,
            &format!("ADMIN SIM FREE DISK '{}:9050'", pg.addr(be)),
        );
    }

    // no confirmation, no terminal
    let (code, out) = pg.play("decommission_be.yml", &args(&[]));
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("-e sr_confirm=yes"), "{out}");
    let row = pg.row("SHOW BACKENDS", &be3).unwrap();
    assert_eq!(
        Pg::cells(&row)[10],
        "false",
        "decommissioned without confirmation"
    );

    // --check sends nothing
    let (code, out) = pg.play(
        "decommission_be.yml",
        &args(&["-e", "sr_confirm=yes", "--check"]),
    );
    assert_eq!(code, 0, "{out}");
    let row = pg.row("SHOW BACKENDS", &be3).unwrap();
    assert_eq!(
        Pg::cells(&row)[10],
        "false",
        "check mode decommissioned: {row}"
    );

    // interrupted wait: stalled migration and a 1 s timeout
    pg.sql(&leader, "ADMIN SIM STALL MIGRATION");
    let (code, out) = pg.play(
        "decommission_be.yml",
        &args(&["-e", "sr_confirm=yes", "-e", "sr_decommission_timeout=1"]),
    );
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("re-run to keep waiting"), "{out}");
    let row = pg.row("SHOW BACKENDS", &be3).unwrap();
    assert_eq!(Pg::cells(&row)[10], "true", "not decommissioning: {row}");

    // re-run resumes (no confirmation needed: nothing new is sent), with
    // the FE dropping every client connection meanwhile
    pg.sql(&leader, "ADMIN SIM SET MIGRATION RATE 2");
    pg.sql(&leader, "ADMIN SIM DROP CONNECTIONS");
    let (code, out) = pg.play("decommission_be.yml", &args(&[]));
    assert_eq!(code, 0, "{out}");
    assert!(pg.row("SHOW BACKENDS", &be3).is_none(), "BE still listed");
    assert!(!pg.path("be3/be/bin/be.pid").exists(), "BE not stopped");

    let (code, out) = pg.play("decommission_be.yml", &args(&[]));
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);
}

#[test]
fn decommission_fails_when_the_be_dies_meanwhile() {
    let pg = Pg::up(
        "127.0.44",
        &[
            "--fe",
            "1",
            "--be",
            "3",
            "--spare-fe",
            "0",
            "--spare-be",
            "0",
        ],
    );
    let leader = pg.leader();
    table(&pg, 2);
    pg.sql(&leader, "ADMIN SIM STALL MIGRATION");
    let be3 = format!("{}:9050", pg.addr("be3"));
    let killer = {
        let (pgl, be3) = (leader.clone(), be3.clone());
        let probe = pg.addr("be3");
        let hosts = pg.hosts.clone();
        std::thread::spawn(move || {
            let _ = hosts;
            // kill the BE once the decommission is under way
            for _ in 0..600 {
                let out = std::process::Command::new(sop_support::SRPLAY)
                    .args(["srsim", "sql", "--fe", &pgl, "SHOW BACKENDS"])
                    .output()
                    .unwrap();
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                let decommissioning = text
                    .lines()
                    .find(|l| l.contains(&format!("| {probe} ")))
                    .map(|l| Pg::cells(l)[10] == "true")
                    .unwrap_or(false);
                if decommissioning {
                    let _ = std::process::Command::new(sop_support::SRPLAY)
                        .args([
                            "srsim",
                            "sql",
                            "--fe",
                            &pgl,
                            &format!("ADMIN SIM KILL NODE '{be3}'"),
                        ])
                        .output();
                    return true;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            false
        })
    };
    let (code, out) = pg.decommission_fast_polling("be3", 60);
    assert!(killer.join().unwrap(), "the decommission never started");
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("Alive=false") || out.contains("alive=false") || out.contains("not alive"),
        "{out}"
    );
}

#[test]
fn vertical_scaling_and_rollout_restart_only_what_changed() {
    let pg = Pg::up(
        "127.0.45",
        &[
            "--fe",
            "1",
            "--be",
            "2",
            "--spare-fe",
            "0",
            "--spare-be",
            "0",
        ],
    );
    let (code, out) = pg.play("scale_up_be.yml", &["-e", "sr_be_mem_limit=80%"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("-e sr_confirm=yes"), "{out}");

    let (code, out) = pg.play(
        "scale_up_be.yml",
        &["-e", "sr_be_mem_limit=80%", "-e", "sr_confirm=yes"],
    );
    assert_eq!(code, 0, "{out}");
    for be in ["be1", "be2"] {
        let conf = std::fs::read_to_string(pg.path(&format!("{be}/be/conf/be.conf"))).unwrap();
        assert!(conf.contains("mem_limit = 80%"), "{conf}");
        let row = pg.row("SHOW BACKENDS", &pg.addr(be)).unwrap();
        assert_eq!(Pg::cells(&row)[9], "true", "{row}");
    }
    let (code, out) = pg.play(
        "scale_up_be.yml",
        &["-e", "sr_be_mem_limit=80%", "-e", "sr_confirm=yes"],
    );
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);

    let scale_up_fe = |setting: &str| {
        let (code, out) = pg.play("scale_up_fe.yml", &["-e", setting, "-e", "sr_confirm=yes"]);
        assert_eq!(code, 0, "{out}");
        out
    };
    scale_up_fe("sr_fe_xmx=3g");
    let conf = std::fs::read_to_string(pg.path("fe1/fe/conf/fe.conf")).unwrap();
    assert!(conf.contains("-Xmx3g"), "{conf}");
    let out = scale_up_fe("sr_fe_xmx=3g");
    assert_no_changes(&out);
    // a share of the host's RAM, in MiB
    scale_up_fe("sr_fe_xmx_percent=10");
    let conf = std::fs::read_to_string(pg.path("fe1/fe/conf/fe.conf")).unwrap();
    let xmx = conf
        .split_whitespace()
        .find_map(|w| w.strip_prefix("-Xmx"))
        .expect("an -Xmx flag");
    assert!(xmx.ends_with('m'), "{conf}");

    let conf_arg = r#"{"sr_be_conf": {"mem_limit": "70%"}}"#;
    let (code, out) = pg.play(
        "rollout_config.yml",
        &["-e", "sr_targets=be1", "-e", conf_arg, "--check", "--diff"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("+mem_limit = 70%"), "{out}");
    let conf = std::fs::read_to_string(pg.path("be1/be/conf/be.conf")).unwrap();
    assert!(conf.contains("mem_limit = 80%"), "check mode wrote: {conf}");

    let rollout = || {
        let args = [
            "-e",
            "sr_targets=be",
            "-e",
            conf_arg,
            "-e",
            "sr_confirm=yes",
        ];
        let (code, out) = pg.play("rollout_config.yml", &args);
        assert_eq!(code, 0, "{out}");
        out
    };
    let out = rollout();
    assert!(out.contains("RUNNING HANDLER [Stop the node]"), "{out}");
    let out = rollout();
    assert!(
        !out.contains("RUNNING HANDLER"),
        "restarted an unchanged node:\n{out}"
    );
}

#[test]
fn rollout_renders_the_conf_template_and_restarts_only_changed_nodes() {
    let pg = Pg::up(
        "127.0.50",
        &[
            "--fe",
            "1",
            "--be",
            "2",
            "--spare-fe",
            "0",
            "--spare-be",
            "0",
        ],
    );
    let vars = r#"{"sr_conf_mode": "template", "sr_be_conf": {"mem_limit": "60%"}}"#;
    let base = ["-e", "sr_targets=be", "-e", vars];
    let (code, out) = pg.play(
        "rollout_config.yml",
        &[&base[..], &["--check", "--diff"]].concat(),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("+# be.conf — managed by srplay"), "{out}");
    let conf = std::fs::read_to_string(pg.path("be1/be/conf/be.conf")).unwrap();
    assert!(
        !conf.contains("managed by srplay"),
        "check mode wrote: {conf}"
    );

    let (code, out) = pg.play(
        "rollout_config.yml",
        &[&base[..], &["-e", "sr_confirm=yes"]].concat(),
    );
    assert_eq!(code, 0, "{out}");
    for be in ["be1", "be2"] {
        let ip = pg.addr(be);
        let conf = std::fs::read_to_string(pg.path(&format!("{be}/be/conf/be.conf"))).unwrap();
        assert!(conf.contains("mem_limit = 60%"), "{conf}");
        assert!(
            conf.contains(&format!("priority_networks = {ip}/32")),
            "{conf}"
        );
        let row = pg.row("SHOW BACKENDS", &ip).unwrap();
        assert_eq!(Pg::cells(&row)[9], "true", "{row}");
    }
    let (code, out) = pg.play(
        "rollout_config.yml",
        &[&base[..], &["-e", "sr_confirm=yes"]].concat(),
    );
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);
}
