//! `srplay compat`: a static scan of an Ansible repository that lists,
//! per `file:line:col`, everything srplay does not support or supports
//! differently — before anything runs. No host is contacted.

mod cfg;
mod engine_lists;
mod files;
mod finding;
mod jinja;
mod plays;
mod render;
mod scanner;

pub use finding::{Finding, Report, ScannedFile, Severity, Totals};
pub use render::{render_json, render_text, summary_line};
pub use scanner::scan;

/// Collections whose modules, filters and lookups srplay implements.
pub const SUPPORTED_COLLECTIONS: &[&str] =
    &["ansible.builtin", "ansible.legacy", "srplay.starrocks"];

/// The collection of a dotted name (`community.general.ufw` ->
/// `community.general`), or `None` for a short name.
pub fn collection_of(name: &str) -> Option<&str> {
    let (prefix, _short) = name.rsplit_once('.')?;
    prefix.contains('.').then_some(prefix)
}

/// Why an unsupported collection's name is refused.
pub fn collection_message(collection: &str) -> String {
    format!(
        "collection {collection} is not supported; srplay implements ansible.builtin and srplay.starrocks"
    )
}
