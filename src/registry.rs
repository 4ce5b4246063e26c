//! The modules a run can use: the engine's control actions, the built-in
//! modules, and plugins found on the library path.

use srplay_engine::module::ModuleRegistry;

/// Built-in modules only (the playbook runner adds the engine's actions
/// and the playbook's plugins itself).
pub fn builtin() -> ModuleRegistry {
    let mut registry = ModuleRegistry::new();
    srplay_modules::register_all(&mut registry);
    registry
}

/// Everything `srplay doc` can describe: built-ins, control actions, and
/// plugins in `./library`, `$SRPLAY_LIBRARY` and the given directories.
pub fn documented(module_paths: &[std::path::PathBuf]) -> anyhow::Result<ModuleRegistry> {
    let mut registry = builtin();
    srplay_engine::actions::register(&mut registry);
    let cwd = std::env::current_dir()?;
    let dirs = srplay_engine::plugin::library_dirs(Some(&cwd), &[], module_paths);
    for w in srplay_engine::plugin::install(&mut registry, &dirs)? {
        eprintln!("[WARNING]: {w}");
    }
    Ok(registry)
}
