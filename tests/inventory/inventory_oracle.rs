//! Differential tests: every case under `tests/fixtures/inventory/cases/` is
//! run through `srplay inventory` and the real `ansible-inventory` (the
//! oracle, installed by `tests/setup.sh`), and the outputs must agree.
//!
//! A case is a directory of inventory files plus `args`: the `-i`/`--limit`
//! arguments (whitespace-separated, relative to the case directory).
//! JSON outputs are compared as values (key order free, list order
//! significant); `--graph` and `--yaml` outputs are compared as text.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

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

struct Run {
    stdout: String,
    code: Option<i32>,
}

fn run(mut cmd: Command, dir: &Path) -> Run {
    let out = cmd
        .current_dir(dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("spawn");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        code: out.status.code(),
    }
}

fn srplay(dir: &Path, args: &[String]) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_srplay"));
    c.arg("inventory").args(args);
    run(c, dir)
}

fn ansible(dir: &Path, args: &[String]) -> Run {
    let mut c = Command::new(oracle());
    c.args(args);
    run(c, dir)
}

/// Compares one case in one mode; `Some(report)` on mismatch.
fn compare(dir: &Path, mode: &[&str], json: bool) -> Option<String> {
    let mut args = case_args(dir);
    args.extend(mode.iter().map(|s| s.to_string()));
    let want = ansible(dir, &args);
    let got = srplay(dir, &args);
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
    // The oracle is slow to start: spread cases over a few threads.
    let workers = 3;
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let dirs = &dirs;
                s.spawn(move || {
                    let mut fails = Vec::new();
                    for dir in dirs.iter().skip(w).step_by(workers) {
                        for (mode, json) in MODES {
                            fails.extend(compare(dir, mode, *json));
                        }
                    }
                    fails
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
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
    let ansible_bin = oracle().with_file_name("ansible");
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
    let failures: Vec<String> = patterns
        .iter()
        .filter_map(|p| {
            let out = Command::new(&ansible_bin)
                .args([p, "-i", "hosts.ini", "--list-hosts"])
                .current_dir(&dir)
                .output()
                .expect("spawn ansible");
            let text = String::from_utf8_lossy(&out.stdout);
            // "  hosts (N):" then one host per line, indented.
            let want: Vec<String> = text
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
