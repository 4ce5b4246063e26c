//! Opening a plugin library: the ABI handshake, the manifest, and a
//! process-wide cache so each file is opened once however many plays,
//! roles or threads ask for it.
//!
//! Libraries are never unloaded: unloading a Rust `cdylib` that used
//! thread-locals can crash the process (DEPENDENCIES.md §4), so the
//! `Library` is leaked and its functions live for the whole run.

use super::error::PluginError;
use super::spec_from_doc::spec_from_doc;
use crate::module::ModuleSpec;
use libloading::Library;
use srplay_plugin_api::abi::{
    AbiFn, CallFn, FreeFn, ManifestFn, SYMBOL_ABI, SYMBOL_CALL, SYMBOL_FREE, SYMBOL_MANIFEST,
};
use srplay_plugin_api::{HostCallbacks, Manifest, ABI_VERSION};
use std::collections::HashMap;
use std::ffi::{c_char, CStr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A plugin library that passed the handshake.
pub struct LoadedLibrary {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// One spec per module of the manifest, in the same order.
    pub specs: Vec<&'static ModuleSpec>,
    call: CallFn,
    free: FreeFn,
}

impl std::fmt::Debug for LoadedLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedLibrary")
            .field("path", &self.path)
            .field("plugin", &self.manifest.name)
            .finish()
    }
}

/// What `srplay_plugin_call` returned: its code and the JSON it wrote.
pub(crate) struct CallResult {
    pub rc: i32,
    pub json: String,
}

impl LoadedLibrary {
    /// Calls a module. Blocking: run it on a blocking thread.
    pub(crate) fn call(&self, module: &CStr, request: &CStr, host: &HostCallbacks) -> CallResult {
        let mut out: *mut c_char = std::ptr::null_mut();
        // SAFETY: the handshake checked the ABI; the strings and the
        // callbacks outlive the call; `out` is freed by the plugin's own
        // free function, once.
        unsafe {
            let rc = (self.call)(module.as_ptr(), request.as_ptr(), host, &mut out);
            let json = if out.is_null() {
                String::new()
            } else {
                let s = CStr::from_ptr(out).to_string_lossy().into_owned();
                (self.free)(out);
                s
            };
            CallResult { rc, json }
        }
    }
}

type Cache = Mutex<HashMap<PathBuf, Arc<LoadedLibrary>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Opens (or returns the already opened) plugin library at `path`.
pub fn load_library(path: &Path) -> Result<Arc<LoadedLibrary>, PluginError> {
    let canonical = path.canonicalize().map_err(|source| PluginError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // Held while loading so two threads never open the same file twice.
    let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(lib) = cache.get(&canonical) {
        return Ok(lib.clone());
    }
    let lib = Arc::new(open(&canonical)?);
    cache.insert(canonical, lib.clone());
    Ok(lib)
}

fn open(path: &Path) -> Result<LoadedLibrary, PluginError> {
    // SAFETY: loading runs the library's initialisers; that is the trust
    // a user places in a file they put in a module directory.
    let library = unsafe { Library::new(path) }.map_err(|e| PluginError::Open {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let library: &'static Library = Box::leak(Box::new(library));
    let abi: AbiFn = symbol(library, path, SYMBOL_ABI)?;
    // SAFETY: `srplay_plugin_abi` takes nothing and returns a u32 in every
    // ABI version; it is checked before any other symbol is used.
    let found = unsafe { abi() };
    if found != ABI_VERSION {
        return Err(PluginError::AbiMismatch {
            path: path.to_path_buf(),
            found,
            expected: ABI_VERSION,
        });
    }
    let manifest_fn: ManifestFn = symbol(library, path, SYMBOL_MANIFEST)?;
    let call: CallFn = symbol(library, path, SYMBOL_CALL)?;
    let free: FreeFn = symbol(library, path, SYMBOL_FREE)?;
    let manifest = read_manifest(manifest_fn, path)?;
    let specs = manifest
        .modules
        .iter()
        .map(|doc| {
            let description = format!(
                "{}\n\nFrom plugin `{}` {} ({}).",
                doc.description.trim_end(),
                manifest.name,
                manifest.version,
                path.display()
            );
            spec_from_doc(doc, description)
        })
        .collect();
    Ok(LoadedLibrary {
        path: path.to_path_buf(),
        manifest,
        specs,
        call,
        free,
    })
}

fn symbol<T: Copy>(
    library: &'static Library,
    path: &Path,
    name: &'static str,
) -> Result<T, PluginError> {
    // SAFETY: the type of each symbol is fixed by the ABI version, which
    // is checked first; the library is never unloaded.
    unsafe { library.get::<T>(name) }
        .map(|s| *s)
        .map_err(|_| PluginError::MissingSymbol {
            path: path.to_path_buf(),
            symbol: name,
        })
}

fn read_manifest(manifest_fn: ManifestFn, path: &Path) -> Result<Manifest, PluginError> {
    let bad = |reason: String| PluginError::BadManifest {
        path: path.to_path_buf(),
        reason,
    };
    // SAFETY: the manifest is a static NUL-terminated string owned by the
    // plugin (never freed), or null.
    let text = unsafe {
        let p = manifest_fn();
        if p.is_null() {
            return Err(bad("the plugin returned no manifest".into()));
        }
        CStr::from_ptr(p).to_string_lossy().into_owned()
    };
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if manifest.abi != ABI_VERSION {
        return Err(bad(format!(
            "it declares ABI {} but srplay_plugin_abi returned {ABI_VERSION}",
            manifest.abi
        )));
    }
    if let Some(doc) = manifest.modules.iter().find(|m| m.name.is_empty()) {
        return Err(bad(format!("a module has no name ({})", doc.description)));
    }
    Ok(manifest)
}
