//! Shared by the compat tests: the project corpus and the runner of
//! `tests/compare-with-ansible.sh`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn projects_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects")
}

/// Projects whose `suite` file says `suite` (run, vault, compat), sorted.
pub fn projects(suite: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(projects_root())
        .expect("projects dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            std::fs::read_to_string(p.join("suite"))
                .map(|s| s.trim() == suite)
                .unwrap_or(false)
        })
        .collect();
    out.sort();
    out
}

/// `SRPLAY_ORACLE_BIN`, else `<repo>/.venv-oracle/bin`; missing = failure.
pub fn oracle_bin() -> PathBuf {
    let dir = std::env::var_os("SRPLAY_ORACLE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-oracle/bin"));
    assert!(
        dir.join("ansible-playbook").is_file(),
        "the oracle is missing: {}/ansible-playbook does not exist; run `bash tests/setup.sh` (or set SRPLAY_ORACLE_BIN)",
        dir.display()
    );
    dir
}

/// Extra arguments of a project (`args`, one per line).
fn project_args(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("args"))
        .map(|s| {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Run one project through the compare script; `None` when both agree,
/// else the script's report.
pub fn compare(dir: &Path, oracle: &Path) -> Option<String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/compare-with-ansible.sh");
    let home = tempfile::tempdir().expect("temp dir");
    let out = Command::new("bash")
        .arg(&script)
        .args([
            "--work-dir-var",
            "work_dir",
            "site.yml",
            "-i",
            "inventory",
            "-c",
            "local",
        ])
        .args(project_args(dir))
        .current_dir(dir)
        .env("SRPLAY_ORACLE_BIN", oracle)
        .env("SRPLAY_BIN", env!("CARGO_BIN_EXE_srplay"))
        .env("ANSIBLE_PYTHON_INTERPRETER", oracle.join("python"))
        .env("ANSIBLE_LOCALHOST_WARNING", "false")
        .env("ANSIBLE_HOME", home.path())
        .env("ANSIBLE_LOCAL_TEMP", home.path().join("tmp"))
        .env("LC_ALL", "C.UTF-8")
        .env_remove("ANSIBLE_CONFIG")
        .output()
        .expect("run bash");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => None,
        code => Some(format!("exit {code:?}\n{text}")),
    }
}

/// Run a suite's projects (3 at a time) and fail with every mismatch.
pub fn compare_suite(suite: &str, at_least: usize) {
    let oracle = oracle_bin();
    let dirs = projects(suite);
    assert!(
        dirs.len() >= at_least,
        "expected at least {at_least} `{suite}` projects, found {}",
        dirs.len()
    );
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(dir) = dirs.get(i) else { break };
                if let Some(report) = compare(dir, &oracle) {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("=== {}\n{report}", dir.display()));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} projects differ:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}
