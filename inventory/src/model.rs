//! The in-memory inventory, mirroring ansible's `InventoryData`: groups and
//! hosts in insertion order (order is observable in every output), parent and
//! child links, and the variables each source set directly.

use crate::error::{InventoryError, Result};
use indexmap::{IndexMap, IndexSet};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// Host names and IPs ansible treats as "this machine".
pub const LOCALHOST_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

#[derive(Debug, Clone, Default)]
pub struct Group {
    pub name: String,
    /// Hosts listed directly in this group, in order of appearance.
    pub hosts: IndexSet<String>,
    /// Child groups in order of appearance.
    pub children: Vec<String>,
    pub parents: Vec<String>,
    /// Variables set by inventory sources (not `group_vars/`).
    pub vars: Map<String, Value>,
    /// Variables from `group_vars/` next to the inventory sources.
    pub dir_vars: Map<String, Value>,
    /// Variables from `group_vars/` next to the playbook (`--playbook-dir`).
    pub play_vars: Map<String, Value>,
    /// `ansible_group_priority` from the inventory source (default 1).
    pub priority: i64,
    /// Longest distance from `all` (which has depth 0).
    pub depth: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Host {
    pub name: String,
    /// Variables set by inventory sources (not `host_vars/`).
    pub vars: Map<String, Value>,
    /// Variables from `host_vars/`.
    pub dir_vars: Map<String, Value>,
    /// Variables from `host_vars/` next to the playbook.
    pub play_vars: Map<String, Value>,
    /// First source in which the host was seen (ansible's `inventory_file`).
    pub source: Option<PathBuf>,
    /// Created on demand (implicit localhost), not listed in `all`.
    pub implicit: bool,
}

#[derive(Debug, Clone)]
pub struct InventoryData {
    pub groups: IndexMap<String, Group>,
    pub hosts: IndexMap<String, Host>,
    /// Source currently being parsed, recorded on newly created hosts.
    pub current_source: Option<PathBuf>,
    /// First localhost-like host found in the inventory.
    pub localhost: Option<String>,
    pub warnings: Vec<String>,
}

impl Default for InventoryData {
    fn default() -> Self {
        let mut inv = InventoryData {
            groups: IndexMap::new(),
            hosts: IndexMap::new(),
            current_source: None,
            localhost: None,
            warnings: Vec::new(),
        };
        inv.add_group("all");
        inv.add_group("ungrouped");
        inv.add_child("all", "ungrouped").expect("fresh inventory");
        inv
    }
}

impl InventoryData {
    /// Records a warning once (ansible de-duplicates identical warnings).
    pub fn warn(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        if !self.warnings.contains(&msg) {
            self.warnings.push(msg);
        }
    }

    /// Adds a group if missing; warns like ansible about invalid characters
    /// (the name is kept as is: TRANSFORM_INVALID_GROUP_CHARS=never).
    pub fn add_group(&mut self, name: &str) {
        if self.groups.contains_key(name) {
            return;
        }
        if !is_valid_var_name(name) {
            self.warn(
                "Invalid characters were found in group names but not replaced, use -vvvv to see details",
            );
        }
        let g = Group {
            name: name.to_string(),
            priority: 1,
            ..Group::default()
        };
        self.groups.insert(name.to_string(), g);
    }

    /// Adds a host (and membership of `group`). A port only applies when the
    /// host is created, as in ansible.
    pub fn add_host(&mut self, name: &str, group: Option<&str>, port: Option<u32>) {
        if !self.hosts.contains_key(name) {
            let mut h = Host {
                name: name.to_string(),
                source: self.current_source.clone(),
                ..Host::default()
            };
            if let Some(p) = port {
                h.vars.insert("ansible_port".into(), Value::from(p));
            }
            self.hosts.insert(name.to_string(), h);
            if LOCALHOST_NAMES.contains(&name) {
                match &self.localhost {
                    None => self.localhost = Some(name.to_string()),
                    Some(first) => {
                        let msg = format!(
                            "A duplicate localhost-like entry was found ({name}). First found localhost was {first}"
                        );
                        self.warn(msg);
                    }
                }
            }
        }
        if let Some(g) = group {
            let grp = self
                .groups
                .get_mut(g)
                .expect("group added before its hosts");
            grp.hosts.insert(name.to_string());
        }
    }

    /// Makes `child` a child of `parent`, refusing cycles like ansible.
    pub fn add_child(&mut self, parent: &str, child: &str) -> Result<()> {
        if parent == child {
            return Err(InventoryError::Inventory(format!(
                "can't add group to itself: {parent}"
            )));
        }
        if self.groups[parent].children.iter().any(|c| c == child) {
            return Ok(());
        }
        if self.ancestors(parent).iter().any(|a| a == child) {
            return Err(InventoryError::Inventory(format!(
                "Adding group '{child}' as child to '{parent}' creates a recursive dependency loop."
            )));
        }
        self.groups[parent].children.push(child.to_string());
        let c = &mut self.groups[child];
        if !c.parents.iter().any(|p| p == parent) {
            c.parents.push(parent.to_string());
        }
        Ok(())
    }

    /// Sets a group variable; `ansible_group_priority` sets the priority instead.
    pub fn set_group_var(
        &mut self,
        group: &str,
        key: &str,
        value: Value,
    ) -> std::result::Result<(), String> {
        let g = self.groups.get_mut(group).expect("existing group");
        if key == "ansible_group_priority" {
            g.priority = priority_of(&value)?;
        } else {
            g.vars.insert(key.to_string(), value);
        }
        Ok(())
    }

