//! ansible.cfg and the library path applied to a playbook run.

use std::path::Path;
use std::process::{Command, Output};

fn srplay(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_srplay"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env_remove("ANSIBLE_CONFIG")
        .output()
        .expect("run srplay")
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn ansible_cfg_gives_inventory_and_notes_ignored_keys() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(
        d,
        "ansible.cfg",
        "[defaults]\ninventory = hosts\nforks = 3\nstdout_callback = yaml\n",
    );
    write(
        d,
        "hosts",
        "[db]\ndb1 ansible_connection=local marker=from-cfg-inventory\n",
    );
    write(
        d,
        "play.yml",
        "- hosts: db\n  gather_facts: false\n  tasks:\n    - debug: var=marker\n",
    );
    let out = srplay(d, &["play.yml", "-v"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("\"marker\": \"from-cfg-inventory\""),
        "{stdout}"
    );
    assert!(
        stderr.contains("[defaults] stdout_callback has no effect in srplay"),
        "{stderr}"
    );
}

#[test]
fn script_modules_in_library_next_to_the_playbook_resolve() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(
        d,
        "library/greet",
        "#!/bin/sh\n# WANT_JSON\nname=$(sed -n 's/.*\"name\": *\"\\([^\"]*\\)\".*/\\1/p' \"$1\")\n\
         printf '{\"changed\": false, \"msg\": \"hi %s\"}\\n' \"$name\"\n",
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        d.join("library/greet"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    write(
        d,
        "play.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - greet: {name: ops}\n      register: g\n    - assert: {that: g.msg == 'hi ops'}\n",
    );
    let out = srplay(d, &["-i", "localhost,", "-c", "local", "play.yml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ok=2"), "{stdout}");
}
