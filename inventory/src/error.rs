//! The single error type of the crate. Every error that comes from a file
//! carries the file and, where known, the 1-based line, so the CLI can print
//! `hosts:12: invalid range web[05:01]` like a compiler would.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// Syntax or semantic error at a known place in an inventory or vars file.
    #[error("{}:{line}: {msg}", file.display())]
    Parse {
        file: PathBuf,
        line: usize,
        msg: String,
    },
    /// Error about a whole file (unreadable, wrong top-level shape...).
    #[error("{}: {msg}", file.display())]
    File { file: PathBuf, msg: String },
    /// Error in a host pattern (`--limit`, play `hosts:`).
    #[error("{0}")]
    Pattern(String),
    /// Error in the inventory as a whole (group loops, ...).
    #[error("{0}")]
    Inventory(String),
}

impl InventoryError {
    pub fn parse(file: impl Into<PathBuf>, line: usize, msg: impl Into<String>) -> Self {
        InventoryError::Parse {
            file: file.into(),
            line,
            msg: msg.into(),
        }
    }

    pub fn file(file: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        InventoryError::File {
            file: file.into(),
            msg: msg.into(),
        }
    }

    /// Whether this is a vault-encrypted vars file that could not be
    /// decrypted (no or wrong password): ansible-inventory exits 4 for it.
    pub fn is_vault_error(&self) -> bool {
        use crate::vault_files::{CANNOT_DECRYPT, NO_DECRYPTOR};
        matches!(self, InventoryError::File { msg, .. }
            if msg == NO_DECRYPTOR || msg.starts_with(CANNOT_DECRYPT))
    }
}

pub type Result<T> = std::result::Result<T, InventoryError>;
