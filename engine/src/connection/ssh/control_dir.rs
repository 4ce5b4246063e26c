//! The private directory holding ssh control sockets and master logs.
//!
//! Unix socket paths are limited to 108 bytes (and ssh appends 17 bytes
//! while binding), so the directory is short: `$XDG_RUNTIME_DIR/srplay` or
//! `/tmp/srplay-<uid>`, mode 0700, with one subdirectory per srplay process
//! (`<pid>-<n>`) that is removed when the process is done with it.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::{fs, io};

/// `sun_path` is 108 bytes including the NUL; ssh binds `<path>.<16 random>`.
const MAX_SOCKET_PATH: usize = 107 - 17;
/// Room for the socket's own name inside the run directory (`/m123456`).
const SOCKET_NAME_ROOM: usize = 8;

#[derive(Debug)]
pub struct ControlDir {
    path: PathBuf,
    next: AtomicU64,
}

impl ControlDir {
    /// A fresh run directory under `base` (or the default base).
    pub fn create(base: Option<&Path>) -> io::Result<Arc<ControlDir>> {
        let base = match base {
            Some(b) => b.to_path_buf(),
            None => default_base(),
        };
        ensure_private_dir(&base)?;
        remove_stale_runs(&base);
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let n = RUNS.fetch_add(1, Ordering::Relaxed);
        let path = base.join(format!("{}-{n}", std::process::id()));
        if path.as_os_str().len() + SOCKET_NAME_ROOM > MAX_SOCKET_PATH {
            return Err(io::Error::other(format!(
                "ssh control directory {} is too long for a unix socket path \
                 (limit about {MAX_SOCKET_PATH} bytes); set ANSIBLE_SSH_CONTROL_PATH_DIR \
                 to a shorter directory such as /tmp/srplay",
                path.display()
            )));
        }
        let _ = fs::remove_dir_all(&path);
        fs::DirBuilder::new().mode(0o700).create(&path)?;
        Ok(Arc::new(ControlDir {
            path,
            next: AtomicU64::new(0),
        }))
    }

    /// The run directory shared by every connection of this process under
    /// `base` (or the default base); created on first use, removed when
    /// its last user is dropped.
    pub fn shared_in(base: Option<&Path>) -> io::Result<Arc<ControlDir>> {
        type Shared = Mutex<Vec<(Option<PathBuf>, Weak<ControlDir>)>>;
        static SHARED: Shared = Mutex::new(Vec::new());
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        shared.retain(|(_, w)| w.strong_count() > 0);
        let key = base.map(Path::to_path_buf);
        if let Some(dir) = shared
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, w)| w.upgrade())
        {
            return Ok(dir);
        }
        let dir = ControlDir::create(base)?;
        shared.push((key, Arc::downgrade(&dir)));
        Ok(dir)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A new, unused (socket path, log path) pair for one master.
    pub fn allocate(&self) -> (PathBuf, PathBuf) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        (
            self.path.join(format!("m{n}")),
            self.path.join(format!("m{n}.log")),
        )
    }
}

impl Drop for ControlDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn default_base() -> PathBuf {
    if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR") {
        let run = PathBuf::from(run);
        let candidate = run.join("srplay");
        if run.is_absolute()
            && run.is_dir()
            && candidate.as_os_str().len() + 24 + SOCKET_NAME_ROOM <= MAX_SOCKET_PATH
        {
            return candidate;
        }
    }
    // SAFETY: getuid cannot fail and has no preconditions.
    let uid = unsafe { libc::getuid() };
    PathBuf::from(format!("/tmp/srplay-{uid}"))
}

/// Create `dir` with mode 0700 if missing, and refuse one that another
/// user could write to (sockets there would let them hijack sessions).
fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    match fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(dir)
    {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = fs::symlink_metadata(dir)?;
    // SAFETY: getuid cannot fail and has no preconditions.
    let uid = unsafe { libc::getuid() };
    if !meta.is_dir() || meta.uid() != uid {
        return Err(io::Error::other(format!(
            "ssh control directory {} is not a directory owned by uid {uid}; remove it or \
             set ANSIBLE_SSH_CONTROL_PATH_DIR",
            dir.display()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Remove run directories left by srplay processes that no longer exist
/// (killed with SIGKILL); their masters exit on their own idle timeout.
fn remove_stale_runs(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_dirs_are_private_short_and_removed_on_drop() {
        let base = tempfile::Builder::new()
            .prefix("cd")
            .tempdir_in("/tmp")
            .unwrap();
        let dir = ControlDir::create(Some(base.path())).unwrap();
        let mode = fs::metadata(dir.path()).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let (sock, log) = dir.allocate();
        let (sock2, _) = dir.allocate();
        assert_ne!(sock, sock2);
        assert_eq!(log.parent(), Some(dir.path()));
        assert!(sock.as_os_str().len() <= MAX_SOCKET_PATH);
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn too_long_base_is_refused_with_a_hint() {
        let long = format!("/tmp/{}", "x".repeat(100));
        let err = ControlDir::create(Some(Path::new(&long))).unwrap_err();
        assert!(
            err.to_string().contains("ANSIBLE_SSH_CONTROL_PATH_DIR"),
            "{err}"
        );
        let _ = fs::remove_dir_all(&long);
    }

    #[test]
    fn stale_run_dirs_of_dead_processes_are_removed() {
        let base = tempfile::Builder::new()
            .prefix("cd")
            .tempdir_in("/tmp")
            .unwrap();
        // pid_max is at most 2^22, so this pid cannot exist.
        let stale = base.path().join("99999999-0");
        fs::create_dir(&stale).unwrap();
        let _dir = ControlDir::create(Some(base.path())).unwrap();
        assert!(!stale.exists());
    }
}
