//! The StarRocks modules run the way the engine runs them (spec
//! normalization, then `run`) on this machine through `LocalConnection`,
//! against conf files in temporary directories, real listeners on
//! 127.0.0.x, and keytabs written by the test.

use crate::starrocks_common;

use serde_json::{json, Map, Value};
use srplay_modules::jvm_options::JvmOptions;
use srplay_modules::keytab::encode::{encode_keytab, NewEntry};
use srplay_modules::keytab::KeytabCheck;
use srplay_modules::port_probe::PortProbe;
use srplay_modules::starrocks_config::StarrocksConfig;
use srplay_modules::starrocks_config_diff::StarrocksConfigDiff;
use starrocks_common::{ctx, failure, result, run, CHECK, NORMAL};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

const FE_33: &str = include_str!("../fixtures/starrocks/conf/fe-3.3.conf");
const FE_25: &str = include_str!("../fixtures/starrocks/conf/fe-2.5.conf");
const BE_33: &str = include_str!("../fixtures/starrocks/conf/be-3.3.conf");

/// A temp dir holding `name` with `text`.
fn conf(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    (dir, p)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn with(base: Value, extra: Value) -> Value {
    let mut m = base.as_object().unwrap().clone();
    m.extend(extra.as_object().unwrap().clone());
    Value::Object(m)
}

fn spec_error(module: &dyn srplay_engine::module::Module, args: Value) -> String {
    match run(module, &ctx(NORMAL, json!({})), args) {
        Err(e) => e.to_string(),
        Ok(o) => panic!("expected an argument error, got {:?}", o.to_result()),
    }
}

// ---------------------------------------------------------------- starrocks_config

#[test]
fn config_sets_keys_in_place_then_is_idempotent() {
    let (_d, p) = conf("be.conf", BE_33);
    let args = json!({"path": s(&p), "settings": {"mem_limit": "80%", "be_port": 9060, "enable_datacache": true}});
    let r = result(&StarrocksConfig, NORMAL, json!({}), args.clone());
    assert_eq!(r["changed"], true);
    assert_eq!(r["updated"], json!(["mem_limit"]));
    assert_eq!(r["added"], json!(["enable_datacache"]));
    let want = BE_33.replace("mem_limit = 90%", "mem_limit = 80%") + "enable_datacache = true\n";
    assert_eq!(
        read(&p),
        want,
        "only the value changed, the new key appended"
    );
    assert_eq!(r["diff"]["before"], BE_33);
    assert_eq!(r["diff"]["after"], want);
    let again = result(&StarrocksConfig, NORMAL, json!({}), args);
    assert_eq!(again["changed"], false);
    assert!(again.get("diff").is_none());
    assert_eq!(read(&p), want);
}

#[test]
fn config_check_mode_reports_but_does_not_write() {
    let (_d, p) = conf("be.conf", BE_33);
    let r = result(
        &StarrocksConfig,
        CHECK,
        json!({}),
        json!({"path": s(&p), "settings": {"mem_limit": "64G"}}),
    );
    assert_eq!(r["changed"], true);
    assert!(r["diff"]["after"]
        .as_str()
        .unwrap()
        .contains("mem_limit = 64G"));
    assert_eq!(read(&p), BE_33);
}

#[test]
fn config_remove_backup_and_state_absent() {
    let (d, p) = conf("be.conf", BE_33);
    let r = result(
        &StarrocksConfig,
        NORMAL,
        json!({}),
        json!({"path": s(&p), "remove": ["starlet_port"], "settings": {"brpc_port": "x"}, "state": "absent", "backup": true}),
    );
    assert_eq!(r["removed"], json!(["starlet_port", "brpc_port"]));
    let text = read(&p);
    assert!(!text.contains("starlet_port = 9070") && !text.contains("brpc_port = 8060"));
    let backup = r["backup_file"].as_str().unwrap();
    assert!(
        backup.starts_with(&s(&p)) && backup.ends_with('~'),
        "{backup}"
    );
    assert_eq!(std::fs::read_to_string(backup).unwrap(), BE_33);
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
}

#[test]
fn config_refusals_table() {
    let (_d, p) = conf("be.conf", BE_33);
    let cases = [
        (
            json!({"settings": {"be_port": 0}}),
            "starrocks_config: invalid `be_port`: `0` is not a port (1..65535)",
        ),
        (
            json!({"settings": {"mem_limit": "lots"}}),
            "starrocks_config: invalid `mem_limit`: `lots` is not a size",
        ),
        (
            json!({"settings": {"priority_networks": "10.0.0.1"}}),
            "`10.0.0.1` is not a CIDR",
        ),
        (
            json!({"settings": {"storage_root_path": "/d1,medium:tape"}}),
            "medium must be SSD or HDD",
        ),
        (
            json!({"settings": {"a": [1]}}),
            "starrocks_config: `a` must be a scalar",
        ),
    ];
    for (extra, want) in cases {
        let err = failure(
            &StarrocksConfig,
            NORMAL,
            json!({}),
            with(json!({"path": s(&p)}), extra.clone()),
        );
        assert!(err.contains(want), "{extra}: {err}");
    }
    assert_eq!(read(&p), BE_33, "nothing written");
    let r = result(
        &StarrocksConfig,
        NORMAL,
        json!({}),
        json!({"path": s(&p), "settings": {"be_port": 0}, "validate": false}),
    );
    assert_eq!(r["changed"], true, "validate: false lets it through");
    let err = failure(
        &StarrocksConfig,
        NORMAL,
        json!({}),
        json!({"path": "/nonexistent/be.conf", "settings": {"a": 1}}),
    );
    assert!(
        err.contains("cannot read /nonexistent/be.conf on the target"),
        "{err}"
    );
}

#[test]
fn config_bad_arguments() {
    let cases = [
        (json!({"path": "/x", "setings": {}}), "unknown option `setings` for module `starrocks_config` (did you mean `settings`?)"),
        (json!({"settings": {"a": 1}}), "missing required option `path` for module `starrocks_config`"),
        (json!({"path": "/x"}), "module `starrocks_config`: one of the following is required: settings, remove"),
        (json!({"path": "/x", "remove": ["a"], "state": "gone"}), "option `state` of module `starrocks_config`: value must be one of: present, absent, got: gone"),
        (json!({"path": "/x", "settings": "a=1"}), "option `settings` of module `starrocks_config`: expected a dictionary, got \"a=1\""),
    ];
    for (args, want) in cases {
        assert_eq!(spec_error(&StarrocksConfig, args.clone()), want, "{args}");
    }
}

// ---------------------------------------------------------------- jvm_options

fn flags(r: &Map<String, Value>, key: &str) -> Vec<String> {
    r["java_opts"][key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn jvm_xmx_on_every_line_then_idempotent() {
    let (_d, p) = conf("fe.conf", FE_33);
    let r = result(
        &JvmOptions,
        NORMAL,
        json!({}),
        json!({"path": s(&p), "xmx": "16G"}),
    );
    assert_eq!(r["changed"], true);
    assert_eq!(r["xmx"], "16g");
    let text = read(&p);
    assert_eq!(text, FE_33.replace("-Xmx8192m", "-Xmx16G"));
    assert_eq!(r["effective_lines"].as_array().unwrap().len(), 2);
    assert!(r["effective_lines"][1]
        .as_str()
        .unwrap()
        .starts_with("JAVA_OPTS_FOR_JDK_11=\"-Dlog4j2.formatMsgNoLookups=true -Xmx16G "));
    assert!(r["diff"]["after"].as_str().unwrap().contains("-Xmx16G"));
    for spelling in ["16g", "16384m", "16G"] {
        let again = result(
            &JvmOptions,
            NORMAL,
            json!({}),
            json!({"path": s(&p), "xmx": spelling}),
        );
        assert_eq!(again["changed"], false, "{spelling}");
    }
    assert_eq!(read(&p), text);
}

#[test]
fn jvm_options_and_removals_keep_other_flags() {
    let (_d, p) = conf("fe.conf", FE_25);
    let r = result(
        &JvmOptions,
        NORMAL,
        json!({}),
        json!({"path": s(&p), "options": ["-XX:+UseG1GC", "-Djava.security.krb5.conf=/etc/krb5.conf"],
               "remove": ["-XX:+UseConcMarkSweepGC", "-XX:+UseParNewGC", "-XX:+UseMembar"], "xms": "8g"}),
    );
    assert_eq!(r["changed"], true);
    for key in ["JAVA_OPTS", "JAVA_OPTS_FOR_JDK_9"] {
        let f = flags(&r, key);
        assert!(f.contains(&"-XX:+UseG1GC".to_string()), "{key}");
        assert!(f.contains(&"-Djava.security.krb5.conf=/etc/krb5.conf".to_string()));
        assert!(f.contains(&"-Xms8g".to_string()));
        assert!(f.contains(&"-Xmx8192m".to_string()), "untouched");
        assert!(!f
            .iter()
            .any(|x| x.contains("ConcMarkSweep") || x.contains("ParNew") || x.contains("Membar")));
    }
    assert!(read(&p).contains("# For jdk 9+, this JAVA_OPTS will be used as default JVM options"));
}

#[test]
fn jvm_percent_of_memory_from_facts_and_from_proc() {
    let (_d, p) = conf("fe.conf", FE_33);
    let vars = json!({"ansible_facts": {"memtotal_mb": 65536}});
    let r = result(
        &JvmOptions,
        NORMAL,
        vars,
        json!({"path": s(&p), "size_from": "percent_of_memory", "percent": 50}),
    );
    assert_eq!(r["xmx"], "32g");
    assert_eq!(flags(&r, "JAVA_OPTS_FOR_JDK_11")[1], "-Xmx32768m");

    let meminfo = read(Path::new("/proc/meminfo"));
    let kb: u64 = meminfo
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let want = (kb / 1024) * 70 / 100;
    let r = result(
        &JvmOptions,
        NORMAL,
        json!({}),
        json!({"path": s(&p), "size_from": "percent_of_memory"}),
    );
    assert_eq!(
        flags(&r, "JAVA_OPTS")[1],
        format!("-Xmx{want}m"),
        "70% of this machine's MemTotal"
    );
}

#[test]
fn jvm_check_mode_and_missing_key() {
    let (_d, p) = conf("fe.conf", FE_33);
    let r = result(
        &JvmOptions,
        CHECK,
        json!({}),
        json!({"path": s(&p), "xmx": "12g"}),
    );
    assert_eq!(r["changed"], true);
    assert_eq!(read(&p), FE_33);
    let (_d2, p35) = conf(
        "fe.conf",
        include_str!("../fixtures/starrocks/conf/fe-3.5.conf"),
    );
    let err = failure(
        &JvmOptions,
        NORMAL,
        json!({}),
        json!({"path": s(&p35), "xmx": "12g", "keys": ["JAVA_OPTS_FOR_JDK_11"]}),
    );
    assert!(
        err.contains("JAVA_OPTS_FOR_JDK_11 is not set in the file (present: JAVA_OPTS)"),
        "{err}"
    );
}

#[test]
fn jvm_refusals() {
    let (_d, p) = conf("fe.conf", FE_33);
    let cases = [
        (
            json!({"xmx": "8x"}),
            "jvm_options: -Xmx: `8x` has an unknown unit `x`",
        ),
        (
            json!({"options": ["Xmx8g"]}),
            "jvm_options: `Xmx8g` is not a JVM flag",
        ),
        (
            json!({"options": ["-Xmx8g -Xms8g"]}),
            "is not a JVM flag (one flag per entry",
        ),
        (
            json!({"size_from": "percent_of_memory", "percent": 0}),
            "percent must be above 0",
        ),
    ];
    for (extra, want) in cases {
        let err = failure(
            &JvmOptions,
            NORMAL,
            json!({"ansible_memtotal_mb": 1024}),
            with(json!({"path": s(&p)}), extra.clone()),
        );
        assert!(err.contains(want), "{extra}: {err}");
    }
    assert_eq!(read(&p), FE_33);
    let spec_cases = [
        (json!({"path": "/x", "xmx": "8g", "size_from": "percent_of_memory"}), "module `jvm_options`: parameters are mutually exclusive: xmx|size_from"),
        (json!({"path": "/x"}), "module `jvm_options`: one of the following is required: options, remove, xmx, xms, size_from"),
        (json!({"path": "/x", "size_from": "half"}), "option `size_from` of module `jvm_options`: value must be one of: percent_of_memory, got: half"),
    ];
    for (args, want) in spec_cases {
        assert_eq!(spec_error(&JvmOptions, args.clone()), want, "{args}");
    }
}

// ---------------------------------------------------------------- starrocks_config_diff

#[test]
fn config_diff_ignores_node_specific_keys() {
    let (_d, p) = conf("fe.conf", FE_33);
    let reference = FE_33.replace(
        "priority_networks = 192.168.100.0/24",
        "priority_networks = 10.1.0.0/16",
    );
    for mode in [NORMAL, CHECK] {
        let r = result(
            &StarrocksConfigDiff,
            mode,
            json!({}),
            json!({"path": s(&p), "reference_content": reference}),
        );
        assert_eq!(
            (r["changed"].clone(), r["identical"].clone()),
            (json!(false), json!(true))
        );
        assert_eq!(r["differences"], json!([]));
    }
}

#[test]
fn config_diff_reports_and_can_fail() {
    let (d, p) = conf(
        "fe.conf",
        &FE_33.replace("http_port = 8030", "http_port = 8040"),
    );
    let ref_path = d.path().join("golden-fe.conf");
    std::fs::write(&ref_path, format!("{FE_33}enable_udf = true\n")).unwrap();
    let args = json!({"path": s(&p), "reference_src": s(&ref_path)});
    let r = result(&StarrocksConfigDiff, NORMAL, json!({}), args.clone());
    assert_eq!(r["failed"], false);
    assert_eq!(r["identical"], false);
    assert_eq!(
        r["differences"],
        json!([{"key": "http_port", "ours": "8040", "theirs": "8030"},
               {"key": "enable_udf", "ours": null, "theirs": "true"}])
    );
    assert!(r["diff"]["before"]
        .as_str()
        .unwrap()
        .contains("http_port = 8030\n"));
    assert!(r["diff"]["after"]
        .as_str()
        .unwrap()
        .contains("http_port = 8040\n"));
    let msg = failure(
        &StarrocksConfigDiff,
        NORMAL,
        json!({}),
        with(args.clone(), json!({"fail_on_diff": true})),
    );
    assert!(msg.contains("differs from") && msg.contains("in 2 key(s): http_port: ours=8040 theirs=8030; enable_udf: ours=(unset) theirs=true"), "{msg}");
    let r = result(
        &StarrocksConfigDiff,
        NORMAL,
        json!({}),
        with(
            args,
            json!({"ignore_keys": ["http_port", "enable_udf"], "fail_on_diff": true}),
        ),
    );
    assert_eq!(r["identical"], true);
    assert_eq!(
        read(&p),
        FE_33.replace("http_port = 8030", "http_port = 8040"),
        "never changes the file"
    );
}

#[test]
fn config_diff_refusals() {
    let err = failure(
        &StarrocksConfigDiff,
        NORMAL,
        json!({}),
        json!({"path": "/etc/hostname", "reference_src": "/nonexistent/golden.conf"}),
    );
    assert_eq!(
        err,
        "starrocks_config_diff: reference_src /nonexistent/golden.conf not found on the controller"
    );
    assert_eq!(
        spec_error(&StarrocksConfigDiff, json!({"path": "/x", "reference_src": "a", "reference_content": "b"})),
        "module `starrocks_config_diff`: parameters are mutually exclusive: reference_src|reference_content"
    );
    assert_eq!(
        spec_error(&StarrocksConfigDiff, json!({"path": "/x"})),
        "module `starrocks_config_diff`: one of the following is required: reference_src, reference_content"
    );
}

// ---------------------------------------------------------------- port_probe

/// Listeners on two loopback addresses, and a port on a third with none.
struct Ports {
    _a: TcpListener,
    _b: TcpListener,
    a: String,
    b: String,
    closed: String,
    a_port: u16,
    closed_port: u16,
}

fn ports() -> Ports {
    let a = TcpListener::bind("127.0.0.2:0").unwrap();
    let b = TcpListener::bind("127.0.0.3:0").unwrap();
    let closed_port = TcpListener::bind("127.0.0.4:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Ports {
        a: a.local_addr().unwrap().to_string(),
        b: b.local_addr().unwrap().to_string(),
        a_port: a.local_addr().unwrap().port(),
        closed: format!("127.0.0.4:{closed_port}"),
        closed_port,
        _a: a,
        _b: b,
    }
}

#[test]
fn probe_open_ports_from_controller_and_target() {
    let p = ports();
    for from in ["controller", "target"] {
        let r = result(
            &PortProbe,
            NORMAL,
            json!({}),
            json!({"targets": [p.a, {"host": "127.0.0.3", "port": p.b.rsplit(':').next().unwrap()}], "from": from}),
        );
        assert_eq!(r["failed"], false, "{from}: {r:?}");
        assert_eq!(r["changed"], false);
        let res = r["results"].as_array().unwrap();
        assert_eq!(res.len(), 2);
        assert_eq!(res[0]["host"], "127.0.0.2");
        assert_eq!(res[0]["port"], p.a_port);
        assert!(
            res.iter()
                .all(|x| x["state"] == "open" && x["ok"] == true && x["error"].is_null()),
            "{from}: {res:?}"
        );
        if from == "controller" {
            assert!(res.iter().all(|x| x["latency_ms"].is_number()));
        }
    }
}

#[test]
fn probe_fails_with_a_table_of_the_closed_ports() {
    let p = ports();
    for from in ["controller", "target"] {
        let msg = failure(
            &PortProbe,
            NORMAL,
            json!({}),
            json!({"targets": [p.a, p.closed], "from": from}),
        );
        let lines: Vec<&str> = msg.lines().collect();
        assert_eq!(lines[0], "1 of 2 port(s) not open:", "{from}");
        assert!(
            lines[1].contains("HOST") && lines[1].contains("STATE"),
            "{msg}"
        );
        assert!(
            lines[2].contains("127.0.0.4")
                && lines[2].contains(&p.closed_port.to_string())
                && lines[2].contains("closed"),
            "{msg}"
        );
        assert!(lines[2].to_lowercase().contains("refused"), "{from}: {msg}");
        let r = run(
            &PortProbe,
            &ctx(NORMAL, json!({})),
            json!({"targets": [p.a, p.closed], "from": from}),
        )
        .unwrap()
        .to_result();
        assert_eq!(r["failed_targets"], json!([p.closed]));
        let r = result(
            &PortProbe,
            NORMAL,
            json!({}),
            json!({"targets": [p.closed], "state": "closed", "from": from}),
        );
        assert_eq!(r["failed"], false, "closed is what was wanted");
    }
}

#[test]
fn probe_free_ports_on_the_target() {
    let p = ports();
    let r = result(
        &PortProbe,
        CHECK,
        json!({}),
        json!({"targets": [p.closed_port], "state": "free"}),
    );
    assert_eq!(r["results"][0]["state"], "free");
    let msg = failure(
        &PortProbe,
        NORMAL,
        json!({}),
        json!({"targets": [p.a_port, p.closed_port], "state": "free"}),
    );
    assert!(msg.starts_with("1 of 2 port(s) not free:"), "{msg}");
    assert!(
        msg.contains("in_use") && msg.contains("something listens on 127.0.0.2"),
        "{msg}"
    );
}

#[test]
fn probe_refusals() {
    let cases = [
        (
            json!({"targets": ["h:0"]}),
            "port_probe: target `h:0`: `0` is not a port (1..65535)",
        ),
        (
            json!({"targets": ["a;b:80"]}),
            "port_probe: `a;b` is not a host name or address",
        ),
        (
            json!({"targets": ["h:80"], "timeout": 0}),
            "port_probe: timeout must be above 0 and at most 3600 seconds",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(
            failure(&PortProbe, NORMAL, json!({}), args.clone()),
            want,
            "{args}"
        );
    }
    assert_eq!(
        spec_error(&PortProbe, json!({"targets": ["h:80"], "state": "listening"})),
        "option `state` of module `port_probe`: value must be one of: open, closed, free, got: listening"
    );
    assert_eq!(
        spec_error(&PortProbe, json!({})),
        "missing required option `targets` for module `port_probe`"
    );
}

// ---------------------------------------------------------------- keytab

struct Kerberos {
    dir: tempfile::TempDir,
    keytab: PathBuf,
    krb5: PathBuf,
}

fn kerberos(mode: u32) -> Kerberos {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let keytab = dir.path().join("starrocks.keytab");
    std::fs::write(
        &keytab,
        encode_keytab(
            2,
            true,
            &[
                NewEntry::service("starrocks/fe1.example.com@EXAMPLE.COM", 4),
                NewEntry::service("hdfs@EXAMPLE.COM", 1),
            ],
        ),
    )
    .unwrap();
    std::fs::set_permissions(&keytab, std::fs::Permissions::from_mode(mode)).unwrap();
    let krb5 = dir.path().join("krb5.conf");
    // A KDC on a closed loopback port: kinit fails at once, no network.
    std::fs::write(
        &krb5,
        "[libdefaults]\n  default_realm = EXAMPLE.COM\n  dns_lookup_kdc = false\n  dns_lookup_realm = false\n\n[realms]\n  EXAMPLE.COM = {\n    kdc = 127.0.0.1:1\n  }\n",
    )
    .unwrap();
    Kerberos { dir, keytab, krb5 }
}

fn kt_args(k: &Kerberos, extra: Value) -> Value {
    with(
        json!({"path": s(&k.keytab), "krb5_conf": s(&k.krb5)}),
        extra,
    )
}

#[test]
fn keytab_with_the_hosts_principal_passes() {
    let k = kerberos(0o640);
    let vars = json!({"ansible_fqdn": "FE1.example.com"});
    for mode in [NORMAL, CHECK] {
        let r = result(
            &KeytabCheck,
            mode,
            vars.clone(),
            kt_args(
                &k,
                json!({"principal": "starrocks/_HOST@EXAMPLE.COM", "user": "root"}),
            ),
        );
        assert_eq!(r["failed"], false, "{r:?}");
        assert_eq!(r["changed"], false);
        assert_eq!(r["principal"], "starrocks/fe1.example.com@EXAMPLE.COM");
        assert_eq!(r["principal_found"], true);
        assert_eq!(r["readable"], true);
        assert_eq!(r["readable_check"], "mode");
        assert_eq!(r["mode"], "0640");
        assert_eq!(r["default_realm"], "EXAMPLE.COM");
        assert_eq!(
            r["principals"],
            json!(["starrocks/fe1.example.com@EXAMPLE.COM", "hdfs@EXAMPLE.COM"])
        );
        let e = &r["entries"][0];
        assert_eq!(
            (
                e["kvno"].clone(),
                e["enctype_name"].clone(),
                e["key_length"].clone()
            ),
            (json!(4), json!("aes256-cts-hmac-sha1-96"), json!(32))
        );
        assert!(e.get("key").is_none(), "no key bytes in the result");
    }
}

#[test]
fn keytab_problems_table() {
    let k = kerberos(0o600);
    let cases = [
        (json!({"principal": "starrocks/fe2.example.com@EXAMPLE.COM"}), "principal starrocks/fe2.example.com@EXAMPLE.COM is not in the keytab (it holds: starrocks/fe1.example.com@EXAMPLE.COM, hdfs@EXAMPLE.COM)"),
        (json!({"user": "nobody"}), "is not readable by nobody (owner root, group root, mode 0600)"),
        (json!({"user": "no-such-user-srplay"}), "user no-such-user-srplay does not exist on the target"),
        (json!({"principal": "hdfs@OTHER.ORG"}), "principal hdfs@OTHER.ORG is not in the keytab"),
        (json!({"principal": "hdfs", "krb5_conf": "/nonexistent/krb5.conf"}), "/nonexistent/krb5.conf does not exist or is not readable on the target"),
        (json!({"path": "/nonexistent/x.keytab"}), "/nonexistent/x.keytab does not exist on the target"),
    ];
    for (extra, want) in cases {
        let msg = failure(&KeytabCheck, NORMAL, json!({}), kt_args(&k, extra.clone()));
        assert!(msg.contains(want), "{extra}: {msg}");
    }
    let other_realm = k.dir.path().join("krb5-other.conf");
    std::fs::write(&other_realm, "[libdefaults]\ndefault_realm = CORP.ORG\n").unwrap();
    let msg = failure(
        &KeytabCheck,
        NORMAL,
        json!({}),
        kt_args(
            &k,
            json!({"principal": "hdfs", "krb5_conf": s(&other_realm)}),
        ),
    );
    assert!(
        msg.contains("has default_realm = CORP.ORG, but the principal's realm is EXAMPLE.COM"),
        "{msg}"
    );
    let r = result(
        &KeytabCheck,
        NORMAL,
        json!({}),
        kt_args(
            &k,
            json!({"principal": "hdfs", "krb5_conf": s(&other_realm), "check_krb5_conf": false}),
        ),
    );
    assert_eq!(r["failed"], false);
}

#[test]
fn corrupt_keytab_reports_the_offset() {
    let k = kerberos(0o600);
    let mut bytes = std::fs::read(&k.keytab).unwrap();
    bytes.truncate(30);
    std::fs::write(&k.keytab, &bytes).unwrap();
    let msg = failure(&KeytabCheck, NORMAL, json!({}), kt_args(&k, json!({})));
    assert!(
        msg.contains("corrupt keytab at byte 2: entry size"),
        "{msg}"
    );
}

#[test]
fn kinit_test_runs_kinit_and_reports_its_failure() {
    let k = kerberos(0o600);
    let mut c = ctx(NORMAL, json!({}));
    c.environment = vec![("KRB5_CONFIG".into(), s(&k.krb5))];
    let out = run(
        &KeytabCheck,
        &c,
        kt_args(
            &k,
            json!({"principal": "hdfs@EXAMPLE.COM", "kinit_test": true}),
        ),
    )
    .unwrap();
    let r = out.to_result();
    assert_eq!(r["kinit"], false, "no KDC answers on 127.0.0.1:1: {r:?}");
    assert!(r["msg"].as_str().unwrap().contains("kinit -kt"), "{r:?}");
    assert!(!r["kinit_output"].as_str().unwrap().is_empty());
}

// ---------------------------------------------------------------- registry

#[test]
fn every_starrocks_module_is_registered_under_its_names() {
    let mut reg = srplay_engine::module::ModuleRegistry::new();
    srplay_modules::register_all(&mut reg);
    let names = [
        "sql",
        "starrocks_sql",
        "srplay.starrocks.sql",
        "srplay.starrocks.starrocks_sql",
        "starrocks_facts",
        "jvm_options",
        "starrocks_config",
        "starrocks_config_diff",
        "keytab",
        "port_probe",
        "srplay.starrocks.port_probe",
    ];
    for name in names {
        assert!(reg.contains(name), "{name}");
    }
    assert_eq!(reg.get("starrocks_sql").unwrap().spec().name, "sql");
}

#[test]
fn every_spec_accepts_its_own_defaults() {
    use srplay_engine::module::Module;
    let minimal: [(&dyn Module, Value); 7] = [
        (&srplay_modules::sql::Sql, json!({"query": "SELECT 1"})),
        (&srplay_modules::starrocks_facts::StarrocksFacts, json!({})),
        (&JvmOptions, json!({"path": "/x", "xmx": "1g"})),
        (&StarrocksConfig, json!({"path": "/x", "remove": ["a"]})),
        (
            &StarrocksConfigDiff,
            json!({"path": "/x", "reference_content": ""}),
        ),
        (&KeytabCheck, json!({"path": "/x"})),
        (&PortProbe, json!({"targets": ["h:1"]})),
    ];
    for (m, args) in minimal {
        let spec = m.spec();
        spec.check(args.as_object().unwrap()).unwrap();
        let n = spec.normalize(args.as_object().unwrap().clone()).unwrap();
        for opt in spec.options.iter().filter(|o| o.default.is_some()) {
            assert!(
                n.contains_key(opt.name),
                "{}: default of {}",
                spec.name,
                opt.name
            );
        }
        assert!(
            !spec.returns.is_empty(),
            "{} documents its return values",
            spec.name
        );
    }
}

// ---------------------------------------------------------------- starrocks_facts (stand-in FE)

use srplay_modules::sql::Sql;
use srplay_modules::starrocks_facts::StarrocksFacts;
use starrocks_common::fake_fe::{self, Answer};

macro_rules! show {
    ($name:literal) => {
        Answer::fixture(include_str!(concat!("../fixtures/starrocks/show/", $name)))
    };
}

fn fe_login(port: u16) -> Value {
    json!({"login_host": "127.0.0.1", "login_port": port, "login_password": "pw"})
}

#[test]
fn facts_from_a_3_3_cluster() {
    let fe = fake_fe::start(vec![
        ("SHOW FRONTENDS", show!("frontends-3.3.10.json")),
        ("SHOW BACKENDS", show!("backends-3.3.10.json")),
        ("SHOW COMPUTE NODES", show!("compute_nodes-3.3.json")),
        (
            "SELECT current_version() AS v",
            Answer::one("v", "3.3.10-227b0b3"),
        ),
    ]);
    for mode in [NORMAL, CHECK] {
        let r = result(&StarrocksFacts, mode, json!({}), fe_login(fe.port));
        assert_eq!(r["changed"], false);
        assert_eq!(r["failed"], false);
        assert!(r.get("warnings").is_none(), "{r:?}");
        assert_eq!(r["version"], "3.3.10-227b0b3");
        assert_eq!(r["version_number"], "3.3.10");
        assert_eq!(
            r["leader"],
            "kube-starrocks-fe-0.kube-starrocks-fe-search.default.svc.cluster.local:9010"
        );
        assert_eq!(r["observers"], json!(["192.168.100.67:9010"]));
        assert_eq!(r["alive_followers"], 2);
        assert_eq!(
            r["frontends"][2]["err_msg"],
            "invalid cluster id: 2098925161"
        );
        assert_eq!(r["backends"][1]["system_decommissioned"], true);
        assert_eq!(r["backends"][1]["tablet_num"], 0);
        assert_eq!(r["backends"][0]["mem_limit_bytes"], 6_664_715_502u64);
        assert_eq!(r["backend_totals"]["tablets"], 41);
        assert_eq!(r["compute_nodes"][0]["has_storage_path"], true);
        assert_eq!(r["ansible_facts"]["starrocks"]["leader"], r["leader"]);
    }
    let sent = fe.record.statements();
    assert!(
        !sent.iter().any(|s| s.contains("@@")),
        "no @@socket probe: {sent:?}"
    );
    assert!(
        !sent.iter().any(|s| s.starts_with("PREPARE")),
        "text protocol only: {sent:?}"
    );
    assert_eq!(
        fe.record.connections(),
        1,
        "the second run reused the pooled connection"
    );
}

#[test]
fn facts_from_an_old_cluster_warn_about_what_is_missing() {
    let fe = fake_fe::start(vec![
        ("SHOW FRONTENDS", show!("frontends-2.3.json")),
        ("SHOW BACKENDS", show!("backends-2.3.json")),
    ]);
    let out = run(&StarrocksFacts, &ctx(NORMAL, json!({})), fe_login(fe.port)).unwrap();
    assert!(!out.failed);
    assert_eq!(out.warnings.len(), 2, "{:?}", out.warnings);
    assert!(
        out.warnings[0].starts_with("no compute node facts: `SHOW COMPUTE NODES` failed"),
        "{:?}",
        out.warnings
    );
    let r = out.to_result();
    assert_eq!(r["version"], "2.3.2-abc1234", "taken from the leader row");
    assert_eq!(r["leader"], "172.26.92.1:9010");
    assert_eq!(r["backends"][1]["err_msg"], "connect timed out");
    assert_eq!(r["backend_totals"]["decommissioning"], 1);
    assert_eq!(r["compute_nodes"], json!([]));
}

#[test]
fn facts_gather_only_what_is_asked() {
    let fe = fake_fe::start(vec![("SHOW BACKENDS", show!("backends-latest.json"))]);
    let r = result(
        &StarrocksFacts,
        NORMAL,
        json!({}),
        with(fe_login(fe.port), json!({"gather": ["backends"]})),
    );
    assert_eq!(fe.record.statements(), ["SHOW BACKENDS"]);
    assert_eq!(r["backends"][1]["status_code"], "CONNECTING");
    assert_eq!(r["frontends"], json!([]));
}

#[test]
fn facts_fail_on_rows_without_an_ip_column() {
    let fe = fake_fe::start(vec![(
        "SHOW FRONTENDS",
        Answer::Table {
            columns: vec!["Name".into()],
            rows: vec![vec!["x".into()]],
        },
    )]);
    let msg = failure(&StarrocksFacts, NORMAL, json!({}), fe_login(fe.port));
    assert_eq!(
        msg,
        "starrocks_facts: SHOW FRONTENDS row has no `IP` column (columns: Name)"
    );
}

#[test]
fn sql_against_the_stand_in_fe() {
    let fe = fake_fe::start(vec![(
        "ALTER SYSTEM DECOMMISSION BACKEND \"10.0.0.9:9050\"",
        Answer::Error(
            1064,
            "Unexpected exception: Backend does not exist[10.0.0.9:9050]".into(),
        ),
    )]);
    let add = with(
        fe_login(fe.port),
        json!({"query": "ALTER SYSTEM ADD BACKEND %s", "positional_args": ["10.0.0.8:9050"]}),
    );
    let r = result(&Sql, CHECK, json!({}), add.clone());
    assert_eq!(r["changed"], true);
    assert!(fe.record.statements().is_empty(), "check mode sent nothing");
    let r = result(&Sql, NORMAL, json!({}), add);
    assert_eq!(r["changed"], true);
    assert_eq!(
        fe.record.statements(),
        ["ALTER SYSTEM ADD BACKEND '10.0.0.8:9050'"]
    );
    let msg = failure(
        &Sql,
        NORMAL,
        json!({}),
        with(
            fe_login(fe.port),
            json!({"query": "ALTER SYSTEM DECOMMISSION BACKEND \"10.0.0.9:9050\""}),
        ),
    );
    // The stand-in picks the SQLSTATE from the code (42000); StarRocks sends HY000.
    assert!(
        msg.contains(
            "ERROR 1064 (42000): Unexpected exception: Backend does not exist[10.0.0.9:9050]"
        ),
        "{msg}"
    );
}

#[test]
fn keytab_readability_with_become_is_an_actual_read() {
    use srplay_engine::connection::{Become, BecomeMethod};
    use std::os::unix::fs::PermissionsExt;
    let k = kerberos(0o644);
    let mut c = ctx(NORMAL, json!({}));
    c.r#become = Some(Become {
        method: BecomeMethod::Su,
        user: "root".into(),
        ..Default::default()
    });
    let args = kt_args(&k, json!({"user": "nobody"}));
    // In a 0700 directory the file's own mode bits say "readable", the
    // real read as nobody says otherwise.
    std::fs::set_permissions(k.dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let r = run(&KeytabCheck, &c, args.clone()).unwrap().to_result();
    assert_eq!(
        (r["readable"].clone(), r["readable_check"].clone()),
        (json!(false), json!("read")),
        "{r:?}"
    );
    assert_eq!(r["failed"], true);
    std::fs::set_permissions(k.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = run(&KeytabCheck, &c, args).unwrap().to_result();
    assert_eq!(
        (r["readable"].clone(), r["failed"].clone()),
        (json!(true), json!(false)),
        "{r:?}"
    );
}
