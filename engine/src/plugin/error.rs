//! Why a module directory could not be loaded. Every message names the
//! file, so the user knows which one to fix or remove.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("cannot load plugin {path}: {reason}")]
    Open { path: PathBuf, reason: String },

    #[error("{path} is not an srplay plugin: it does not export `{symbol}` (build it with srplay_plugin_api::export_plugin!)")]
    MissingSymbol { path: PathBuf, symbol: &'static str },

    #[error("plugin {path} was built for plugin ABI {found}, this srplay speaks ABI {expected}: rebuild it against a srplay-plugin-api of this srplay's version")]
    AbiMismatch {
        path: PathBuf,
        found: u32,
        expected: u32,
    },

    #[error("plugin {path} has an invalid manifest: {reason}")]
    BadManifest { path: PathBuf, reason: String },

    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}
