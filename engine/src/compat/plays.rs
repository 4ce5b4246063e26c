//! Plays, tasks, blocks, handlers and roles.

use super::engine_lists::{is_include_action, keywords, short_name, WITH_LOOKUPS};
use super::files::Place;
use super::finding::Severity;
use super::scanner::Scanner;
use crate::yaml::{Kind, Node};
use std::path::{Path, PathBuf};

/// Keywords srplay parses but does not act on yet (docs/differences.md).
const NOT_YET: &[(&str, &str)] = &[
    ("debugger", "the task debugger is not implemented"),
    (
        "collections",
        "`collections` search lists are not implemented; use ansible.builtin or short names",
    ),
];

/// Keywords accepted with no or a different effect.
const DIFFERENT: &[(&str, &str)] = &[
    (
        "gather_subset",
        "`gather_subset` is accepted and ignored; srplay gathers one fixed fact set",
    ),
    ("fact_path", "local facts (`fact_path`) are not gathered"),
];

/// Keys whose value is a bare Jinja expression.
const CONDITIONALS: &[&str] = &["when", "changed_when", "failed_when", "until", "that"];

impl Scanner<'_> {
    pub(super) fn playbook(&mut self, path: &Path, doc: &Node) {
        for play in doc.as_seq().unwrap_or_default() {
            self.play(path, play);
        }
    }

    fn play(&mut self, path: &Path, play: &Node) {
        let Some(pairs) = play.as_map() else {
            return;
        };
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        for (k, v) in pairs {
            let key = k.key_string();
            match key.as_str() {
                "import_playbook" | "ansible.builtin.import_playbook" => {
                    self.import_playbook(&dir, v);
                    continue;
                }
                "tasks" | "pre_tasks" | "post_tasks" => self.task_list(path, v, false),
                "handlers" => self.task_list(path, v, true),
                "roles" => self.play_roles(&dir, v),
                "strategy" => self.strategy_value(v),
                "connection" => self.connection_value(v),
                "vars" => self.vars(v),
                _ if keywords::is_play_keyword(&key) => self.strings(v, false),
                _ => {
                    let hint =
                        keywords::suggest(&key, "play").map(|s| format!("did you mean `{s}`?"));
                    self.unknown_keyword(k, &key, "play", hint);
                }
            }
            self.keyword_support(k, &key);
        }
    }

    /// srplay runs `async` tasks of command and shell only.
    fn async_support(&mut self, v: &Node, module: &str) {
        let short = crate::playbook::short_name(module);
        let off = matches!(v.kind, Kind::Int(0));
        if off || crate::actions::async_job::ASYNC_MODULES.contains(&short) {
            return;
        }
        let msg = format!("`async` is supported for command and shell, not `{short}`");
        self.push(&v.pos, "keyword", "async", &msg, None, Severity::Error);
    }

    fn import_playbook(&mut self, dir: &Path, v: &Node) {
        let Some(name) = v.as_str().filter(|s| !crate::template::is_template(s)) else {
            return;
        };
        let target = dir.join(name);
        if target.is_file() {
            self.referenced(&target, Place::Yaml);
        } else {
            let msg = format!("imported playbook {} does not exist", target.display());
            self.push(&v.pos, "include", name, &msg, None, Severity::Error);
        }
    }

    pub(super) fn strategy_value(&mut self, v: &Node) {
        let Some(name) = v.as_str() else {
            return;
        };
        if matches!(
            name,
            "linear" | "free" | "ansible.builtin.linear" | "ansible.builtin.free"
        ) || crate::template::is_template(name)
        {
            return;
        }
        let hint = name.contains("mitogen").then(|| {
            "remove it: srplay is already agentless and runs no Python on the hosts".to_string()
        });
        let msg =
            format!("strategy plugin `{name}` is not supported; srplay runs `linear` and `free`");
        self.push(&v.pos, "strategy", name, &msg, hint, Severity::Error);
    }

    fn unknown_keyword(&mut self, k: &Node, key: &str, level: &str, hint: Option<String>) {
        let msg = format!("`{key}` is not a {level} keyword");
        self.push(&k.pos, "keyword", key, &msg, hint, Severity::Error);
    }

    /// Keywords that exist but are not (fully) implemented.
    fn keyword_support(&mut self, k: &Node, key: &str) {
        if let Some((_, msg)) = NOT_YET.iter().find(|(n, _)| *n == key) {
            self.push(&k.pos, "keyword", key, msg, None, Severity::Error);
        }
        if let Some((_, msg)) = DIFFERENT.iter().find(|(n, _)| *n == key) {
            self.push(&k.pos, "keyword", key, msg, None, Severity::Warning);
        }
    }

    pub(super) fn task_list(&mut self, path: &Path, list: &Node, handlers: bool) {
        let Some(items) = list.as_seq() else {
            return;
        };
        for item in items {
            self.task(path, item, handlers);
        }
    }

    fn task(&mut self, path: &Path, node: &Node, handler: bool) {
        let Some(pairs) = node.as_map() else {
            return;
        };
        if node.get("block").is_some() {
            return self.block(path, pairs, handler);
        }
        let index = self.tasks;
        self.tasks += 1;
        self.current_task = Some(index);
        let level = if handler { "handler" } else { "task" };
        let is_kw = |k: &str| keywords::is_task_keyword(k) || (handler && k == "listen");
        let others: Vec<&(Node, Node)> = pairs
            .iter()
            .filter(|(k, _)| !is_kw(&k.key_string()))
            .collect();
        let action = self.pick_action(&others);
        if let (Some(v), Some((a, _))) = (node.get("async"), action) {
            self.async_support(v, &a.key_string());
        }
        for (k, v) in pairs {
            let key = k.key_string();
            if is_kw(&key) {
                self.task_keyword(path, k, &key, v);
            } else if Some(k) == action.map(|(a, _)| a) {
                self.action(path, k, &key, v);
            } else {
                let hint = keywords::suggest(&key, level).map(|s| format!("did you mean `{s}`?"));
                self.unknown_keyword(k, &key, level, hint);
            }
        }
        if action.is_none() && node.get("action").is_none() && node.get("local_action").is_none() {
            let pos = &node.pos;
            self.push(
                pos,
                "module",
                "",
                "no module/action found in this task",
                None,
                Severity::Error,
            );
        }
        self.current_task = None;
    }

    /// Among the non-keyword keys, the one that is the action: the first
    /// known module, else the first key.
    fn pick_action<'n>(&self, others: &[&'n (Node, Node)]) -> Option<&'n (Node, Node)> {
        others
            .iter()
            .find(|(k, _)| self.module_known(&k.key_string()))
            .or(others.first())
            .copied()
    }

    fn module_known(&self, name: &str) -> bool {
        self.registry.contains(name)
            || is_include_action(name)
            || self.custom_modules.contains(name)
    }

    fn action(&mut self, path: &Path, k: &Node, name: &str, v: &Node) {
        self.check_module(k, name);
        if is_include_action(name) {
            self.include(path, name, v);
        }
        self.strings(v, false);
    }

    pub(super) fn check_module(&mut self, at: &Node, name: &str) {
        if self.module_known(name) {
            return;
        }
        if let Some(coll) = super::collection_of(name) {
            if !super::SUPPORTED_COLLECTIONS.contains(&coll) {
                let msg = super::collection_message(coll);
                self.push(&at.pos, "module", name, &msg, None, Severity::Error);
                return;
            }
        }
        let hint = module_substitute(short_name(name))
            .map(str::to_string)
            .or_else(|| {
                self.registry
                    .suggest(name)
                    .map(|s| format!("did you mean `{s}`?"))
            });
        let msg = format!("module `{name}` is not implemented by srplay");
        self.push(&at.pos, "module", name, &msg, hint, Severity::Error);
    }

    fn task_keyword(&mut self, path: &Path, k: &Node, key: &str, v: &Node) {
        self.keyword_support(k, key);
        match key {
            "action" | "local_action" => {
                let module = match &v.kind {
                    Kind::Str(s) => {
                        let first = s.split_whitespace().next().unwrap_or("");
                        first.strip_prefix("module=").unwrap_or(first).to_string()
                    }
                    Kind::Map(_) => v
                        .get("module")
                        .and_then(Node::as_str)
                        .unwrap_or("")
                        .to_string(),
                    _ => String::new(),
                };
                if !module.is_empty() {
                    self.check_module(v, &module);
                    if is_include_action(&module) {
                        self.include(path, &module, v);
                    }
                }
                self.strings(v, false);
            }
            "connection" => self.connection_value(v),
            "vars" => self.vars(v),
            _ if key.starts_with("with_") => {
                let lookup = &key["with_".len()..];
                if !WITH_LOOKUPS.contains(&lookup) {
                    let msg =
                        format!("loop lookup `{lookup}` (`{key}`) is not implemented by srplay");
                    self.push(
                        &k.pos,
                        "lookup",
                        lookup,
                        &msg,
                        Some("write it as `loop:` with a filter".into()),
                        Severity::Error,
                    );
                }
                self.strings(v, false);
            }
            _ => self.strings(v, CONDITIONALS.contains(&key)),
        }
    }

    fn block(&mut self, path: &Path, pairs: &[(Node, Node)], handler: bool) {
        for (k, v) in pairs {
            let key = k.key_string();
            match key.as_str() {
                "block" | "rescue" | "always" => self.task_list(path, v, handler),
                _ if keywords::is_block_keyword(&key) => {
                    self.keyword_support(k, &key);
                    match key.as_str() {
                        "connection" => self.connection_value(v),
                        "vars" => self.vars(v),
                        _ => self.strings(v, CONDITIONALS.contains(&key.as_str())),
                    }
                }
                _ => {
                    let hint =
                        keywords::suggest(&key, "block").map(|s| format!("did you mean `{s}`?"));
                    self.unknown_keyword(k, &key, "block", hint);
                }
            }
        }
    }

    /// `include_tasks`/`import_tasks` files and `*_role` roles.
    fn include(&mut self, path: &Path, action: &str, v: &Node) {
        let short = short_name(action);
        let target = match &v.kind {
            Kind::Str(s) => Some(s.split_whitespace().next().unwrap_or("").to_string()),
            Kind::Map(_) => ["file", "name", "_raw_params"]
                .iter()
                .find_map(|k| v.get(k).and_then(Node::as_str))
                .map(str::to_string),
            _ => None,
        };
        let Some(target) = target.filter(|t| !t.is_empty() && !crate::template::is_template(t))
        else {
            return;
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        match short {
            "include_role" | "import_role" => self.role_ref(dir, &target, v),
            "import_playbook" => self.import_playbook(dir, v),
            _ => {
                let candidates = [
                    dir.join(&target),
                    dir.join("tasks").join(&target),
                    dir.parent()
                        .map(|p| p.join("tasks").join(&target))
                        .unwrap_or_default(),
                ];
                match candidates.iter().find(|c| c.is_file()) {
                    Some(found) => self.referenced(found, Place::Tasks),
                    None => {
                        let msg = format!(
                            "task file `{target}` not found next to {}",
                            super::scanner::display(path)
                        );
                        self.push(&v.pos, "include", &target, &msg, None, Severity::Error);
                    }
                }
            }
        }
    }

    fn play_roles(&mut self, dir: &Path, v: &Node) {
        for item in v.as_seq().unwrap_or_default() {
            let (name, at) = match &item.kind {
                Kind::Str(s) => (s.clone(), item),
                Kind::Map(pairs) => {
                    for (k, _) in pairs {
                        let key = k.key_string();
                        self.keyword_support(k, &key);
                    }
                    match item.get("role").or_else(|| item.get("name")) {
                        Some(n) => (n.as_str().unwrap_or("").to_string(), n),
                        None => continue,
                    }
                }
                _ => continue,
            };
            self.strings(item, false);
            self.role_ref(dir, &name, at);
        }
    }

    /// A role by name: a collection role is refused; a local one is found
    /// and scanned (tasks, handlers, defaults, vars, meta, templates).
    pub(super) fn role_ref(&mut self, dir: &Path, name: &str, at: &Node) {
        if crate::template::is_template(name) || name.is_empty() {
            return;
        }
        if let Some(coll) = super::collection_of(name) {
            if !super::SUPPORTED_COLLECTIONS.contains(&coll) {
                let msg = super::collection_message(coll);
                self.push(&at.pos, "role", name, &msg, None, Severity::Error);
                return;
            }
        }
        let found = find_role(dir, name).or_else(|| {
            self.roles_path
                .iter()
                .map(|p| p.join(name))
                .find(|c| c.is_dir())
        });
        match found {
            Some(root) => self.role_dir(&root),
            None => {
                let msg = format!(
                    "role `{name}` not found in {}/roles or next to it",
                    super::scanner::display(dir)
                );
                self.push(&at.pos, "role", name, &msg, None, Severity::Error);
            }
        }
    }

    fn role_dir(&mut self, root: &Path) {
        if let Ok(found) = super::files::collect(root) {
            for (path, place) in found {
                if place == Place::Module {
                    if let Some(stem) = path.file_stem() {
                        self.custom_modules
                            .insert(stem.to_string_lossy().into_owned());
                    }
                }
            }
        }
        if let Ok(found) = super::files::collect(root) {
            for (path, place) in found {
                self.referenced(&path, place);
            }
        }
    }

    pub(super) fn role_meta(&mut self, path: &Path, doc: &Node) {
        let roles_dir = path
            .parent()
            .and_then(Path::parent)
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for (k, v) in doc.as_map().unwrap_or_default() {
            let key = k.key_string();
            match key.as_str() {
                "dependencies" => {
                    for dep in v.as_seq().unwrap_or_default() {
                        let name = match &dep.kind {
                            Kind::Str(s) => s.clone(),
                            _ => dep
                                .get("role")
                                .or_else(|| dep.get("name"))
                                .and_then(Node::as_str)
                                .unwrap_or("")
                                .to_string(),
                        };
                        self.role_ref(&roles_dir, &name, dep);
                    }
                }
                "collections" => self.keyword_support(k, &key),
                _ => {}
            }
        }
    }
}

