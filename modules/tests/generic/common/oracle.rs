//! The differential test: each module's golden cases run as one playbook
//! by real `ansible-playbook -i localhost, -c local` (ansible-core
//! 2.19.14) and by srplay's module on identical dirs; `changed`,
//! `failed`, the case's `oracle.compare` keys and the files left behind
//! must agree, in normal and in check mode.
//!
//! The oracle is found at `$SRPLAY_ORACLE_BIN`, else
//! `<repo>/.venv-oracle/bin`, else `<repo>/../.venv-oracle/bin` (shared
//! by git worktrees). A missing oracle fails the test.

use super::cases::{self, Case};
use super::{host_vars, run_module, tree, Setup};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

pub fn oracle_bin() -> PathBuf {
    if let Ok(p) = std::env::var("SRPLAY_ORACLE_BIN") {
        return PathBuf::from(p);
    }
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let candidates = [
        repo.join(".venv-oracle/bin"),
        repo.join("../.venv-oracle/bin"),
    ];
    candidates
        .iter()
        .find(|c| c.join("ansible-playbook").exists())
        .cloned()
        .unwrap_or_else(|| candidates[0].clone())
}

struct Variant {
    key: String,
    check: bool,
}

fn variants(case: &Case) -> Vec<Variant> {
    let mut v = vec![Variant {
        key: case.name.clone(),
        check: false,
    }];
    if case.check_expect().is_some() {
        v.push(Variant {
            key: format!("{}.check", case.name),
            check: true,
        });
    }
    v
}

/// The playbook task of one case variant, named by the variant's key:
/// the dump callback (`oracle_dump.py`) saves its result under that name.
fn task(case: &Case, args: &Map<String, Value>, v: &Variant, root: &Path) -> Value {
    let mut t = Map::new();
    t.insert("name".into(), json!(v.key));
    let mut args = args.clone();
    let raw = args.remove("_raw_params");
    match raw {
        Some(free) => {
            t.insert(case.module.clone(), free);
            if !args.is_empty() {
                t.insert("args".into(), Value::Object(args));
            }
        }
        None => {
            t.insert(case.module.clone(), Value::Object(args));
        }
    }
    t.insert("ignore_errors".into(), json!(true));
    t.insert("check_mode".into(), json!(v.check));
    t.insert("diff".into(), json!(case.diff));
    if !case.env.is_empty() {
        let work = root.join("a").join(&v.key);
        let env: Map<String, Value> = case
            .environment(&work)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        t.insert("environment".into(), Value::Object(env));
    }
    Value::Object(t)
}

