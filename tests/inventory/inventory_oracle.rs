//! Differential tests: every case under `tests/fixtures/inventory/cases/` is
//! run through `srplay inventory` and the real `ansible-inventory` (the
//! oracle, installed by `tests/setup.sh`), and the outputs must agree.
//!
//! A case is a directory of inventory files plus `args`: the `-i`/`--limit`
//! arguments (whitespace-separated, relative to the case directory).
//! JSON outputs are compared as values (key order free, list order
//! significant); `--graph` and `--yaml` outputs are compared as text.
//! The oracle runs through `oracle_batch.py`: one Python process imports
//! ansible once and forks per command (a fresh interpreter per command
//! made this the slowest test of the suite).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Output modes compared for each case; `true` marks JSON output.
const MODES: &[(&[&str], bool)] = &[
    (&["--list"], true),
    (&["--graph"], false),
    (&["--graph", "--vars"], false),
    (&["--list", "--export"], true),
    (&["--list", "--yaml"], false),
];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The oracle's `ansible-inventory`; panics with instructions when missing.
fn oracle() -> PathBuf {
    let bin = std::env::var_os("SRPLAY_ORACLE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv-oracle/bin"));
    let exe = bin.join("ansible-inventory");
    assert!(
        exe.is_file(),
        "oracle missing: {} not found. Run `bash tests/setup.sh` (installs ansible-core {}) \
         and/or set SRPLAY_ORACLE_BIN to its bin directory.",
        exe.display(),
        oracle_version()
    );
    exe
}

fn oracle_version() -> String {
    std::fs::read_to_string(repo_root().join("tests/ORACLE_VERSION"))
        .expect("ORACLE_VERSION file")
        .trim()
        .to_string()
}

fn case_dirs() -> Vec<PathBuf> {
    let root = repo_root().join("tests/fixtures/inventory/cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn case_args(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("args")).expect("args file");
    text.split_whitespace().map(String::from).collect()
}

/// What one command printed and how it exited.
#[derive(Deserialize)]
struct Run {
    stdout: String,
    #[serde(rename = "rc")]
    code: Option<i32>,
}

/// One oracle command: its working directory and argv (`ansible-inventory`
/// or `ansible` first).
#[derive(Serialize)]
struct Job {
    cwd: PathBuf,
    argv: Vec<String>,
}

/// Runs the oracle commands through `oracle_batch.py` (ansible imported once,
/// one fork per command), in two halves side by side; results in job order.
fn ansible_batch(jobs: &[Job]) -> Vec<Run> {
    let half = jobs.len().div_ceil(2).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(half)
            .map(|chunk| s.spawn(move || ansible_batch_one(chunk)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("oracle worker"))
            .collect()
    })
}

fn ansible_batch_one(jobs: &[Job]) -> Vec<Run> {
    let python = oracle().with_file_name("python");
    let script = repo_root().join("tests/inventory/oracle_batch.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", python.display()));
    let input = serde_json::to_vec(jobs).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("oracle batch");
    writer.join().unwrap().expect("write oracle jobs");
    assert!(
        out.status.success(),
        "oracle batch failed: {:?}",
        out.status
    );
    let runs: Vec<Run> = serde_json::from_slice(&out.stdout).expect("oracle batch output");
    assert_eq!(runs.len(), jobs.len(), "oracle batch lost results");
    runs
}

fn srplay(dir: &Path, args: &[String]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_srplay"))
        .arg("inventory")
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("spawn srplay");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        code: out.status.code(),
    }
}

/// The full argument list of one case in one mode.
fn mode_args(dir: &Path, mode: &[&str]) -> Vec<String> {
    let mut args = case_args(dir);
    args.extend(mode.iter().map(|s| s.to_string()));
    args
}

