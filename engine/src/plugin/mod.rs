//! Modules from outside the binary: dynamic library plugins (the
//! `srplay-plugin-api` C ABI) and Ansible-style script modules.
//!
//! Both are found in module directories ([`library_dirs`]): files ending
//! in `.so` / `.dylib` are dynamic plugins, other executable files (or
//! files starting with `#!`) are script modules named after the file.
//! [`discover`] turns a list of directories into [`Module`]s and
//! [`register_into`] adds them to a [`ModuleRegistry`].
//!
//! Everything here talks to the target through the task's
//! [`ModuleContext`](crate::module::ModuleContext), so plugins and script
//! modules run over whatever connection the host uses (local, ssh).

mod discover;
mod dyn_module;
mod error;
mod host_bridge;
mod library;
mod result_dict;
mod script;
mod spec_from_doc;

pub use discover::{
    discover, install, library_dirs, library_dirs_with, register_into, LIBRARY_ENV,
};
pub use dyn_module::DynModule;
pub use error::PluginError;
pub use library::{load_library, LoadedLibrary};
pub use result_dict::outcome_from_result;
pub use script::ScriptModule;
