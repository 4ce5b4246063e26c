//! The playbook model and its loader.
//!
//! Loading reads every file the run will need (imports, roles, static
//! includes), checks keywords, module names and module arguments, and
//! builds an immutable tree of [`Play`]s. Nothing here touches a host.

mod adjacent_vars;
mod diagnostic;
pub mod keywords;
mod kv;
mod kv_split;
mod load;
mod model;
mod module_defaults;
mod role;
mod tags;
mod task;
mod unimplemented;
pub(crate) mod vars_dir;
mod vars_prompt;

pub use adjacent_vars::check_adjacent_vars;
pub use diagnostic::{Diagnostic, Error};
pub use keywords::{BLOCK_KEYWORDS, PLAY_KEYWORDS, TASK_KEYWORDS};
pub use kv::parse_kv;
pub use load::{Loader, LoaderOptions, RoleRequest};
pub use model::{
    short_name, Block, FileCtx, Item, Keywords, Loop, Play, Playbook, Role, Task, VarPrompt,
};
pub use tags::TagFilter;
pub use task::{apply_keywords, is_include_action, ARGS_TEMPLATE, INCLUDE_ACTIONS, WITH_LOOKUPS};
pub use unimplemented::{
    is_unimplemented_core_module, unimplemented_message, unimplemented_warnings,
};
