//! A playground (`srplay playground up`) per test on its own loopback /24,
//! stopped on drop, and helpers to run the SOP playbooks against it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const SRPLAY: &str = env!("CARGO_BIN_EXE_srplay");

pub struct Pg {
    pub dir: tempfile::TempDir,
    pub hosts: PathBuf,
}

/// The repository root (playbooks/ lives there).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Pg {
    /// `playground up` with `args` (e.g. `--fe 1 --be 3`) on `subnet`,
    /// without the demo database (the tests make their own tables).
    pub fn up(subnet: &str, args: &[&str]) -> Pg {
        Self::up_raw(subnet, &[&["--no-demo-data"], args].concat())
    }

    /// `playground up` with exactly `args`.
    pub fn up_raw(subnet: &str, args: &[&str]) -> Pg {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = Command::new(SRPLAY)
            .args(["playground", "up", "--dir"])
            .arg(dir.path())
            .args(["--subnet", subnet])
            .args(args)
            .output()
            .expect("run srplay playground up");
        assert!(
            out.status.success(),
            "playground up failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let hosts = dir.path().join("hosts");
        Pg { dir, hosts }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `srplay playbooks/NAME -i hosts ARGS`: (exit code, stdout+stderr).
    pub fn play(&self, playbook: &str, args: &[&str]) -> (i32, String) {
        self.play_with_password(playbook, args, None)
    }

    /// `srplay playbooks/NAME -i INVENTORY ARGS`: (exit code, output).
    pub fn play_on(&self, inventory: &Path, playbook: &str, args: &[&str]) -> (i32, String) {
        let out = Command::new(SRPLAY)
            .arg(root().join("playbooks").join(playbook))
            .arg("-i")
            .arg(inventory)
            .args(args)
            .env_remove("SR_ROOT_PASSWORD")
            .output()
            .expect("run srplay");
        (out.status.code().unwrap_or(-1), text(&out))
    }

    /// As `play`, with `env` set for srplay.
    pub fn play_env(&self, playbook: &str, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
        let mut cmd = Command::new(SRPLAY);
        cmd.arg(root().join("playbooks").join(playbook))
            .arg("-i")
            .arg(&self.hosts)
            .args(args)
            .env_remove("SR_ROOT_PASSWORD")
            .env_remove("SR_GRAFANA_TOKEN")
            .envs(env.iter().copied());
        let out = cmd.output().expect("run srplay");
        (out.status.code().unwrap_or(-1), text(&out))
    }

    /// As `play`, with `SR_ROOT_PASSWORD` set (or removed).
    pub fn play_with_password(
        &self,
        playbook: &str,
        args: &[&str],
        password: Option<&str>,
    ) -> (i32, String) {
        let mut cmd = Command::new(SRPLAY);
        cmd.arg(root().join("playbooks").join(playbook))
            .arg("-i")
            .arg(&self.hosts)
            .args(args);
        match password {
            Some(p) => cmd.env("SR_ROOT_PASSWORD", p),
            None => cmd.env_remove("SR_ROOT_PASSWORD"),
        };
        let out = cmd.output().expect("run srplay");
        (out.status.code().unwrap_or(-1), text(&out))
    }

    /// One statement on the leader over the simulator's internal protocol.
    /// decommission_be.yml on `target`, confirmed, polling fast: what the
    /// fault tests run while they break something underneath.
    pub fn decommission_fast_polling(&self, target: &str, timeout_secs: u32) -> (i32, String) {
        self.play(
            "decommission_be.yml",
            &[
                "-e",
                &format!("sr_targets={target}"),
                "-e",
                "sr_confirm=yes",
                "-e",
                "sr_decommission_poll_interval=0.3",
                "-e",
                &format!("sr_decommission_timeout={timeout_secs}"),
            ],
        )
    }

    pub fn sql(&self, leader_edit_log: &str, statement: &str) -> String {
        let out = Command::new(SRPLAY)
            .args(["srsim", "sql", "--fe", leader_edit_log, statement])
            .output()
            .expect("run srsim sql");
        assert!(out.status.success(), "sql {statement}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn status(&self) -> String {
        let out = Command::new(SRPLAY)
            .args(["playground", "status", "--dir"])
            .arg(self.dir.path())
            .output()
            .expect("run playground status");
        text(&out)
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = Command::new(SRPLAY)
            .args(["playground", "down", "--dir"])
            .arg(self.dir.path())
            .output();
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The PLAY RECAP line of `host`: (ok, changed, failed).
pub fn recap(output: &str, host: &str) -> Option<(u32, u32, u32)> {
    let line = output
        .lines()
        .rev()
        .find(|l| l.split_whitespace().next() == Some(host) && l.contains("changed="))?;
    let field = |k: &str| -> u32 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Some((field("ok="), field("changed="), field("failed=")))
}

pub fn assert_no_changes(output: &str) {
    for line in output.lines().filter(|l| l.contains("changed=")) {
        assert!(
            line.contains("changed=0"),
            "expected changed=0 everywhere:\n{output}"
        );
    }
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

impl Pg {
    /// `ansible_host` of an inventory host of the generated `hosts`.
    pub fn addr(&self, host: &str) -> String {
        let inv = std::fs::read_to_string(&self.hosts).expect("read hosts");
        inv.lines()
            .find(|l| l.split_whitespace().next() == Some(host))
            .and_then(|l| {
                l.split_whitespace()
                    .find_map(|w| w.strip_prefix("ansible_host="))
            })
            .unwrap_or_else(|| panic!("no host {host} in {inv}"))
            .to_string()
    }

    /// The leader's `host:edit_log_port` (fe1 in a fresh playground).
    pub fn leader(&self) -> String {
        format!("{}:9010", self.addr("fe1"))
    }
}

impl Pg {
    /// The `SHOW BACKENDS` / `SHOW FRONTENDS` row of `ip` (None when absent).
    pub fn row(&self, show: &str, ip: &str) -> Option<String> {
        let out = self.sql(&self.leader(), show);
        let needle = format!("| {ip} ");
        out.lines()
            .find(|l| l.contains(&needle))
            .map(str::to_string)
    }

    /// The cells of a table row.
    pub fn cells(row: &str) -> Vec<String> {
        row.split('|').map(|c| c.trim().to_string()).collect()
    }
}
