//! The scan: collect files, read each once, dispatch by place and shape.

use super::files::{self, Place};
use super::finding::{Finding, Report, ScannedFile, Severity};
use super::jinja::{self, Probe, Use};
use crate::module::ModuleRegistry;
use crate::yaml::{Kind, Node, Pos};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// Scan files and directories; never touches a host.
pub fn scan(paths: &[PathBuf], registry: &ModuleRegistry) -> Report {
    let mut s = Scanner::new(registry);
    let mut all = Vec::new();
    for root in paths {
        match files::collect(root) {
            Ok(found) => all.extend(found),
            Err(e) => s.unreadable(root, &format!("cannot read {}: {e}", root.display())),
        }
    }
    for (path, place) in &all {
        match place {
            Place::Module => {
                if let Some(stem) = path.file_stem() {
                    s.custom_modules.insert(stem.to_string_lossy().into_owned());
                }
            }
            Place::AnsibleCfg => s.roles_path.extend(super::cfg::roles_path(path)),
            _ => {}
        }
    }
    for (path, place) in all {
        s.file(&path, place);
    }
    s.finish()
}

pub(super) struct Scanner<'r> {
    pub registry: &'r ModuleRegistry,
    pub custom_modules: BTreeSet<String>,
    /// `roles_path` of the ansible.cfg files scanned.
    pub roles_path: Vec<PathBuf>,
    pub probe: Probe,
    pub report: Report,
    visited: HashSet<PathBuf>,
    /// The task findings are attributed to, while one is scanned.
    pub current_task: Option<usize>,
    pub tasks: usize,
}

impl<'r> Scanner<'r> {
    fn new(registry: &'r ModuleRegistry) -> Self {
        Scanner {
            registry,
            custom_modules: BTreeSet::new(),
            roles_path: Vec::new(),
            probe: Probe::default(),
            report: Report::default(),
            visited: HashSet::new(),
            current_task: None,
            tasks: 0,
        }
    }

    /// Mark a file as scanned; false when it already was.
    pub fn first_visit(&mut self, path: &Path) -> bool {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.visited.insert(key)
    }

    pub fn file(&mut self, path: &Path, place: Place) {
        if !self.first_visit(path) {
            return;
        }
        match place {
            Place::AnsibleCfg => self.add_file(path, "ansible.cfg", |s| s.ansible_cfg(path)),
            Place::Module => self.add_file(path, "module", |_| {}),
            Place::Plugin(kind) => self.add_file(path, "plugin", |s| s.plugin_file(path, kind)),
            Place::Template => self.add_file(path, "template", |s| s.template_file(path)),
            Place::IniInventory => self.add_file(path, "inventory", |s| s.ini_inventory(path)),
            _ => self.yaml_file(path, place),
        }
    }

    fn add_file(&mut self, path: &Path, kind: &'static str, body: impl FnOnce(&mut Self)) {
        self.report.files.push(ScannedFile {
            path: display(path),
            kind,
        });
        body(self);
    }

