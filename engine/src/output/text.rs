//! Ansible's default callback, line for line.

use super::{
    cleaned_for_display, dumps, unified_diff, Callback, HostEvent, Reporter, Stats, Status,
    TaskKind,
};
use serde_json::{Map, Value};
use std::sync::Arc;

pub struct TextCallback {
    reporter: Arc<Reporter>,
    verbosity: u8,
    diff: bool,
    errors_seen: std::sync::Mutex<std::collections::HashSet<String>>,
}

const GREEN: &str = "0;32";
const YELLOW: &str = "0;33";
const CYAN: &str = "0;36";
const RED: &str = "0;31";
const BRIGHT_RED: &str = "1;31";
const PURPLE: &str = "1;35";

impl TextCallback {
    pub fn new(reporter: Arc<Reporter>, verbosity: u8, diff: bool) -> Self {
        TextCallback {
            reporter,
            verbosity,
            diff,
            errors_seen: Default::default(),
        }
    }

    fn paint(&self, text: &str, color: &str) -> String {
        if self.reporter.color() {
            format!("\x1b[{color}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn line(&self, text: &str, color: &str) {
        let painted: Vec<String> = text.split('\n').map(|l| self.paint(l, color)).collect();
        self.reporter.print(&format!("{}\n", painted.join("\n")));
    }

    fn banner(&self, msg: &str) {
        let stars = 79usize.saturating_sub(msg.chars().count()).max(3);
        self.reporter
            .print(&format!("\n{msg} {}\n", "*".repeat(stars)));
    }

    fn host_label(ev: &HostEvent) -> String {
        match &ev.delegated_to {
            Some(d) if d != &ev.host => format!("[{} -> {d}]", ev.host),
            _ => format!("[{}]", ev.host),
        }
    }

    /// ` => {...}` when Ansible would print the result.
    fn dump(&self, ev: &HostEvent, force: bool) -> Option<String> {
        let verbose_always = ev
            .result
            .get("_ansible_verbose_always")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if !(force || verbose_always || self.verbosity > 0) {
            return None;
        }
        let indent = if verbose_always || self.verbosity > 2 {
            Some(4)
        } else {
            None
        };
        let shown = cleaned_for_display(&ev.result, &ev.action, self.verbosity);
        Some(dumps(&Value::Object(shown), indent))
    }

    /// ansible-core 2.19's `[ERROR]: Task failed: …` with the task's source.
    fn origin_block(&self, ev: &HostEvent, pos: &crate::yaml::Pos) {
        let msg = match ev
            .error_msg
            .as_ref()
            .map(|m| Value::String(m.clone()))
            .as_ref()
            .or(ev.result.get("msg"))
        {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "Task failed.".into(),
        };
        let kind = if ev.controller {
            "Action failed"
        } else {
            "Module failed"
        };
        let head = if msg.starts_with("Task failed: ") {
            msg.clone()
        } else {
            format!("Task failed: {kind}: {msg}")
        };
        let mut text = match &ev.cause {
            None => format!("[ERROR]: {head}\nOrigin: {pos}\n{}", source_excerpt(pos)),
            Some((cause, at)) => format!(
                "[ERROR]: {head}\n\nTask failed.\nOrigin: {pos}\n{}\n<<< caused by >>>\n\n{cause}\nOrigin: {at}\n{}",
                source_excerpt(pos),
                source_excerpt(at)
            ),
        };
        text.push('\n');
        // Like Ansible's Display, an identical error is shown once per run.
        if !self
            .errors_seen
            .lock()
            .expect("not poisoned")
            .insert(text.clone())
        {
            return;
        }
        self.reporter.print(&self.paint_block(&text, RED));
    }

    fn paint_block(&self, text: &str, color: &str) -> String {
        if !self.reporter.color() {
            return text.to_string();
        }
        text.lines()
            .map(|l| format!("{}\n", self.paint(l, color)))
            .collect()
    }

    fn print_diff(&self, result: &Map<String, Value>) {
        if !self.diff {
            return;
        }
        let diffs: Vec<&Value> = match result.get("diff") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(d @ Value::Object(_)) => vec![d],
            _ => return,
        };
        for d in diffs {
            let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let text = unified_diff(
                &s("before"),
                &s("after"),
                &s("before_header"),
                &s("after_header"),
            );
            if !text.is_empty() {
                self.reporter.print(&text);
            }
        }
    }
}

/// The lines up to `pos` and a caret under its column, after a blank
/// line; nothing when the file cannot be read.
pub(crate) fn source_excerpt(pos: &crate::yaml::Pos) -> String {
    let mut text = String::new();
    if let Ok(src) = std::fs::read_to_string(pos.path()) {
        let lines: Vec<&str> = src.lines().collect();
        if pos.line >= 1 && pos.line <= lines.len() {
            text.push('\n');
            let width = pos.line.to_string().len();
            for n in pos.line.saturating_sub(2).max(1)..=pos.line {
                text.push_str(&format!("{n:>width$} {}\n", lines[n - 1].trim_end()));
            }
            let pad = width + 1 + pos.col.saturating_sub(1);
            text.push_str(&format!("{}^ column {}\n", " ".repeat(pad), pos.col));
        }
    }
    text
}

impl Callback for TextCallback {
    fn play_start(&self, name: &str) {
        let name = name.trim();
        self.banner(&format!("PLAY [{name}]"));
    }

