//! Golden cases: `tests/fixtures/<module>/<case>.yaml`, each one task run
//! against a fresh temp dir. A case states the setup, the args, what the
//! result must hold, which files must be left, and is also run in check
//! mode (nothing may change) and a second time (`changed` must be false).

use super::tree::{self, Tree};
use super::{run_module, Setup};
use serde::Deserialize;
use serde_json::{Map, Value};
use serde_yaml::Value as Yaml;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct CaseSetup {
    /// Files under the work dir (`@DIR@`), see [`tree::create`].
    #[serde(default)]
    pub files: BTreeMap<String, Yaml>,
    /// Files on the controller side (`@CTL@`, the playbook dir).
    #[serde(default)]
    pub controller: BTreeMap<String, Yaml>,
    /// A shell script run in the work dir after the files are created.
    pub shell: Option<String>,
    /// Fake tools from `tests/fixtures/tools/` installed in `@DIR@/bin`
    /// (put it first on PATH with `env`) to pin the commands a module runs.
    #[serde(default)]
    pub tools: Vec<String>,
    /// A shell script run after the case, whatever happened (undo changes
    /// outside the work dir: users, groups).
    pub teardown: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub changed: bool,
    #[serde(default)]
    pub failed: bool,
    pub skipped: Option<bool>,
    /// Keys the result must have with these values (`@DIR@`/`@CTL@`
    /// expanded; a string `re:<regex>` matches by regex).
    #[serde(default)]
    pub result: Map<String, Value>,
    pub msg_contains: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct CheckExpect {
    pub changed: bool,
    #[serde(default)]
    pub skipped: Option<bool>,
    /// Default: false when `check` is given, else the real run's `failed`.
    #[serde(default)]
    pub failed: bool,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct OracleSpec {
    /// Result keys compared with ansible-playbook's (besides `changed`,
    /// `failed` and the files left behind).
    #[serde(default)]
    pub compare: Vec<String>,
    /// Run alone (setup, ansible, teardown, setup, srplay, teardown): for
    /// cases that change the machine (users, groups).
    #[serde(default)]
    pub serial: bool,
    /// Run by the oracle too (default); a case that cannot be says why in
    /// `skip_reason`.
    #[serde(default = "yes")]
    pub run: bool,
    pub skip_reason: Option<String>,
    /// Compare the files left behind (default true).
    #[serde(default = "yes")]
    pub files: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Case {
    #[serde(skip)]
    pub name: String,
    #[serde(skip)]
    pub module: String,
    /// What the case shows.
    pub doc: String,
    #[serde(default)]
    pub setup: CaseSetup,
    /// The free-form text of command/shell/raw/script (`_raw_params`).
    pub free_form: Option<String>,
    #[serde(default)]
    pub args: Map<String, Value>,
    /// Check-mode expectation; default: same `changed` as the real run;
    /// `check: false` skips the check-mode run.
    #[serde(default)]
    pub check: Option<Yaml>,
    #[serde(default)]
    pub diff: bool,
    /// The task's `environment:` (`@DIR@` expanded).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default = "yes")]
    pub idempotent: bool,
    pub expect: Expect,
    #[serde(default)]
    pub files: BTreeMap<String, Yaml>,
    #[serde(default)]
    pub oracle: OracleSpec,
}

impl Case {
    /// The task environment with `@DIR@` expanded.
    pub fn environment(&self, dir: &Path) -> Vec<(String, String)> {
        self.env
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("@DIR@", &dir.to_string_lossy())))
            .collect()
    }

    pub fn check_expect(&self) -> Option<CheckExpect> {
        match &self.check {
            None => Some(CheckExpect {
                changed: self.expect.changed,
                skipped: None,
                failed: self.expect.failed,
            }),
            Some(Yaml::Bool(false)) => None,
            Some(y) => Some(serde_yaml::from_value(y.clone()).expect("check: {changed, skipped}")),
        }
    }

    /// The module args with placeholders expanded (free form included).
    pub fn module_args(&self, dir: &Path, ctl: &Path) -> Map<String, Value> {
        let mut args = self.args.clone();
        if let Some(f) = &self.free_form {
            args.insert("_raw_params".into(), Value::String(f.clone()));
        }
        match expand(&Value::Object(args), dir, ctl) {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every case of a module, sorted by name.
pub fn load(module: &str) -> Vec<Case> {
    let dir = fixtures_dir().join(module);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("no fixtures for {module} in {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no cases for {module}");
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("read fixture");
            let mut c: Case =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            c.name = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            c.module = module.to_string();
            c
        })
        .collect()
}

/// Replace `@DIR@` and `@CTL@` in every string.
pub fn expand(v: &Value, dir: &Path, ctl: &Path) -> Value {
    match v {
        Value::String(s) => Value::String(
            s.replace("@DIR@", &dir.to_string_lossy())
                .replace("@CTL@", &ctl.to_string_lossy()),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| expand(x, dir, ctl)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let k = expand(&Value::String(k.clone()), dir, ctl);
                    (
                        k.as_str().unwrap_or_default().to_string(),
                        expand(x, dir, ctl),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Replace the concrete dirs by their placeholders (for comparing runs).
pub fn normalize(v: &Value, dir: &Path, ctl: &Path) -> Value {
    match v {
        Value::String(s) => Value::String(
            s.replace(&*dir.to_string_lossy(), "@DIR@")
                .replace(&*ctl.to_string_lossy(), "@CTL@"),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| normalize(x, dir, ctl)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let k = normalize(&Value::String(k.clone()), dir, ctl);
                    (
                        k.as_str().unwrap_or_default().to_string(),
                        normalize(x, dir, ctl),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A case's dirs: the target work dir and the controller (playbook) dir.
pub struct CaseDirs {
    pub _tmp: tempfile::TempDir,
    pub work: PathBuf,
    pub ctl: PathBuf,
}

pub fn prepare(case: &Case, work: &Path, ctl: &Path) {
    std::fs::create_dir_all(work).expect("work dir");
    std::fs::create_dir_all(ctl).expect("controller dir");
    tree::create(work, &case.setup.files);
    let ctl_files: BTreeMap<String, Yaml> = case
        .setup
        .controller
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    tree::create(ctl, &ctl_files);
    for tool in &case.setup.tools {
        let bin = work.join("bin");
        std::fs::create_dir_all(&bin).expect("bin dir");
        let src = fixtures_dir().join("tools").join(tool);
        std::fs::copy(&src, bin.join(tool)).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join(tool), std::fs::Permissions::from_mode(0o755))
            .expect("chmod tool");
    }
    if let Some(sh) = &case.setup.shell {
        let sh = sh
            .replace("@DIR@", &work.to_string_lossy())
            .replace("@CTL@", &ctl.to_string_lossy());
        let st = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&sh)
            .current_dir(work)
            .status()
            .expect("run setup shell");
        assert!(st.success(), "{}: setup shell failed: {sh}", case.name);
    }
}

/// Run a case's `teardown` script in its work dir.
pub fn teardown(case: &Case, work: &Path) {
    if let Some(sh) = &case.setup.teardown {
        let sh = sh.replace("@DIR@", &work.to_string_lossy());
        let _ = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&sh)
            .current_dir(work)
            .status();
    }
}

/// Modules that change the machine itself run their cases one at a time
/// across test threads.
pub static MACHINE_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn fresh_dirs(case: &Case) -> CaseDirs {
    let tmp = tempfile::Builder::new()
        .prefix("srplay-case-")
        .tempdir()
        .expect("temp dir");
    let work = tmp.path().join("work");
    let ctl = tmp.path().join("ctl");
    prepare(case, &work, &ctl);
    CaseDirs {
        _tmp: tmp,
        work,
        ctl,
    }
}

/// A result value by key; `a.b` looks into nested dictionaries.
pub fn lookup(res: &Map<String, Value>, key: &str) -> Option<Value> {
    if let Some(v) = res.get(key) {
        return Some(v.clone());
    }
    let mut parts = key.split('.');
    let mut cur = res.get(parts.next()?)?;
    for p in parts {
        cur = match p.parse::<usize>() {
            Ok(i) if cur.is_array() => cur.get(i)?,
            _ => cur.get(p)?,
        };
    }
    Some(cur.clone())
}

/// Does `got` match `want` (`re:` prefix = regex)?
pub fn value_matches(want: &Value, got: Option<&Value>) -> bool {
    match (want, got) {
        (Value::String(w), Some(Value::String(g))) if w.starts_with("re:") => {
            regex::Regex::new(&w[3..])
                .map(|r| r.is_match(g))
                .unwrap_or(false)
        }
        (Value::Null, None) => true,
        (w, Some(g)) => w == g,
        _ => false,
    }
}

/// Check one result against a case's expectations; the list of problems.
pub fn check_result(case: &Case, res: &Map<String, Value>, dir: &Path, ctl: &Path) -> Vec<String> {
    let mut errs = Vec::new();
    let flag = |k: &str| res.get(k).and_then(Value::as_bool).unwrap_or(false);
    if flag("changed") != case.expect.changed {
        errs.push(format!(
            "changed: expected {}, got {}",
            case.expect.changed,
            flag("changed")
        ));
    }
    if flag("failed") != case.expect.failed {
        errs.push(format!(
            "failed: expected {}, got {}",
            case.expect.failed,
            flag("failed")
        ));
    }
    if let Some(s) = case.expect.skipped {
        if flag("skipped") != s {
            errs.push(format!("skipped: expected {s}"));
        }
    }
    for (k, want) in &case.expect.result {
        let want = expand(want, dir, ctl);
        let got = lookup(res, k);
        if !value_matches(&want, got.as_ref()) {
            errs.push(format!("result.{k}: expected {want}, got {got:?}"));
        }
    }
    if let Some(m) = &case.expect.msg_contains {
        let msg = res.get("msg").and_then(Value::as_str).unwrap_or_default();
        let m = expand(&Value::String(m.clone()), dir, ctl);
        let m = m.as_str().unwrap_or_default();
        if !msg.contains(m) {
            errs.push(format!("msg: expected to contain {m:?}, got {msg:?}"));
        }
    }
    errs
}

/// Run every case of `module` natively with `base` (a connection and
/// its settings); panics listing every failing case.
pub fn run_all(module: &str, base: &Setup) {
    let mut failures = Vec::new();
    let cases = load(module);
    for case in &cases {
        let errs = run_case(case, base);
        if !errs.is_empty() {
            failures.push(format!(
                "{}/{}:\n  {}",
                module,
                case.name,
                errs.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

pub fn run_case(case: &Case, base: &Setup) -> Vec<String> {
    let _guard = case
        .oracle
        .serial
        .then(|| MACHINE_LOCK.lock().unwrap_or_else(|e| e.into_inner()));
    let dirs = fresh_dirs(case);
    let errs = run_case_in(case, base, &dirs);
    teardown(case, &dirs.work);
    errs
}

fn run_case_in(case: &Case, base: &Setup, dirs: &CaseDirs) -> Vec<String> {
    let (work, ctl) = (&dirs.work, &dirs.ctl);
    let args = case.module_args(work, ctl);
    let mut errs = Vec::new();
    let mut setup = base.clone();
    setup.search_paths = vec![ctl.clone()];
    setup.diff = case.diff;
    setup.environment = case.environment(work);

    if let Some(ce) = case.check_expect() {
        let before: Tree = tree::snapshot(work);
        let mut s = setup.clone();
        s.check_mode = true;
        let res = run_module(&case.module, args.clone(), &s);
        let after = tree::snapshot(work);
        if before != after {
            errs.push(format!(
                "check mode changed files:\nbefore:\n{}after:\n{}",
                tree::listing(&before),
                tree::listing(&after)
            ));
        }
        let changed = res.get("changed").and_then(Value::as_bool).unwrap_or(false);
        if changed != ce.changed {
            errs.push(format!(
                "check mode: changed expected {}, got {changed}: {res:?}",
                ce.changed
            ));
        }
        if let Some(sk) = ce.skipped {
            let got = res.get("skipped").and_then(Value::as_bool).unwrap_or(false);
            if got != sk {
                errs.push(format!("check mode: skipped expected {sk}, got {got}"));
            }
        }
        let failed = res.get("failed").and_then(Value::as_bool).unwrap_or(false);
        if failed != ce.failed {
            errs.push(format!(
                "check mode: failed expected {}, got {failed}: {res:?}",
                ce.failed
            ));
        }
    }

    let res = run_module(&case.module, args.clone(), &setup);
    let r = check_result(case, &res, work, ctl);
    if !r.is_empty() {
        errs.extend(r);
        errs.push(format!("result was: {}", Value::Object(res.clone())));
    }
    let snap = tree::snapshot(work);
    let fe = tree::check_expected(&snap, &case.files, work);
    if !fe.is_empty() {
        errs.extend(fe);
        errs.push(format!("files were:\n{}", tree::listing(&snap)));
    }
    if case.idempotent && !case.expect.failed {
        let again = run_module(&case.module, args, &setup);
        if again.get("changed").and_then(Value::as_bool) != Some(false) {
            errs.push(format!(
                "second run not idempotent: {}",
                Value::Object(again)
            ));
        }
    }
    errs
}
