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
        m.as_object_mut().map(std::mem::take).unwrap_or_default()
    }
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
