//! srplay-modules: every built-in module, one file each.
//!
//! [`register_all`] adds them to a registry; the engine's control modules
//! (debug, set_fact, assert…) are registered by the engine itself.

use srplay_engine::module::ModuleRegistry;

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

/// Add every built-in module of this crate to `registry`.
pub fn register_all(registry: &mut ModuleRegistry) {
    use std::sync::Arc;
    registry.register(Arc::new(jvm_options::JvmOptions));
    registry.register(Arc::new(keytab::KeytabCheck));
    registry.register(Arc::new(port_probe::PortProbe));
    registry.register(Arc::new(sql::Sql));
    registry.register(Arc::new(starrocks_backend::StarrocksBackend));
    registry.register(Arc::new(starrocks_broker::StarrocksBroker));
    registry.register(Arc::new(starrocks_compute_node::StarrocksComputeNode));
    registry.register(Arc::new(starrocks_config::StarrocksConfig));
    registry.register(Arc::new(starrocks_config_diff::StarrocksConfigDiff));
    registry.register(Arc::new(starrocks_facts::StarrocksFacts));
    registry.register(Arc::new(starrocks_frontend::StarrocksFrontend));
}
