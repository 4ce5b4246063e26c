//! End to end over the real OpenSSH transport: add_be.yml,
//! decommission_be.yml, add_fe.yml and drop_fe.yml against the simulator, every host reached through
//! a loopback sshd listening on the simulated hosts' own addresses (the
//! SQL endpoint from the controller, the host-side steps over ssh).

use crate::sop_support;
use sop_support::{assert_no_changes, recap, Pg};
use srplay_testkit::Sshd;
use std::net::Ipv4Addr;
use std::path::PathBuf;

/// The playground's inventory with the local connection replaced by ssh
/// to the same address (`Sshd::host_vars`), written beside it.
fn ssh_inventory(pg: &Pg, sshd: &Sshd) -> PathBuf {
    let local = std::fs::read_to_string(&pg.hosts).expect("read hosts");
    let addresses: Vec<String> = sshd.addresses().iter().map(Ipv4Addr::to_string).collect();
    let mut inv = String::new();
    for line in local.lines() {
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("ansible_host="));
        let Some(i) = addr.and_then(|a| addresses.iter().position(|x| x == a)) else {
            inv += line;
            inv += "\n";
            continue;
        };
        let ssh: Vec<String> = sshd
            .host_vars(i)
            .iter()
            .filter(|(k, _)| k.as_str() != "ansible_host")
            .map(|(k, v)| {
                let v = v.as_str().map(str::to_string).unwrap_or(v.to_string());
                format!("{k}='{v}'")
            })
            .collect();
        inv += &line.replace("ansible_connection=local", &ssh.join(" "));
        inv += "\n";
    }
    assert!(
        !inv.contains("ansible_connection=local"),
        "a host kept the local connection:\n{inv}"
    );
    let path = pg.path("hosts-ssh");
    std::fs::write(&path, inv).expect("write the ssh inventory");
    path
}

/// The playground's hosts' addresses, for the sshd to listen on.
fn addresses(pg: &Pg, hosts: &[&str]) -> Vec<Ipv4Addr> {
    hosts
        .iter()
        .map(|h| pg.addr(h).parse().expect("an IPv4 address"))
        .collect()
}

/// How many ssh logins the sshd accepted from the controller.
fn logins(sshd: &Sshd) -> usize {
    sshd.log().matches("Accepted publickey").count()
}

#[test]
fn add_be_then_decommission_it_over_ssh_idempotent_and_resumable() {
    let pg = Pg::up(
        "127.0.52",
        &[
            "--fe",
            "1",
            "--be",
            "2",
            "--spare-fe",
            "0",
            "--spare-be",
            "1",
        ],
    );
    let hosts = ["fe1", "be1", "be2", "be3"];
    let sshd = Sshd::start_on(&addresses(&pg, &hosts), "");
    let inv = ssh_inventory(&pg, &sshd);
    let ip = pg.addr("be3");
    assert!(!pg.path("be3/be").exists(), "the spare is not empty");

    // add_be: be/ copied from be1 to the empty be3, be.conf, ADD, start
    let (code, out) = pg.play_on(&inv, "add_be.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(logins(&sshd) > 0, "nothing went over ssh:\n{}", sshd.log());
    for step in ["changed: [be3 -> be1]", "Unpack it on the node"] {
        assert!(out.contains(step), "no {step}:\n{out}");
    }
    let row = pg.row("SHOW BACKENDS", &ip).expect("BE added");
    assert_eq!(Pg::cells(&row)[9], "true", "BE not alive: {row}");
    let conf = std::fs::read_to_string(pg.path("be3/be/conf/be.conf")).unwrap();
    assert!(
        conf.contains(&format!("priority_networks = {ip}/32")),
        "{conf}"
    );
    assert!(pg.path("be3/be/bin/be.pid").exists(), "BE not started");

    // a second run changes nothing
    let (code, out) = pg.play_on(&inv, "add_be.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);
    assert_eq!(recap(&out, "be3").map(|r| r.2), Some(0), "{out}");

    // data with 2 replicas, so 2 BEs remain enough
    let leader = pg.leader();
    pg.sql(&leader, "CREATE DATABASE d");
    pg.sql(
        &leader,
        "CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 12 \
         PROPERTIES (\"replication_num\" = \"2\")",
    );

    // decommission be3, interrupted: migration stalled, 1 s timeout
    let target = [
        "-e",
        "sr_targets=be3",
        "-e",
        "sr_decommission_poll_interval=0.3",
    ];
    pg.sql(&leader, "ADMIN SIM STALL MIGRATION");
    let (code, out) = pg.play_on(
        &inv,
        "decommission_be.yml",
        &[
            &target[..],
            &["-e", "sr_confirm=yes", "-e", "sr_decommission_timeout=1"],
        ]
        .concat(),
    );
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("re-run to keep waiting"), "{out}");
    let row = pg.row("SHOW BACKENDS", &ip).expect("still listed");
    assert_eq!(Pg::cells(&row)[10], "true", "not decommissioning: {row}");

    // the re-run resumes without a confirmation (nothing new is sent),
    // waits for the BE to leave, then stops it over ssh
    pg.sql(&leader, "ADMIN SIM SET MIGRATION RATE 1");
    let (code, out) = pg.play_on(&inv, "decommission_be.yml", &target);
    assert_eq!(code, 0, "{out}");
    assert!(pg.row("SHOW BACKENDS", &ip).is_none(), "BE still listed");
    assert!(!pg.path("be3/be/bin/be.pid").exists(), "BE not stopped");

    let (code, out) = pg.play_on(&inv, "decommission_be.yml", &target);
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);
}

#[test]
fn add_fe_then_drop_it_over_ssh_idempotent() {
    let pg = Pg::up(
        "127.0.56",
        &[
            "--fe",
            "1",
            "--be",
            "1",
            "--spare-fe",
            "1",
            "--spare-be",
            "0",
        ],
    );
    let hosts = ["fe1", "be1", "fe2"];
    let sshd = Sshd::start_on(&addresses(&pg, &hosts), "");
    let inv = ssh_inventory(&pg, &sshd);
    let ip = pg.addr("fe2");
    assert!(!pg.path("fe2/fe").exists(), "the spare is not empty");

    // fe/ copied from fe1 (without its meta), started with --helper, joined
    let (code, out) = pg.play_on(&inv, "add_fe.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(logins(&sshd) > 0, "nothing went over ssh:\n{}", sshd.log());
    assert!(
        out.contains("changed: [fe2 -> fe1]"),
        "no archive made:\n{out}"
    );
    let row = pg.row("SHOW FRONTENDS", &ip).expect("FE added");
    let cells = Pg::cells(&row);
    assert!(cells.contains(&"OBSERVER".to_string()), "{row}");
    assert_eq!(
        cells[9..11],
        ["true", "true"],
        "not joined and alive: {row}"
    );

    let (code, out) = pg.play_on(&inv, "add_fe.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);

    // drop it again: DROP OBSERVER, then its process stopped over ssh
    let args = ["-e", "sr_targets=fe2", "-e", "sr_confirm=yes"];
    let (code, out) = pg.play_on(&inv, "drop_fe.yml", &args);
    assert_eq!(code, 0, "{out}");
    assert!(pg.row("SHOW FRONTENDS", &ip).is_none(), "FE not dropped");
    assert!(!pg.path("fe2/fe/bin/fe.pid").exists(), "FE still running");
    let (code, out) = pg.play_on(&inv, "drop_fe.yml", &args);
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);
}
