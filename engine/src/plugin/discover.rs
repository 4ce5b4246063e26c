//! Finding module directories and the modules in them.

use super::dyn_module::DynModule;
use super::error::PluginError;
use super::library::load_library;
use super::script::ScriptModule;
use crate::module::{Module, ModuleRegistry};
use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Colon-separated module directories from the environment.
pub const LIBRARY_ENV: &str = "SRPLAY_LIBRARY";

/// The module directories for a run, most specific first, existing ones
/// only: `library/` next to the playbook, each role's `library/`, the
/// `--module-path` directories, then `$SRPLAY_LIBRARY`.
pub fn library_dirs(
    playbook_dir: Option<&Path>,
    role_dirs: &[PathBuf],
    module_paths: &[PathBuf],
) -> Vec<PathBuf> {
    let env = std::env::var_os(LIBRARY_ENV);
    library_dirs_with(playbook_dir, role_dirs, module_paths, env.as_deref())
}

/// [`library_dirs`] with the value of `$SRPLAY_LIBRARY` given.
pub fn library_dirs_with(
    playbook_dir: Option<&Path>,
    role_dirs: &[PathBuf],
    module_paths: &[PathBuf],
    library_env: Option<&OsStr>,
) -> Vec<PathBuf> {
    let from_env = library_env
        .map(|v| std::env::split_paths(v).collect::<Vec<_>>())
        .unwrap_or_default();
    let candidates = playbook_dir
        .map(|d| d.join("library"))
        .into_iter()
        .chain(role_dirs.iter().map(|r| r.join("library")))
        .chain(module_paths.iter().cloned())
        .chain(from_env.into_iter().filter(|p| !p.as_os_str().is_empty()));
    let mut seen = HashSet::new();
    candidates
        .filter(|d| d.is_dir())
        .filter(|d| seen.insert(d.canonicalize().unwrap_or_else(|_| d.clone())))
        .collect()
}

/// Every module in `dirs`. When two provide the same name, the one in the
/// earlier directory wins (directories are most specific first). Any file
/// that looks like a plugin but cannot be loaded is an error naming it.
pub fn discover(dirs: &[PathBuf]) -> Result<Vec<Arc<dyn Module>>, PluginError> {
    let mut modules: Vec<Arc<dyn Module>> = Vec::new();
    let mut names = HashSet::new();
    for dir in dirs {
        for path in module_files(dir)? {
            for module in load_file(&path)? {
                if names.insert(module.spec().name.to_string()) {
                    modules.push(module);
                }
            }
        }
    }
    Ok(modules)
}

/// Adds plugin modules to `registry`; a plugin module replaces a built-in
/// of the same name. Returns one warning per replaced module.
pub fn register_into(
    registry: &mut ModuleRegistry,
    modules: impl IntoIterator<Item = Arc<dyn Module>>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for module in modules {
        let name = module.spec().name;
        if registry.contains(name) {
            warnings.push(format!(
                "module `{name}` from a module directory overrides the built-in `{name}`"
            ));
        }
        registry.register(module);
    }
    warnings
}

/// [`discover`] then [`register_into`]: the one call a run (or
/// `srplay doc`) needs. Returns the override warnings.
pub fn install(
    registry: &mut ModuleRegistry,
    dirs: &[PathBuf],
) -> Result<Vec<String>, PluginError> {
    Ok(register_into(registry, discover(dirs)?))
}

fn load_file(path: &Path) -> Result<Vec<Arc<dyn Module>>, PluginError> {
    if is_dynamic_library(path) {
        let library = load_library(path)?;
        Ok(DynModule::all(&library)
            .into_iter()
            .map(|m| Arc::new(m) as Arc<dyn Module>)
            .collect())
    } else {
        Ok(vec![Arc::new(ScriptModule::load(path)?)])
    }
}

fn is_dynamic_library(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("so" | "dylib")
    )
}

/// Plugin libraries and script modules in `dir`, sorted by name. Hidden
/// files and files that are neither a library, executable nor start with
/// `#!` (docs, `.pyc`, READMEs) are not modules.
fn module_files(dir: &Path) -> Result<Vec<PathBuf>, PluginError> {
    let io = |source| PluginError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !hidden && path.is_file() && (is_dynamic_library(&path) || is_script(&path)) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn is_script(path: &Path) -> bool {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let executable = path
        .metadata()
        .is_ok_and(|m| m.permissions().mode() & 0o111 != 0);
    let mut head = [0u8; 2];
    let shebang = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|_| &head == b"#!");
    executable || shebang
}
