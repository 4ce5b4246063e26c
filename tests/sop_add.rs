//! End to end: add_be.yml / add_fe.yml / precheck.yml against the
//! simulator (a playground per test on its own loopback /24).

mod sop_support;
use sop_support::{assert_no_changes, recap, Pg};

#[test]
fn add_be_distributes_be_dir_is_idempotent_and_check_mode_changes_nothing() {
    let pg = Pg::up("127.0.40", &["--fe", "1", "--be", "2", "--spare-fe", "0"]);
    let ip = pg.addr("be3");
    // an empty new host: be/ must be copied from the reference BE
    std::fs::remove_dir_all(pg.path("be3/be")).unwrap();

    let (code, out) = pg.play("add_be.yml", &["--check", "--diff"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("would copy be/"), "{out}");
    assert!(!pg.path("be3/be").exists(), "check mode deployed be/");
    assert!(
        pg.row("SHOW BACKENDS", &ip).is_none(),
        "check mode added the BE"
    );

    let (code, out) = pg.play("add_be.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS"), "checklist table missing:\n{out}");
    let row = pg.row("SHOW BACKENDS", &ip).expect("BE added");
    assert_eq!(Pg::cells(&row)[9], "true", "BE not alive: {row}");
    let conf = std::fs::read_to_string(pg.path("be3/be/conf/be.conf")).unwrap();
    assert!(
        conf.contains(&format!("priority_networks = {ip}/32")),
        "{conf}"
    );

    let (code, out) = pg.play("add_be.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);
    assert_eq!(recap(&out, "be3").map(|r| r.2), Some(0));
}

#[test]
fn add_be_checklist_refusals_change_nothing() {
    let pg = Pg::up("127.0.41", &["--fe", "1", "--be", "2", "--spare-fe", "0"]);
    let ip = pg.addr("be3");
    let version = pg.path("be3/be/lib/starrocks_version");
    let good = std::fs::read_to_string(&version).unwrap();

    // (extra args, setup, the FAIL item expected in the message)
    std::fs::write(&version, "3.1.0-deadbee\n").unwrap();
    let (code, out) = pg.play("add_be.yml", &[]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("2 version: node 3.1.0"),
        "no version FAIL:\n{out}"
    );
    std::fs::write(&version, &good).unwrap();

    let (code, out) = pg.play(
        "add_be.yml",
        &[
            "-e",
            "sr_kerberos_enabled=true",
            "-e",
            "sr_keytab=/nonexistent/starrocks.keytab",
        ],
    );
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("4 kerberos:"), "no kerberos FAIL:\n{out}");

    let listener = std::net::TcpListener::bind((ip.as_str(), 9050)).unwrap();
    let (code, out) = pg.play("add_be.yml", &[]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains(&format!("ports free: in use: {ip}:9050")),
        "no port FAIL:\n{out}"
    );
    drop(listener);

    assert!(
        pg.row("SHOW BACKENDS", &ip).is_none(),
        "a refused run added the BE"
    );
    assert!(
        !pg.path("be3/be/bin/be.pid").exists(),
        "a refused run started the BE"
    );

    // skipping the checklist warns
    std::fs::write(&version, "3.1.0-deadbee\n").unwrap();
    let (_, out) = pg.play("add_be.yml", &["-e", "sr_skip_precheck=true", "--check"]);
    assert!(
        out.contains("WARNING: the pre-scaling checklist is skipped"),
        "{out}"
    );
}

#[test]
fn add_fe_refuses_even_followers_adds_observer_and_drop_fe_keeps_the_leader() {
    let pg = Pg::up("127.0.42", &["--fe", "1", "--be", "1", "--spare-be", "0"]);
    let ip = pg.addr("fe2");

    let (code, out) = pg.play("add_fe.yml", &["-e", "sr_fe_role=follower"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("makes 2 followers"), "{out}");
    assert!(pg.row("SHOW FRONTENDS", &ip).is_none());

    let (code, out) = pg.play("add_fe.yml", &["--check"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        pg.row("SHOW FRONTENDS", &ip).is_none(),
        "check mode added the FE"
    );

    let (code, out) = pg.play("add_fe.yml", &[]);
    assert_eq!(code, 0, "{out}");
    let row = pg.row("SHOW FRONTENDS", &ip).expect("FE added");
    let cells = Pg::cells(&row);
    assert!(cells.contains(&"OBSERVER".to_string()), "{row}");
    // Join and Alive (it synced from the leader given as --helper)
    assert_eq!(cells[9..11], ["true", "true"], "{row}");
    let (code, out) = pg.play("add_fe.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);

    let leader = pg.addr("fe1");
    let (code, out) = pg.play(
        "drop_fe.yml",
        &["-e", "sr_targets=fe1", "-e", "sr_confirm=yes"],
    );
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("is the LEADER"), "{out}");
    assert!(pg.row("SHOW FRONTENDS", &leader).is_some());

    let (code, out) = pg.play("drop_fe.yml", &["-e", "sr_targets=fe2"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("-e sr_confirm=yes"), "{out}");
    assert!(pg.row("SHOW FRONTENDS", &ip).is_some());

    let (code, out) = pg.play(
        "drop_fe.yml",
        &["-e", "sr_targets=fe2", "-e", "sr_confirm=yes"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(pg.row("SHOW FRONTENDS", &ip).is_none(), "FE not dropped");
    assert!(
        !pg.path("fe2/fe/bin/fe.pid").exists(),
        "dropped FE still running"
    );
}
