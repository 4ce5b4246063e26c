//! `group_vars/` and `host_vars/` next to the playbook are read lazily, per
//! host, while the play runs; they are checked here, at load time, so a
//! YAML error or a wrong vault password in one of them stops the run
//! before any host is touched instead of silently dropping its variables.

use super::vars_dir;
use super::Diagnostic;
use std::path::Path;

/// Every vars file some host or group reads under `<dir>/group_vars` and
/// `<dir>/host_vars` (the rule is [`vars_dir`]'s) loads and holds a
/// mapping (or nothing).
pub fn check_adjacent_vars(dir: &Path) -> Result<(), Diagnostic> {
    for sub in ["group_vars", "host_vars"] {
        for file in vars_dir::all_files(&dir.join(sub)) {
            vars_dir::load(&file)?;
        }
    }
    Ok(())
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