/// Run the oracle and our module on every case of `module`; panics with
/// every difference found.
pub fn compare_module(module: &str) {
    let bin = oracle_bin();
    let playbook_bin = bin.join("ansible-playbook");
    assert!(
        playbook_bin.exists(),
        "the oracle is missing: {} (create it: python3 -m venv <repo>/.venv-oracle && \
         <repo>/.venv-oracle/bin/pip install ansible-core==2.19.14, or set SRPLAY_ORACLE_BIN)",
        playbook_bin.display()
    );
    let all = cases::load(module);
    let cases: Vec<&Case> = all.iter().filter(|c| c.oracle.run).collect();
    for c in all.iter().filter(|c| !c.oracle.run) {
        assert!(
            c.oracle.skip_reason.is_some(),
            "{module}/{}: oracle.run false needs a skip_reason",
            c.name
        );
    }
    if cases.is_empty() {
        return;
    }
    let tmp = tempfile::Builder::new()
        .prefix("srplay-oracle-")
        .tempdir()
        .expect("temp dir");
    let root = tmp.path();
    let play = root.join("play");
    let results = root.join("results");
    std::fs::create_dir_all(&results).expect("results dir");
    std::fs::create_dir_all(&play).expect("play dir");
    let _guard = cases.iter().any(|c| c.oracle.serial).then(|| {
        cases::MACHINE_LOCK
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    });
    let run = |tasks: Vec<Value>| run_playbook(&bin, root, &play, &results, tasks);
    let mut log = String::new();
    let mut diffs = Vec::new();
    let (serial, batched): (Vec<&Case>, Vec<&Case>) = cases.iter().partition(|c| c.oracle.serial);
    // Cases that touch the machine itself (users, groups) run one at a
    // time: setup, ansible, teardown, setup, srplay, teardown, compare.
    for case in &serial {
        for v in variants(case) {
            let work = root.join("a").join(&v.key);
            cases::prepare(case, &work, &play);
            let args = case.module_args(&work, &play);
            log = run(vec![task(case, &args, &v, root)]);
            cases::teardown(case, &work);
            if let Err(e) = compare_variant(case, &v, root, &play, &results) {
                diffs.push(format!("{module}/{}: {e}", v.key));
            }
        }
    }
    let mut tasks = Vec::new();
    for case in &batched {
        for v in variants(case) {
            let work = root.join("a").join(&v.key);
            cases::prepare(case, &work, &play);
            let args = case.module_args(&work, &play);
            tasks.push(task(case, &args, &v, root));
        }
    }
    if !tasks.is_empty() {
        log = run(tasks);
    }
    for case in &batched {
        for v in variants(case) {
            if let Err(e) = compare_variant(case, &v, root, &play, &results) {
                diffs.push(format!("{module}/{}: {e}", v.key));
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "srplay differs from ansible-core:\n{}\n--- ansible-playbook output ---\n{}",
        diffs.join("\n"),
        tail(&log, 60)
    );
}

/// The dump callback, installed next to each oracle run.
const DUMP_CALLBACK: &str = include_str!("oracle_dump.py");

/// Run one playbook of `tasks` against localhost; its output. Each task's
/// result lands in `results/<task name>.json` (see `oracle_dump.py`):
/// a callback instead of a dump task after every case halves the tasks,
/// and pipelining saves ansible's temp-file round trips per task.
fn run_playbook(bin: &Path, root: &Path, play: &Path, results: &Path, tasks: Vec<Value>) -> String {
    let mut vars = host_vars();
    vars.remove("inventory_hostname");
    vars.remove("inventory_hostname_short");
    vars.remove("ansible_host");
    vars.insert(
        "ansible_python_interpreter".into(),
        json!(bin.join("python").to_string_lossy()),
    );
    let playbook = json!([{
        "hosts": "localhost",
        "gather_facts": false,
        "vars": vars,
        "tasks": tasks,
    }]);
    let play_file = play.join("play.yml");
    std::fs::write(&play_file, serde_yaml::to_string(&playbook).expect("yaml"))
        .expect("write play");
    let callbacks = root.join("callback_plugins");
    std::fs::create_dir_all(&callbacks).expect("callback dir");
    std::fs::write(callbacks.join("srplay_oracle_dump.py"), DUMP_CALLBACK)
        .expect("write the dump callback");
    let out = std::process::Command::new(bin.join("ansible-playbook"))
        .args(["-i", "localhost,", "-c", "local"])
        .arg(&play_file)
        .current_dir(play)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("LC_ALL", "C.UTF-8")
        .env("ANSIBLE_LOCALHOST_WARNING", "0")
        .env("ANSIBLE_HOME", root.join("ansible-home"))
        .env("ANSIBLE_CALLBACK_PLUGINS", &callbacks)
        .env("ANSIBLE_CALLBACKS_ENABLED", "srplay_oracle_dump")
        .env("SRPLAY_ORACLE_RESULTS", results)
        .env("ANSIBLE_PIPELINING", "True")
        .output()
        .expect("run ansible-playbook");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn compare_variant(
    case: &Case,
    v: &Variant,
    root: &Path,
    play: &Path,
    results: &Path,
) -> Result<(), String> {
    let a_work = root.join("a").join(&v.key);
    let n_work = root.join("n").join(&v.key);
    let text = std::fs::read_to_string(results.join(format!("{}.json", v.key))).map_err(|e| {
        format!(
            "no ansible result: the task did not run or the dump callback failed ({e}); \
                 see the ansible-playbook output below"
        )
    })?;
    let a_res: Value =
        serde_json::from_str(&text).map_err(|e| format!("bad ansible result: {e}"))?;
    let a_res = cases::normalize(&a_res, &a_work, play);

    cases::prepare(case, &n_work, &root.join("n-ctl-unused"));
    let mut setup = Setup::local();
    setup.search_paths = vec![play.to_path_buf()];
    setup.check_mode = v.check;
    setup.diff = case.diff;
    setup.environment = case.environment(&n_work);
    let n_res = run_module(&case.module, case.module_args(&n_work, play), &setup);
    if case.oracle.serial {
        cases::teardown(case, &n_work);
    }
    let n_res = cases::normalize(&Value::Object(n_res), &n_work, play);

    let mut errs = Vec::new();
    let mut keys = vec!["changed".to_string(), "failed".to_string()];
    if v.check {
        keys.push("skipped".into());
    }
    keys.extend(case.oracle.compare.iter().cloned());
    for k in keys {
        let a = a_res
            .as_object()
            .and_then(|m| cases::lookup(m, &k))
            .unwrap_or(Value::Null);
        let n = n_res
            .as_object()
            .and_then(|m| cases::lookup(m, &k))
            .unwrap_or(Value::Null);
        let (a, n) = match k.as_str() {
            "failed" | "skipped" | "changed" => (
                json!(a.as_bool().unwrap_or(false)),
                json!(n.as_bool().unwrap_or(false)),
            ),
            _ => (a, n),
        };
        if a != n {
            errs.push(format!("{k}: ansible {a} vs srplay {n}"));
        }
    }
    if case.oracle.files {
        let a_list =
            tree::listing(&tree::snapshot(&a_work)).replace(&*a_work.to_string_lossy(), "@DIR@");
        let n_list =
            tree::listing(&tree::snapshot(&n_work)).replace(&*n_work.to_string_lossy(), "@DIR@");
        if a_list != n_list {
            errs.push(format!(
                "files differ:\nansible:\n{a_list}srplay:\n{n_list}"
            ));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        errs.push(format!(
            "ansible result: {a_res}\n    srplay result: {n_res}"
        ));
        Err(errs.join("\n    "))
    }
}
