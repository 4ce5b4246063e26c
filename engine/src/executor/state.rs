//! What the run remembers about each host between tasks and plays.

use crate::output::Stats;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct HostState {
    pub facts: Map<String, Value>,
    /// `set_fact` and `register` results.
    pub set_facts: Map<String, Value>,
    pub include_vars: Map<String, Value>,
    /// Failed in this play (and not rescued).
    pub failed: bool,
    /// `meta: end_host`.
    pub ended: bool,
    /// The role invocations `meta: end_role` ended for this host (by
    /// [`role_key`]); cleared when the invocation finishes.
    pub ended_roles: HashSet<usize>,
    /// Bumped by `meta: clear_host_errors`.
    pub errors_cleared: u64,
    /// For `rescue:`: the last failed task and its result.
    pub failed_task: Option<(Value, Value)>,
}

#[derive(Debug, Default)]
pub struct RunState {
    pub hosts: HashMap<String, HostState>,
    pub stats: Stats,
    /// Hosts that failed or were unreachable in an earlier play: Ansible
    /// leaves them out of later plays.
    pub failed_hosts: HashSet<String>,
    pub unreachable: HashSet<String>,
}

/// One role invocation's identity: each use of a role (a `roles:` entry,
/// an `include_role`/`import_role`, a dependency) loads its own `Role`.
pub fn role_key(role: &std::sync::Arc<crate::playbook::Role>) -> usize {
    std::sync::Arc::as_ptr(role) as usize
}

impl RunState {
    pub fn host(&mut self, h: &str) -> &mut HostState {
        self.hosts.entry(h.to_string()).or_default()
    }

    pub fn stats(&mut self, h: &str) -> &mut crate::output::HostStats {
        self.stats.entry(h.to_string()).or_default()
    }

    pub fn is_active(&self, h: &str) -> bool {
        !self.unreachable.contains(h) && self.hosts.get(h).is_none_or(|s| !s.failed && !s.ended)
    }
}