    pub fn read(&mut self, path: &Path) -> Option<String> {
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => Some(t),
                Err(_) => {
                    self.unreadable(path, "not UTF-8 text");
                    None
                }
            },
            Err(e) => {
                self.unreadable(path, &format!("cannot read: {e}"));
                None
            }
        }
    }

    fn yaml_file(&mut self, path: &Path, place: Place) {
        let Some(text) = self.read(path) else {
            return;
        };
        if text.trim_start().starts_with("$ANSIBLE_VAULT") {
            self.report.files.push(ScannedFile {
                path: display(path),
                kind: "vault",
            });
            return;
        }
        let docs = match load_yaml(&text, path) {
            Ok(d) => d,
            Err(e) => {
                let pos = e.pos.clone();
                self.report.files.push(ScannedFile {
                    path: display(path),
                    kind: "other",
                });
                self.push(&pos, "syntax", "yaml", &e.msg, None, Severity::Error);
                self.report.totals.unreadable += 1;
                return;
            }
        };
        let Some(doc) = docs.into_iter().next() else {
            self.report.files.push(ScannedFile {
                path: display(path),
                kind: "other",
            });
            return;
        };
        let kind = match place {
            Place::Tasks => "tasks",
            Place::Handlers => "handlers",
            Place::Vars => "vars",
            Place::Meta => "meta",
            _ => shape(&doc),
        };
        self.report.files.push(ScannedFile {
            path: display(path),
            kind,
        });
        if let Some(plugin) = doc.get("plugin") {
            // An inventory source for an inventory plugin (aws_ec2, …).
            let name = plugin.as_str().unwrap_or("").to_string();
            self.plugin_named(plugin, "inventory", &name);
            return;
        }
        match kind {
            "playbook" => self.playbook(path, &doc),
            "tasks" => self.task_list(path, &doc, false),
            "handlers" => self.task_list(path, &doc, true),
            "meta" => self.role_meta(path, &doc),
            "inventory" => self.yaml_inventory(&doc),
            _ => self.vars(&doc),
        }
    }

    /// Scan a file found through a reference (include, role, import).
    pub fn referenced(&mut self, path: &Path, place: Place) {
        self.file(path, place);
    }

    fn template_file(&mut self, path: &Path) {
        let Some(text) = self.read(path) else {
            return;
        };
        let file = std::sync::Arc::new(path.to_path_buf());
        for u in jinja::uses(&text, false) {
            let (line, col) = jinja::line_col(&text, u.offset);
            let pos = Pos::new(file.clone(), line, col);
            self.check_use(&pos, u.what, &u.name);
        }
    }

    /// Every string in a node: its filters, tests and lookups.
    pub fn strings(&mut self, node: &Node, bare: bool) {
        match &node.kind {
            Kind::Str(s) => {
                for u in jinja::uses(s, bare) {
                    self.check_use(&node.pos, u.what, &u.name);
                }
            }
            Kind::Seq(items) => items.iter().for_each(|n| self.strings(n, bare)),
            Kind::Map(pairs) => pairs.iter().for_each(|(_, v)| self.strings(v, false)),
            _ => {}
        }
    }

    pub fn check_use(&mut self, pos: &Pos, what: Use, name: &str) {
        let short = ["ansible.builtin.", "ansible.legacy."]
            .iter()
            .find_map(|p| name.strip_prefix(p))
            .unwrap_or(name);
        if let Some(coll) = super::collection_of(short) {
            let msg = super::collection_message(coll);
            self.push(pos, what.kind(), name, &msg, None, Severity::Error);
            return;
        }
        if !self.probe.supports(what, short) {
            let msg = format!("{} `{short}` is not implemented by srplay", what.kind());
            let hint = substitute(what, short);
            self.push(pos, what.kind(), name, &msg, hint, Severity::Error);
        }
    }

    /// Any `ansible_connection` set in variables.
    pub fn vars(&mut self, node: &Node) {
        if let Some(pairs) = node.as_map() {
            for (k, v) in pairs {
                if k.key_string() == "ansible_connection" {
                    self.connection_value(v);
                }
                self.vars(v);
            }
        }
        self.strings(node, false);
    }

    pub fn connection_value(&mut self, v: &Node) {
        if let Some(c) = v.as_str() {
            if !matches!(c, "ssh" | "local" | "smart") && !crate::template::is_template(c) {
                self.push(
                    &v.pos,
                    "connection",
                    c,
                    &format!("connection `{c}` is not supported; srplay connects with ssh (OpenSSH) or local"),
                    None,
                    Severity::Error,
                );
            }
        }
    }

    pub fn push(
        &mut self,
        pos: &Pos,
        kind: &'static str,
        name: &str,
        message: &str,
        suggestion: Option<String>,
        severity: Severity,
    ) {
        self.report.findings.push(Finding {
            file: display(pos.path()),
            line: pos.line,
            col: pos.col,
            kind,
            name: name.to_string(),
            message: message.to_string(),
            suggestion,
            severity,
            task: self.current_task,
        });
    }

    pub fn unreadable(&mut self, path: &Path, msg: &str) {
        self.report.totals.unreadable += 1;
        let pos = Pos::new(std::sync::Arc::new(path.to_path_buf()), 0, 0);
        self.push(&pos, "syntax", "unreadable", msg, None, Severity::Error);
    }

    fn finish(mut self) -> Report {
        // Files in scan order, findings in line order within a file.
        let order: Vec<String> = self.report.files.iter().map(|f| f.path.clone()).collect();
        let rank = |file: &str| order.iter().position(|p| p == file).unwrap_or(usize::MAX);
        self.report
            .findings
            .sort_by_key(|f| (rank(&f.file), f.file.clone(), f.line, f.col));
        let bad: HashSet<usize> = self
            .report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .filter_map(|f| f.task)
            .collect();
        let t = &mut self.report.totals;
        t.files = self.report.files.len();
        t.tasks = self.tasks;
        t.unsupported = bad.len();
        t.supported = self.tasks - bad.len();
        t.errors = self
            .report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        t.warnings = self.report.findings.len() - t.errors;
        self.report
    }
}

