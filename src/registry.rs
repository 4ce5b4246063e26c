//! The modules a run can use: the engine's control actions, the built-in
//! modules, and plugins found on the library path.

use srplay_engine::module::ModuleRegistry;

/// Built-in modules only (no plugin discovery).
pub fn builtin() -> ModuleRegistry {
    let mut registry = ModuleRegistry::new();
    srplay_modules::register_all(&mut registry);
    registry
}
