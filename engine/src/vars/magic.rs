//! Magic variables: what Ansible defines for every host and task.

use indexmap::IndexMap;
use minijinja::value::Value as JValue;
use serde_json::{json, Map, Value};
use std::sync::{Arc, OnceLock};

/// The sentinel `omit` renders to; an option whose value is exactly this
/// is removed before the module sees its arguments.
pub fn omit_token() -> &'static str {
    crate::template::filters::OMIT
}

/// Run-wide values that go into every host's magic variables.
#[derive(Debug, Clone, Default)]
pub struct MagicVars {
    pub groups: IndexMap<String, Vec<String>>,
    pub play_hosts_all: Vec<String>,
    pub play_hosts: Vec<String>,
    pub play_batch: Vec<String>,
    pub playbook_dir: String,
    pub play_name: String,
    pub check_mode: bool,
    pub diff_mode: bool,
    pub verbosity: u8,
    pub forks: usize,
    pub run_tags: Vec<String>,
    pub skip_tags: Vec<String>,
    /// [`MagicVars::shared`], built on first use (the fields above must
    /// not change after that).
    pub shared_cache: SharedLists,
}

/// The play-wide host lists as template values, built once per play.
#[derive(Debug, Clone, Default)]
pub struct SharedLists(Arc<OnceLock<IndexMap<String, JValue>>>);

/// The magic variables that hold play-wide host lists: the same for every
/// host, so they are shared (see [`MagicVars::shared`]) rather than copied.
pub const SHARED_NAMES: [&str; 5] = [
    "groups",
    "play_hosts",
    "ansible_play_hosts",
    "ansible_play_hosts_all",
    "ansible_play_batch",
];

impl MagicVars {
    /// `groups`, `play_hosts`, `ansible_play_hosts`, `ansible_play_hosts_all`
    /// and `ansible_play_batch`, built once and shared by every host and
    /// task of the play: cloning a template value is a reference count.
    /// (One JSON copy per host and task made memory grow with the square
    /// of the number of hosts.)
    pub fn shared(&self) -> &IndexMap<String, JValue> {
        self.shared_cache.0.get_or_init(|| {
            let list = |v: &Vec<String>| JValue::from(minijinja::value::Serde(v));
            let mut m = IndexMap::new();
            m.insert(
                "groups".into(),
                JValue::from(minijinja::value::Serde(&self.groups)),
            );
            m.insert("play_hosts".into(), list(&self.play_hosts));
            m.insert("ansible_play_hosts".into(), list(&self.play_hosts));
            m.insert("ansible_play_hosts_all".into(), list(&self.play_hosts_all));
            m.insert("ansible_play_batch".into(), list(&self.play_batch));
            m
        })
    }

    /// The magic variables of `host` (role ones are added per task),
    /// without the shared host lists of [`MagicVars::shared`].
    pub fn for_host(&self, host: &str, group_names: Vec<String>) -> Map<String, Value> {
        let short = host.split('.').next().unwrap_or(host);
        let run_tags = if self.run_tags.is_empty() {
            vec!["all".to_string()]
        } else {
            self.run_tags.clone()
        };
        let mut m = json!({
            "inventory_hostname": host,
            "inventory_hostname_short": short,
            "group_names": group_names,
            "ansible_play_name": self.play_name,
            "playbook_dir": self.playbook_dir,
            "ansible_check_mode": self.check_mode,
            "ansible_diff_mode": self.diff_mode,
            "ansible_verbosity": self.verbosity,
            "ansible_forks": self.forks,
            "ansible_run_tags": run_tags,
            "ansible_skip_tags": self.skip_tags,
            "ansible_version": {
                "full": "2.19.14", "major": 2, "minor": 19, "revision": 14, "string": "2.19.14",
            },
            "ansible_config_file": null,
            "omit": omit_token(),
        });
        let mut m = m.as_object_mut().map(std::mem::take).unwrap_or_default();
        if let Some(py) = controller_python() {
            m.insert("ansible_playbook_python".into(), Value::String(py.clone()));
        }
        m
    }
}

/// `ansible_playbook_python`: ansible-core's is the Python running
/// ansible-playbook; srplay runs none, so it is the controller's first
/// `python3` (or `python`) on `$PATH`, what a play handing it to
/// `ansible_python_interpreter` or a `command:` wants. Undefined (an
/// error when used) if there is none. Looked up once per run.
fn controller_python() -> &'static Option<String> {
    static PY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    PY.get_or_init(|| {
        let path = std::env::var_os("PATH")?;
        ["python3", "python"].iter().find_map(|name| {
            std::env::split_paths(&path)
                .map(|d| d.join(name))
                .find(|p| is_executable(p))
                .map(|p| p.display().to_string())
        })
    })
}

fn is_executable(p: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn play_of(n: usize) -> MagicVars {
        let hosts: Vec<String> = (0..n).map(|i| format!("host{i:05}.example.com")).collect();
        let mut groups = IndexMap::new();
        groups.insert("all".to_string(), hosts.clone());
        groups.insert("be".to_string(), hosts.clone());
        MagicVars {
            groups,
            play_hosts_all: hosts.clone(),
            play_hosts: hosts.clone(),
            play_batch: hosts,
            ..Default::default()
        }
    }

    /// ansible_playbook_python is an executable Python on the controller
    /// (the test machine has one: the oracle needs it).
    #[test]
    fn playbook_python_is_an_executable_python() {
        let m = play_of(1).for_host("host00000.example.com", vec![]);
        let py = m["ansible_playbook_python"]
            .as_str()
            .expect("a python on PATH");
        assert!(is_executable(std::path::Path::new(py)), "{py}");
        assert!(py.rsplit('/').next().unwrap().starts_with("python"), "{py}");
    }

    /// What is stored per host does not grow with the number of hosts;
    /// the host lists exist once per play.
    #[test]
    fn per_host_magic_vars_hold_no_host_list() {
        let small = play_of(2);
        let big = play_of(2000);
        let size = |m: &MagicVars| {
            serde_json::to_string(&Value::Object(m.for_host("host00001.example.com", vec![])))
                .unwrap()
                .len()
        };
        assert_eq!(size(&small), size(&big));
        for name in SHARED_NAMES {
            assert!(!big.for_host("h", vec![]).contains_key(name), "{name}");
            let shared = big.shared().get(name).expect("shared");
            let want = if name == "groups" { 2 } else { 2000 };
            assert_eq!(shared.len(), Some(want), "{name}");
        }
        // Built once: every clone of the play's magic vars sees the same values.
        let copy = big.clone();
        assert!(std::ptr::eq(big.shared(), copy.shared()));
    }
}
