//! Every `run` project under tests/fixtures/projects runs under real
//! ansible-playbook and under srplay (tests/compare-with-ansible.sh):
//! exit codes, PLAY RECAP counts and the written files must match, with
//! `-c local` and again over SSH to loopback hosts (projects with a
//! `no_ssh` file, which says why, run locally only).

use crate::compat_support;

use std::path::Path;
use std::process::{Command, Output};

#[test]
fn projects_match_ansible() {
    compat_support::compare_suite("run", 20);
}

/// The same projects with every inventory host reached over real OpenSSH
/// (one loopback sshd, hosts reused by all projects), under both tools.
#[test]
fn projects_match_ansible_over_ssh() {
    let sshd = srplay_testkit::Sshd::start_hosts(4);
    let logins = || sshd.log().matches("Accepted publickey").count();
    // srplay alone first, on a fresh sshd: the override inventory really
    // sends it over SSH (later runs may reuse its persisted masters).
    let project = compat_support::projects_root().join("file_states");
    let scratch = tempfile::tempdir().unwrap();
    let inventory = scratch.path().join("ssh_hosts");
    std::fs::write(&inventory, compat_support::ssh_inventory(&project, &sshd)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_srplay"))
        .args(["site.yml", "-i", "inventory", "-i"])
        .arg(&inventory)
        .arg("-e")
        .arg(format!("work_dir={}", scratch.path().display()))
        .current_dir(&project)
        .env("NO_COLOR", "1")
        .output()
        .expect("run srplay");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(logins() >= 1, "srplay did not log in:\n{}", sshd.log());

    let before = logins();
    let dirs = compat_support::ssh_projects("run");
    let same =
        compat_support::compare_projects(&dirs, "run", 15, &compat_support::Transport::Ssh(&sshd));
    // Agreeing is not enough: both tools must have reached the hosts
    // (ansible-playbook exits 4 when a host is unreachable).
    let unreachable: Vec<_> = same
        .iter()
        .filter(|(_, s)| s.starts_with("same: exit 4"))
        .collect();
    assert!(
        unreachable.is_empty(),
        "unreachable over ssh: {unreachable:?}"
    );
    assert_eq!(same.len(), dirs.len());
    // ansible-playbook logs in at least once per project (its control
    // sockets live in each run's own ANSIBLE_HOME).
    assert!(
        logins() - before >= dirs.len(),
        "only {} ssh logins for {} projects:\n{}",
        logins() - before,
        dirs.len(),
        sshd.log()
    );
}

const GROUP_VARS_SECRET: &str = "Gr0up-Vars-S3cret";

/// srplay on the `vault_group_vars` project (encrypted by the real
/// `ansible-vault`), writing into `work`.
fn srplay_vault_project(work: &Path, vault_args: &[&str]) -> Output {
    let dir = compat_support::projects_root().join("vault_group_vars");
    Command::new(env!("CARGO_BIN_EXE_srplay"))
        .args(["site.yml", "-i", "inventory", "-c", "local", "-v"])
        .args(vault_args)
        .arg("-e")
        .arg(format!("work_dir={}", work.display()))
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env_remove("ANSIBLE_VAULT_PASSWORD_FILE")
        .output()
        .expect("run srplay")
}

#[test]
fn whole_vault_encrypted_group_and_host_vars_files_decrypt_and_are_masked() {
    let dir = compat_support::projects_root().join("vault_group_vars");
    for f in ["group_vars/app.yml", "host_vars/localhost.yml"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(
            text.starts_with("$ANSIBLE_VAULT;1.1;AES256"),
            "{f} is not vault-encrypted"
        );
    }
    let work = tempfile::tempdir().unwrap();
    let out = srplay_vault_project(work.path(), &["--vault-password-file", "vault-pass.txt"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("db.conf")).unwrap(),
        format!(
            "app_admin@db.internal:3307 pw-length={}\n",
            GROUP_VARS_SECRET.len()
        )
    );
    let token = std::fs::read_to_string(work.path().join("token.sha")).unwrap();
    assert_ne!(token.trim().len(), 0);
    assert!(
        !stdout.contains(GROUP_VARS_SECRET),
        "secret printed:\n{stdout}"
    );
    assert!(stdout.contains("password is ********"), "{stdout}");
}

#[test]
fn a_wrong_or_missing_vault_password_for_group_vars_fails_before_any_task() {
    let wrong = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(wrong.path(), "not-the-password\n").unwrap();
    let wrong = wrong.path().to_str().unwrap();
    let cases: [(&[&str], &str); 2] = [
        (
            &["--vault-password-file", wrong],
            "Decryption failed (no vault secrets were found that could decrypt)",
        ),
        (&[], "Attempting to decrypt but no vault secrets found"),
    ];
    for (vault_args, want) in cases {
        let work = tempfile::tempdir().unwrap();
        let out = srplay_vault_project(work.path(), vault_args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{vault_args:?}: {stderr}");
        assert!(stderr.contains(want), "{vault_args:?}: {stderr}");
        // The playbook's own group_vars/ check (validation) or the
        // inventory loader, whichever reads the file first.
        assert!(
            stderr.contains("cannot decrypt"),
            "{vault_args:?}: {stderr}"
        );
        assert!(
            stderr.contains("group_vars/app.yml"),
            "{vault_args:?}: {stderr}"
        );
        assert_eq!(
            std::fs::read_dir(work.path()).unwrap().count(),
            0,
            "a task ran despite the vault error"
        );
    }
}
