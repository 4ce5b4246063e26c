//! The variables one task sees on one host (precedence in `crate::vars`),
//! and `hostvars`.

use super::play::PlayRt;
use super::scope::Scope;
use super::Executor;
use crate::playbook::{vars_dir, Task};
use crate::template::{LazyVars, VarMap, VarValue};
use crate::vars::{facts_as_vars, Layer, VarLayers};
use minijinja::value::{Enumerator, Object, Value as JValue};
use serde_json::{Map, Value};
use std::sync::{Arc, Weak};

impl Executor {
    /// Every layer for `host` running `task` in `scope`; `extra` are
    /// loop/magic values for this evaluation (`item`, `ansible_loop`…).
    pub(crate) fn task_vars(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: Option<&Task>,
        scope: &Scope,
        host: &str,
        extra: &Map<String, Value>,
    ) -> Arc<LazyVars> {
        let mut l = VarLayers::new();
        let play_roles = prt.roles.lock().expect("not poisoned").clone();
        let role = task
            .and_then(|t| t.ctx.role.clone())
            .or_else(|| scope.role.clone());
        for r in &play_roles {
            l.push_ref(Layer::RoleDefaults, &r.defaults);
        }
        if let Some(r) = &role {
            l.push_ref(Layer::RoleDefaults, &r.defaults);
        }
        let (pb_groups, pb_host) = self.playbook_dir_vars(host);
        l.push(Layer::Inventory, pb_groups);
        l.push(Layer::Inventory, self.inventory.host_vars(host));
        l.push(Layer::Inventory, pb_host);
        let (facts, set_facts, include_vars, failed) = {
            let mut st = self.state();
            let hs = st.host(host);
            (
                hs.facts.clone(),
                hs.set_facts.clone(),
                hs.include_vars.clone(),
                hs.failed_task.clone(),
            )
        };
        if !facts.is_empty() {
            l.push(Layer::Facts, facts_as_vars(&facts));
        }
        l.push_ref(Layer::PlayVars, &prt.play.kw.vars);
        l.push_ref(Layer::VarsFiles, &prt.vars_files);
        for r in &play_roles {
            l.push_ref(Layer::RoleVars, &r.vars);
        }
        if let Some(r) = &role {
            l.push_ref(Layer::RoleVars, &r.vars);
        }
        l.push(Layer::BlockVars, without_keywords(&scope.block_vars));
        if let Some(t) = task {
            l.push(Layer::TaskVars, without_keywords(&t.kw.vars));
        }
        l.push(Layer::IncludeVars, include_vars);
        l.push(Layer::SetFact, set_facts);
        if let Some(r) = &role {
            l.push_ref(Layer::RoleParams, &r.params);
        }
        l.push_ref(Layer::IncludeParams, &scope.include_params);
        l.push_ref(Layer::ExtraVars, &self.opts.extra_vars);
        let mut magic = prt.magic.for_host(host, self.inventory.group_names(host));
        // Where the task's relative files are looked up: its role, then the playbook.
        let mut search_path = Vec::new();
        if let Some(r) = &role {
            search_path.push(Value::String(r.path.display().to_string()));
        }
        search_path.push(Value::String(
            self.loader.playbook_dir().display().to_string(),
        ));
        magic.insert("ansible_search_path".into(), Value::Array(search_path));
        if let Some(r) = &role {
            magic.insert("role_name".into(), Value::String(r.name.clone()));
            magic.insert(
                "role_path".into(),
                Value::String(r.path.display().to_string()),
            );
            magic.insert("ansible_role_name".into(), Value::String(r.name.clone()));
        }
        if let Some((t, r)) = failed {
            magic.insert("ansible_failed_task".into(), t);
            magic.insert("ansible_failed_result".into(), r);
        }
        magic.extend(extra.clone());
        l.push(Layer::Magic, magic);
        let mut objects = prt.magic.shared().clone();
        objects.insert(
            "hostvars".to_string(),
            JValue::from_object(HostVars {
                exec: Arc::downgrade(self),
                prt: Arc::downgrade(prt),
            }),
        );
        LazyVars::new(l.merge(), objects)
    }