/// Parse YAML; `!vault` values (decrypted by srplay at run time with
/// the vault options) are read as plain text for the scan.
fn load_yaml(text: &str, path: &Path) -> Result<Vec<Node>, crate::yaml::YamlError> {
    let file = std::sync::Arc::new(path.to_path_buf());
    crate::yaml::load_str(text, file.clone()).or_else(|e| {
        if !text.contains("!vault") {
            return Err(e);
        }
        let plain = regex::Regex::new(r"!vault(\s)")
            .expect("vault tag")
            .replace_all(text, "$1");
        crate::yaml::load_str(&plain, file)
    })
}

/// A path as the user would type it (`./` dropped).
pub fn display(path: &Path) -> String {
    let s = path.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// What a parsed YAML file is, by its shape.
fn shape(doc: &Node) -> &'static str {
    if let Some(items) = doc.as_seq() {
        let is_play = |n: &Node| {
            n.get("hosts").is_some()
                || n.get("import_playbook").is_some()
                || n.get("ansible.builtin.import_playbook").is_some()
        };
        if items.iter().any(is_play) {
            return "playbook";
        }
        if items.iter().all(|n| n.as_map().is_some()) && !items.is_empty() {
            return "tasks";
        }
        return "other";
    }
    if let Some(pairs) = doc.as_map() {
        let looks_inventory = pairs
            .iter()
            .all(|(_, v)| v.get("hosts").is_some() || v.get("children").is_some())
            && !pairs.is_empty();
        if doc.get("all").is_some() || looks_inventory {
            return "inventory";
        }
        return "vars";
    }
    "other"
}

/// The srplay way to do what a missing filter/lookup did, when there is one.
fn substitute(what: Use, name: &str) -> Option<String> {
    let known: &[(&str, &str)] = match what {
        Use::Filter => &[
            (
                "json_query",
                "use `selectattr`/`map(attribute=...)` instead of JMESPath",
            ),
            ("to_toml", "render the file with the `template` module"),
        ],
        Use::Lookup => &[
            (
                "password",
                "generate it with `command: openssl rand` and register the result",
            ),
            (
                "url",
                "fetch it with a `command: curl` task and register the result",
            ),
        ],
        Use::Test => &[],
    };
    if let Some((_, hint)) = known.iter().find(|(n, _)| *n == name) {
        return Some(hint.to_string());
    }
    None
}

impl Scanner<'_> {
    fn yaml_inventory(&mut self, doc: &Node) {
        self.vars(doc);
    }

    fn ini_inventory(&mut self, path: &Path) {
        let Some(text) = self.read(path) else {
            return;
        };
        let file = std::sync::Arc::new(path.to_path_buf());
        for (i, line) in text.lines().enumerate() {
            if let Some(at) = line.find("ansible_connection=") {
                let value_at = at + "ansible_connection=".len();
                let value = line[value_at..].split_whitespace().next().unwrap_or("");
                let node = Node::new(
                    Kind::Str(value.to_string()),
                    Pos::new(file.clone(), i + 1, value_at + 1),
                );
                self.connection_value(&node);
            }
        }
    }

    fn plugin_file(&mut self, path: &Path, kind: &'static str) {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let pos = Pos::new(std::sync::Arc::new(path.to_path_buf()), 1, 1);
        let msg =
            format!("{kind} plugin `{stem}` is not supported: srplay does not load Python plugins");
        let hint = match kind {
            "action" | "module_utils" => {
                Some("write the logic as a module (a script in library/ or a Rust plugin, docs/plugins.md)".to_string())
            }
            "filter" | "test" | "lookup" => {
                Some("use the built-in filters/lookups (docs/templating.md) or compute the value in a task".to_string())
            }
            _ => None,
        };
        self.push(&pos, "plugin", &stem, &msg, hint, Severity::Error);
    }
}