/// The srplay way to do what a common ansible.builtin module not in
/// srplay does (a did-you-mean would point at an unrelated module).
fn module_substitute(short: &str) -> Option<&'static str> {
    Some(match short {
        "apt" | "yum" | "dnf" | "package" | "pip" => {
            "srplay has no package modules: use `command` (e.g. `apt-get install -y NAME`) with `creates:` or a `changed_when`"
        }
        "get_url" | "uri" => "use `command: curl ...` (with `creates:` for downloads)",
        "git" => "use `command: git ...` with `creates:`",
        "cron" | "mount" | "sysctl" | "hostname" | "known_hosts" => {
            "manage the file with `lineinfile`/`blockinfile`/`template` and apply it with `command`"
        }
        "add_host" | "group_by" => "put the hosts in the inventory (groups are static in srplay)",
        _ => return None,
    })
}

/// `<dir>/roles/<name>`, `<dir>/<name>` (when `dir` is a roles dir), or
/// a `roles/` one level up (a playbook in `playbooks/`).
fn find_role(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut candidates = vec![dir.join("roles").join(name), dir.join(name)];
    if let Some(parent) = dir.parent() {
        candidates.push(parent.join("roles").join(name));
    }
    candidates.into_iter().find(|c| {
        c.join("tasks").is_dir() || c.join("meta").is_dir() || c.join("defaults").is_dir()
    })
}
