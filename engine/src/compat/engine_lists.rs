//! The loader's own keyword and action lists, shared with the scanner so
//! both agree on what srplay supports.

pub use crate::playbook::keywords;
pub use crate::playbook::{is_include_action, short_name, WITH_LOOKUPS};
