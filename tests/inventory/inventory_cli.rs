//! `srplay inventory` command-line behaviour that the fixtures do not cover:
//! option errors, missing sources, `--output`. Expected texts and exit
//! statuses are ansible-inventory 2.19's.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inventory/cases")
        .join(name)
}

fn srplay(dir: &PathBuf, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_srplay"))
        .arg("inventory")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("spawn srplay")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn option_errors_exit_5() {
    let dir = fixture("limit_group");
    let cases: &[(&[&str], &str)] = &[
        (&["-i", "hosts.ini"], "No action selected"),
        (
            &["-i", "hosts.ini", "--list", "--graph"],
            "Conflicting options used",
        ),
        (
            &["-i", "hosts.ini", "--host", "nope"],
            "You must pass a single valid host to --host parameter",
        ),
        (
            &["-i", "hosts.ini", "--host", "web"],
            "You must pass a single valid host to --host parameter",
        ),
        (
            &["-i", "hosts.ini", "--graph", "nope"],
            "Pattern must be valid group name when using --graph",
        ),
    ];
    for (args, msg) in cases {
        let out = srplay(&dir, args);
        assert_eq!(out.status.code(), Some(5), "{args:?}");
        assert!(stderr(&out).contains(msg), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn missing_source_only_warns() {
    let dir = fixture("limit_group");
    let out = srplay(&dir, &["-i", "/nonexistent/inventory", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "[WARNING]: Unable to parse /nonexistent/inventory as an inventory source\n\
         [WARNING]: No inventory was parsed, only implicit localhost is available\n"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["all"]["children"], serde_json::json!(["ungrouped"]));
}

#[test]
fn host_ignores_limit_and_output_writes_file() {
    let dir = fixture("limit_group");
    let out = srplay(
        &dir,
        &["-i", "hosts.ini", "--host", "web1", "--limit", "db"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "{}");

    let target = std::env::temp_dir().join(format!("srplay-inv-out-{}.json", std::process::id()));
    let out = srplay(
        &dir,
        &[
            "-i",
            "hosts.ini",
            "--list",
            "--output",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(
        written["web"]["hosts"],
        serde_json::json!(["web1", "web2", "web3"])
    );
    let _ = std::fs::remove_file(target);
}
