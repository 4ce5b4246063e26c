//! Filesystem snapshots of a test's work dir: what a run left behind,
//! comparable between runs (ours, ours in check mode, Ansible's).

use regex::Regex;
use serde_yaml::Value as Yaml;
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// One path: `f 0644 <content>`, `d 0755`, `l -> target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    File { mode: u32, content: Vec<u8> },
    Dir { mode: u32 },
    Link { target: String },
    Other { mode: u32 },
}

impl Entry {
    /// A one-line description for assertion messages and listings; file
    /// content shown when short text, else its length and sha1.
    pub fn describe(&self) -> String {
        match self {
            Entry::File { mode, content } => match std::str::from_utf8(content) {
                Ok(s) if s.len() <= 200 => format!("f {mode:04o} {s:?}"),
                _ => format!(
                    "f {mode:04o} {} bytes sha1 {}",
                    content.len(),
                    srplay_modules::util::checksum::sha1_hex(content)
                ),
            },
            Entry::Dir { mode } => format!("d {mode:04o}"),
            Entry::Link { target } => format!("l -> {target}"),
            Entry::Other { mode } => format!("o {mode:04o}"),
        }
    }
}

pub type Tree = BTreeMap<String, Entry>;

/// Everything under `root`, keyed by relative path; backup file names
/// (`f.PID.DATE@TIME~`) are normalized to `f.BACKUP~` so runs compare.
pub fn snapshot(root: &Path) -> Tree {
    let mut t = Tree::new();
    walk(root, root, &mut t);
    t
}

fn walk(root: &Path, dir: &Path, t: &mut Tree) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let rel = p
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let mode = md.permissions().mode() & 0o7777;
        let ft = md.file_type();
        let entry = if ft.is_symlink() {
            let target = std::fs::read_link(&p)
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            Entry::Link { target }
        } else if ft.is_dir() {
            walk(root, &p, t);
            Entry::Dir { mode }
        } else if ft.is_file() {
            Entry::File {
                mode,
                content: std::fs::read(&p).unwrap_or_default(),
            }
        } else {
            Entry::Other { mode }
        };
        let _ = md.nlink();
        t.insert(normalize_backup(&rel), entry);
    }
}

fn normalize_backup(rel: &str) -> String {
    let re = Regex::new(r"\.\d+\.\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}~$").expect("valid regex");
    re.replace(rel, ".BACKUP~").into_owned()
}

/// Listing of a tree, one `path: entry` per line, for readable diffs.
pub fn listing(t: &Tree) -> String {
    t.iter()
        .map(|(k, v)| format!("{k}: {}\n", v.describe()))
        .collect()
}

/// Create the entries a case's `setup.files` describes under `root`:
/// `path: "text"` a file; `path/: {}` a directory; a map with `content`,
/// `mode`, `link` (symlink target, `@DIR@` expanded), `dir: true`.
pub fn create(root: &Path, files: &BTreeMap<String, Yaml>) {
    for (rel, spec) in files {
        let p = root.join(rel.trim_end_matches('/'));
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create parent dirs");
        }
        let map = spec.as_mapping();
        let get = |k: &str| map.and_then(|m| m.get(Yaml::from(k)));
        let is_dir = rel.ends_with('/') || get("dir").and_then(Yaml::as_bool) == Some(true);
        if let Some(target) = get("link").and_then(Yaml::as_str) {
            let target = target.replace("@DIR@", &root.to_string_lossy());
            std::os::unix::fs::symlink(target, &p).expect("create symlink");
            continue;
        }
        if is_dir {
            std::fs::create_dir_all(&p).expect("create dir");
        } else {
            let content = spec
                .as_str()
                .map(str::to_string)
                .or_else(|| get("content").and_then(Yaml::as_str).map(str::to_string))
                .unwrap_or_default();
            std::fs::write(&p, content).expect("write file");
        }
        if let Some(mode) = get("mode").and_then(Yaml::as_str) {
            let m = u32::from_str_radix(mode, 8).expect("octal mode in fixture");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).expect("chmod");
        }
    }
}

/// Check the expected entries of a case (`files:`) against a snapshot:
/// `path: "text"` (a file with this content), `path: null` (absent), or a
/// map with any of `content`, `mode`, `type` (file/directory/link),
/// `target`, `contains`.
pub fn check_expected(t: &Tree, expected: &BTreeMap<String, Yaml>, root: &Path) -> Vec<String> {
    let mut errs = Vec::new();
    for (rel, want) in expected {
        let want = &expand_yaml(want, root);
        let got = t.get(rel.trim_end_matches('/'));
        if want.is_null() {
            if let Some(g) = got {
                errs.push(format!("{rel}: expected absent, found {}", g.describe()));
            }
            continue;
        }
        let Some(got) = got else {
            errs.push(format!("{rel}: expected to exist, absent"));
            continue;
        };
        if let Some(s) = want.as_str() {
            match got {
                Entry::File { content, .. } if content == s.as_bytes() => {}
                _ => errs.push(format!(
                    "{rel}: expected file {s:?}, found {}",
                    got.describe()
                )),
            }
            continue;
        }
        let get = |k: &str| want.as_mapping().and_then(|m| m.get(Yaml::from(k)));
        if let Some(ty) = get("type").and_then(Yaml::as_str) {
            let ok = matches!(
                (ty, got),
                ("file", Entry::File { .. })
                    | ("directory", Entry::Dir { .. })
                    | ("link", Entry::Link { .. })
            );
            if !ok {
                errs.push(format!("{rel}: expected a {ty}, found {}", got.describe()));
            }
        }
        if let Some(m) = get("mode").and_then(Yaml::as_str) {
            let want_mode = u32::from_str_radix(m, 8).unwrap_or(0);
            let got_mode = match got {
                Entry::File { mode, .. } | Entry::Dir { mode } | Entry::Other { mode } => {
                    Some(*mode)
                }
                Entry::Link { .. } => None,
            };
            if got_mode != Some(want_mode) {
                errs.push(format!(
                    "{rel}: expected mode {m}, found {}",
                    got.describe()
                ));
            }
        }
        if let Some(c) = get("content").and_then(Yaml::as_str) {
            if !matches!(got, Entry::File { content, .. } if content == c.as_bytes()) {
                errs.push(format!(
                    "{rel}: expected content {c:?}, found {}",
                    got.describe()
                ));
            }
        }
        if let Some(c) = get("contains").and_then(Yaml::as_str) {
            let ok = matches!(got, Entry::File { content, .. } if String::from_utf8_lossy(content).contains(c));
            if !ok {
                errs.push(format!(
                    "{rel}: expected to contain {c:?}, found {}",
                    got.describe()
                ));
            }
        }
        if let Some(tg) = get("target").and_then(Yaml::as_str) {
            if !matches!(got, Entry::Link { target } if target == tg) {
                errs.push(format!(
                    "{rel}: expected link to {tg}, found {}",
                    got.describe()
                ));
            }
        }
    }
    errs
}

/// `@DIR@` in expected values means the work dir.
fn expand_yaml(v: &Yaml, root: &Path) -> Yaml {
    match v {
        Yaml::String(s) => Yaml::String(s.replace("@DIR@", &root.to_string_lossy())),
        Yaml::Mapping(m) => Yaml::Mapping(
            m.iter()
                .map(|(k, v)| (k.clone(), expand_yaml(v, root)))
                .collect(),
        ),
        other => other.clone(),
    }
}
