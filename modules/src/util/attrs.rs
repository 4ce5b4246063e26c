//! owner / group / mode: compare what is wanted with what a stat found,
//! and the shell commands that make it so.

use super::mode;
use super::stat::RemoteStat;
use serde_json::{json, Map, Value};
use srplay_engine::shell::quote;

/// The file attributes a task asks for; `None` leaves them alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    pub mode: Option<String>,
    pub owner: Option<String>,
    pub group: Option<String>,
}

impl Wanted {
    pub fn new(mode: Option<&str>, owner: Option<&str>, group: Option<&str>) -> Self {
        Wanted {
            mode: mode.map(str::to_string),
            owner: owner.map(str::to_string),
            group: group.map(str::to_string),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.mode.is_none() && self.owner.is_none() && self.group.is_none()
    }
}

/// What has to change on one path, and the before/after for `--diff`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub commands: Vec<String>,
    pub before: Map<String, Value>,
    pub after: Map<String, Value>,
}

impl Plan {
    pub fn changed(&self) -> bool {
        !self.commands.is_empty()
    }
}

/// A name or a number matches a stat's name or numeric id.
fn same_principal(wanted: &str, name: &str, id: u32) -> bool {
    wanted == name || wanted.parse::<u32>().ok() == Some(id)
}

/// The commands that bring `st` (at `path`) to `want`. `follow` false acts
/// on a symlink itself (`chown -h`); chmod of a link is skipped as Linux
/// has no link modes.
pub fn plan(path: &str, st: &RemoteStat, want: &Wanted, follow: bool) -> Result<Plan, String> {
    let mut p = Plan::default();
    let q = quote(path);
    let h = if st.is_link() && !follow { "-h " } else { "" };
    if let Some(o) = &want.owner {
        if !same_principal(o, &st.owner, st.uid) {
            p.commands.push(format!("chown {h}{} -- {q}", quote(o)));
            p.before.insert("owner".into(), json!(st.uid));
            p.after.insert("owner".into(), json!(o));
        }
    }
    if let Some(g) = &want.group {
        if !same_principal(g, &st.group, st.gid) {
            p.commands.push(format!("chgrp {h}{} -- {q}", quote(g)));
            p.before.insert("group".into(), json!(st.gid));
            p.after.insert("group".into(), json!(g));
        }
    }
    if let Some(m) = &want.mode {
        if !st.is_link() || follow {
            let new = mode::resolve(m, st.mode, st.is_dir())?;
            if new != st.mode {
                p.commands.push(format!("chmod {:04o} -- {q}", new));
                p.before
                    .insert("mode".into(), json!(format!("0{:03o}", st.mode)));
                p.after
                    .insert("mode".into(), json!(format!("0{:03o}", new)));
            }
        }
    }
    Ok(p)
}

/// The commands that set `want` on a path that is about to be created
/// (nothing to compare with: set everything given).
pub fn set_all(path: &str, want: &Wanted, is_dir: bool) -> Result<Vec<String>, String> {
    let q = quote(path);
    let mut cmds = Vec::new();
    if let Some(o) = &want.owner {
        cmds.push(format!("chown {} -- {q}", quote(o)));
    }
    if let Some(g) = &want.group {
        cmds.push(format!("chgrp {} -- {q}", quote(g)));
    }
    if let Some(m) = &want.mode {
        let new = mode::resolve(m, mode::default_mode(is_dir), is_dir)?;
        cmds.push(format!("chmod {new:04o} -- {q}"));
    }
    Ok(cmds)
}

/// Validate a mode early so a bad one fails before anything is touched.
pub fn check_mode_syntax(m: Option<&str>) -> Result<(), String> {
    match m {
        Some(m) => mode::resolve(m, 0o644, false).map(|_| ()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::stat::FileType;

    fn st(mode: u32, owner: &str, uid: u32) -> RemoteStat {
        RemoteStat {
            path: "/f".into(),
            file_type: FileType::File,
            mode,
            uid,
            gid: uid,
            owner: owner.into(),
            group: owner.into(),
            size: 0,
            mtime: 0.0,
            atime: 0.0,
            ctime: 0.0,
            inode: 0,
            nlink: 1,
            dev: 0,
            link_target: None,
            checksum: None,
            readable: true,
            writeable: true,
            executable: false,
            acl: false,
        }
    }

    #[test]
    fn plan_table() {
        // (current mode, owner, uid, wanted, expected commands)
        let cases: &[(u32, &str, u32, Wanted, &[&str])] = &[
            (0o644, "root", 0, Wanted::new(Some("0644"), None, None), &[]),
            (
                0o600,
                "root",
                0,
                Wanted::new(Some("0644"), None, None),
                &["chmod 0644 -- /f"],
            ),
            (0o644, "root", 0, Wanted::new(None, Some("0"), None), &[]),
            (
                0o644,
                "root",
                0,
                Wanted::new(None, Some("root"), Some("root")),
                &[],
            ),
            (
                0o644,
                "root",
                0,
                Wanted::new(Some("u+x"), Some("nobody"), None),
                &["chown nobody -- /f", "chmod 0744 -- /f"],
            ),
        ];
        for (mode, owner, uid, want, cmds) in cases {
            let p = plan("/f", &st(*mode, owner, *uid), want, true).unwrap();
            assert_eq!(p.commands, *cmds, "{want:?}");
        }
    }
}
