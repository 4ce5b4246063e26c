//! Ansible-compatible inventories: INI and YAML files, directories of them,
//! comma-separated host lists, `group_vars/` and `host_vars/`, and host
//! patterns, with the results of ansible-core 2.19.
//!
//! ```no_run
//! let inv = inventory_parser::Inventory::load(&["hosts.ini"]).unwrap();
//! for host in inv.select("web:&prod").unwrap() {
//!     let vars = inv.host_vars(&host).unwrap();
//!     println!("{host}: {}", serde_json::Value::Object(vars));
//! }
//! ```

mod address;
pub mod error;
mod graph;
mod host_entry;
mod ini;
mod list_json;
pub mod literal;
pub mod model;
pub mod pattern;
pub mod pyfmt;
pub mod range;
mod sources;
mod vars;
pub mod vars_dirs;
mod vault_files;
mod vault_values;
mod yaml;
mod yaml_load;
mod yaml_out;

pub use error::{InventoryError, Result};
pub use graph::graph;
pub use list_json::{host_json, list_json, to_python_json};
pub use model::{Group, Host, InventoryData};
pub use vault_files::{set_vault_decryptor, VaultDecryptor};
pub use yaml_out::{host_yaml, list_yaml};

use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::path::PathBuf;

/// A host name as written in the inventory.
pub type HostName = String;

/// A loaded inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    data: InventoryData,
    /// The `-i` values, in order (for `group_vars/`/`host_vars/` lookup).
    sources: Vec<String>,
    /// Directories whose `group_vars/`/`host_vars/` apply, in source order.
    var_bases: Vec<PathBuf>,
}

/// Result of a lenient load: what ansible would have loaded, and the
/// sources that failed (ansible only warns about those).
#[derive(Debug)]
pub struct LoadOutcome {
    pub inventory: Inventory,
    /// Parse errors of sources (or files in source directories) that were skipped.
    pub failures: Vec<InventoryError>,
    /// Sources in which nothing could be parsed (ansible: "Unable to parse
    /// X as an inventory source").
    pub unparsed: Vec<String>,
}

impl Inventory {
    /// Loads sources strictly: the first source that fails to parse is an error.
    pub fn load<S: AsRef<str>>(sources: &[S]) -> Result<Inventory> {
        let mut out = Self::load_lenient(sources)?;
        if !out.failures.is_empty() {
            return Err(out.failures.remove(0));
        }
        Ok(out.inventory)
    }

    /// Loads sources like ansible: a source that fails to parse is skipped
    /// (and reported). Errors in `group_vars/`/`host_vars/` files are fatal.
    pub fn load_lenient<S: AsRef<str>>(sources: &[S]) -> Result<LoadOutcome> {
        let mut data = InventoryData::default();
        let mut failures = Vec::new();
        let mut unparsed = Vec::new();
        for s in sources.iter().map(AsRef::as_ref) {
            if let sources::Parsed::No = sources::parse_source(&mut data, s, &mut failures) {
                unparsed.push(s.to_string());
            }
        }
        data.reconcile()?;
        let srcs: Vec<String> = sources.iter().map(|s| s.as_ref().to_string()).collect();
        let var_bases = srcs.iter().filter_map(|s| sources::vars_base(s)).collect();
        let mut inventory = Inventory {
            data,
            sources: srcs,
            var_bases,
        };
        vars::load_dir_vars(&mut inventory.data, &inventory.var_bases)?;
        Ok(LoadOutcome {
            inventory,
            failures,
            unparsed,
        })
    }

    /// Parses one inventory file's content without reading the file system:
    /// `path` names it in messages and its extension picks YAML or INI, as
    /// for a file on disk. No `group_vars/`/`host_vars/` are loaded.
    pub fn from_bytes(path: &std::path::Path, bytes: &[u8]) -> Result<Inventory> {
        let mut data = InventoryData::default();
        sources::parse_bytes(&mut data, path, bytes)?;
        data.reconcile()?;
        Ok(Inventory {
            data,
            sources: vec![path.display().to_string()],
            var_bases: Vec::new(),
        })
    }

