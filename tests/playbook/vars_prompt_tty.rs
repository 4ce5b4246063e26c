//! `vars_prompt` on a terminal (a pty from util-linux `script`): each
//! prompt shows its default, an empty answer takes it, `confirm` asks
//! twice, and a `private` answer is not echoed. (Off a terminal the
//! defaults are used: tests/fixtures/playbooks/vars_prompt_* against the
//! oracle.)

use std::io::{Read, Write};
use std::path::Path;
use std::process::{ChildStdout, Command, Stdio};

const PLAY: &str = "\
- hosts: all
  gather_facts: false
  vars_prompt:
    - name: who
      prompt: Who are you
      default: nobody
      private: false
    - name: secret
      prompt: Pick a password
      private: true
      confirm: true
  tasks:
    - debug:
        msg: \"who=<{{ who }}> secret length={{ secret | length }} upper={{ secret | upper }}\"
";

/// Read until `want` appears; everything read so far.
fn read_until(out: &mut ChildStdout, seen: &mut Vec<u8>, want: &str) {
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(seen).contains(want) {
        let n = out.read(&mut byte).expect("read script output");
        assert_eq!(
            n,
            1,
            "srplay ended before `{want}`: {}",
            String::from_utf8_lossy(seen)
        );
        seen.push(byte[0]);
    }
}

#[test]
fn prompts_on_a_terminal_with_default_confirm_and_no_echo() {
    assert!(
        Path::new("/usr/bin/script").exists(),
        "/usr/bin/script not found: install it with `apt-get install -y bsdutils`"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let play = dir.path().join("play.yml");
    std::fs::write(&play, PLAY).expect("write play");
    let cmd = format!(
        "{} -i localhost, -c local {}",
        env!("CARGO_BIN_EXE_srplay"),
        play.display()
    );
    let mut child = Command::new("/usr/bin/script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run script");
    let mut out = child.stdout.take().expect("piped");
    let mut stdin = child.stdin.take().expect("piped");
    let mut seen = Vec::new();
    let mut transcript = Vec::new();
    // (what the prompt says, what the operator types)
    let dialogue = [
        ("Who are you [nobody]: ", "\n"),
        ("Pick a password: ", "hunter2x\n"),
        ("confirm Pick a password: ", "mismatch\n"),
        ("VALUES ENTERED DO NOT MATCH", ""),
        ("Pick a password: ", "hunter2x\n"),
        ("confirm Pick a password: ", "hunter2x\n"),
    ];
    for (prompt, answer) in dialogue {
        read_until(&mut out, &mut seen, prompt);
        // The next prompt must appear after this one.
        transcript.append(&mut seen);
        stdin.write_all(answer.as_bytes()).expect("answer");
    }
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("read the rest");
    drop(stdin);
    let status = child.wait().expect("wait script");
    transcript.append(&mut seen);
    let all = format!("{}{rest}", String::from_utf8_lossy(&transcript));
    assert!(status.success(), "{all}");
    assert!(
        all.contains("who=<nobody> secret length=8 upper=HUNTER2X"),
        "{all}"
    );
    assert!(
        !all.contains("hunter2x"),
        "a private answer was echoed: {all}"
    );
}
