//! Magic variables: what Ansible defines for every host and task.

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

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
}

impl MagicVars {
    /// The magic variables of `host` (role ones are added per task).
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
            "groups": self.groups,
            "play_hosts": self.play_hosts,
            "ansible_play_hosts": self.play_hosts,
            "ansible_play_hosts_all": self.play_hosts_all,
            "ansible_play_batch": self.play_batch,
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