    fn no_hosts(&self) {
        self.line("skipping: no hosts matched", CYAN);
    }

    fn task_start(&self, name: &str, kind: TaskKind) {
        match kind {
            TaskKind::Task => self.banner(&format!("TASK [{name}]")),
            TaskKind::Handler => self.banner(&format!("RUNNING HANDLER [{name}]")),
        }
    }

    fn host_result(&self, ev: &HostEvent) {
        let label = Self::host_label(ev);
        if matches!(ev.status, Status::Ok | Status::Changed) {
            self.print_diff(&ev.result);
        }
        match (ev.status, &ev.item) {
            (Status::Ok | Status::Changed, item) => {
                let (word, color) = if ev.status == Status::Changed {
                    ("changed", YELLOW)
                } else {
                    ("ok", GREEN)
                };
                let mut msg = format!("{word}: {label}");
                if let Some(i) = item {
                    msg.push_str(&format!(" => (item={i})"));
                }
                if let Some(d) = self.dump(ev, false) {
                    msg.push_str(&format!(" => {d}"));
                }
                self.line(&msg, color);
            }
            (Status::Skipped, None) => {
                let mut msg = format!("skipping: {label}");
                if self.verbosity > 0 {
                    if let Some(d) = self.dump(ev, true) {
                        msg.push_str(&format!(" => {d}"));
                    }
                }
                self.line(&msg, CYAN);
            }
            (Status::Skipped, Some(i)) => {
                let mut msg = format!("skipping: {label} => (item={i}) ");
                if self.verbosity > 0 {
                    if let Some(d) = self.dump(ev, true) {
                        msg.push_str(&format!(" => {d}"));
                    }
                }
                self.line(&msg, CYAN)
            }
            (Status::Failed, None) => {
                if let Some(pos) = &ev.origin {
                    self.origin_block(ev, pos);
                }
                let d = self.dump(ev, true).unwrap_or_default();
                self.line(&format!("fatal: {label}: FAILED! => {d}"), RED);
                if ev.ignored {
                    self.line("...ignoring", CYAN);
                }
            }
            (Status::Failed, Some(i)) => {
                if let Some(pos) = &ev.origin {
                    self.origin_block(ev, pos);
                }
                let d = self.dump(ev, true).unwrap_or_default();
                self.line(&format!("failed: {label} (item={i}) => {d}"), RED);
            }
            (Status::Unreachable, item) => {
                let d = self.dump(ev, true).unwrap_or_default();
                let it = item
                    .as_ref()
                    .map(|i| format!(" (item={i})"))
                    .unwrap_or_default();
                self.line(
                    &format!("fatal: {label}: UNREACHABLE!{it} => {d}"),
                    BRIGHT_RED,
                );
                if ev.ignored {
                    self.line("...ignoring", CYAN);
                }
            }
        }
    }

    fn loop_done(
        &self,
        host: &str,
        status: Status,
        all_skipped: bool,
        result: &Map<String, Value>,
    ) {
        // ansible-core's callback cleans a debug result down to `msg` before
        // checking for loop results, so a failed debug loop gets a summary line.
        let action = result
            .get("_ansible_action")
            .and_then(Value::as_str)
            .unwrap_or("");
        if status == Status::Failed && action == "debug" {
            let shown = cleaned_for_display(result, action, self.verbosity);
            let indent = if self.verbosity > 2 { Some(4) } else { None };
            self.line(
                &format!(
                    "fatal: [{host}]: FAILED! => {}",
                    dumps(&Value::Object(shown), indent)
                ),
                RED,
            );
        }
        if status == Status::Skipped && all_skipped {
            let mut msg = format!("skipping: [{host}]");
            if self.verbosity > 0 {
                let action = result
                    .get("_ansible_action")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let shown = cleaned_for_display(result, action, self.verbosity);
                msg.push_str(&format!(" => {}", dumps(&Value::Object(shown), None)));
            }
            self.line(&msg, CYAN);
        }
    }

    fn included(&self, file: &str, hosts: &[String], item: Option<&str>) {
        let mut msg = format!("included: {file} for {}", hosts.join(", "));
        if let Some(i) = item {
            msg.push_str(&format!(" => (item={i})"));
        }
        self.line(&msg, CYAN);
    }

    fn warning(&self, msg: &str) {
        self.line(&format!("[WARNING]: {msg}"), PURPLE);
    }

    fn error(&self, msg: &str) {
        self.line(&format!("[ERROR]: {msg}"), RED);
    }

    fn recap(&self, stats: &Stats) {
        self.banner("PLAY RECAP");
        for (host, s) in stats {
            let color = if s.failed > 0 || s.unreachable > 0 {
                RED
            } else if s.changed > 0 {
                YELLOW
            } else {
                GREEN
            };
            let host_col = self.paint(&format!("{host:<26}"), color);
            self.reporter.print(&format!(
                "{host_col} : ok={:<4} changed={:<4} unreachable={:<4} failed={:<4} skipped={:<4} rescued={:<4} ignored={:<4}\n",
                s.ok, s.changed, s.unreachable, s.failed, s.skipped, s.rescued, s.ignored
            ));
        }
        self.reporter.print("\n");
    }

    fn raw(&self, text: &str) {
        self.reporter.print(text);
    }

    fn notice(&self, text: &str) {
        self.reporter.print(text);
    }
}
