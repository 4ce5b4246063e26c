//! The loaded, validated playbook tree.

use crate::yaml::Pos;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// Keywords a play, role, block or task may set; children inherit the
/// `opts` their parents set unless they set them themselves, `when`
/// conditions and `tags` accumulate, `vars` layer.
#[derive(Debug, Clone, Default)]
pub struct Keywords {
    pub when: Vec<Value>,
    pub tags: Vec<String>,
    pub vars: Map<String, Value>,
    /// Inherited keywords (`become`, `ignore_errors`, `no_log`…), raw.
    pub opts: Map<String, Value>,
    /// Where each of `opts` is written, for errors found at run time.
    pub positions: std::collections::HashMap<String, Pos>,
}

/// A role as loaded: its files read once.
#[derive(Debug, Clone, Default)]
pub struct Role {
    pub name: String,
    pub path: PathBuf,
    pub defaults: Map<String, Value>,
    pub vars: Map<String, Value>,
    /// Role params given where the role is used (`- role: x` `port: 1`).
    pub params: Map<String, Value>,
}

/// Where a task was written: its file's directory and role, for relative
/// paths (`files/`, `templates/`, includes) and `role_path`.
#[derive(Debug, Clone)]
pub struct FileCtx {
    pub file: PathBuf,
    pub role: Option<Arc<Role>>,
}

impl FileCtx {
    pub fn dir(&self) -> PathBuf {
        self.file
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub enum Loop {
    /// `loop: <list or template>`
    Items(Value),
    /// `with_<lookup>: <terms>`
    With { lookup: String, terms: Value },
}

#[derive(Debug, Clone)]
pub struct Task {
    pub name: Option<String>,
    /// The action as written (`debug`, `ansible.builtin.debug`).
    pub action: String,
    pub args: Map<String, Value>,
    pub kw: Keywords,
    pub loop_: Option<Loop>,
    pub loop_control: Map<String, Value>,
    pub register: Option<String>,
    pub until: Option<Value>,
    pub retries: Option<Value>,
    pub delay: Option<Value>,
    pub changed_when: Option<Value>,
    pub failed_when: Option<Value>,
    pub notify: Vec<String>,
    pub listen: Vec<String>,
    pub pos: Pos,
    pub ctx: Arc<FileCtx>,
}

impl Task {
    /// The action's short name (`ansible.builtin.debug` -> `debug`).
    pub fn short_action(&self) -> &str {
        short_name(&self.action)
    }

    /// The name shown in `TASK [...]`.
    pub fn display_name(&self) -> String {
        let role_arg = || {
            self.args
                .get("name")
                .or_else(|| self.args.get("role"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let base = match (&self.name, self.short_action()) {
            (Some(n), _) => n.clone(),
            (None, "include_role" | "import_role") => match role_arg() {
                Some(r) => format!("{} : {r}", self.action),
                None => self.action.clone(),
            },
            (None, _) => self.action.clone(),
        };
        match &self.ctx.role {
            Some(r) => format!("{} : {base}", r.name),
            None => base,
        }
    }
}

pub fn short_name(action: &str) -> &str {
    for prefix in ["ansible.builtin.", "ansible.legacy.", "srplay.starrocks."] {
        if let Some(s) = action.strip_prefix(prefix) {
            return s;
        }
    }
    action
}

#[derive(Debug, Clone)]
pub struct Block {
    pub name: Option<String>,
    pub block: Vec<Item>,
    pub rescue: Vec<Item>,
    pub always: Vec<Item>,
    pub kw: Keywords,
    pub pos: Pos,
    pub ctx: Arc<FileCtx>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Task(Arc<Task>),
    Block(Arc<Block>),
}

/// One `vars_prompt:` entry.
#[derive(Debug, Clone)]
pub struct VarPrompt {
    pub name: String,
    pub prompt: String,
    pub default: Option<Value>,
    /// Do not echo what is typed (Ansible's default: true).
    pub private: bool,
    pub confirm: bool,
    /// The answer is never templated.
    pub unsafe_: bool,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Play {
    pub name: Option<String>,
    pub hosts: Value,
    pub kw: Keywords,
    pub vars_files: Vec<(Value, Pos)>,
    pub gather_facts: Option<Value>,
    pub pre_tasks: Vec<Item>,
    /// Role tasks (as blocks) followed by the play's `tasks`.
    pub tasks: Vec<Item>,
    pub post_tasks: Vec<Item>,
    pub handlers: Vec<Arc<Task>>,
    pub roles: Vec<Arc<Role>>,
    pub serial: Option<Value>,
    pub strategy: Option<Value>,
    pub max_fail_percentage: Option<Value>,
    pub order: Option<Value>,
    pub force_handlers: Option<Value>,
    pub vars_prompt: Vec<VarPrompt>,
    pub pos: Pos,
    pub ctx: Arc<FileCtx>,
}

impl Play {
    /// The name shown in `PLAY [...]`: the name, else the host pattern.
    pub fn display_name(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        match &self.hosts {
            Value::String(s) => s.clone(),
            Value::Array(a) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Playbook {
    pub path: PathBuf,
    pub plays: Vec<Arc<Play>>,
}