    /// `group_vars/` and `host_vars/` next to the playbook: group vars
    /// (`all` first) under the inventory's own vars, host vars above them.
    fn playbook_dir_vars(&self, host: &str) -> (Map<String, Value>, Map<String, Value>) {
        let mut cache = self.pb_vars_cache.lock().expect("not poisoned");
        if let Some(v) = cache.get(host) {
            return v.clone();
        }
        let dir = self.loader.playbook_dir().to_path_buf();
        let mut groups = Map::new();
        let mut names = vec!["all".to_string()];
        names.extend(self.inventory.group_names(host));
        let warn = |msg: String| self.cb.warning(&msg);
        for g in names {
            groups.extend(read_vars_entry(&dir.join("group_vars"), &g, &warn));
        }
        let host_vars = read_vars_entry(&dir.join("host_vars"), host, &warn);
        let out = (groups, host_vars);
        cache.insert(host.to_string(), out.clone());
        out
    }

    /// `hostvars[h]`: what a task would see on `h` outside any block.
    fn host_view(self: &Arc<Self>, prt: &Arc<PlayRt>, host: &str) -> Arc<LazyVars> {
        self.task_vars(
            prt,
            None,
            &super::scope::Scope::default(),
            host,
            &Map::new(),
        )
    }
}

/// `hostvars`: every inventory host's variables, built when read.
#[derive(Debug)]
struct HostVars {
    exec: Weak<Executor>,
    prt: Weak<PlayRt>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Executor")
    }
}

impl Object for HostVars {
    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let host = key.as_str()?;
        let (exec, prt) = (self.exec.upgrade()?, self.prt.upgrade()?);
        let known = exec.inventory.hosts().iter().any(|h| h == host) || host == "localhost";
        if !known {
            return None;
        }
        Some(JValue::from_dyn_object(exec.host_view(&prt, host)))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.exec.upgrade() {
            Some(e) => {
                Enumerator::Values(e.inventory.hosts().into_iter().map(JValue::from).collect())
            }
            None => Enumerator::Empty,
        }
    }
}

/// A copy of the variables with templates rendered where they can be
/// (for a module's `ctx.vars`); a value that fails to render stays raw.
pub(crate) fn rendered_snapshot(vars: &Arc<LazyVars>) -> Map<String, Value> {
    let mut out = Map::new();
    let names: Vec<String> = vars.names().cloned().collect();
    for n in names {
        if n == "hostvars" {
            continue;
        }
        let v = match vars.resolve(&n) {
            Ok(Some(v)) => crate::template::to_json(&v).ok(),
            _ => None,
        };
        let v = v.or_else(|| vars.raw(&n).map(|r| r.value.clone()));
        if let Some(v) = v {
            out.insert(n, v);
        }
    }
    out
}

/// [`rendered_snapshot`] without the play-wide host lists: the variables a
/// connection is opened with (`ansible_host`, `ansible_port`…), which do
/// not need one more copy of `groups` per host.
pub(crate) fn connection_snapshot(vars: &Arc<LazyVars>) -> Map<String, Value> {
    let mut out = Map::new();
    let names: Vec<String> = vars
        .names()
        .filter(|n| *n != "hostvars" && !crate::vars::SHARED_NAMES.contains(&n.as_str()))
        .cloned()
        .collect();
    for n in names {
        let v = match vars.resolve(&n) {
            Ok(Some(v)) => crate::template::to_json(&v).ok(),
            _ => None,
        };
        if let Some(v) = v.or_else(|| vars.raw(&n).map(|r| r.value.clone())) {
            out.insert(n, v);
        }
    }
    out
}

#[allow(dead_code)]
fn literal_map(m: &Map<String, Value>) -> VarMap {
    m.iter()
        .map(|(k, v)| (k.clone(), VarValue::literal(v.clone())))
        .collect()
}

/// The variables of host or group `name` in `dir` (`group_vars/` or
/// `host_vars/`), merged in load order; the files are chosen by
/// [`vars_dir::entity_files`]. A file that does not load (the load-time
/// check covers the files of every name the directory shows) is dropped
/// with a warning.
fn read_vars_entry(dir: &std::path::Path, name: &str, warn: &dyn Fn(String)) -> Map<String, Value> {
    let mut out = Map::new();
    for f in vars_dir::entity_files(dir, name) {
        match vars_dir::load(&f) {
            Ok(m) => out.extend(m),
            Err(d) => warn(format!("ignoring {}: {}", f.display(), d.render())),
        }
    }
    out
}

/// Block and task `vars:` without `tags` and `when`: ansible-core's
/// `Task.get_vars` drops them, as they name keywords (so a task var called
/// `tags` is undefined).
fn without_keywords(vars: &Map<String, Value>) -> Map<String, Value> {
    let mut out = vars.clone();
    out.shift_remove("tags");
    out.shift_remove("when");
    out
}