    /// Adds the variables of `group_vars/` and `host_vars/` next to a
    /// playbook (or `--playbook-dir`). They rank just above the matching
    /// inventory-adjacent files: `group_vars/all` of the playbook beats the
    /// inventory's, and so on. Calling it again adds another directory.
    pub fn load_playbook_vars(&mut self, playbook_dir: impl AsRef<std::path::Path>) -> Result<()> {
        let dir = playbook_dir.as_ref();
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        vars::load_play_vars(&mut self.data, &dir)
    }

    /// The underlying data (groups, hosts, their own variables).
    pub fn data(&self) -> &InventoryData {
        &self.data
    }

    /// The sources this inventory was loaded from.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Warnings ansible would print while loading (deduplicated).
    pub fn warnings(&self) -> &[String] {
        &self.data.warnings
    }

    /// All hosts, in ansible's inventory order (the order of pattern `all`).
    pub fn hosts(&self) -> Vec<HostName> {
        self.data.group_hosts("all")
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.data.groups.get(name)
    }

    pub fn host(&self, name: &str) -> Option<&Host> {
        self.data.hosts.get(name)
    }

    /// The `groups` magic variable: every group (incl. `all`, `ungrouped`)
    /// to its hosts, including those of child groups, in inventory order.
    pub fn groups(&self) -> IndexMap<String, Vec<HostName>> {
        self.data
            .groups
            .keys()
            .map(|g| (g.clone(), self.data.group_hosts(g)))
            .collect()
    }

    /// The `group_names` magic variable: the host's groups (direct and
    /// inherited) except `all`, sorted.
    pub fn group_names(&self, host: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .data
            .host_groups(host)
            .into_iter()
            .filter(|g| g != "all")
            .collect();
        names.sort();
        names
    }

    /// Inventory-level variables of a host, merged with ansible's precedence
    /// (lowest first): `all` group vars from inventory files, other groups'
    /// inventory vars (by depth, `ansible_group_priority`, name),
    /// `group_vars/all`, `group_vars/<group>` (same order), the host's
    /// inventory vars, `host_vars/<host>`. Merging replaces whole top-level
    /// keys (hash_behaviour=replace). Magic variables (`inventory_hostname`,
    /// `group_names`, `groups`...) are not included. `None` for an unknown
    /// host; `localhost`/`127.0.0.1`/`::1` exist implicitly.
    pub fn host_vars(&self, host: &str) -> Option<Map<String, Value>> {
        vars::host_vars(&self.data, host).map(literal::unwrap_unsafe_map)
    }

    /// Warnings ansible prints when a host's merged variables use reserved
    /// names (play keywords such as `port`, `name`, `q`).
    pub fn reserved_name_warnings(&self, host: &str) -> Vec<String> {
        self.host_vars(host)
            .map(|v| vars::reserved_name_warnings(&v))
            .unwrap_or_default()
    }

    /// Group variables as `ansible-inventory --export` shows them: the
    /// group's inventory vars, then its `group_vars/` files.
    pub fn group_vars(&self, group: &str) -> Option<Map<String, Value>> {
        vars::group_vars(&self.data, group).map(literal::unwrap_unsafe_map)
    }

    /// How `ansible-inventory` names a source in messages: host lists as
    /// given, paths absolute and normalised.
    pub fn display_source(source: &str) -> String {
        if sources::is_host_list(source) {
            return source.to_string();
        }
        sources::absolute(std::path::Path::new(source))
            .display()
            .to_string()
    }

    /// Hosts matching a host pattern, in inventory order.
    pub fn select(&self, pattern: &str) -> Result<Vec<HostName>> {
        self.select_limited(pattern, None, &mut Vec::new())
    }

    /// Hosts matching `pattern` and, if given, the `--limit` pattern (which
    /// may use `@file`). Warnings such as unmatched patterns are appended.
    pub fn select_limited(
        &self,
        pattern: &str,
        limit: Option<&str>,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<HostName>> {
        let pats = pattern::expand_files(pattern::split_host_pattern(pattern))?;
        let mut hosts = pattern::evaluate(&self.data, &pats, warnings)?;
        if let Some(limit) = limit {
            let lim = pattern::expand_files(pattern::split_host_pattern(limit))?;
            let allowed: std::collections::HashSet<String> =
                pattern::evaluate(&self.data, &lim, warnings)?
                    .into_iter()
                    .collect();
            hosts.retain(|h| allowed.contains(h));
        }
        Ok(hosts)
    }
}
