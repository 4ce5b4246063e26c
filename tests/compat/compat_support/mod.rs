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

/// How the projects reach their hosts.
pub enum Transport<'a> {
    /// `-c local`, as the projects are written.
    Local,
    /// Every inventory host over real OpenSSH to a loopback sshd host.
    Ssh(&'a srplay_testkit::Sshd),
}

/// Run one project through the compare script; `None` when both agree,
/// else the script's report.
pub fn compare(dir: &Path, oracle: &Path) -> Option<String> {
    compare_over(dir, oracle, &Transport::Local)
}

/// Like [`compare`], over `transport`.
pub fn compare_over(dir: &Path, oracle: &Path, transport: &Transport) -> Option<String> {
    compare_outcome(dir, oracle, transport).err()
}

/// The script's `same: exit N, …` summary when both agree, else its report.
pub fn compare_outcome(dir: &Path, oracle: &Path, transport: &Transport) -> Result<String, String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/compare-with-ansible.sh");
    let home = tempfile::tempdir().expect("temp dir");
    let mut inventory: Vec<String> = vec!["-i".into(), "inventory".into()];
    match transport {
        Transport::Local => inventory.extend(["-c".into(), "local".into()]),
        Transport::Ssh(sshd) => {
            let path = home.path().join("ssh_hosts");
            std::fs::write(&path, ssh_inventory(dir, sshd)).expect("write the ssh inventory");
            inventory.extend(["-i".into(), path.display().to_string()]);
        }
    }
    let out = Command::new("bash")
        .arg(&script)
        .args(["--work-dir-var", "work_dir", "site.yml"])
        .args(&inventory)
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
        Some(0) => Ok(text
            .lines()
            .rfind(|l| l.starts_with("same: "))
            .unwrap_or_default()
            .to_string()),
        code => Err(format!("exit {code:?}\n{text}")),
    }
}

/// A second inventory source for a project: each of its hosts, by name,
/// with the connection variables of one of `sshd`'s loopback hosts (given
/// after the project's own inventory, so they win over its
/// `ansible_connection=local`). The interpreter on the "remote" side is the
/// oracle's Python (same machine), as in the local runs.
pub fn ssh_inventory(dir: &Path, sshd: &srplay_testkit::Sshd) -> String {
    // Only the host names are needed here: read vault-encrypted vars
    // files as empty rather than decrypting them.
    inventory_parser::set_vault_decryptor(|_| Ok(String::new()));
    let inv = inventory_parser::Inventory::load(&[dir.join("inventory").display().to_string()])
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut hosts = inv.hosts();
    hosts.sort();
    let mut text = String::from("[ssh_hosts]\n");
    for (i, host) in hosts.iter().enumerate() {
        let vars: Vec<String> = sshd
            .host_vars(i % sshd.addresses().len())
            .into_iter()
            .map(|(k, v)| {
                let v = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                format!("{k}='{v}'")
            })
            .collect();
        text += &format!("{host} ansible_connection=ssh {}\n", vars.join(" "));
    }
    text
}

/// Projects of a suite that also run over SSH: all but those with a
/// `no_ssh` file (which says why).
pub fn ssh_projects(suite: &str) -> Vec<PathBuf> {
    projects(suite)
        .into_iter()
        .filter(|p| !p.join("no_ssh").exists())
        .collect()
}

/// Run a suite's projects (3 at a time) and fail with every mismatch.
pub fn compare_suite(suite: &str, at_least: usize) {
    compare_projects(&projects(suite), suite, at_least, &Transport::Local);
}

/// Run `dirs` (3 at a time) over `transport`; fail with every mismatch.
/// Returns each project's `same: exit N, …` summary.
pub fn compare_projects(
    dirs: &[PathBuf],
    suite: &str,
    at_least: usize,
    transport: &Transport,
) -> Vec<(PathBuf, String)> {
    let oracle = oracle_bin();
    assert!(
        dirs.len() >= at_least,
        "expected at least {at_least} `{suite}` projects, found {}",
        dirs.len()
    );
    let failures = std::sync::Mutex::new(Vec::new());
    let summaries = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(dir) = dirs.get(i) else { break };
                match compare_outcome(dir, &oracle, transport) {
                    Ok(same) => summaries.lock().unwrap().push((dir.clone(), same)),
                    Err(report) => failures
                        .lock()
                        .unwrap()
                        .push(format!("=== {}\n{report}", dir.display())),
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
    let mut out = summaries.into_inner().unwrap();
    out.sort();
    out
}
