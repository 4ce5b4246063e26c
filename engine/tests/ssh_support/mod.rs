//! Shared helpers for the ssh integration tests.
#![allow(dead_code)]

use srplay_engine::connection::{SshDefaults, SshTarget};
use srplay_testkit::Sshd;

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The target of host `i` built the way the executor does: from vars.
pub fn target(sshd: &Sshd, i: usize) -> SshTarget {
    SshTarget::from_vars(
        &format!("host{i}"),
        &sshd.host_vars(i),
        &SshDefaults::default(),
    )
    .unwrap()
}

pub fn target_as(sshd: &Sshd, i: usize, user: &str) -> SshTarget {
    SshTarget::from_vars(
        &format!("host{i}"),
        &sshd.host_vars_as(i, user),
        &SshDefaults::default(),
    )
    .unwrap()
}

/// Live ssh processes with `path` (a control socket or the directory holding
/// it) as an argument. Whole paths only: the tests of one binary run at once
/// and share the run's control directory, and `.../m1` must not match the
/// `.../m10` of a neighbouring test.
pub fn ssh_processes_mentioning(path: &str) -> Vec<u32> {
    let names_path = |w: &String| {
        let w = w.rsplit_once('=').map_or(w.as_str(), |(_, v)| v);
        w == path
            || w.strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    live_processes(|words| {
        let is_ssh = words
            .first()
            .is_some_and(|w| w == "ssh" || w.ends_with("/ssh"));
        is_ssh && words.iter().any(names_path)
    })
}

/// Live (not zombie) processes whose argument words `wanted` accepts.
pub fn live_processes(wanted: impl Fn(&[String]) -> bool) -> Vec<u32> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let words: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
        if !zombie && wanted(&words) {
            found.push(pid);
        }
    }
    found
}
