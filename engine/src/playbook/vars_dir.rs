//! Which files under `group_vars/` and `host_vars/` hold a host's or a
//! group's variables, and how one of them loads. One rule for the
//! load-time check ([`check_adjacent_vars`](super::check_adjacent_vars))
//! and the run-time read (the executor), as ansible-core's
//! `host_group_vars` plugin finds them (`DataLoader.find_vars_files`). The
//! selection itself is the inventory crate's (`vars_dirs::find_vars_files`),
//! which reads `group_vars/` next to inventory sources by the same rule.

use super::Diagnostic;
use crate::yaml;
use inventory_parser::vars_dirs::{
    extension, find_vars_files, is_hidden, sorted_entries, EXTENSIONS,
};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The files holding the variables of host or group `name` under `dir`,
/// in load order. The first of `<name>`, `<name>.yml`, `<name>.yaml`,
/// `<name>.json` that exists wins: a file, or a directory whose vars files
/// (recursively, sorted) all count.
pub(crate) fn entity_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    // A name that looks like an absolute path (a chroot host) is never
    // looked up: joined, it would replace `dir`.
    if name.starts_with('/') {
        return Vec::new();
    }
    find_vars_files(dir, name)
}

/// Every file under `dir` some host or group reads: what [`entity_files`]
/// selects for each name the entries imply (`web/`, `web.yml`, `web`). A
/// top-level file with another extension (`notes.txt`) is read only for a
/// host of exactly that name (`web1.example.com`), so it is not listed.
pub(crate) fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<String> = sorted_entries(dir)
        .iter()
        .filter_map(|p| entity_name(p))
        .collect();
    names.dedup();
    let mut out: Vec<PathBuf> = Vec::new();
    for n in names {
        for f in entity_files(dir, &n) {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// A vars file's variables: its mapping, or nothing when it is empty.
/// Vault-encrypted files are decrypted with the run's vault secrets.
pub(crate) fn load(path: &Path) -> Result<Map<String, Value>, Diagnostic> {
    let docs = yaml::load_file(path)?;
    match docs.first() {
        None => Ok(Map::new()),
        Some(doc) if doc.is_null() => Ok(Map::new()),
        Some(doc) => match doc.to_json() {
            Value::Object(m) if doc.as_map().is_some() => Ok(m),
            _ => Err(Diagnostic::new(
                format!(
                    "{} must hold a mapping of variable names to values",
                    path.display()
                ),
                &doc.pos,
            )),
        },
    }
}

/// The host or group a top-level entry belongs to, if any.
fn entity_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    if is_hidden(name) {
        return None;
    }
    if path.is_dir() {
        return Some(name.to_string());
    }
    match extension(name) {
        "" => Some(name.to_string()),
        ext if EXTENSIONS.contains(&ext) => Some(name[..name.len() - ext.len()].to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory holding `files` (a trailing `/` makes a directory).
    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f.trim_end_matches('/'));
            if f.ends_with('/') {
                std::fs::create_dir_all(&p).unwrap();
            } else {
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, "a: 1\n").unwrap();
            }
        }
        dir
    }

    fn rel(dir: &Path, files: Vec<PathBuf>) -> Vec<String> {
        files
            .iter()
            .map(|f| f.strip_prefix(dir).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn entity_files_table() {
        // (files present, entity, files selected in load order)
        let cases: &[(&[&str], &str, &[&str])] = &[
            (&["web.yml"], "web", &["web.yml"]),
            (&["web"], "web", &["web"]),
            (&["web.yaml", "web.json"], "web", &["web.yaml"]),
            (&["web.json"], "web", &["web.json"]),
            // The first that exists wins: a bare name over an extension…
            (&["web", "web.yml"], "web", &["web"]),
            (&["web.yml", "web.yaml"], "web", &["web.yml"]),
            // …and a directory over a file next to it.
            (&["web/a.yml", "web.yml"], "web", &["web/a.yml"]),
            // Inside a directory: sorted, recursive, no extension allowed,
            // other extensions, hidden files and backups skipped.
            (
                &[
                    "web/b.yml",
                    "web/a.json",
                    "web/vault",
                    "web/sub/c.yaml",
                    "web/notes.txt",
                    "web/main.yml.j2",
                    "web/.hidden.yml",
                    "web/old.yml~",
                    "web/.git/x.yml",
                    "web/dir.d/x.yml",
                ],
                "web",
                &["web/a.json", "web/b.yml", "web/sub/c.yaml", "web/vault"],
            ),
            (&["web/"], "web", &[]),
            (&["webs.yml", "we.yml"], "web", &[]),
            // Host names with dots are read by their exact name.
            (
                &["web1.example.com", "web1.example.com.yml"],
                "web1.example.com",
                &["web1.example.com"],
            ),
            (&["10.0.0.1.yml"], "10.0.0.1", &["10.0.0.1.yml"]),
        ];
        for (files, name, want) in cases {
            let dir = tree(files);
            let got = rel(dir.path(), entity_files(dir.path(), name));
            assert_eq!(got, *want, "{files:?} for {name}");
        }
        assert!(entity_files(Path::new("/nonexistent-srplay"), "all").is_empty());
        let dir = tree(&["etc/passwd"]);
        assert!(entity_files(&dir.path().join("host_vars"), "/etc/passwd").is_empty());
    }

    #[test]
    fn all_files_table() {
        // (files present, every file some entity reads)
        let cases: &[(&[&str], &[&str])] = &[
            (
                &["all.yml", "web/main.yml", "db", "x.json"],
                &["all.yml", "db", "web/main.yml", "x.json"],
            ),
            // Not read by anyone: shadowed by a directory or a bare name,
            // hidden, backups, other extensions at the top.
            (
                &[
                    "web/a.yml",
                    "web.yml",
                    "db",
                    "db.yml",
                    ".all.yml.swp",
                    "all.yml~",
                    "notes.txt",
                ],
                &["db", "web/a.yml"],
            ),
            (&["web1.example.com.yml"], &["web1.example.com.yml"]),
            (&[], &[]),
        ];
        for (files, want) in cases {
            let dir = tree(files);
            let got = rel(dir.path(), all_files(dir.path()));
            assert_eq!(got, *want, "{files:?}");
        }
    }

    #[test]
    fn extension_like_python_splitext() {
        let cases = [
            ("a.yml", ".yml"),
            ("a", ""),
            ("a.", "."),
            (".bashrc", ""),
            ("a.b.json", ".json"),
            ("10.0.0.1", ".1"),
        ];
        for (name, want) in cases {
            assert_eq!(extension(name), want, "{name}");
        }
    }

    #[test]
    fn load_table() {
        // (content, variables or the error expected to contain)
        let cases: &[(&str, Result<Value, &str>)] = &[
            (
                "a: 1\nb: [x]\n",
                Ok(serde_json::json!({"a": 1, "b": ["x"]})),
            ),
            ("", Ok(serde_json::json!({}))),
            ("---\n", Ok(serde_json::json!({}))),
            ("~\n", Ok(serde_json::json!({}))),
            ("- a\n", Err("must hold a mapping")),
            ("just text\n", Err("must hold a mapping")),
            ("a: [1\n", Err("vars.yml:")),
            ("$ANSIBLE_VAULT;1.1;AES256\nzz\n", Err("vars.yml")),
        ];
        for (content, want) in cases {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("vars.yml");
            std::fs::write(&path, content).unwrap();
            match (load(&path), want) {
                (Ok(got), Ok(w)) => assert_eq!(&Value::Object(got), w, "{content:?}"),
                (Err(d), Err(w)) => {
                    let text = d.render();
                    assert!(text.contains(w), "{content:?}: {text}");
                }
                (got, w) => panic!("{content:?}: want {w:?}, got {got:?}"),
            }
        }
    }
}
