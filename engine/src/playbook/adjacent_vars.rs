//! `group_vars/` and `host_vars/` next to the playbook are read lazily, per
//! host, while the play runs; they are checked here, at load time, so a
//! YAML error or a wrong vault password in one of them stops the run
//! before any host is touched instead of silently dropping its variables.

use super::Diagnostic;
use crate::yaml;
use std::path::{Path, PathBuf};

/// Every vars file under `<dir>/group_vars` and `<dir>/host_vars` loads and
/// holds a mapping (or nothing).
pub fn check_adjacent_vars(dir: &Path) -> Result<(), Diagnostic> {
    for sub in ["group_vars", "host_vars"] {
        for file in vars_files(&dir.join(sub)) {
            check_file(&file)?;
        }
    }
    Ok(())
}

/// The files the executor may read there: `<name>`, `<name>.yml|.yaml|.json`,
/// and such files inside a `<name>/` directory (other extensions are
/// ignored, as by Ansible's host_group_vars plugin).
fn vars_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in sorted_entries(root) {
        if entry.is_dir() {
            out.extend(
                sorted_entries(&entry)
                    .into_iter()
                    .filter(|p| p.is_file() && has_vars_extension(p)),
            );
        } else if entry.is_file()
            && !is_hidden(&entry)
            && (entry.extension().is_none() || has_vars_extension(&entry))
        {
            out.push(entry);
        }
    }
    out
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn has_vars_extension(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e == "yml" || e == "yaml" || e == "json")
}

fn is_hidden(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n.ends_with('~'))
}

fn check_file(path: &Path) -> Result<(), Diagnostic> {
    let docs = yaml::load_file(path)?;
    match docs.first() {
        None => Ok(()),
        Some(doc) if doc.is_null() || doc.as_map().is_some() => Ok(()),
        Some(doc) => Err(Diagnostic::new(
            format!(
                "{} must hold a mapping of variable names to values",
                path.display()
            ),
            &doc.pos,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        // (file under the playbook dir, content, error expected to contain)
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("group_vars/all.yml", "a: 1\n", None),
            ("group_vars/web/main.yml", "b: [1, 2]\n", None),
            ("host_vars/h1", "", None),
            ("group_vars/db.yml", "a: [1, 2\n", Some("db.yml:")),
            (
                "host_vars/h2.yaml",
                "- just\n- a list\n",
                Some("must hold a mapping"),
            ),
            (
                "group_vars/x/vault.yml",
                "$ANSIBLE_VAULT;1.1;AES256\nzz\n",
                Some("vault.yml"),
            ),
        ];
        for (file, content, want) in cases {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
            let got = check_adjacent_vars(dir.path());
            match (want, got) {
                (None, Ok(())) => {}
                (Some(w), Err(d)) => {
                    let text = d.render();
                    assert!(text.contains(w), "{file}: {text}");
                }
                (w, g) => panic!("{file}: want {w:?}, got {g:?}"),
            }
        }
        // Editor swap files and other extensions are not vars files.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("group_vars")).unwrap();
        std::fs::write(dir.path().join("group_vars/.all.yml.swp"), [0xff, 0]).unwrap();
        std::fs::write(dir.path().join("group_vars/notes.txt"), "- not: [vars").unwrap();
        assert!(check_adjacent_vars(dir.path()).is_ok());
    }
}
