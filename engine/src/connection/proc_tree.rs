//! Process trees over Linux `/proc`: stopping a local command together
//! with everything it started (elsewhere only the command itself is
//! stopped). The test fixtures (srplay-testkit) use the same functions.

use std::collections::HashMap;

/// SIGKILL `root` and all its descendants. The tree is frozen first
/// (SIGSTOP until no new process appears) so nothing escapes by forking
/// or being reparented while we kill.
pub fn kill_tree(root: u32) {
    signal(root, libc::SIGSTOP);
    let mut frozen: Vec<u32> = Vec::new();
    loop {
        let new: Vec<u32> = descendants(root)
            .into_iter()
            .filter(|p| !frozen.contains(p))
            .collect();
        if new.is_empty() {
            break;
        }
        for &p in &new {
            signal(p, libc::SIGSTOP);
        }
        frozen.extend(new);
    }
    signal(root, libc::SIGKILL);
    for &p in &frozen {
        signal(p, libc::SIGKILL);
    }
}

/// Every live descendant of `root` (not `root` itself).
pub fn descendants(root: u32) -> Vec<u32> {
    let parents = parent_map();
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (&child, &parent) in &parents {
            if parent == p && !found.contains(&child) {
                found.push(child);
                frontier.push(child);
            }
        }
    }
    found
}

fn signal(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) has no memory-safety preconditions; pid > 0.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// pid -> parent pid for every process in `/proc`.
fn parent_map() -> HashMap<u32, u32> {
    let mut map = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return map;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) S ppid ...": fields after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            map.insert(pid, ppid);
        }
    }
    map
}
