//! Secrets never leak: a playbook using an SQL password (the sql module
//! against the simulated StarRocks FE), a sudo password over the loopback
//! sshd (a throwaway user whose sudo asks for it), a vault-encrypted
//! variable and `no_log: true` tasks — with failing tasks among them — is
//! run at every verbosity, with `--diff` and with `--output json`. Every secret string is
//! looked for in stdout, stderr, the argv of every process on the machine
//! (controller and target are the same machine here; sampled continuously
//! while each run goes on) and files left in /tmp, /var/tmp, /dev/shm, the
//! control directory and the target directory.

use crate::reliability_support;
use reliability_support::{inventory_vars, processes, walk, Project, Run};
use srplay_testkit::{SimCluster, SimLayout, Sshd, SudoRule, SysUser};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

fn oracle(tool: &str) -> PathBuf {
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

/// A distinct, greppable secret.
fn secret(kind: &str) -> String {
    let mut b = [0u8; 8];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom").unwrap(), &mut b).unwrap();
    format!("{kind}{:016x}", u64::from_le_bytes(b))
}

struct Secrets {
    sql: String,
    wrong_sql: String,
    wrong_become: String,
    vault_value: String,
    vault_password: String,
}

const PLAYBOOK: &str = r#"
- hosts: target
  gather_facts: false
  vars_files: [secret.yml]
  tasks:
    - name: sql with a password
      sql:
        login_host: "{{ fe_host }}"
        login_port: "{{ fe_port }}"
        login_password: "{{ lookup('env', 'SR_SQL_PW') }}"
        query: SELECT 1
    - name: sql with a wrong password fails
      sql:
        login_host: "{{ fe_host }}"
        login_port: "{{ fe_port }}"
        login_password: "{{ lookup('env', 'SR_WRONG_SQL_PW') }}"
        query: SELECT 1
      ignore_errors: true
    - name: become with a password
      command: id -un
      become: true
      register: who
    - assert:
        that: who.stdout == 'root'
    - name: become with a wrong password fails
      command: id -un
      become: true
      vars:
        ansible_become_password: "{{ lookup('env', 'SR_WRONG_BECOME_PW') }}"
      ignore_errors: true
    - name: a vault value written to a file
      copy:
        content: "{{ vault_token }}"
        dest: "{{ work }}/token"
        mode: "0600"
      no_log: true
    - name: a vault value shown under no_log
      debug:
        msg: "token {{ vault_token }}"
      no_log: true
    - name: a failing no_log task
      fail:
        msg: "token {{ vault_token }}"
      no_log: true
      ignore_errors: true
    - name: a vault value in the environment of a command
      shell: 'printf %s "$SR_TOKEN" > {{ work }}/token-env'
      environment:
        SR_TOKEN: "{{ vault_token }}"
    - name: a failing command under no_log, its environment carrying a secret
      shell: 'echo "$SR_TOKEN" >&2; exit 3'
      environment:
        SR_TOKEN: "{{ vault_token }}"
      no_log: true
      ignore_errors: true
"#;

/// Samples every process's argv while a run goes on.
struct ArgvWatch {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<BTreeSet<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ArgvWatch {
    fn start() -> ArgvWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(BTreeSet::new()));
        let (s, v) = (stop.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let now = processes();
                let mut seen = v.lock().unwrap();
                seen.extend(now.into_iter().map(|(_, c)| c));
                drop(seen);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        });
        ArgvWatch {
            stop,
            seen,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> BTreeSet<String> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// Files under `dirs` changed since `since` (what a run can have left),
/// minus `allowed`, with the names of the secrets each contains.
fn files_with_secrets(
    dirs: &[PathBuf],
    since: SystemTime,
    secrets: &[(&str, &str)],
    allowed: &[PathBuf],
) -> Vec<(PathBuf, Vec<String>)> {
    let mut found = Vec::new();
    for p in dirs.iter().flat_map(|d| walk(d)) {
        let recent = std::fs::symlink_metadata(&p)
            .is_ok_and(|m| m.is_file() && m.modified().is_ok_and(|t| t >= since));
        if !recent || allowed.contains(&p) {
            continue;
        }
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let hits: Vec<String> = secrets
            .iter()
            .filter(|(_, v)| text.contains(v))
            .map(|(what, _)| what.to_string())
            .collect();
        if !hits.is_empty() {
            found.push((p, hits));
        }
    }
    found
}

fn encrypt_vars(p: &Project, s: &Secrets) {
    p.write("vault-pass", format!("{}\n", s.vault_password));
    p.write("secret.yml", format!("vault_token: {}\n", s.vault_value));
    let out = Command::new(oracle("ansible-vault"))
        .args([
            "encrypt",
            "secret.yml",
            "--vault-password-file",
            "vault-pass",
        ])
        .current_dir(p.dir.path())
        .output()
        .expect("run ansible-vault");
    assert!(
        out.status.success(),
        "ansible-vault: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(p.path("secret.yml")).unwrap();
    assert!(text.starts_with("$ANSIBLE_VAULT;"), "{text}");
}

#[test]
fn secrets_never_reach_output_argv_or_leftover_files() {
    let s = Secrets {
        sql: secret("sqlpw"),
        wrong_sql: secret("wrongsql"),
        wrong_become: secret("wrongbecome"),
        vault_value: secret("vaulttok"),
        vault_password: secret("vaultpw"),
    };
    let sim = SimCluster::up(SimLayout::new(1, 1));
    sim.sql(&format!("SET PASSWORD FOR 'root' = PASSWORD('{}')", s.sql))
        .expect("set the root password");
    let (fe_host, fe_port) = sim.query_endpoint("fe1");
    let sshd = Sshd::start();
    let user = SysUser::create(SudoRule::WithPassword);
    let become_pw = user.password().to_string();
    let work = user.home();
    let inventory = format!(
        "target {} ansible_become_password=\"{{{{ lookup('env', 'SR_BECOME_PW') }}}}\" \
         fe_host={fe_host} fe_port={fe_port} work={}\n",
        inventory_vars(&sshd.host_vars_as(0, user.name())),
        work.display()
    );
    let p = Project::new(PLAYBOOK, &inventory);
    encrypt_vars(&p, &s);

    let secrets: Vec<(&str, &str)> = vec![
        ("sql password", &s.sql),
        ("wrong sql password", &s.wrong_sql),
        ("become password", &become_pw),
        ("wrong become password", &s.wrong_become),
        ("vault value", &s.vault_value),
        ("vault password", &s.vault_password),
    ];
    let modes: [&[&str]; 7] = [
        &[],
        &["-v"],
        &["-vv"],
        &["-vvv"],
        &["-vvvv"],
        &["--diff", "-vvvv"],
        &["--output", "json"],
    ];
    let mut leaks: Vec<String> = Vec::new();
    let mut runs = 0;
    let since = SystemTime::now() - std::time::Duration::from_secs(2);
    for mode in modes {
        let mut args = vec!["--vault-password-file", "vault-pass"];
        args.extend_from_slice(mode);
        let watch = ArgvWatch::start();
        let out = p
            .command(&args)
            .env("SR_SQL_PW", &s.sql)
            .env("SR_WRONG_SQL_PW", &s.wrong_sql)
            .env("SR_BECOME_PW", &become_pw)
            .env("SR_WRONG_BECOME_PW", &s.wrong_become)
            .output()
            .expect("run srplay");
        let argv = watch.finish();
        let run = Run::from(out);
        eprintln!("{mode:?}: {} distinct command lines sampled", argv.len());
        runs += 1;
        assert_run_did_its_work(&run, mode, &work, &s);
        for (what, value) in &secrets {
            if run.stdout.contains(value) {
                leaks.push(format!("{mode:?}: {what} in stdout"));
            }
            if run.stderr.contains(value) {
                leaks.push(format!("{mode:?}: {what} in stderr"));
            }
            for line in argv.iter().filter(|l| l.contains(value)) {
                leaks.push(format!("{mode:?}: {what} in argv: {line}"));
            }
        }
    }
    // Files: the secrets exist on purpose only in the project's vault
    // password file and in the target file the playbook writes.
    let dirs = [
        PathBuf::from("/tmp"),
        PathBuf::from("/var/tmp"),
        PathBuf::from("/dev/shm"),
        p.ctl.path().to_path_buf(),
        work.clone(),
        p.dir.path().to_path_buf(),
    ];
    let allowed = [
        work.join("token"),
        work.join("token-env"),
        p.path("vault-pass"),
    ];
    // The simulated FE included: it keeps only the password's hash, as a
    // real FE does.
    for (f, hits) in files_with_secrets(&dirs, since, &secrets, &allowed) {
        leaks.push(format!("{} in file {}", hits.join(", "), f.display()));
    }
    assert!(
        leaks.is_empty(),
        "secrets leaked in {runs} runs:\n{}",
        leaks.join("\n")
    );
    assert_eq!(runs, modes.len());
}

/// Each run really used every secret: otherwise "no leak" proves nothing.
fn assert_run_did_its_work(run: &Run, mode: &[&str], work: &Path, s: &Secrets) {
    assert_eq!(run.code, Some(0), "{mode:?}:\n{}", run.all());
    let token = std::fs::read_to_string(work.join("token")).unwrap_or_default();
    assert_eq!(
        token, s.vault_value,
        "{mode:?}: the vault value reached the target"
    );
    let token = std::fs::read_to_string(work.join("token-env")).unwrap_or_default();
    assert_eq!(
        token, s.vault_value,
        "{mode:?}: the environment reached the command"
    );
    if mode.is_empty() {
        let recap = run.recap("target");
        // 4 failures are ignored: sql and sudo with wrong passwords, fail, shell.
        assert!(
            recap.contains("ignored=4"),
            "{mode:?}: {recap}\n{}",
            run.all()
        );
        assert!(run.stdout.contains("Access denied"), "{}", run.all());
    }
}

use crate::sop_support;

#[test]
fn the_sop_root_password_never_reaches_argv_or_leftover_files() {
    let pg = sop_support::Pg::up("127.0.61", &["--fe", "1", "--be", "1", "--spare-fe", "0"]);
    let pw = secret("rootpw");
    pg.sql(&pg.leader(), &format!("SET PASSWORD = PASSWORD('{pw}')"));
    let since = SystemTime::now() - std::time::Duration::from_secs(2);
    let mut leaks = Vec::new();
    // The first run adds be2, the second finds nothing to do.
    for mode in ["-vvvv", "--diff"] {
        let watch = ArgvWatch::start();
        let (code, out) = pg.play_with_password("add_be.yml", &[mode], Some(&pw));
        let argv = watch.finish();
        assert_eq!(code, 0, "{mode}: {out}");
        if out.contains(&pw) {
            leaks.push(format!("{mode}: in the output"));
        }
        for line in argv.iter().filter(|l| l.contains(&pw)) {
            leaks.push(format!("{mode}: in argv: {line}"));
        }
    }
    assert!(pg.row("SHOW BACKENDS", &pg.addr("be2")).is_some());
    let dirs = [
        PathBuf::from("/tmp"),
        PathBuf::from("/var/tmp"),
        PathBuf::from("/dev/shm"),
    ];
    // The simulated FE's own files included: it keeps only the hash.
    for (f, _) in files_with_secrets(&dirs, since, &[("root password", &pw)], &[]) {
        leaks.push(format!("in file {}", f.display()));
    }
    assert!(
        leaks.is_empty(),
        "the root password leaked:\n{}",
        leaks.join("\n")
    );
}