    pub fn set_host_var(&mut self, host: &str, key: &str, value: Value) {
        let h = self.hosts.get_mut(host).expect("existing host");
        h.vars.insert(key.to_string(), value);
    }

    /// All ancestors of a group (parents, their parents, ...), nearest first.
    pub fn ancestors(&self, group: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut todo = vec![group.to_string()];
        while let Some(g) = todo.pop() {
            for p in &self.groups[g.as_str()].parents {
                if !out.contains(p) {
                    out.push(p.clone());
                    todo.push(p.clone());
                }
            }
        }
        out
    }

    /// Groups a host belongs to, directly or through ancestors (incl. `all`).
    pub fn host_groups(&self, host: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for g in self.groups.values() {
            if g.hosts.contains(host) {
                for a in self.ancestors(&g.name).into_iter().chain([g.name.clone()]) {
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
        }
        out
    }

    /// Post-processing after all sources, as ansible's `reconcile_inventory`:
    /// parentless groups become children of `all`, hosts without a group go
    /// to `ungrouped` and hosts with one leave it; then depths are computed.
    pub fn reconcile(&mut self) -> Result<()> {
        let names: Vec<String> = self.groups.keys().cloned().collect();
        for g in &names {
            if g != "all" && self.groups[g.as_str()].parents.is_empty() {
                self.add_child("all", g)?;
            }
        }
        let hosts: Vec<String> = self.hosts.keys().cloned().collect();
        for h in &hosts {
            let mine = self.host_groups(h);
            let in_ungrouped = mine.iter().any(|g| g == "ungrouped");
            let others = mine.iter().any(|g| g != "all" && g != "ungrouped");
            if in_ungrouped && others {
                self.groups["ungrouped"].hosts.shift_remove(h);
            } else if !in_ungrouped && !self.hosts[h.as_str()].implicit && !others {
                self.groups["ungrouped"].hosts.insert(h.clone());
            }
        }
        let clashes: Vec<&String> = names
            .iter()
            .filter(|n| self.hosts.contains_key(n.as_str()))
            .collect();
        for name in clashes {
            self.warn(format!("Found both group and host with same name: {name}"));
        }
        self.compute_depths();
        Ok(())
    }

    fn compute_depths(&mut self) {
        // The graph is acyclic (add_child refuses loops), so relaxing edges
        // |groups| times yields the longest path from `all`.
        let names: Vec<String> = self.groups.keys().cloned().collect();
        for g in self.groups.values_mut() {
            g.depth = 0;
        }
        for _ in 0..names.len() {
            let mut changed = false;
            for n in &names {
                let d = self.groups[n.as_str()].depth;
                let kids = self.groups[n.as_str()].children.clone();
                for k in kids {
                    let c = &mut self.groups[k.as_str()];
                    if c.depth < d + 1 {
                        c.depth = d + 1;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Hosts of a group and of all its descendants, ansible's `get_hosts`:
    /// the group itself, its children, then breadth-first deeper levels.
    pub fn group_hosts(&self, group: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen_hosts = std::collections::HashSet::new();
        for g in self.descendants(group) {
            for h in &self.groups[g.as_str()].hosts {
                if seen_hosts.insert(h.clone())
                    && !(group == "all" && self.hosts[h.as_str()].implicit)
                {
                    out.push(h.clone());
                }
            }
        }
        out
    }

    /// The group followed by its descendants, level by level.
    pub fn descendants(&self, group: &str) -> Vec<String> {
        let mut ordered = vec![group.to_string()];
        let mut level = vec![group.to_string()];
        while !level.is_empty() {
            let mut next = Vec::new();
            for g in &level {
                for c in &self.groups[g.as_str()].children {
                    if !ordered.contains(c) {
                        ordered.push(c.clone());
                        next.push(c.clone());
                    }
                }
            }
            level = next;
        }
        ordered
    }
}

fn priority_of(v: &Value) -> std::result::Result<i64, String> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.trunc() as i64))
            .ok_or_else(|| format!("invalid ansible_group_priority {n}")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("invalid literal for int() with base 10: '{s}'")),
        Value::Bool(b) => Ok(i64::from(*b)),
        other => Err(format!("invalid ansible_group_priority {other}")),
    }
}

/// ansible's rule for variable names (ASCII identifiers).
pub fn is_valid_identifier(name: &str) -> bool {
    let mut cs = name.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// ansible 2.19's deprecation warning for a variable name that is not an
/// identifier (`repr` is the name as Python prints it: `'a-b'`, `7.2`).
pub fn invalid_var_name_warning(repr: &str, file: &std::path::Path, line: usize) -> String {
    format!(
        "[DEPRECATION WARNING]: Accepting inventory variable with invalid name {repr}. This feature will be removed from ansible-core version 2.23.\nOrigin: {}:{line}\n\nVariable names must be strings starting with a letter or underscore character, and contain only letters, numbers and underscores.\n",
        file.display()
    )
}

/// Python's `^[\d\W]|[^\w]` check for group and variable names, negated.
pub fn is_valid_var_name(name: &str) -> bool {
    let mut cs = name.chars();
    match cs.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    cs.all(|c| c.is_alphanumeric() || c == '_')
}
