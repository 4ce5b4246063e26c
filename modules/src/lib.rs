//! srplay-modules: every built-in module, one file each.
//!
//! [`register_all`] adds them to a registry; the engine's control modules
//! (debug, set_fact, assert…) are registered by the engine itself.

use srplay_engine::module::ModuleRegistry;

/// Add every built-in module of this crate to `registry`.
pub fn register_all(registry: &mut ModuleRegistry) {
    let _ = registry;
}
