//! `ansible_connection=local`: run on the controller itself.

use super::{Connection, ConnectionError, ExecOutput, ExecRequest, Stdin};
use async_trait::async_trait;
use std::process::Stdio;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

#[derive(Debug, Default, Clone)]
pub struct LocalConnection;

impl LocalConnection {
    pub fn new() -> Self {
        LocalConnection
    }

    /// A local connection whose commands run in `dir`: ansible-core runs
    /// local modules with the playbook's directory as cwd, so relative
    /// paths land there.
    pub fn in_dir(dir: impl Into<std::path::PathBuf>) -> LocalDirConnection {
        LocalDirConnection { cwd: dir.into() }
    }
}

/// [`LocalConnection`] with a working directory for its commands.
#[derive(Debug, Clone)]
pub struct LocalDirConnection {
    cwd: std::path::PathBuf,
}

#[async_trait]
impl Connection for LocalConnection {
    fn transport(&self) -> &'static str {
        "local"
    }

    async fn exec(&self, req: ExecRequest) -> Result<ExecOutput, ConnectionError> {
        exec_local(req, None).await
    }
}

#[async_trait]
impl Connection for LocalDirConnection {
    fn transport(&self) -> &'static str {
        "local"
    }

    async fn exec(&self, req: ExecRequest) -> Result<ExecOutput, ConnectionError> {
        exec_local(req, Some(&self.cwd)).await
    }
}

/// Run `req` with `/bin/sh` on this machine, in `cwd` when given.
async fn exec_local(
    req: ExecRequest,
    cwd: Option<&std::path::Path>,
) -> Result<ExecOutput, ConnectionError> {
    let (script, prefix) = req.render();
    let mut cmd = Command::new("/bin/sh");
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd
        .arg("-c")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // A stopped task (its future dropped when a run is interrupted)
    // takes everything its command started along (`kill_on_drop` would
    // kill the shell alone, first, orphaning its children).
    let mut tree = TreeGuard(child.id());
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let feed = async move {
        if let Some(p) = prefix {
            stdin.write_all(&p).await?;
        }
        match req.stdin {
            Stdin::Null => {}
            Stdin::Bytes(b) => stdin.write_all(&b).await?,
            Stdin::File(path) => {
                let mut f = tokio::fs::File::open(path).await?;
                tokio::io::copy(&mut f, &mut stdin).await?;
            }
        }
        stdin.shutdown().await?;
        Ok::<_, std::io::Error>(())
    };
    let (fed, out) = tokio::join!(feed, child.wait_with_output());
    // Finished: what it left running in the background (a daemon it
    // started) is meant to stay.
    tree.0 = None;
    let out = out?;
    // A command that exits without reading its stdin breaks the pipe;
    // that is the command's business, not a transport error.
    if let Err(e) = fed {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    Ok(ExecOutput {
        rc: exit_code(&out.status),
        stdout: out.stdout,
        stderr: out.stderr,
    })
}

/// Kills an unfinished command and its descendants when dropped.
struct TreeGuard(Option<u32>);

impl Drop for TreeGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            super::proc_tree::kill_tree(pid);
        }
    }
}

