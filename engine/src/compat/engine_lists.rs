//! The loader's own keyword and action lists. `playbook::keywords` is a
//! private module of `playbook` (owned by engine-core), so its file is
//! compiled here too: the scanner and the loader share one source of
//! truth. The two small lists below mirror `playbook::task` (private too).
// TODO(lead): re-export `keywords::{is_*_keyword, suggest}`,
// `task::{is_include_action, WITH_LOOKUPS}` and `model::short_name` from
// `playbook`, then use them here and delete the copies.

#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../playbook/keywords.rs"]
pub mod keywords;

/// Mirror of `playbook::task::INCLUDE_ACTIONS`.
const INCLUDE_ACTIONS: &[&str] = &[
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "import_playbook",
];

/// Mirror of `playbook::task::WITH_LOOKUPS`.
pub const WITH_LOOKUPS: &[&str] = &[
    "items",
    "list",
    "dict",
    "nested",
    "cartesian",
    "first_found",
    "sequence",
    "together",
    "indexed_items",
    "flattened",
    "subelements",
    "fileglob",
    "lines",
    "random_choice",
    "env",
    "file",
    "vars",
    "dict2items",
];

/// Mirror of `playbook::model::short_name`.
pub fn short_name(action: &str) -> &str {
    ["ansible.builtin.", "ansible.legacy.", "srplay.starrocks."]
        .iter()
        .find_map(|p| action.strip_prefix(p))
        .unwrap_or(action)
}

pub fn is_include_action(name: &str) -> bool {
    INCLUDE_ACTIONS.contains(&short_name(name))
}
