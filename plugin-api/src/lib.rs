//! srplay-plugin-api: write srplay modules as dynamic libraries.
//!
//! A plugin is a `cdylib` exporting four `extern "C"` functions (the ABI,
//! see [`abi`]). Strings cross the boundary as NUL-terminated JSON, so the
//! host and the plugin may be built by different compilers; memory is
//! always freed by the side that allocated it.
//!
//! Rust authors never write those functions by hand: implement
//! [`PluginModule`] for each module and export them with one line:
//!
//! ```text
//! srplay_plugin_api::export_plugin!("hello", "0.1.0", [Hello, Other]);
//! ```
//!
//! This crate has no dependency on the srplay engine: a plugin depends on
//! this crate only.

pub mod abi;
mod export;
mod host;
mod manifest;
mod panic_capture;
mod request;
pub mod wire;

pub use abi::{HostCallbacks, ABI_VERSION};
pub use host::{ExecResult, Host};
pub use manifest::{Manifest, ModuleDoc, OptionDoc, OptionType, ReturnDoc};
pub use request::{Diff, Request, Response};

/// Re-exported so plugins need not depend on serde_json themselves.
pub use serde_json;

/// One module of a plugin.
///
/// `Default` builds the value each call runs on; keep per-call state in
/// locals, since the host may call a module from several threads at once.
pub trait PluginModule: Default {
    /// The module's name in playbooks (`hello:`).
    const NAME: &'static str;

    /// Description and options, used by the host to check arguments when
    /// the playbook is loaded and by `srplay doc`. The name is taken from
    /// [`NAME`](Self::NAME).
    fn doc() -> ModuleDoc;

    /// Act on one host. `req.args` are already checked and normalized
    /// against [`doc`](Self::doc) (defaults applied, types coerced).
    /// Honour `req.check_mode` (change nothing) and `req.diff`. An `Err`
    /// becomes a failed task with the message.
    fn run(&self, req: &Request, host: &Host<'_>) -> Result<Response, String>;
}

#[doc(hidden)]
pub mod __private {
    pub use crate::export::{call, entry, free, manifest, Entry};
}
