//! `ansible.cfg`: which keys srplay honours (via [`crate::config`]), which
//! it accepts with no effect, which it does not know, and the plugins
//! (strategy, callbacks, transports) the file names.

use super::finding::Severity;
use super::scanner::Scanner;
use crate::config::Settings;
use crate::yaml::{Kind, Node, Pos};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

impl Scanner<'_> {
    pub(super) fn ansible_cfg(&mut self, path: &Path) {
        let Some(text) = self.read(path) else {
            return;
        };
        let file = Arc::new(path.to_path_buf());
        let mut env = BTreeMap::new();
        env.insert("ANSIBLE_CONFIG".to_string(), path.display().to_string());
        env.insert("HOME".to_string(), "/nonexistent-srplay-compat".to_string());
        let settings = match Settings::load(Path::new("/nonexistent-srplay-compat"), &env) {
            Ok(s) => s,
            Err(e) => {
                let pos = Pos::new(file, 1, 1);
                self.push(
                    &pos,
                    "syntax",
                    "ansible.cfg",
                    &e.to_string(),
                    None,
                    Severity::Error,
                );
                self.report.totals.unreadable += 1;
                return;
            }
        };
        self.config_notes(&file, &settings);
        for (line, section, key, value) in entries(&text) {
            let node = Node::new(Kind::Str(value.clone()), Pos::new(file.clone(), line, 1));
            self.plugin_setting(&section, &key, &node);
        }
    }

    /// Settings' own notes: `path:line: [section] key has no effect…` and
    /// warnings about bad values.
    fn config_notes(&mut self, file: &Arc<std::path::PathBuf>, settings: &Settings) {
        for note in &settings.ignored {
            let Some((line, rest)) = split_location(note) else {
                continue;
            };
            let Some((section_key, verdict)) = rest.split_once(' ').and_then(|(sec, rest)| {
                rest.split_once(' ')
                    .map(|(key, verdict)| ((sec, key), verdict))
            }) else {
                continue;
            };
            let (section, key) = section_key;
            if PLUGIN_KEYS.contains(&key) {
                continue; // reported with the plugin's name below
            }
            let known = verdict.starts_with("has no effect");
            let msg = if known {
                format!("accepted in {section}, no effect in srplay")
            } else {
                format!("unknown key in {section}; ignored by srplay")
            };
            let pos = Pos::new(file.clone(), line, 1);
            self.push(&pos, "config", key, &msg, None, Severity::Warning);
        }
        for w in &settings.warnings {
            let (line, msg) = split_location(w).unwrap_or((1, w.as_str()));
            let pos = Pos::new(file.clone(), line, 1);
            self.push(&pos, "config", "value", msg, None, Severity::Warning);
        }
    }

    fn plugin_setting(&mut self, section: &str, key: &str, value: &Node) {
        let text = value.as_str().unwrap_or("").trim().to_string();
        match key {
            "strategy" => self.strategy_value(value),
            "stdout_callback" if text != "default" && !text.is_empty() => self.callback(
                value,
                &text,
                "its output is not produced; srplay prints the default callback's output",
            ),
            "callbacks_enabled" | "callback_whitelist" | "callback_enabled" => {
                for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    self.callback(value, name, "it is not run")
                }
            }
            "vars_plugins_enabled" => {
                for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    if !matches!(name, "host_group_vars" | "ansible.builtin.host_group_vars") {
                        self.plugin_named(value, "vars", name);
                    }
                }
            }
            "enable_plugins" => {
                for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let short = name.strip_prefix("ansible.builtin.").unwrap_or(name);
                    if !matches!(short, "host_list" | "ini" | "yaml" | "auto" | "toml") {
                        self.plugin_named(value, "inventory", name);
                    }
                }
            }
            "transport" if !matches!(text.as_str(), "ssh" | "smart" | "local" | "") => {
                self.connection_value(value)
            }
            "hash_behaviour" if text == "merge" => self.push(
                &value.pos,
                "config",
                key,
                "hash_behaviour=merge is not supported; srplay replaces dictionaries (the default)",
                Some("merge explicitly with the `combine` filter".into()),
                Severity::Error,
            ),
            "jinja2_extensions" if !text.is_empty() => self.push(
                &value.pos,
                "config",
                key,
                "Jinja2 extensions are not supported",
                None,
                Severity::Error,
            ),
            k if PLUGIN_KEYS.contains(&k) && !text.is_empty() => self.push(
                &value.pos,
                "config",
                k,
                &format!("[{section}] Python plugin directories are not loaded by srplay"),
                None,
                Severity::Warning,
            ),
            _ => {}
        }
    }

    pub(super) fn plugin_named(&mut self, at: &Node, kind: &str, name: &str) {
        let msg =
            format!("{kind} plugin `{name}` is not supported: srplay does not load Python plugins");
        let hint = (kind == "inventory").then(|| {
            "export the hosts to a static INI/YAML inventory (e.g. `ansible-inventory --list -y`)".to_string()
        });
        self.push(&at.pos, "plugin", name, &msg, hint, Severity::Error);
    }

    fn callback(&mut self, at: &Node, name: &str, effect: &str) {
        let msg = format!("callback plugin `{name}` is not supported: {effect}");
        let hint = match name {
            "profile_tasks" | "timer" | "profile_roles" => {
                Some("srplay prints the play's elapsed time at -v; use --output json for per-task results".into())
            }
            "yaml" | "json" => Some("use `--output json` for machine-readable results".into()),
            _ => None,
        };
        self.push(&at.pos, "callback", name, &msg, hint, Severity::Error);
    }
}

/// The `roles_path` an ansible.cfg sets (relative to its directory).
pub(super) fn roles_path(path: &Path) -> Vec<std::path::PathBuf> {
    let mut env = BTreeMap::new();
    env.insert("ANSIBLE_CONFIG".to_string(), path.display().to_string());
    env.insert("HOME".to_string(), "/nonexistent-srplay-compat".to_string());
    Settings::load(Path::new("/nonexistent-srplay-compat"), &env)
        .map(|s| s.roles_path)
        .unwrap_or_default()
}

/// Keys naming plugins or plugin directories (reported as such).
const PLUGIN_KEYS: &[&str] = &[
    "strategy",
    "stdout_callback",
    "callbacks_enabled",
    "callback_whitelist",
    "callback_enabled",
    "transport",
    "hash_behaviour",
    "jinja2_extensions",
    "vars_plugins_enabled",
    "enable_plugins",
    "action_plugins",
    "filter_plugins",
    "lookup_plugins",
    "callback_plugins",
    "strategy_plugins",
    "connection_plugins",
    "vars_plugins",
    "test_plugins",
];

/// `path:LINE: rest` -> (LINE, rest).
fn split_location(note: &str) -> Option<(usize, &str)> {
    // The path itself may contain ": "; the line number follows `.cfg:`.
    let idx = note.rfind(".cfg:")?;
    let after = &note[idx + ".cfg:".len()..];
    let (num, rest) = after.split_once(": ")?;
    Some((num.parse().ok()?, rest))
}

/// (line, section, key, value) of every `key = value` line.
fn entries(text: &str) -> Vec<(usize, String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') || raw.starts_with([' ', '\t'])
        {
            continue;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        if let Some(sep) = t.find(['=', ':']) {
            let key = t[..sep].trim().to_ascii_lowercase();
            let mut value = t[sep + 1..].trim();
            for marker in [" ;", " #"] {
                if let Some(i) = value.find(marker) {
                    value = value[..i].trim_end();
                }
            }
            out.push((i + 1, section.clone(), key, value.to_string()));
        }
    }
    out
}
