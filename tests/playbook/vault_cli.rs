//! Ansible Vault end to end: secrets encrypted by the real `ansible-vault`
//! (the oracle) decrypt in playbooks, vars files and `!vault` values, are
//! masked in output, and a wrong password fails clearly before any task.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SECRET: &str = "s3cr3t-Pa55word";

fn oracle_bin(tool: &str) -> PathBuf {
    let dir = std::env::var_os("SRPLAY_ORACLE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-oracle/bin"));
    let bin = dir.join(tool);
    assert!(
        bin.exists(),
        "oracle missing: {} not found. Run `bash tests/setup.sh` (installs ansible-core)",
        bin.display()
    );
    bin
}

fn vault(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(oracle_bin("ansible-vault"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run ansible-vault");
    assert!(
        out.status.success(),
        "ansible-vault {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn srplay(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_srplay"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("ANSIBLE_VAULT_PASSWORD_FILE")
        .output()
        .expect("run srplay")
}

/// A project with a vault-encrypted vars file and a `!vault` string.
fn project() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(d.join("pw"), "correct horse\n").unwrap();
    std::fs::write(d.join("wrong"), "battery staple\n").unwrap();
    std::fs::write(d.join("secrets.yml"), format!("db_password: {SECRET}\n")).unwrap();
    vault(
        d,
        &["encrypt", "--vault-password-file", "pw", "secrets.yml"],
    );
    let s = vault(
        d,
        &[
            "encrypt_string",
            "--vault-password-file",
            "pw",
            "inline-S3cret",
            "--name",
            "api_token",
        ],
    );
    let inline = String::from_utf8(s.stdout).unwrap();
    std::fs::write(
        d.join("play.yml"),
        format!(
            "- hosts: localhost\n  gather_facts: false\n  vars_files: [secrets.yml]\n  vars:\n    {}\n  tasks:\n\
             \x20   - copy: {{content: \"{{{{ db_password }}}}/{{{{ api_token }}}}\", dest: \"{{{{ playbook_dir }}}}/out\"}}\n\
             \x20   - debug: msg=\"the password is {{{{ db_password }}}}\"\n",
            inline.trim_end().replace('\n', "\n    ")
        ),
    )
    .unwrap();
    t
}

#[test]
fn vaulted_values_decrypt_and_are_masked_in_output() {
    let t = project();
    let out = srplay(
        t.path(),
        &[
            "-i",
            "localhost,",
            "-c",
            "local",
            "--vault-password-file",
            "pw",
            "play.yml",
            "-v",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(t.path().join("out")).unwrap(),
        format!("{SECRET}/inline-S3cret")
    );
    assert!(
        !stdout.contains(SECRET) && !stdout.contains("inline-S3cret"),
        "secret printed:\n{stdout}"
    );
    assert!(stdout.contains("the password is ********"), "{stdout}");
}

#[test]
fn vault_ids_with_labels_work() {
    let t = project();
    let out = srplay(
        t.path(),
        &[
            "-i",
            "localhost,",
            "-c",
            "local",
            "--vault-id",
            "prod@pw",
            "play.yml",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn wrong_or_missing_password_fails_before_any_task() {
    let t = project();
    let cases: [(&[&str], &str); 2] = [
        (
            &["--vault-password-file", "wrong"],
            "Decryption failed (no vault secrets were found that could decrypt)",
        ),
        (&[], "Attempting to decrypt but no vault secrets found"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["-i", "localhost,", "-c", "local"];
        args.extend_from_slice(extra);
        args.push("play.yml");
        let out = srplay(t.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{extra:?}: {stderr}");
        assert!(stderr.contains(want), "{extra:?}: {stderr}");
        assert!(
            !t.path().join("out").exists(),
            "a task ran despite the vault error"
        );
    }
}
