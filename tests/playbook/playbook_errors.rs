//! Golden tests for bad input: `tests/fixtures/bad/<case>/` holds the
//! playbook (`play.yml`), `expected.stderr` (paths written `<CASE>`),
//! `expected.rc` and optionally `expected.stdout`, `args` (the command line
//! instead of `-i localhost, -c local play.yml`) and `generate` (files too
//! big to commit, made at test time: see [`generate`]). Every case's first
//! task would create the file `marker`: it must not exist afterwards when
//! loading failed. srplay runs with a 2 GiB address-space limit and is
//! killed after 60 s, so a hang or a memory blow-up fails the case instead
//! of the machine.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Hang guard only: no case comes near it unless srplay loops.
const TIMEOUT: Duration = Duration::from_secs(60);
/// `ulimit -v` (KiB) for srplay: far above what loading needs.
const MEMORY_LIMIT_KIB: u64 = 2 * 1024 * 1024;
const DEFAULT_ARGS: &str = "-i localhost, -c local play.yml";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Makes the files a `generate` file asks for. Each line is
/// `<file> <kind> <count>`; the kinds write a small valid prefix (a play
/// whose first task would touch `marker`) and then:
/// - `open_brackets`: `x: ` and `count` `[` (deep flow nesting);
/// - `open_braces`: `x: ` and `count` `{a: ` (deep flow mappings);
/// - `block_nesting`: `count` nested block mappings, one indent each;
/// - `long_line`: a `count`-byte string value, then a bad option;
/// - `many_tasks`: `count` debug tasks, then an unknown module;
/// - `comment_lines`: `count` comment lines, then a YAML error;
/// - `jinja_parens`: a `msg` of `count` nested `(` in a template.
fn generate(dir: &Path) {
    let Ok(spec) = std::fs::read_to_string(dir.join("generate")) else {
        return;
    };
    for line in spec.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [file, kind, count] = parts[..] else {
            panic!("bad generate line {line:?}");
        };
        let n: usize = count.parse().expect("generate count");
        std::fs::write(dir.join(file), generated(kind, n)).unwrap();
    }
}

const PLAY_HEAD: &str = "- hosts: all\n  gather_facts: false\n";
const MARKER_TASK: &str =
    "    - name: would touch the marker\n      debug: msg=\"{{ lookup('pipe', 'touch marker') }}\"\n";

fn generated(kind: &str, n: usize) -> String {
    let tasks = format!("{PLAY_HEAD}  tasks:\n{MARKER_TASK}");
    match kind {
        "open_brackets" => format!("{tasks}    - debug:\n        msg: {}\n", "[".repeat(n)),
        "open_braces" => format!("{tasks}    - debug:\n        msg: {}\n", "{a: ".repeat(n)),
        "block_nesting" => {
            let mut s = format!("{tasks}    - debug:\n        msg:\n");
            for i in 0..n {
                s.push_str(&" ".repeat(10 + i));
                s.push_str("k:\n");
            }
            s
        }
        "long_line" => format!(
            "{tasks}    - debug:\n        msg: \"{}\"\n        colour: red\n",
            "x".repeat(n)
        ),
        "many_tasks" => {
            let mut s = tasks;
            for i in 0..n {
                s.push_str(&format!("    - debug: msg=task{i}\n"));
            }
            s.push_str("    - no_such_module: {}\n");
            s
        }
        "comment_lines" => {
            let mut s = tasks;
            s.push_str(&"# padding\n".repeat(n));
            s.push_str("    - debug: msg=\"unclosed\n  bad: [\n");
            s
        }
        "jinja_parens" => format!(
            "{tasks}    - debug:\n        msg: \"{{{{ {}1 }}}}\"\n",
            "(".repeat(n)
        ),
        other => panic!("unknown generate kind {other:?}"),
    }
}

/// Runs srplay under the memory limit; `None` when it had to be killed.
fn run_bounded(dir: &Path, args: &str) -> Option<std::process::Output> {
    let mut child: Child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_srplay"))
        .args(args.split_whitespace())
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the pipes while waiting so a chatty child cannot block.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        out_pipe.read_to_end(&mut b).map(|_| b)
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        err_pipe.read_to_end(&mut b).map(|_| b)
    });
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_reader.join().unwrap().unwrap();
    let stderr = err_reader.join().unwrap().unwrap();
    status.map(|status| std::process::Output {
        status,
        stdout,
        stderr,
    })
}

fn case_names(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Everything wrong with one case (empty when it passes).
fn check_case(root: &Path, name: &str) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(&root.join(name), &dir);
    generate(&dir);
    let args = std::fs::read_to_string(dir.join("args")).unwrap_or(DEFAULT_ARGS.into());
    let Some(out) = run_bounded(&dir, &args) else {
        return vec![format!("{name}: still running after {TIMEOUT:?} (hang?)")];
    };
    let mut failures = Vec::new();
    let placeholder =
        |s: &[u8]| String::from_utf8_lossy(s).replace(&dir.display().to_string(), "<CASE>");
    let (stderr, stdout) = (placeholder(&out.stderr), placeholder(&out.stdout));
    if std::env::var_os("SRPLAY_BLESS").is_some() {
        bless(
            &root.join(name),
            out.status.code().unwrap_or(-1),
            &stderr,
            &stdout,
        );
    }
    let golden = root.join(name);
    let want_rc: i32 = std::fs::read_to_string(golden.join("expected.rc"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let want_err = std::fs::read_to_string(golden.join("expected.stderr")).unwrap();
    let rc = out.status.code().unwrap_or(-1);
    if rc != want_rc {
        failures.push(format!(
            "{name}: exit {rc} ({}), want {want_rc}",
            out.status
        ));
    }
    if stderr != want_err {
        failures.push(format!(
            "{name}: stderr differs\n--- want\n{want_err}--- got\n{stderr}"
        ));
    }
    if let Ok(want_out) = std::fs::read_to_string(golden.join("expected.stdout")) {
        if stdout != want_out {
            failures.push(format!(
                "{name}: stdout differs\n--- want\n{want_out}--- got\n{stdout}"
            ));
        }
    }
    if want_rc == 1 && dir.join("marker").exists() {
        failures.push(format!(
            "{name}: a host was touched before validation failed"
        ));
    }
    failures
}

/// `SRPLAY_BLESS=1`: write what srplay printed as the new golden files of
/// cases that have none yet (to be reviewed by a human before committing).
fn bless(case: &Path, rc: i32, stderr: &str, stdout: &str) {
    if case.join("expected.rc").exists() {
        return;
    }
    std::fs::write(case.join("expected.rc"), format!("{rc}\n")).unwrap();
    std::fs::write(case.join("expected.stderr"), stderr).unwrap();
    if !stdout.is_empty() {
        std::fs::write(case.join("expected.stdout"), stdout).unwrap();
    }
}

#[test]
fn bad_playbooks_report_location_and_touch_nothing() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let names = case_names(&root);
    assert!(names.len() >= 40, "expected the bad-input cases");
    let failures: Vec<String> = names
        .iter()
        .flat_map(|name| check_case(&root, name))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
