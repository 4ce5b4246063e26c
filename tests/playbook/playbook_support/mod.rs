//! Shared helpers of the playbook tests: locating the oracle, running a
//! case under a command, normalizing output.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `SRPLAY_ORACLE_BIN`, else `<repo>/.venv-oracle/bin`; a missing oracle
/// fails the test (never skips).
pub fn oracle_bin() -> PathBuf {
    let dir = std::env::var_os("SRPLAY_ORACLE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-oracle/bin"));
    let bin = dir.join("ansible-playbook");
    assert!(
        bin.is_file(),
        "the oracle is missing: {} does not exist.\nInstall it: python3 -m venv .venv-oracle && .venv-oracle/bin/pip install ansible-core==2.19.14\n(or point SRPLAY_ORACLE_BIN at its bin directory)",
        bin.display()
    );
    dir
}

pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    pub args: Vec<String>,
}

impl Case {
    pub fn load(dir: &Path) -> Case {
        let args = std::fs::read_to_string(dir.join("args"))
            .map(|s| {
                s.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir: dir.to_path_buf(),
            args,
        }
    }

    pub fn argv(&self) -> Vec<String> {
        let mut argv = Vec::new();
        if !self.args.iter().any(|a| a == "-i") {
            argv.extend(["-i".to_string(), "localhost,".to_string()]);
        }
        argv.extend(["-c".to_string(), "local".to_string()]);
        argv.extend(self.args.clone());
        argv.push(self.dir.join("play.yml").display().to_string());
        argv
    }
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run_case(bin: &Path, case: &Case, oracle: &Path) -> Output {
    let home = tempfile::tempdir().expect("temp dir");
    let out = Command::new(bin)
        .args(case.argv())
        .current_dir(&case.dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C.UTF-8")
        .env("SRPLAY_TEST_ENV", "from-env")
        .env("ANSIBLE_PYTHON_INTERPRETER", oracle.join("python"))
        .env("ANSIBLE_LOCALHOST_WARNING", "false")
        .env("ANSIBLE_INVENTORY_UNPARSED_WARNING", "false")
        .env("ANSIBLE_DEPRECATION_WARNINGS", "false")
        .env("ANSIBLE_RETRY_FILES_ENABLED", "false")
        .env("ANSIBLE_HOME", home.path())
        .env("ANSIBLE_LOCAL_TEMP", home.path().join("tmp"))
        .env_remove("ANSIBLE_CONFIG")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Drop warning paragraphs (they differ by design: interpreter discovery,
/// deprecations); sort host entries within each task (hosts finish in any
/// order, in Ansible too); keep everything else byte for byte.
pub fn normalize(s: &str) -> String {
    let mut lines = Vec::new();
    let mut skipping = false;
    for line in s.lines() {
        if line.starts_with("[WARNING]") || line.starts_with("[DEPRECATION WARNING]") {
            skipping = true;
            continue;
        }
        if skipping {
            if line.is_empty() || is_entry_start(line) || line.starts_with("TASK [") {
                skipping = false;
                if line.is_empty() {
                    continue;
                }
            } else {
                continue;
            }
        }
        lines.push(line);
    }
    sort_entries(&lines).join("\n") + "\n"
}

fn is_entry_start(line: &str) -> bool {
    [
        "ok: [",
        "changed: [",
        "skipping: [",
        "failed: [",
        "fatal: [",
        "[ERROR]",
        "included: ",
        "FAILED - RETRYING",
    ]
    .iter()
    .any(|p| line.starts_with(p))
}

/// Within each section between banners, host entries (a result line with
/// its JSON body, an `[ERROR]` block) are sorted.
fn sort_entries(lines: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut entries: Vec<String> = Vec::new();
    let mut cur: Option<String> = None;
    let flush = |entries: &mut Vec<String>, cur: &mut Option<String>, out: &mut Vec<String>| {
        if let Some(c) = cur.take() {
            entries.push(c);
        }
        entries.sort();
        out.append(entries);
    };
    for line in lines {
        let banner = line.ends_with("***")
            && (line.starts_with("TASK [")
                || line.starts_with("PLAY")
                || line.starts_with("RUNNING HANDLER")
                || line.starts_with("NO MORE HOSTS"));
        let in_error_block = cur.as_deref().is_some_and(|c| c.starts_with("[ERROR]"));
        if line.is_empty() && !in_error_block {
            // Blank lines separate banners; where they fall among entries
            // depends on the order hosts finished.
            continue;
        }
        if banner {
            flush(&mut entries, &mut cur, &mut out);
            out.push(line.to_string());
            continue;
        }
        // An `[ERROR]` block is printed once per distinct error, before
        // whichever host failed first: it is an entry of its own.
        if is_entry_start(line) {
            if let Some(c) = cur.take() {
                entries.push(c);
            }
            cur = Some(line.to_string());
        } else if let Some(c) = cur.as_mut() {
            c.push('\n');
            c.push_str(line);
        } else {
            out.push(line.to_string());
        }
    }
    flush(&mut entries, &mut cur, &mut out);
    out
}