/// Compares one case in one mode with the oracle's run; `Some(report)` on
/// mismatch.
fn compare(dir: &Path, mode: &[&str], json: bool, want: &Run) -> Option<String> {
    let got = srplay(dir, &mode_args(dir, mode));
    let name = dir.file_name().unwrap().to_string_lossy();
    let same = if json {
        let parse = |s: &str| serde_json::from_str::<Value>(s).ok();
        parse(&want.stdout).is_some() && parse(&want.stdout) == parse(&got.stdout)
    } else {
        want.stdout.trim_end() == got.stdout.trim_end()
    };
    if same && got.code == Some(0) {
        return None;
    }
    Some(format!(
        "--- case {name} {}: exit {:?}\n--- ansible-inventory:\n{}\n--- srplay:\n{}",
        mode.join(" "),
        got.code,
        want.stdout,
        got.stdout
    ))
}

#[test]
fn inventory_matches_ansible_inventory() {
    oracle();
    let dirs = case_dirs();
    assert!(
        dirs.len() >= 30,
        "expected at least 30 fixture cases, found {}",
        dirs.len()
    );
    let pairs: Vec<(&PathBuf, &(&[&str], bool))> = dirs
        .iter()
        .flat_map(|d| MODES.iter().map(move |m| (d, m)))
        .collect();
    let jobs: Vec<Job> = pairs
        .iter()
        .map(|(dir, (mode, _))| Job {
            cwd: dir.to_path_buf(),
            argv: std::iter::once("ansible-inventory".to_string())
                .chain(mode_args(dir, mode))
                .collect(),
        })
        .collect();
    let wants = ansible_batch(&jobs);
    let failures: Vec<String> = pairs
        .iter()
        .zip(&wants)
        .filter_map(|((dir, (mode, json)), want)| compare(dir, mode, *json, want))
        .collect();
    assert!(
        failures.is_empty(),
        "{} mismatch(es) against ansible-inventory {}:\n{}",
        failures.len(),
        oracle_version(),
        failures.join("\n")
    );
}

