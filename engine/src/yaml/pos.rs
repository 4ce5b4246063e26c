//! Where a node came from, and YAML errors pointing there.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A position in a source file: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pos {
    pub file: Arc<PathBuf>,
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub fn new(file: Arc<PathBuf>, line: usize, col: usize) -> Self {
        Pos { file, line, col }
    }

    /// A position for things that have no source (command-line values).
    pub fn none(what: &str) -> Self {
        Pos::new(Arc::new(PathBuf::from(what)), 0, 0)
    }

    pub fn path(&self) -> &Path {
        &self.file
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return write!(f, "{}", self.file.display());
        }
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// A YAML document that could not be read or typed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{msg}")]
pub struct YamlError {
    pub msg: String,
    pub pos: Pos,
    pub hint: Option<String>,
}

impl YamlError {
    pub fn new(msg: impl Into<String>, pos: Pos) -> Self {
        YamlError {
            msg: msg.into(),
            pos,
            hint: None,
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}
