//! End to end: add_be.yml / add_fe.yml / precheck.yml against the
//! simulator (a playground per test on its own loopback /24).

use crate::sop_support;
use sop_support::{assert_no_changes, recap, Pg};

#[test]
fn add_be_distributes_be_dir_is_idempotent_and_check_mode_changes_nothing() {
    let pg = Pg::up("127.0.40", &["--fe", "1", "--be", "2", "--spare-fe", "0"]);
    let ip = pg.addr("be3");
    // a spare is an empty host: be/ must be copied from the reference BE
    assert!(pg.path("be3").is_dir() && !pg.path("be3/be").exists());

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
    // the reference's tree came over, the archive did not stay behind
    let reference = std::fs::read(pg.path("be1/be/bin/start_be.sh")).unwrap();
    assert_eq!(
        std::fs::read(pg.path("be3/be/bin/start_be.sh")).unwrap(),
        reference
    );
    assert!(
        out.contains("changed: [be3 -> be1]"),
        "no archive made:\n{out}"
    );

    let (code, out) = pg.play("add_be.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);
    assert_eq!(recap(&out, "be3").map(|r| r.2), Some(0));
}

#[test]
fn add_be_checklist_refusals_change_nothing() {
    let pg = Pg::up(
        "127.0.41",
        &["--fe", "1", "--be", "2", "--spare-fe", "0", "--spare-trees"],
    );
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
        &["-e", "sr_targets=fe2", "-e", "sr_confirm=yes", "--check"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        pg.row("SHOW FRONTENDS", &ip).is_some(),
        "check mode dropped the FE"
    );
    assert!(
        pg.path("fe2/fe/bin/fe.pid").exists(),
        "check mode stopped the FE"
    );

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

#[test]
fn add_fe_and_add_be_update_prometheus_and_the_proxy_pool() {
    let pg = Pg::up("127.0.46", &["--fe", "1", "--be", "1"]);
    let mon = pg.path("prometheus.yml");
    std::fs::write(
        &mon,
        "scrape_configs:\n  - job_name: starrocks_fe\n    static_configs:\n      - targets:\n          # srplay: starrocks_fe targets\n  - job_name: starrocks_be\n    static_configs:\n      - targets:\n          # srplay: starrocks_be targets\n",
    )
    .unwrap();
    let proxy = pg.path("nginx.conf");
    std::fs::write(&proxy, "stream {\n  upstream starrocks {\n  }\n}\n").unwrap();
    let mut inv = std::fs::read_to_string(&pg.hosts).unwrap();
    inv += &format!(
        "\n[prometheus]\nmon1 ansible_connection=local\n\n[proxy]\nlb1 ansible_connection=local\n\n[all:vars]\nsr_prometheus_config={}\nsr_proxy_config={}\n",
        mon.display(),
        proxy.display()
    );
    std::fs::write(&pg.hosts, inv).unwrap();
    let (fe2, be2) = (pg.addr("fe2"), pg.addr("be2"));

    let (code, out) = pg.play("add_fe.yml", &[]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = pg.play("add_be.yml", &[]);
    assert_eq!(code, 0, "{out}");
    let prom = std::fs::read_to_string(&mon).unwrap();
    assert!(prom.contains(&format!("- '{fe2}:8030'")), "{prom}");
    assert!(prom.contains(&format!("- '{be2}:8040'")), "{prom}");
    let pool = std::fs::read_to_string(&proxy).unwrap();
    assert!(pool.contains(&format!("server {fe2}:9030;")), "{pool}");

    // the checklist now finds both listed
    let (code, out) = pg.play("precheck.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("{fe2}:9030 in the pool")), "{out}");
    assert!(out.contains(&format!("{be2}:8040 listed")), "{out}");

    // an existing BE missing from Prometheus is a FAIL
    let (code, out) = pg.play("precheck.yml", &["-e", "sr_targets=be1"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("12 prometheus target"), "{out}");

    // drop_fe removes the FE from both
    let (code, out) = pg.play(
        "drop_fe.yml",
        &["-e", "sr_targets=fe2", "-e", "sr_confirm=yes"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(!std::fs::read_to_string(&proxy).unwrap().contains(&fe2));
    assert!(!std::fs::read_to_string(&mon)
        .unwrap()
        .contains(&format!("{fe2}:")));
}

#[test]
fn udf_jars_must_match_the_reference() {
    let pg = Pg::up(
        "127.0.47",
        &["--fe", "1", "--be", "1", "--spare-fe", "0", "--spare-trees"],
    );
    for be in ["be1", "be2"] {
        std::fs::create_dir_all(pg.path(&format!("{be}/be/lib/udf"))).unwrap();
    }
    std::fs::write(pg.path("be1/be/lib/udf/my_udf.jar"), b"v2").unwrap();
    std::fs::write(pg.path("be2/be/lib/udf/my_udf.jar"), b"v1").unwrap();
    let jars = r#"{"sr_udf_jars": ["my_udf.jar"]}"#;
    let (code, out) = pg.play("precheck.yml", &["-e", jars]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("missing or different checksum: my_udf.jar"),
        "{out}"
    );
    std::fs::write(pg.path("be2/be/lib/udf/my_udf.jar"), b"v2").unwrap();
    let (code, out) = pg.play("precheck.yml", &["-e", jars]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 jar(s) match the reference"), "{out}");
}

#[test]
fn checklist_items_fail_with_a_specific_message() {
    let pg = Pg::up("127.0.48", &["--fe", "1", "--be", "1"]);
    let closed = format!("{}:9", pg.addr("be1"));
    // (extra vars as JSON, the FAIL text expected)
    let cases = [
        (
            format!(r#"{{"sr_catalog_endpoints": ["{closed}"]}}"#),
            format!("6 catalog endpoints: unreachable: {closed}"),
        ),
        (
            r#"{"sr_catalog_conf_files": ["/nonexistent/hdfs-site.xml"]}"#.to_string(),
            "6 catalog conf files: missing: /nonexistent/hdfs-site.xml".to_string(),
        ),
        (
            format!(r#"{{"sr_broker_endpoints": ["{closed}"]}}"#),
            format!("7 broker: unreachable: {closed}"),
        ),
        (
            r#"{"sr_user": "no_such_user_srplay"}"#.to_string(),
            "user no_such_user_srplay does not exist".to_string(),
        ),
        (
            r#"{"sr_min_nofile": 99999999}"#.to_string(),
            "1 os: ulimit -Hn".to_string(),
        ),
        (
            r#"{"sr_java_home": "/nonexistent/jdk"}"#.to_string(),
            "1 os: JDK".to_string(),
        ),
    ];
    for (vars, want) in cases {
        let (code, out) = pg.play("precheck.yml", &["-e", &vars]);
        assert_ne!(code, 0, "{vars}: {out}");
        let fail_line = out
            .lines()
            .find(|l| l.contains("pre-scaling checklist failed"))
            .unwrap_or_else(|| panic!("{vars}: no failure message:\n{out}"));
        assert!(
            fail_line.contains(&want),
            "{vars}: want {want} in {fail_line}"
        );
    }
}

#[test]
fn the_root_password_comes_from_the_environment_and_is_never_printed() {
    let pg = Pg::up("127.0.49", &["--fe", "1", "--be", "1", "--spare-fe", "0"]);
    let secret = "s3cr3t-Pw-4711";
    pg.sql(
        &pg.leader(),
        &format!("SET PASSWORD = PASSWORD('{secret}')"),
    );

    let (code, out) = pg.play("add_be.yml", &["--check"]);
    assert_ne!(code, 0, "no password, yet logged in:\n{out}");
    assert!(out.contains("Access denied"), "{out}");

    let (code, out) = pg.play_with_password("add_be.yml", &["-vvv"], Some(secret));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains(secret), "the password was printed:\n{out}");
    assert!(pg.row("SHOW BACKENDS", &pg.addr("be2")).is_some());
}

#[test]
fn plain_prometheus_target_lists_and_haproxy_pools_are_edited_or_refused_with_the_reason() {
    let pg = Pg::up("127.0.55", &["--fe", "1", "--be", "1"]);
    let (fe2, be2) = (pg.addr("fe2"), pg.addr("be2"));
    let mon = pg.path("prometheus.yml");
    // no scrape job for the BEs: nothing to add the target to
    let no_job = "scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['10.0.0.1:9100']\n";
    std::fs::write(&mon, no_job).unwrap();
    let proxy = pg.path("haproxy.cfg");
    let two_pools = format!(
        "backend starrocks_fe\n    balance roundrobin\n    server fe1 {}:9030 check\n\nbackend web\n    server w1 10.0.0.9:80 check\n",
        pg.addr("fe1")
    );
    std::fs::write(&proxy, &two_pools).unwrap();
    let mut inv = std::fs::read_to_string(&pg.hosts).unwrap();
    inv += &format!(
        "\n[prometheus]\nmon1 ansible_connection=local\n\n[proxy]\nlb1 ansible_connection=local\n\n[all:vars]\nsr_prometheus_config={}\nsr_proxy_config={}\nsr_proxy_kind=haproxy\n",
        mon.display(),
        proxy.display()
    );
    std::fs::write(&pg.hosts, inv).unwrap();

    // the checklist refuses both, naming what to fix
    let (code, out) = pg.play("precheck.yml", &[]);
    assert_ne!(code, 0, "{out}");
    let failure = |host: &str| -> String {
        out.lines()
            .find(|l| l.contains(&format!("pre-scaling checklist failed on {host}")))
            .unwrap_or_else(|| panic!("no failure of {host}:\n{out}"))
            .to_string()
    };
    let fail = failure("be2");
    assert!(fail.contains("no scrape job named starrocks_be"), "{fail}");
    assert!(fail.contains("sr_prometheus_be_job"), "{fail}");
    let fail = failure("fe2");
    assert!(fail.contains("has 2 pool lines matching"), "{fail}");
    assert!(fail.contains("sr_proxy_pool=NAME"), "{fail}");

    // without the checklist the role itself refuses before editing
    let (code, out) = pg.play("add_be.yml", &["-e", "sr_skip_precheck=true"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("no scrape job named starrocks_be"), "{out}");
    assert_eq!(std::fs::read_to_string(&mon).unwrap(), no_job);

    // plain targets lists (block and flow style, with comments) get the
    // new targets; an HAProxy backend named by sr_proxy_pool a server line
    let plain = "scrape_configs:\n  - job_name: starrocks_fe  # FEs\n    static_configs:\n      - targets: ['10.0.0.1:8030']  # leader\n  - job_name: starrocks_be\n    static_configs:\n      - targets:\n          - '10.0.0.2:8040'\n        labels:\n          group: be\n";
    std::fs::write(&mon, plain).unwrap();
    let (code, out) = pg.play("add_fe.yml", &["-e", "sr_proxy_pool=starrocks_fe"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = pg.play("add_be.yml", &[]);
    assert_eq!(code, 0, "{out}");
    let want = format!(
        "scrape_configs:\n  - job_name: starrocks_fe  # FEs\n    static_configs:\n      - targets: ['10.0.0.1:8030', '{fe2}:8030']  # leader\n  - job_name: starrocks_be\n    static_configs:\n      - targets:\n          - '10.0.0.2:8040'\n          - '{be2}:8040'\n        labels:\n          group: be\n"
    );
    assert_eq!(std::fs::read_to_string(&mon).unwrap(), want);
    let cfg = std::fs::read_to_string(&proxy).unwrap();
    let line = format!("backend starrocks_fe\n    server fe2 {fe2}:9030 check\n");
    assert!(cfg.contains(&line), "{cfg}");
    assert!(cfg.ends_with("server w1 10.0.0.9:80 check\n"), "{cfg}");

    // a second run changes nothing; the checklist finds both listed
    let (code, out) = pg.play("add_be.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert_no_changes(&out);
    let (code, out) = pg.play("precheck.yml", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("{be2}:8040 listed")), "{out}");
    assert!(out.contains(&format!("{fe2}:8030 listed")), "{out}");

    // drop_fe takes the FE out of the flow list and the pool again
    let (code, out) = pg.play(
        "drop_fe.yml",
        &["-e", "sr_targets=fe2", "-e", "sr_confirm=yes"],
    );
    assert_eq!(code, 0, "{out}");
    let prom = std::fs::read_to_string(&mon).unwrap();
    assert!(
        prom.contains("      - targets: ['10.0.0.1:8030']  # leader\n"),
        "{prom}"
    );
    assert_eq!(std::fs::read_to_string(&proxy).unwrap(), two_pools);
}
