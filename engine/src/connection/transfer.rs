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

/// Remove temp files of interrupted writes in `$dir` (the controller or
/// the target died mid-write, so nothing removed them). Temp names carry
/// the writing shell's pid (`.<name>.srplay-tmp-<pid>-XXXXXX`); a temp is
/// stale when that process is gone or a zombie (a SIGKILLed writer whose
/// parent died too is never reaped where PID 1 does not reap orphans,
/// e.g. in containers), or the name has no pid (older versions). Temps of the destination being written go at once; those
/// of other files in the directory only once untouched for a minute, so a
/// concurrent writer on another host sharing the directory (NFS), whose
/// pid means nothing here, is not disturbed while it writes.
const STALE_TEMP_CLEANUP: &str = "\
    for f in \"$dir\"/.*.srplay-tmp-*; do \
      [ -f \"$f\" ] || continue; \
      p=${f##*.srplay-tmp-}; p=${p%%-*}; \
      case $p in ''|*[!0-9]*) ;; *) \
        if [ -r \"/proc/$p/stat\" ]; then \
          s=$(cat \"/proc/$p/stat\" 2>/dev/null); s=${s##*) }; \
          case $s in Z*|'') ;; *) continue;; esac; \
        elif kill -0 \"$p\" 2>/dev/null; then continue; fi;; \
      esac; \
      case $f in \
        \"$dir/.$base.srplay-tmp-\"*) rm -f -- \"$f\";; \
        *) [ -n \"$(find \"$f\" -prune -mmin +1 2>/dev/null)\" ] && rm -f -- \"$f\";; \
      esac; \
    done 2>/dev/null";

/// The shell script that writes stdin to `dest` atomically.
pub fn atomic_write_script(dest: &str, attrs: &FileAttrs) -> String {
    atomic_write_script_checked(dest, attrs, None)
}

/// [`atomic_write_script`] that also refuses to install the file unless
/// exactly `expected_len` bytes arrived. A transport that breaks mid-way
/// (the controller killed, the network cut) can close the remote stdin
/// cleanly, and `cat` cannot tell that EOF from the real end.
pub fn atomic_write_script_checked(
    dest: &str,
    attrs: &FileAttrs,
    expected_len: Option<u64>,
) -> String {
    let d = quote(dest);
    let mut s = format!(
        "dest={d}; dir=$(dirname -- \"$dest\"); base=$(basename -- \"$dest\"); \
         {}; \
         tmp=$(mktemp \"$dir/.$base{TEMP_MARKER}$$-XXXXXX\") || exit 1; \
         trap 'rm -f -- \"$tmp\"' EXIT HUP INT TERM PIPE; \
         cat > \"$tmp\" || exit 1; ",
        STALE_TEMP_CLEANUP
    );
    if let Some(n) = expected_len {
        s.push_str(&format!(
            "got=$(wc -c < \"$tmp\") || exit 1; [ \"$got\" -eq {n} ] || \
             {{ echo \"transfer cut short: $got of {n} bytes arrived\" >&2; exit 1; }}; "
        ));
    }
    s.push_str(
        "\
         if [ -e \"$dest\" ]; then chmod --reference=\"$dest\" \"$tmp\" 2>/dev/null; \
         chown --reference=\"$dest\" \"$tmp\" 2>/dev/null; \
         else m=$(umask); chmod \"$(printf '%o' $((0666 & ~m)))\" \"$tmp\"; fi; ",
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
    s.push_str("mv -f -- \"$tmp\" \"$dest\" || exit 1; trap - EXIT HUP INT TERM PIPE");
    s
}

pub(crate) async fn put_via_exec<C: Connection + ?Sized>(
    conn: &C,
    src: PutSource,
    dest: &str,
    attrs: &FileAttrs,
    r#become: Option<Become>,
) -> Result<(), ConnectionError> {
    // The size is checked on arrival when known (not for a FIFO, say).
    let (stdin, len) = match src {
        PutSource::Bytes(b) => {
            let len = b.len() as u64;
            (Stdin::Bytes(b), Some(len))
        }
        PutSource::File(p) => {
            let len = match tokio::fs::metadata(&p).await {
                Ok(m) if m.is_file() => Some(m.len()),
                Ok(_) => None,
                Err(e) => {
                    return Err(ConnectionError::Io(std::io::Error::new(
                        e.kind(),
                        format!("{}: {e}", p.display()),
                    )))
                }
            };
            (Stdin::File(p), len)
        }
    };
    let req = ExecRequest::new(atomic_write_script_checked(dest, attrs, len))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    /// Run the write script locally with `input` on stdin.
    fn run_script(script: &str, input: &[u8]) -> std::process::Output {
        use std::io::Write;
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }

    #[test]
    fn stale_temp_files_of_dead_writers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let me = std::process::id();
        let dead = 99_999_999; // above pid_max: never a live process
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
        // (name, last modified long ago, removed)
        let cases = [
            (".f.srplay-tmp-abc123".to_string(), false, true),
            (format!(".f.srplay-tmp-{dead}-AAAAAA"), false, true),
            (format!(".f.srplay-tmp-{me}-BBBBBB"), true, false),
            (format!(".g.srplay-tmp-{dead}-CCCCCC"), false, false),
            (format!(".g.srplay-tmp-{dead}-DDDDDD"), true, true),
            (format!(".g.srplay-tmp-{me}-EEEEEE"), true, false),
            (".g.srplay-tmp-validate-1f".to_string(), true, true),
            ("notes.srplay-tmp-1".to_string(), true, false),
        ];
        for (name, aged, _) in &cases {
            let f = std::fs::File::create(dir.path().join(name)).unwrap();
            if *aged {
                f.set_modified(old).unwrap();
            }
        }
        let dest = dir.path().join("f");
        let script =
            atomic_write_script_checked(dest.to_str().unwrap(), &FileAttrs::default(), Some(3));
        let out = run_script(&script, b"new");
        assert!(out.status.success(), "{out:?}");
        for (name, _, removed) in &cases {
            assert_eq!(!dir.path().join(name).exists(), *removed, "{name}");
        }
        assert_eq!(std::fs::read(&dest).unwrap(), b"new");
    }

    #[test]
    fn size_check_table() {
        // (bytes expected, bytes that arrive, installed)
        let cases = [
            (None, 5, true),
            (Some(5), 5, true),
            (Some(9), 5, false),
            (Some(0), 0, true),
        ];
        for (expected, arrive, installed) in cases {
            let dir = tempfile::tempdir().unwrap();
            let dest = dir.path().join("f");
            std::fs::write(&dest, "old").unwrap();
            let script = atomic_write_script_checked(
                dest.to_str().unwrap(),
                &FileAttrs::default(),
                expected,
            );
            let out = run_script(&script, &b"hello"[..arrive]);
            let case = format!("expected {expected:?}, {arrive} arrive");
            assert_eq!(out.status.success(), installed, "{case}: {out:?}");
            let want: &[u8] = if installed {
                &b"hello"[..arrive]
            } else {
                b"old"
            };
            assert_eq!(std::fs::read(&dest).unwrap(), want, "{case}");
            if !installed {
                assert!(
                    String::from_utf8_lossy(&out.stderr).contains("transfer cut short"),
                    "{case}"
                );
            }
            let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
            assert_eq!(names.len(), 1, "{case}: no temp file left");
        }
    }
}
