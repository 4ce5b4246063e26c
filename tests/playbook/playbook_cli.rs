//! The `srplay PLAYBOOK` command line: output formats, exit codes, inputs.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cli")
        .join(name)
        .display()
        .to_string()
}

fn srplay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_srplay"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run srplay")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn json_output_is_one_document_with_censored_secrets() {
    let play = fixture("play.yml");
    let vars = format!("@{}", fixture("vars.yml"));
    let out = srplay(&[
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        &vars,
        "--output",
        "json",
        &play,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let doc: Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(doc["stats"]["localhost"]["ok"], 3);
    let tasks = doc["plays"][0]["tasks"].as_array().unwrap();
    assert_eq!(tasks[0]["hosts"]["localhost"]["msg"], "hello from-file");
    assert!(tasks[1]["hosts"]["localhost"]["censored"].is_string());
    assert_eq!(tasks[2]["hosts"]["localhost"]["ping"], "pong");
    assert!(
        !stdout.contains("s3cr3t"),
        "a no_log value leaked: {stdout}"
    );
}

/// `ASYNC OK` and `FAILED - RETRYING` lines go through the callback: the
/// JSON output stays one document.
#[test]
fn json_output_stays_one_document_with_async_and_retries() {
    let play = fixture("async_retry.yml");
    let out = srplay(&["-i", "localhost,", "-c", "local", "--output", "json", &play]);
    let stdout = text(&out.stdout);
    let doc: Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let tasks = doc["plays"][0]["tasks"].as_array().unwrap();
    let polled = &tasks[0]["hosts"]["localhost"];
    assert_eq!(polled["stdout"], "async-out");
    assert_eq!(polled["finished"], true);
    assert_eq!(tasks[1]["hosts"]["localhost"]["attempts"], 2);
}

#[test]
fn secrets_stay_hidden_at_every_verbosity() {
    let play = fixture("play.yml");
    for v in ["-v", "-vv", "-vvv", "-vvvv"] {
        let out = srplay(&[
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            "token=s3cr3t",
            v,
            &play,
        ]);
        assert_eq!(out.status.code(), Some(0));
        assert!(
            !text(&out.stdout).contains("s3cr3t"),
            "{v} leaked the secret"
        );
    }
}

#[test]
fn an_ssh_host_that_refuses_is_unreachable_with_ssh_reason() {
    let play = fixture("play.yml");
    // Nothing listens on port 1: ssh fails at once with its own reason.
    let out = srplay(&["-i", "127.0.0.9,", "-e", "ansible_port=1", &play]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains("fatal: [127.0.0.9]: UNREACHABLE! => {\"changed\": false, \"msg\": \"Failed to connect to the host via ssh: ssh: connect to host 127.0.0.9 port 1: Connection refused\", \"unreachable\": true}"), "{stdout}");
    assert!(
        stdout.contains("127.0.0.9                  : ok=2    changed=0    unreachable=1"),
        "{stdout}"
    );
}

#[test]
fn inputs_and_refusals_table() {
    let play = fixture("play.yml");
    // (args, exit code, text expected on stdout or stderr)
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["--syntax-check", &play], 0, "playbook: "),
        (
            vec![
                "-i",
                "localhost,",
                "-c",
                "local",
                "-e",
                "{\"who\": \"json\"}",
                &play,
            ],
            0,
            "\"msg\": \"hello json\"",
        ),
        (
            vec!["-i", "localhost,", "-c", "local", "-e", "who=kv", &play],
            0,
            "\"msg\": \"hello kv\"",
        ),
        (
            vec!["-i", "localhost,", "-c", "local", "--step", &play],
            1,
            "--step needs an interactive terminal",
        ),
        (
            vec!["-i", "/nonexistent/hosts.ini", &play],
            1,
            "the inventory /nonexistent/hosts.ini does not exist",
        ),
        (
            vec!["-i", "localhost,", "/nonexistent/site.yml"],
            1,
            "could not be found",
        ),
        (
            vec!["-i", "localhost,", "-c", "local", "-e", "not kv", &play],
            1,
            "invalid extra vars",
        ),
        (vec![], 1, "no playbook given"),
        (
            vec!["-i", "a,b,", "--list-hosts", &play],
            0,
            "    hosts (2):\n      a\n      b\n",
        ),
        (
            vec!["-i", "localhost,", "--list-tasks", &play],
            0,
            "      debug\tTAGS: []\n",
        ),
    ];
    let mut failures = Vec::new();
    for (args, code, want) in cases {
        let out = srplay(&args);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        if out.status.code() != Some(code) || !all.contains(want) {
            failures.push(format!(
                "{args:?}: exit {:?} (want {code}), output:\n{all}",
                out.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sigint_stops_the_running_task_and_prints_the_recap() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let play = dir.path().join("play.yml");
    std::fs::write(&play, "- hosts: all\n  gather_facts: false\n  tasks:\n    - pause: seconds=600\n    - debug: msg=never\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_srplay"))
        .args(["-i", "localhost,", "-c", "local", play.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // Wait until the pause is running, then interrupt.
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains("Pausing for 600 seconds") {
        assert_eq!(
            stdout.read(&mut byte).unwrap(),
            1,
            "srplay ended early: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.push(byte[0]);
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("PLAY RECAP"), "{rest}");
    assert!(!rest.contains("never"), "{rest}");
}

#[test]
fn a_broken_vars_file_next_to_the_playbook_stops_before_any_host() {
    // (file under the playbook dir, content, text expected on stderr)
    let cases = [
        ("group_vars/all.yml", "a: [1, 2\n", "group_vars/all.yml:2:1"),
        ("host_vars/localhost", "- a list\n", "must hold a mapping"),
        (
            "group_vars/all/secret.yml",
            "$ANSIBLE_VAULT;1.1;AES256\n3132\n",
            "secret.yml",
        ),
    ];
    for (file, content, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        let marker = dir.path().join("touched");
        let play = dir.path().join("play.yml");
        std::fs::write(
            &play,
            format!(
                "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - file: path={} state=touch\n",
                marker.display()
            ),
        )
        .unwrap();
        let out = srplay(&["-i", "localhost,", "-c", "local", play.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(err.contains(want), "{file}: {err}");
        assert!(!marker.exists(), "{file}: a host was touched");
    }
}

#[test]
fn include_vars_file_expands_tilde_on_the_controller() {
    // As ansible-core 2.19 (checked): `file: ~/v.yml` is read from the
    // controller's $HOME; `dir: ~/vd` is not expanded and does not exist.
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("v.yml"), "from_home: 42\n").unwrap();
    std::fs::create_dir(home.path().join("vd")).unwrap();
    std::fs::write(home.path().join("vd/x.yml"), "b: 1\n").unwrap();
    let play = home.path().join("play.yml");
    let tasks = [
        (
            "include_vars: ~/v.yml\n    - debug: var=from_home",
            true,
            "\"from_home\": 42",
        ),
        (
            "include_vars: {file: ~/v.yml, name: n}\n    - debug: var=n.from_home",
            true,
            "\"n.from_home\": 42",
        ),
        (
            "include_vars: {dir: ~/vd}",
            false,
            "directory does not exist",
        ),
    ];
    for (task, ok, want) in tasks {
        std::fs::write(
            &play,
            format!("- hosts: localhost\n  gather_facts: false\n  tasks:\n    - {task}\n"),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_srplay"))
            .args(["-i", "localhost,", "-c", "local", play.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .env("HOME", home.path())
            .output()
            .expect("run srplay");
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.success(),
            ok,
            "{task}: {stdout}{}",
            text(&out.stderr)
        );
        assert!(stdout.contains(want), "{task}: {stdout}");
    }
}
