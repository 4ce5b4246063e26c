//! `pause` prompts only on a terminal: in a non-interactive run a pause
//! without `seconds`/`minutes` fails clearly instead of hanging or
//! silently continuing; on a terminal (a pty from util-linux `script`) it
//! reads the operator's line into `user_input`.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

const PROMPT_PLAY: &str = "\
- hosts: all
  gather_facts: false
  tasks:
    - pause:
        prompt: Type a word
      register: answer
    - debug:
        msg: \"got <{{ answer.user_input }}>\"
";

fn write_play(dir: &Path, text: &str) -> String {
    let p = dir.join("play.yml");
    std::fs::write(&p, text).expect("write play");
    p.display().to_string()
}

fn srplay(play: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_srplay"))
        .args(["-i", "localhost,", "-c", "local", play])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run srplay")
}

#[test]
fn a_prompt_without_a_terminal_fails_clearly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = srplay(&write_play(dir.path(), PROMPT_PLAY));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("pause needs a terminal to prompt; give `seconds` or `minutes`"),
        "{stdout}"
    );
    assert!(!stdout.contains("got <"), "the play went on: {stdout}");
}

#[test]
fn a_timed_pause_needs_no_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let play = "\
- hosts: all
  gather_facts: false
  tasks:
    - pause:
        seconds: 0
        prompt: ignored without a terminal
      register: p
    - debug:
        msg: \"input <{{ p.user_input }}>\"
";
    let out = srplay(&write_play(dir.path(), play));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("input <>"), "{stdout}");
}

#[test]
fn on_a_terminal_the_prompt_reads_a_line() {
    assert!(
        Path::new("/usr/bin/script").exists(),
        "/usr/bin/script not found: install it with `apt-get install -y bsdutils`"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let play = write_play(dir.path(), PROMPT_PLAY);
    let cmd = format!(
        "{} -i localhost, -c local {play}",
        env!("CARGO_BIN_EXE_srplay")
    );
    // `script` runs srplay on a new pty whose input is our pipe.
    let mut child = Command::new("/usr/bin/script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run script");
    let mut stdout = child.stdout.take().expect("piped");
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains("Type a word") {
        let n = stdout.read(&mut byte).expect("read script output");
        assert_eq!(
            n,
            1,
            "srplay ended before prompting: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.push(byte[0]);
    }
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(b"typed\n").expect("answer the prompt");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("read the rest");
    drop(stdin);
    let status = child.wait().expect("wait script");
    assert!(status.success(), "{rest}");
    assert!(rest.contains("got <typed>"), "{rest}");
}
