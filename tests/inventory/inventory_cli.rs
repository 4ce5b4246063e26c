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

/// Without `-i`, the inventory comes from ansible.cfg's `inventory` or
/// `ANSIBLE_INVENTORY` (the variable wins), as with ansible-inventory.
#[test]
fn without_i_the_inventory_comes_from_ansible_cfg_or_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ansible.cfg"),
        "[defaults]\ninventory = from_cfg.ini\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("from_cfg.ini"), "cfg-host\n").unwrap();
    std::fs::write(dir.path().join("from_env.ini"), "env-host\n").unwrap();
    let cases: [(Option<&str>, &str, &str); 2] = [
        (None, "cfg-host", "env-host"),
        (Some("from_env.ini"), "env-host", "cfg-host"),
    ];
    for (env, want, not) in cases {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_srplay"));
        cmd.args(["inventory", "--list"])
            .current_dir(dir.path())
            .env_remove("ANSIBLE_CONFIG")
            .env_remove("ANSIBLE_INVENTORY");
        if let Some(e) = env {
            cmd.env("ANSIBLE_INVENTORY", e);
        }
        let out = cmd.output().expect("spawn srplay");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{env:?}: {}", stderr(&out));
        assert!(
            stdout.contains(want) && !stdout.contains(not),
            "{env:?}: {stdout}"
        );
    }
}
