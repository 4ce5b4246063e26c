//! Errors with a source position, rendered like rustc / just:
//!
//! ```text
//! error: unknown option `lien` for module `lineinfile` (did you mean `line`?)
//!  --> play.yml:42:9
//!    |
//! 42 |         lien: hello
//!    |         ^^^^
//! ```

use crate::yaml::{Pos, YamlError};
use std::fmt;

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub msg: String,
    pub pos: Pos,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(msg: impl Into<String>, pos: &Pos) -> Self {
        Diagnostic {
            msg: msg.into(),
            pos: pos.clone(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// The full multi-line rendering (without a trailing newline).
    pub fn render(&self) -> String {
        let mut out = format!("error: {}", self.msg);
        if self.pos.line > 0 {
            out.push_str(&format!("\n --> {}", self.pos));
            if let Some(line) = source_line(&self.pos) {
                let num = self.pos.line.to_string();
                let pad = " ".repeat(num.len());
                let (src, col) = excerpt(&line, self.pos.col.max(1));
                let caret_len = token_len(&src, col);
                out.push_str(&format!(
                    "\n{pad} |\n{num} | {src}\n{pad} | {}{}",
                    " ".repeat(col - 1),
                    "^".repeat(caret_len)
                ));
            }
        } else if !self.pos.file.as_os_str().is_empty() {
            out.push_str(&format!("\n --> {}", self.pos));
        }
        if let Some(h) = &self.hint {
            out.push_str(&format!("\n  = help: {h}"));
        }
        out
    }
}

impl Diagnostic {
    /// Ansible's rendering, for errors met while running (the run's
    /// `[ERROR]: ` line comes first): the message, `Origin: file:line:col`,
    /// the source lines up to it with a caret, then the hint.
    pub fn render_origin(&self) -> String {
        let mut out = self.msg.clone();
        if !self.pos.file.as_os_str().is_empty() {
            out.push_str(&format!("\nOrigin: {}\n", self.pos));
            out.push_str(crate::output::source_excerpt(&self.pos).trim_end());
        }
        if let Some(h) = &self.hint {
            out.push_str(&format!("\n\n{h}"));
        }
        out
    }
}

fn source_line(pos: &Pos) -> Option<String> {
    let text = std::fs::read_to_string(pos.path()).ok()?;
    text.lines()
        .nth(pos.line - 1)
        .map(|l| l.trim_end().to_string())
}

/// Longest source line shown whole; longer ones (minified JSON, a
/// generated file) are cut to a window around the column.
const MAX_EXCERPT_CHARS: usize = 120;

/// The part of `line` to show and the column within it.
fn excerpt(line: &str, col: usize) -> (String, usize) {
    let len = line.chars().count();
    if len <= MAX_EXCERPT_CHARS {
        return (line.to_string(), col);
    }
    let start = col
        .saturating_sub(MAX_EXCERPT_CHARS / 2)
        .min(len.saturating_sub(MAX_EXCERPT_CHARS));
    let mut shown: String = line.chars().skip(start).take(MAX_EXCERPT_CHARS).collect();
    let mut col = col - start;
    if start > 0 {
        shown.insert_str(0, "...");
        col += 3;
    }
    if start + MAX_EXCERPT_CHARS < len {
        shown.push_str("...");
    }
    (shown, col)
}

/// Length of the token starting at `col` (a key, a word), at least 1.
fn token_len(line: &str, col: usize) -> usize {
    let rest: String = line.chars().skip(col - 1).collect();
    let n = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ':' && *c != ',')
        .count();
    n.max(1)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl From<YamlError> for Diagnostic {
    fn from(e: YamlError) -> Self {
        Diagnostic {
            msg: e.msg,
            pos: e.pos,
            hint: e.hint,
        }
    }
}

/// The engine's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input found while loading (exit 1), one or more.
    #[error("{}", .0.iter().map(Diagnostic::render).collect::<Vec<_>>().join("\n\n"))]
    Load(Vec<Diagnostic>),
    /// Anything else that stops a run (exit 1).
    #[error("{0}")]
    Other(String),
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error::Load(vec![d])
    }
}
