//! What the run reports: Ansible's default callback as text, or one JSON
//! document (`--output json`). Everything printed goes through a
//! [`Reporter`] so progress bars and lines never mix.

mod diff;
mod json;
mod pyjson;
mod reporter;
mod text;
pub(crate) use text::source_excerpt;

pub use diff::unified_diff;
pub use json::JsonCallback;
pub use pyjson::{dumps, item_label, py_repr};
pub use reporter::{HostProgress, Reporter};
pub use text::TextCallback;

use indexmap::IndexMap;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Changed,
    Skipped,
    Failed,
    Unreachable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    Task,
    Handler,
}

/// One host's result for a task (or for one loop item).
#[derive(Debug, Clone)]
pub struct HostEvent {
    pub host: String,
    pub delegated_to: Option<String>,
    pub status: Status,
    /// The loop item's label, for item lines.
    pub item: Option<String>,
    /// The result dictionary (censored already when `no_log`).
    pub result: Map<String, Value>,
    pub ignored: bool,
    pub action: String,
    /// Where the failed task is written, for the `[ERROR]`/`Origin:` block.
    pub origin: Option<crate::yaml::Pos>,
    /// A controller action (`Action failed`) rather than a module (`Module failed`).
    pub controller: bool,
    /// The failure message before `no_log` censoring (ansible-core 2.19
    /// prints it in the `[ERROR]` line even then).
    pub error_msg: Option<String>,
    /// The underlying error and where it is written (a keyword's value):
    /// printed as ansible-core's `<<< caused by >>>` section.
    pub cause: Option<(String, crate::yaml::Pos)>,
}

/// The recap counters of one host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct HostStats {
    pub ok: u32,
    pub changed: u32,
    pub unreachable: u32,
    pub failed: u32,
    pub skipped: u32,
    pub rescued: u32,
    pub ignored: u32,
}

pub type Stats = IndexMap<String, HostStats>;

/// The output callback.
pub trait Callback: Send + Sync {
    fn play_start(&self, name: &str);
    fn no_hosts(&self);
    fn task_start(&self, name: &str, kind: TaskKind);
    fn host_result(&self, ev: &HostEvent);
    /// A loop finished on a host; `all_skipped` prints the extra line Ansible prints.
    fn loop_done(&self, host: &str, status: Status, all_skipped: bool, result: &Map<String, Value>);
    fn included(&self, file: &str, hosts: &[String], item: Option<&str>);
    fn warning(&self, msg: &str);
    fn error(&self, msg: &str);
    fn recap(&self, stats: &Stats);
    /// `--list-hosts` / `--list-tasks` / `--list-tags` text.
    fn raw(&self, text: &str);
    /// A line shown while a task runs (`FAILED - RETRYING`, `ASYNC OK`):
    /// part of the text output only.
    fn notice(&self, _text: &str) {}
    /// The run ended (flush JSON).
    fn finish(&self) {}
}

/// Keys never shown: internal ones, and those Ansible's callback drops
/// (`_clean_results` / `_dump_results` of the default callback).
pub fn cleaned_for_display(
    result: &Map<String, Value>,
    action: &str,
    verbosity: u8,
) -> Map<String, Value> {
    const DEBUG_ALLOWED: &[&str] = &["msg", "exception", "warnings", "deprecations"];
    const HIDE_IN_DEBUG: &[&str] = &[
        "changed",
        "failed",
        "skipped",
        "invocation",
        "skip_reason",
        "ansible_loop_var",
        "ansible_index_var",
        "ansible_loop",
    ];
    let mut m = Map::new();
    let debug_msg = action == "debug" && result.contains_key("msg");
    for (k, v) in result {
        if k.starts_with('_') || k == "results" {
            continue;
        }
        if debug_msg && !DEBUG_ALLOWED.contains(&k.as_str()) {
            continue;
        }
        if action == "debug" && HIDE_IN_DEBUG.contains(&k.as_str()) {
            continue;
        }
        if k == "failed"
            || k == "skipped"
            || (verbosity < 3 && (k == "invocation" || k == "exception" || k == "diff"))
        {
            continue;
        }
        m.insert(k.clone(), v.clone());
    }
    m
}
