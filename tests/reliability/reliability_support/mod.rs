//! Shared helpers of the reliability tests: hosts served by real sshd
//! processes (one per host, so one can die alone), a throwaway project
//! running the srplay binary as a child process, and process-table probes.

#![allow(dead_code)]

use serde_json::{Map, Value};
use srplay_testkit::Sshd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A hang guard: nothing here is expected to take this long.
pub const GUARD: Duration = Duration::from_secs(180);

pub fn srplay() -> &'static str {
    env!("CARGO_BIN_EXE_srplay")
}

/// `n` hosts, each behind its own sshd (same address `127.0.1.1`, its own
/// port), so that one host can be killed while the others go on.
pub struct Fleet {
    pub sshds: Vec<Sshd>,
}

impl Fleet {
    pub fn start(n: usize) -> Fleet {
        Fleet {
            sshds: (0..n).map(|_| Sshd::start()).collect(),
        }
    }

    /// `name k=v …` inventory lines, hosts `<prefix>0` … reaching their sshd.
    pub fn inventory(&self, prefix: &str) -> String {
        self.sshds
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{prefix}{i} {}\n", inventory_vars(&s.host_vars(0))))
            .collect()
    }
}

/// Connection variables as `k='v'` pairs of an INI inventory line.
pub fn inventory_vars(vars: &Map<String, Value>) -> String {
    vars.iter()
        .map(|(k, v)| {
            let v = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            format!("{k}='{v}'")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A playbook, an inventory and a private ssh control directory.
pub struct Project {
    pub dir: tempfile::TempDir,
    /// `ANSIBLE_SSH_CONTROL_PATH_DIR`: every master socket of the run is
    /// in here, so leftovers are easy to find.
    pub ctl: tempfile::TempDir,
}

impl Project {
    pub fn new(playbook: &str, inventory: &str) -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("site.yml"), playbook).expect("write playbook");
        std::fs::write(dir.path().join("hosts"), inventory).expect("write inventory");
        let ctl = tempfile::Builder::new()
            .prefix("rc")
            .tempdir_in("/tmp")
            .expect("control dir");
        Project { dir, ctl }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, content).expect("write project file");
    }

    /// `srplay site.yml -i hosts <args>` in the project directory.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(srplay());
        c.arg("site.yml")
            .args(["-i", "hosts"])
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("ANSIBLE_SSH_CONTROL_PATH_DIR", self.ctl.path())
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run srplay"))
    }

    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn srplay")
    }

    /// Processes (any) whose command line mentions the control directory:
    /// ssh masters of this project's runs.
    pub fn masters(&self) -> Vec<(u32, String)> {
        let ctl = self.ctl.path().display().to_string();
        processes()
            .into_iter()
            .filter(|(_, c)| c.contains(&ctl))
            .collect()
    }

    /// Entries left in the control directory (run directories, sockets).
    pub fn control_leftovers(&self) -> Vec<PathBuf> {
        walk(self.ctl.path())
    }
}

/// The outcome of one srplay run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}\n--- stderr ---\n{}", self.stdout, self.stderr)
    }

    /// The PLAY RECAP line of `host`.
    pub fn recap(&self, host: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(host) && l.contains(" : ok="))
            .unwrap_or_else(|| panic!("no recap line for {host}:\n{}", self.all()))
    }
}

/// Wait for a child with the hang guard; kill it if it hangs.
pub fn wait_output(mut child: Child) -> Run {
    let deadline = Instant::now() + GUARD;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return Run::from(child.wait_with_output().expect("collect output"));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = Run::from(child.wait_with_output().expect("collect output"));
            panic!("srplay hung (killed after the guard):\n{}", out.all());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Poll `cond` until it holds; fail with `what` after the hang guard.
pub fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + GUARD;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every process as (pid, command line with spaces between arguments).
pub fn processes() -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let line = raw
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ");
            Some((pid, line.trim_end().to_string()))
        })
        .collect()
}

/// Send signal `sig` (`INT`, `TERM`, `KILL`) to one process.
pub fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(ok.success(), "kill -{sig} {pid} failed");
}

/// Every file and directory under `dir` (not `dir` itself).
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

/// Temp files of srplay's atomic writes found under `dir`.
pub fn temp_litter(dir: &Path) -> Vec<PathBuf> {
    walk(dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".srplay-tmp-"))
        .collect()
}

/// A file of `size` bytes of printable lines, distinct per `seed`.
pub fn big_text(size: usize, seed: &str) -> Vec<u8> {
    let line = format!("{seed} {}\n", "x".repeat(100));
    let mut v = Vec::with_capacity(size + line.len());
    while v.len() < size {
        v.extend_from_slice(line.as_bytes());
    }
    v
}
