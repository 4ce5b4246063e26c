//! srplay-modules: every built-in module, one file each.
//!
//! [`register_all`] adds them to a registry; the engine's control modules
//! (debug, set_fact, assert…) are registered by the engine itself.
//! Modules act on targets only through [`ModuleContext`]'s connection:
//! nothing runs on a target but POSIX shell and coreutils.
//!
//! [`ModuleContext`]: srplay_engine::module::ModuleContext

pub mod docs;
pub mod util;

pub mod blockinfile;
pub mod command;
pub mod copy;
mod copy_remote;
pub mod fetch;
pub mod file;
pub mod find;
pub mod group;
pub mod lineinfile;
pub mod raw;
pub mod replace;
pub mod script;
pub mod service;
pub mod shell;
pub mod slurp;
pub mod stat;
pub mod systemd;
pub mod template;
pub mod unarchive;
pub mod user;
pub mod wait_for;

pub mod jvm_options;
pub mod keytab;
pub mod port_probe;
pub mod sql;
pub mod starrocks;
pub mod starrocks_backend;
pub mod starrocks_broker;
pub mod starrocks_compute_node;
pub mod starrocks_config;
pub mod starrocks_config_diff;
pub mod starrocks_facts;
pub mod starrocks_frontend;

use srplay_engine::module::{Module, ModuleRegistry};
use std::sync::Arc;

/// Every module of this crate: generic ones first, then the StarRocks ones.
/// Each expands `$VAR` and `~` in its path options ([`util::path_args`]).
pub fn builtin_modules() -> Vec<Arc<dyn Module>> {
    plain_modules()
        .into_iter()
        .map(|m| Arc::new(util::path_args::ExpandPaths(m)) as Arc<dyn Module>)
        .collect()
}

fn plain_modules() -> Vec<Arc<dyn Module>> {
    vec![
        Arc::new(command::Command),
        Arc::new(shell::Shell),
        Arc::new(raw::Raw),
        Arc::new(copy::Copy),
        Arc::new(file::File),
        Arc::new(stat::Stat),
        Arc::new(lineinfile::Lineinfile),
        Arc::new(template::Template),
        Arc::new(blockinfile::Blockinfile),
        Arc::new(replace::Replace),
        Arc::new(slurp::Slurp),
        Arc::new(fetch::Fetch),
        Arc::new(find::Find),
        Arc::new(script::Script),
        Arc::new(unarchive::Unarchive),
        Arc::new(wait_for::WaitFor),
        Arc::new(service::Service),
        Arc::new(systemd::Systemd),
        Arc::new(user::User),
        Arc::new(group::Group),
        Arc::new(sql::Sql),
        Arc::new(starrocks_facts::StarrocksFacts),
        Arc::new(jvm_options::JvmOptions),
        Arc::new(starrocks_config::StarrocksConfig),
        Arc::new(starrocks_config_diff::StarrocksConfigDiff),
        Arc::new(keytab::KeytabCheck),
        Arc::new(port_probe::PortProbe),
        Arc::new(starrocks_backend::StarrocksBackend),
        Arc::new(starrocks_frontend::StarrocksFrontend),
        Arc::new(starrocks_compute_node::StarrocksComputeNode),
        Arc::new(starrocks_broker::StarrocksBroker),
    ]
}

/// Add every built-in module of this crate to `registry`.
pub fn register_all(registry: &mut ModuleRegistry) {
    for m in builtin_modules() {
        registry.register(m);
    }
}
