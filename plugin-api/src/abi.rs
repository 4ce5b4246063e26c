//! The C ABI between srplay and a plugin library, version [`ABI_VERSION`].
//!
//! A plugin exports:
//!
//! ```text
//! u32          srplay_plugin_abi(void);                 // must equal ABI_VERSION
//! const char  *srplay_plugin_manifest(void);            // static JSON Manifest, never freed
//! int32_t      srplay_plugin_call(const char *module,   // module name
//!                                 const char *request,  // JSON Request
//!                                 const HostCallbacks *host,
//!                                 char **out);          // JSON result, freed by srplay_plugin_free
//! void         srplay_plugin_free(char *s);
//! ```
//!
//! `srplay_plugin_call` returns one of the `RC_*` codes; on every code it
//! may set `*out` (a result dictionary on [`RC_OK`], `{"msg": …}` otherwise).
//! It must be thread-safe and must never unwind into the host.
//!
//! Any change to these signatures, to [`HostCallbacks`] or to the meaning
//! of the JSON documents bumps [`ABI_VERSION`]; the host refuses a library
//! whose version differs.

use std::ffi::{c_char, c_void};

/// The ABI version this crate implements.
pub const ABI_VERSION: u32 = 1;

/// The call succeeded; `*out` is the module's result dictionary.
pub const RC_OK: i32 = 0;
/// The module failed; `*out` is `{"msg": …}`.
pub const RC_MODULE_ERROR: i32 = 1;
/// The module panicked; `*out` is `{"msg": …}` with the panic message.
pub const RC_PANIC: i32 = 2;
/// The host sent something the plugin could not read (unknown module,
/// invalid JSON); `*out` is `{"msg": …}`.
pub const RC_BAD_INPUT: i32 = 3;

pub const SYMBOL_ABI: &str = "srplay_plugin_abi";
pub const SYMBOL_MANIFEST: &str = "srplay_plugin_manifest";
pub const SYMBOL_CALL: &str = "srplay_plugin_call";
pub const SYMBOL_FREE: &str = "srplay_plugin_free";

pub type AbiFn = unsafe extern "C" fn() -> u32;
pub type ManifestFn = unsafe extern "C" fn() -> *const c_char;
pub type CallFn = unsafe extern "C" fn(
    module: *const c_char,
    request: *const c_char,
    host: *const HostCallbacks,
    out: *mut *mut c_char,
) -> i32;
pub type FreeFn = unsafe extern "C" fn(s: *mut c_char);

/// A host service: takes a JSON request (see [`crate::wire`]), returns a
/// JSON reply the plugin must hand back to [`HostCallbacks::free`].
pub type HostFn = unsafe extern "C" fn(ctx: *mut c_void, request: *const c_char) -> *mut c_char;

/// What the host lends a plugin for the duration of one
/// `srplay_plugin_call`: commands and file transfer on the task's target,
/// over the task's connection, with the task's `become` and environment.
/// Valid only until `srplay_plugin_call` returns.
#[repr(C)]
pub struct HostCallbacks {
    /// The host's [`ABI_VERSION`].
    pub abi: u32,
    /// Opaque; passed back to every function below.
    pub ctx: *mut c_void,
    /// Run a command: [`crate::wire::ExecCall`] -> [`crate::wire::ExecReply`].
    pub exec: HostFn,
    /// Write a file atomically: [`crate::wire::PutCall`] -> `{}`.
    pub put: HostFn,
    /// Read a file: [`crate::wire::GetCall`] -> [`crate::wire::GetReply`].
    pub get: HostFn,
    /// Free a reply returned by `exec`, `put` or `get`.
    pub free: unsafe extern "C" fn(ctx: *mut c_void, s: *mut c_char),
}