/// Shell convention: a command killed by signal N reports 128+N.
fn exit_code(status: &std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::{FileAttrs, PutSource};

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn in_dir_runs_commands_there() {
        let dir = tempfile::tempdir().unwrap();
        let req = ExecRequest::new("pwd");
        let out = rt()
            .block_on(LocalConnection::in_dir(dir.path()).exec(req))
            .unwrap();
        let got = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(
            std::fs::canonicalize(got).unwrap(),
            dir.path().canonicalize().unwrap()
        );
    }

    #[test]
    fn exec_returns_rc_stdout_stderr_and_reads_stdin() {
        let out = rt()
            .block_on(LocalConnection.exec(
                ExecRequest::new("cat; echo err >&2; exit 3").stdin(Stdin::Bytes(b"hi".to_vec())),
            ))
            .unwrap();
        assert_eq!(out.rc, 3);
        assert_eq!(out.stdout, b"hi");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn env_and_chdir_apply() {
        let dir = tempfile::tempdir().unwrap();
        let mut req = ExecRequest::new("echo \"$GREETING\" && pwd");
        req.env = vec![("GREETING".into(), "it's me".into())];
        req.chdir = Some(dir.path().to_str().unwrap().into());
        let out = rt().block_on(LocalConnection.exec(req)).unwrap();
        let canon = dir.path().canonicalize().unwrap();
        assert_eq!(out.stdout_str(), format!("it's me\n{}\n", canon.display()));
    }

    #[test]
    fn environment_values_travel_on_stdin_not_argv() {
        // (name, value): odd values, and a name only `env` can set.
        let env = vec![
            ("A".to_string(), "secret one".to_string()),
            ("B_2".to_string(), "line\n\n".to_string()),
            ("EMPTY".to_string(), String::new()),
            ("Q".to_string(), "it's $HOME `x` \\".to_string()),
            ("MY-VAR".to_string(), "dash".to_string()),
        ];
        let mut req =
            ExecRequest::new("printf '%s|%s|%s|%s|' \"$A\" \"$B_2\" \"$EMPTY\" \"$Q\"; cat")
                .stdin(Stdin::Bytes(b"rest of stdin".to_vec()));
        req.env = env;
        let (line, _) = req.render();
        // dash drops such names from the environment it passes on; only
        // the rendering is checked for them.
        assert!(line.contains("env MY-VAR=dash /bin/sh -c"), "{line}");
        for secret in ["secret one", "it's $HOME"] {
            assert!(!line.contains(secret), "{secret} in argv: {line}");
        }
        let out = rt().block_on(LocalConnection.exec(req)).unwrap();
        assert_eq!(
            out.stdout_str(),
            "secret one|line\n\n||it's $HOME `x` \\|rest of stdin",
            "{}",
            out.stderr_str()
        );
    }

    fn alive(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        })
    }

    #[test]
    fn a_stopped_command_takes_its_children_along() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let cmd = format!("sleep 600 & echo $! > {}; wait", pidfile.display());
        rt().block_on(async {
            let run = LocalConnection.exec(ExecRequest::new(cmd));
            let appeared = async {
                while std::fs::read_to_string(&pidfile).map_or(true, |s| !s.ends_with('\n')) {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            };
            tokio::select! {
                _ = run => panic!("the command ended by itself"),
                _ = appeared => {}
            }
        });
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        for _ in 0..500 {
            if !alive(pid) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("the stopped command's child {pid} is still running");
    }

    #[test]
    fn a_daemon_started_by_a_finished_command_stays() {
        let out = rt()
            .block_on(LocalConnection.exec(ExecRequest::new(
                "sleep 600 >/dev/null 2>&1 </dev/null & echo $!",
            )))
            .unwrap();
        let pid: i32 = out.stdout_str().trim().parse().unwrap();
        let still = alive(pid);
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
        assert!(still, "the daemon was killed with its finished parent");
    }

    #[test]
    fn put_is_atomic_keeps_mode_and_cleans_stale_temps() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("fe.conf");
        std::fs::write(&dest, "old").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o640)).unwrap();
        let stale = dir.path().join(".fe.conf.srplay-tmp-abc123");
        std::fs::write(&stale, "partial").unwrap();
        let d = dest.to_str().unwrap().to_string();
        rt().block_on(LocalConnection.put(
            PutSource::Bytes(b"new".to_vec()),
            &d,
            &FileAttrs::default(),
            None,
        ))
        .unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new");
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "stale temp file removed, no new one left");

        let attrs = FileAttrs {
            mode: Some("0600".into()),
            ..Default::default()
        };
        rt().block_on(LocalConnection.put(PutSource::Bytes(b"v3".to_vec()), &d, &attrs, None))
            .unwrap();
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o600);
        assert_eq!(rt().block_on(LocalConnection.get(&d, None)).unwrap(), b"v3");
    }

    #[test]
    fn put_into_missing_directory_fails_clearly() {
        let err = rt()
            .block_on(LocalConnection.put(
                PutSource::Bytes(vec![]),
                "/nonexistent-dir-srplay/x",
                &FileAttrs::default(),
                None,
            ))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("could not write /nonexistent-dir-srplay/x"),
            "{err}"
        );
    }
}
