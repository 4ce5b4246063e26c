//! The private directory holding ssh control sockets and master logs.
//!
//! Unix socket paths are limited to 108 bytes (and ssh appends 17 bytes
//! while binding), so the directory is short: `$XDG_RUNTIME_DIR/srplay` or
//! `/tmp/srplay-<uid>`, mode 0700, with one subdirectory per srplay process
//! (`r<pid>-<n>`, mode 0700) that is removed when the process is done with it.

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
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
        let path = base.join(format!("r{}-{n}", std::process::id()));
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

/// Create `dir` with mode 0700 if missing, and refuse one that is not a
/// directory we own. An existing directory is never chmod-ed (it may be a
/// shared one like `/tmp`); the per-run subdirectory is what is private.
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
    Ok(())
}

/// `r<pid>-<n>`: the name of a run directory, and the pid that made it.
fn run_dir_pid(name: &str) -> Option<u32> {
    let (pid, n) = name.strip_prefix('r')?.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Remove run directories left by srplay processes that no longer exist
/// (killed with SIGKILL); their masters exit on their own idle timeout.
/// Only directories that look exactly like ours are touched: our name
/// pattern, our uid, nothing inside but `m<k>` sockets and logs.
fn remove_stale_runs(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    // SAFETY: getuid cannot fail and has no preconditions.
    let uid = unsafe { libc::getuid() };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(run_dir_pid) else {
            continue;
        };
        let ours = entry.metadata().is_ok_and(|m| {
            m.is_dir() && m.uid() == uid && !entry.file_type().is_ok_and(|t| t.is_symlink())
        });
        if !ours || pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let only_ours = fs::read_dir(entry.path()).is_ok_and(|files| {
            files.flatten().all(|f| {
                let name = f.file_name();
                let name = name.to_string_lossy();
                let stem = name.strip_suffix(".log").unwrap_or(&name);
                stem.strip_prefix('m')
                    .is_some_and(|k| k.parse::<u64>().is_ok())
            })
        });
        if only_ours {
            stop_masters_in(&entry.path());
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Ask every master still listening in a dead run's directory to exit
/// (`ssh -O exit`): otherwise it would hold its connection open until its
/// `ControlPersist` idle timeout.
fn stop_masters_in(run_dir: &Path) {
    use std::os::unix::fs::FileTypeExt;
    let Ok(files) = fs::read_dir(run_dir) else {
        return;
    };
    for f in files.flatten() {
        if !f.file_type().is_ok_and(|t| t.is_socket()) {
            continue;
        }
        let _ = std::process::Command::new("ssh")
            .arg("-S")
            .arg(f.path())
            .args(["-O", "exit", "srplay-stale-master"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
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
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(base.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let dir = ControlDir::create(Some(base.path())).unwrap();
        let mode = fs::metadata(dir.path()).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);
        // An existing base keeps its permissions (it may be shared).
        let base_mode = fs::metadata(base.path()).unwrap().mode() & 0o777;
        assert_eq!(base_mode, 0o755);
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
        let stale = base.path().join("r99999999-0");
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("m0.log"), "").unwrap();
        // Not ours: other names, or foreign files inside.
        let other = base.path().join("99999999-0");
        fs::create_dir(&other).unwrap();
        let foreign = base.path().join("r99999999-1");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("notes.txt"), "keep").unwrap();
        let _dir = ControlDir::create(Some(base.path())).unwrap();
        assert!(!stale.exists());
        assert!(other.exists() && foreign.exists());
    }
}
