//! Atomic file writes and reads built on `exec`, shared by every transport.

use super::{Become, Connection, ConnectionError, ExecRequest, Stdin};
use crate::shell::quote;
use std::path::PathBuf;

/// Where the bytes of a `put` come from.
#[derive(Debug, Clone)]
pub enum PutSource {
    Bytes(Vec<u8>),
    /// Streamed from a controller-side file (large files never sit in memory).
    File(PathBuf),
}

/// Attributes to set on a written file; `None` keeps the existing file's
/// value (or the umask default for a new file), as Ansible does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileAttrs {
    /// Anything `chmod` accepts: `0644`, `u=rw,g=r,o=r`.
    pub mode: Option<String>,
    pub owner: Option<String>,
    pub group: Option<String>,
}

/// The marker in temp-file names; a later write to the same destination
/// removes leftovers of an interrupted one.
pub const TEMP_MARKER: &str = ".srplay-tmp-";

/// The shell script that writes stdin to `dest` atomically.
pub fn atomic_write_script(dest: &str, attrs: &FileAttrs) -> String {
    let d = quote(dest);
    let mut s = format!(
        "dest={d}; dir=$(dirname -- \"$dest\"); base=$(basename -- \"$dest\"); \
         rm -f -- \"$dir\"/.\"$base\"{TEMP_MARKER}* 2>/dev/null; \
         tmp=$(mktemp \"$dir/.$base{TEMP_MARKER}XXXXXX\") || exit 1; \
         trap 'rm -f -- \"$tmp\"' EXIT HUP INT TERM; \
         cat > \"$tmp\" || exit 1; \
         if [ -e \"$dest\" ]; then chmod --reference=\"$dest\" \"$tmp\" 2>/dev/null; \
         chown --reference=\"$dest\" \"$tmp\" 2>/dev/null; \
         else m=$(umask); chmod \"$(printf '%o' $((0666 & ~m)))\" \"$tmp\"; fi; "
    );
    if let Some(mode) = &attrs.mode {
        s.push_str(&format!("chmod {} \"$tmp\" || exit 1; ", quote(mode)));
    }
    match (&attrs.owner, &attrs.group) {
        (Some(o), Some(g)) => s.push_str(&format!(
            "chown {} \"$tmp\" || exit 1; ",
            quote(&format!("{o}:{g}"))
        )),
        (Some(o), None) => s.push_str(&format!("chown {} \"$tmp\" || exit 1; ", quote(o))),
        (None, Some(g)) => s.push_str(&format!("chgrp {} \"$tmp\" || exit 1; ", quote(g))),
        (None, None) => {}
    }
    s.push_str("mv -f -- \"$tmp\" \"$dest\" || exit 1; trap - EXIT HUP INT TERM");
    s
}

pub(crate) async fn put_via_exec<C: Connection + ?Sized>(
    conn: &C,
    src: PutSource,
    dest: &str,
    attrs: &FileAttrs,
    r#become: Option<Become>,
) -> Result<(), ConnectionError> {
    let stdin = match src {
        PutSource::Bytes(b) => Stdin::Bytes(b),
        PutSource::File(p) => Stdin::File(p),
    };
    let req = ExecRequest::new(atomic_write_script(dest, attrs))
        .stdin(stdin)
        .become_as(r#become);
    let out = conn.exec(req).await?;
    if out.success() {
        Ok(())
    } else {
        Err(ConnectionError::Other(format!(
            "could not write {dest}: {}",
            out.stderr_str().trim()
        )))
    }
}

pub(crate) async fn get_via_exec<C: Connection + ?Sized>(
    conn: &C,
    path: &str,
    r#become: Option<Become>,
) -> Result<Vec<u8>, ConnectionError> {
    let req = ExecRequest::new(format!("cat -- {}", quote(path))).become_as(r#become);
    let out = conn.exec(req).await?;
    if out.success() {
        Ok(out.stdout)
    } else {
        Err(ConnectionError::Other(format!(
            "could not read {path}: {}",
            out.stderr_str().trim()
        )))
    }
}