/// Host patterns: `Inventory::select` must list the same hosts, in the same
/// order, as `ansible PATTERN --list-hosts` on the same inventory.
#[test]
fn host_patterns_match_ansible() {
    oracle();
    let dir = repo_root().join("tests/fixtures/inventory/cases/limit_group");
    let inv = inventory_parser::Inventory::load(&[dir.join("hosts.ini").to_string_lossy()])
        .expect("load");
    let patterns = [
        "all",
        "*",
        "web",
        "prod",
        "web:db",
        "web,db1",
        "prod:&staging",
        "all:!prod",
        "!staging",
        "web[0]",
        "web[-1]",
        "web[1:2]",
        "web[1:]",
        "prod[0:0]",
        "~db\\d",
        "w*",
        "db?",
        "*1",
        "staging:web",
        "ungrouped",
        "localhost",
        "prod:!web[0]",
        "&staging",
    ];
    let jobs: Vec<Job> = patterns
        .iter()
        .map(|p| Job {
            cwd: dir.clone(),
            argv: ["ansible", p, "-i", "hosts.ini", "--list-hosts"]
                .map(String::from)
                .to_vec(),
        })
        .collect();
    let failures: Vec<String> = patterns
        .iter()
        .zip(ansible_batch(&jobs))
        .filter_map(|(p, run)| {
            // "  hosts (N):" then one host per line, indented.
            let want: Vec<String> = run
                .stdout
                .lines()
                .skip(1)
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect();
            let got = inv.select(p).expect("pattern");
            (got != want).then(|| format!("pattern {p:?}: ansible {want:?}, srplay {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A whole vault-encrypted `group_vars/app.yml` and `host_vars/` file
/// (`ansible-vault encrypt`): fixture directory and its `-i` source.
const WHOLE: (&str, &str) = ("projects/vault_group_vars", "inventory");
/// Inline `!vault` values (`ansible-vault encrypt_string`) in
/// `group_vars/all.yml` and `host_vars/web1.yml`; same password.
const INLINE: (&str, &str) = ("inventory/vault_inline", "hosts.ini");

/// One vault row: the fixture (under `tests/fixtures/`) and its `-i`
/// source, the arguments after `-i SOURCE`, the environment
/// (`{wrong}` and `{cfg}` stand for a wrong password file and an
/// ansible.cfg naming the right one), whether the output is JSON, and
/// ansible-inventory's exit status (checked too, so that a row where both
/// tools fail alike cannot pass for a decrypting one).
struct VaultCase {
    fixture: (&'static str, &'static str),
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    json: bool,
    code: i32,
}

const VAULT_CASES: &[VaultCase] = &[
    VaultCase {
        fixture: WHOLE,
        args: &["--list", "--vault-password-file", "vault-pass.txt"],
        env: &[],
        json: true,
        code: 0,
    },
    VaultCase {
        fixture: WHOLE,
        args: &["--host", "localhost", "--vault-pass-file", "vault-pass.txt"],
        env: &[],
        json: true,
        code: 0,
    },
    VaultCase {
        fixture: WHOLE,
        args: &[
            "--graph",
            "--vars",
            "--vault-password-file",
            "vault-pass.txt",
        ],
        env: &[],
        json: false,
        code: 0,
    },
    VaultCase {
        fixture: WHOLE,
        args: &["--list", "--export", "--vault-id", "vault-pass.txt"],
        env: &[],
        json: true,
        code: 0,
    },
    VaultCase {
        fixture: WHOLE,
        args: &["--list", "-y", "--vault-id", "dev@vault-pass.txt"],
        env: &[],
        json: false,
        code: 0,
    },
    VaultCase {
        fixture: WHOLE,
        args: &[
            "--host",
            "localhost",
            "-y",
            "--vault-id",
            "dev@{wrong}",
            "--vault-id",
            "vault-pass.txt",
        ],
        env: &[],
        json: false,
        code: 0,
    },
    VaultCase {
        fixture: WHOLE,
        args: &["--list", "--export", "-y"],
        env: &[("ANSIBLE_VAULT_PASSWORD_FILE", "vault-pass.txt")],
        json: false,
        code: 0,
    },
    VaultCase {
        fixture: WHOLE,
        args: &["--host", "localhost"],
        env: &[("ANSIBLE_CONFIG", "{cfg}")],
        json: true,
        code: 0,
    },
    // No password, or a wrong one: nothing on stdout, exit 4, the error.
    VaultCase {
        fixture: WHOLE,
        args: &["--list"],
        env: &[],
        json: false,
        code: 4,
    },
    VaultCase {
        fixture: WHOLE,
        args: &["--host", "localhost"],
        env: &[],
        json: false,
        code: 4,
    },
    VaultCase {
        fixture: WHOLE,
        args: &["--list", "--vault-password-file", "{wrong}"],
        env: &[],
        json: false,
        code: 4,
    },
    VaultCase {
        fixture: WHOLE,
        args: &["--graph", "--vars", "--vault-id", "{wrong}"],
        env: &[],
        json: false,
        code: 4,
    },
    // Inline `!vault` values: JSON shows {"__ansible_vault": ciphertext},
    // YAML a `!vault |` block, `--graph --vars` the decrypted value.
    VaultCase {
        fixture: INLINE,
        args: &["--list", "--vault-password-file", "vault-pass.txt"],
        env: &[],
        json: true,
        code: 0,
    },
    VaultCase {
        fixture: INLINE,
        args: &["--list", "--export", "-y", "--vault-id", "vault-pass.txt"],
        env: &[],
        json: false,
        code: 0,
    },
    VaultCase {
        fixture: INLINE,
        args: &["--list", "-y"],
        env: &[],
        json: false,
        code: 0,
    },
    VaultCase {
        fixture: INLINE,
        args: &["--host", "web1", "-y"],
        env: &[("ANSIBLE_VAULT_PASSWORD_FILE", "vault-pass.txt")],
        json: false,
        code: 0,
    },
    VaultCase {
        fixture: INLINE,
        args: &["--graph", "--vars", "--vault-id", "dev@vault-pass.txt"],
        env: &[],
        json: false,
        code: 0,
    },
    VaultCase {
        fixture: INLINE,
        args: &["--graph", "--vars"],
        env: &[("ANSIBLE_CONFIG", "{cfg}")],
        json: false,
        code: 0,
    },
    VaultCase {
        fixture: INLINE,
        args: &["--graph", "--vars"],
        env: &[],
        json: false,
        code: 1,
    },
    VaultCase {
        fixture: INLINE,
        args: &["--graph", "--vars", "--vault-password-file", "{wrong}"],
        env: &[],
        json: false,
        code: 1,
    },
];

/// What one command printed on both streams and how it exited.
struct FullRun {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

fn run_full(
    exe: &Path,
    pre: &[&str],
    dir: &Path,
    args: &[String],
    env: &[(String, String)],
) -> FullRun {
    let out = Command::new(exe)
        .args(pre)
        .args(args)
        .current_dir(dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("LC_ALL", "C.UTF-8")
        .env_remove("ANSIBLE_VAULT_PASSWORD_FILE")
        .env_remove("ANSIBLE_VAULT_IDENTITY_LIST")
        .env_remove("ANSIBLE_CONFIG")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", exe.display()));
    FullRun {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

/// Compares one vault row; `Some(report)` on mismatch. The exit status and
/// stdout must agree; when ansible fails, srplay's stderr must carry
/// ansible's error text (srplay adds the file and a hint).
fn compare_vault(case: &VaultCase, want: &FullRun, got: &FullRun) -> Option<String> {
    let same_out = if case.json {
        let parse = |s: &str| serde_json::from_str::<Value>(s).ok();
        parse(&want.stdout).is_some() && parse(&want.stdout) == parse(&got.stdout)
    } else {
        want.stdout.trim_end() == got.stdout.trim_end()
    };
    let error = want
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("[ERROR]: "))
        .map(|e| e.trim_end_matches('.'));
    let same_err = error.is_none_or(|e| got.stderr.contains(e));
    if same_out && same_err && want.code == Some(case.code) && got.code == Some(case.code) {
        return None;
    }
    Some(format!(
        "--- vault {} {:?} env {:?}: want exit {}, ansible {:?}, srplay {:?}\n\
         --- ansible-inventory:\n{}{}\n--- srplay:\n{}{}",
        case.fixture.0,
        case.args,
        case.env,
        case.code,
        want.code,
        got.code,
        want.stdout,
        want.stderr,
        got.stdout,
        got.stderr
    ))
}

/// Vault-encrypted `group_vars/` and `host_vars/` files and inline `!vault`
/// values: `srplay inventory` decrypts them with the same options,
/// environment and ansible.cfg settings as ansible-inventory and prints the
/// same; without the right password both fail the same way.
#[test]
fn vault_inventory_matches_ansible_inventory() {
    let ansible = oracle();
    let fixtures = repo_root().join("tests/fixtures");
    let tmp = tempfile::tempdir().unwrap();
    let wrong = tmp.path().join("wrong-pass.txt");
    std::fs::write(&wrong, "not-the-password\n").unwrap();
    let cfg = tmp.path().join("ansible.cfg");
    let right = fixtures.join(WHOLE.0).join("vault-pass.txt");
    std::fs::write(
        &cfg,
        format!("[defaults]\nvault_password_file = {}\n", right.display()),
    )
    .unwrap();
    let fill = |s: &str| {
        s.replace("{wrong}", wrong.to_str().unwrap())
            .replace("{cfg}", cfg.to_str().unwrap())
    };
    let srplay = PathBuf::from(env!("CARGO_BIN_EXE_srplay"));
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = VAULT_CASES
            .iter()
            .map(|case| {
                let (ansible, srplay, fixtures, fill) = (&ansible, &srplay, &fixtures, &fill);
                s.spawn(move || {
                    let dir = &fixtures.join(case.fixture.0);
                    let mut args = vec!["-i".to_string(), case.fixture.1.to_string()];
                    args.extend(case.args.iter().map(|a| fill(a)));
                    let env: Vec<(String, String)> = case
                        .env
                        .iter()
                        .map(|(k, v)| (k.to_string(), fill(v)))
                        .collect();
                    let want = run_full(ansible, &[], dir, &args, &env);
                    let got = run_full(srplay, &["inventory"], dir, &args, &env);
                    compare_vault(case, &want, &got)
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().expect("vault case"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} vault mismatch(es) against ansible-inventory {}:\n{}",
        failures.len(),
        oracle_version(),
        failures.join("\n")
    );
}
