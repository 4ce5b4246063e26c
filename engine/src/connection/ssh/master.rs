//! One ssh master per host: started by us (`ssh -M -S <ctl> -f -N`) so that
//! any argument the user gives reaches it, then driven over its control
//! socket with the native mux protocol.

use super::SshTarget;
use crate::connection::ConnectionError;
use openssh::Session;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// How long an idle master waits for the next command before exiting on
/// its own. It is killed at `close()`/drop anyway; this only bounds how long
/// masters of a SIGKILLed srplay linger. An expired master is reopened.
pub const CONTROL_PERSIST: Duration = Duration::from_secs(600);
/// Detect a host that vanished without closing TCP within about a minute.
const SERVER_ALIVE_INTERVAL_SECS: u32 = 15;
const SERVER_ALIVE_COUNT_MAX: u32 = 4;

/// The master's command line. The user's `common_args`/`extra_args` come
/// before our defaults because ssh keeps the first value it sees for an
/// option: `-o StrictHostKeyChecking=accept-new` in `ansible_ssh_common_args`
/// wins, while `-M -S -f -N`, `ControlPersist` and `BatchMode` cannot be
/// overridden (`~/.ssh/config` still applies to everything else).
pub fn master_args(t: &SshTarget, ctl: &Path, log: &Path) -> Vec<OsString> {
    let mut a: Vec<OsString> = Vec::new();
    let opt = |a: &mut Vec<OsString>, s: String| {
        a.push("-o".into());
        a.push(s.into());
    };
    a.push("-M".into());
    a.push("-S".into());
    a.push(ctl.into());
    a.push("-f".into());
    a.push("-N".into());
    a.push("-E".into());
    a.push(log.into());
    opt(
        &mut a,
        format!("ControlPersist={}s", CONTROL_PERSIST.as_secs()),
    );
    opt(&mut a, "BatchMode=yes".into());
    a.extend(t.common_args.iter().map(OsString::from));
    a.extend(t.extra_args.iter().map(OsString::from));
    let strict = if t.host_key_checking { "yes" } else { "no" };
    opt(&mut a, format!("StrictHostKeyChecking={strict}"));
    if let Some(kh) = &t.known_hosts_file {
        let mut o = OsString::from("UserKnownHostsFile=");
        o.push(kh);
        a.push("-o".into());
        a.push(o);
    }
    let secs = t.connect_timeout.as_secs_f64().ceil().max(1.0) as u64;
    opt(&mut a, format!("ConnectTimeout={secs}"));
    opt(
        &mut a,
        format!("ConnectionAttempts={}", t.connection_attempts.max(1)),
    );
    opt(
        &mut a,
        format!("ServerAliveInterval={SERVER_ALIVE_INTERVAL_SECS}"),
    );
    opt(
        &mut a,
        format!("ServerAliveCountMax={SERVER_ALIVE_COUNT_MAX}"),
    );
    if let Some(p) = t.port {
        a.push("-p".into());
        a.push(p.to_string().into());
    }
    if let Some(u) = &t.user {
        a.push("-l".into());
        a.push(u.into());
    }
    if let Some(k) = &t.private_key_file {
        a.push("-i".into());
        a.push(k.into());
    }
    a.push("--".into());
    a.push(t.host.clone().into());
    a
}

/// A running master and the session attached to its control socket.
#[derive(Debug)]
pub struct Master {
    pub session: Session,
    pub pid: u32,
    ctl: PathBuf,
    log: PathBuf,
    /// Bytes of the log written during connect; later ones explain a loss.
    log_seen: u64,
}

impl Master {
    /// Start the master and wait until it is authenticated and listening.
    pub async fn start(
        t: &SshTarget,
        ctl: PathBuf,
        log: PathBuf,
    ) -> Result<Master, ConnectionError> {
        let _ = std::fs::remove_file(&ctl);
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        let mut child = tokio::process::Command::new(&t.ssh_executable)
            .args(master_args(t, &ctl, &log))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                ConnectionError::Unreachable(format!(
                    "could not run the ssh client {}: {e}",
                    t.ssh_executable.display()
                ))
            })?;
        // ssh enforces ConnectTimeout per attempt; this guards against
        // anything else hanging (a ProxyCommand, a stuck agent).
        let limit = t.connect_timeout * t.connection_attempts.max(1) + Duration::from_secs(10);
        let status = match tokio::time::timeout(limit, child.wait()).await {
            Ok(status) => status?,
            Err(_) => {
                let _ = child.kill().await;
                return Err(unreachable(format!(
                    "timed out after {}s waiting for ssh to connect",
                    limit.as_secs()
                )));
            }
        };
        if !status.success() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(unreachable(reason_from_log(&text, status.code())));
        }
        let pid = alive_pid(&ctl).await.map_err(|e| {
            unreachable(format!(
                "ssh connected but its control socket does not answer: {e}"
            ))
        })?;
        let log_seen = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let session = Session::resume_mux(
            ctl.clone().into_boxed_path(),
            Some(log.clone().into_boxed_path()),
        );
        Ok(Master {
            session,
            pid,
            ctl,
            log,
            log_seen,
        })
    }

    pub fn control_path(&self) -> &Path {
        &self.ctl
    }

    /// Whether the master still answers on its control socket.
    pub async fn is_alive(&self) -> bool {
        alive_pid(&self.ctl).await.is_ok()
    }

    /// What ssh logged since it connected (why it went away), cleaned up.
    pub fn news(&self) -> String {
        use std::io::{Read, Seek, SeekFrom};
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            if f.seek(SeekFrom::Start(self.log_seen)).is_ok() {
                let _ = f.take(64 * 1024).read_to_string(&mut text);
            }
        }
        let lines = meaningful_lines(&text);
        if lines.is_empty() {
            "the ssh master exited without saying why (the host closed the connection, \
             rebooted or stopped answering)"
                .to_string()
        } else {
            lines.join("\n")
        }
    }

    /// Stop the master and wait (briefly) until the process is gone.
    pub async fn shutdown(&self) {
        signal(self.pid, libc::SIGTERM);
        for _ in 0..100 {
            if !process_exists(self.pid) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if process_exists(self.pid) {
            signal(self.pid, libc::SIGKILL);
        }
        self.remove_files();
    }

    /// Synchronous stop for `Drop`: signal and forget.
    pub fn kill_now(&self) {
        signal(self.pid, libc::SIGTERM);
        self.remove_files();
    }

    fn remove_files(&self) {
        let _ = std::fs::remove_file(&self.ctl);
        let _ = std::fs::remove_file(&self.log);
    }
}

fn unreachable(reason: String) -> ConnectionError {
    ConnectionError::Unreachable(format!("Failed to connect to the host via ssh: {reason}"))
}

/// The pid of the master listening on `ctl` (mux "alive check"). A master
/// that does not answer within a few seconds counts as dead.
async fn alive_pid(ctl: &Path) -> Result<u32, String> {
    let check = async {
        let mut conn = openssh_mux_client::Connection::connect(ctl).await?;
        Ok::<_, openssh_mux_client::Error>(conn.send_alive_check().await?.get())
    };
    match tokio::time::timeout(Duration::from_secs(5), check).await {
        Ok(Ok(pid)) => Ok(pid),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 5 s".to_string()),
    }
}

/// ssh's own explanation, minus banners and noise.
pub fn reason_from_log(text: &str, code: Option<i32>) -> String {
    let lines = meaningful_lines(text);
    if lines.is_empty() {
        match code {
            Some(c) => format!("ssh exited with status {c} without saying why"),
            None => "ssh was killed by a signal".to_string(),
        }
    } else {
        lines.join("\n")
    }
}

fn meaningful_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim().trim_matches('@').trim())
        .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
        .map(str::to_string)
        .collect()
}

fn signal(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) has no memory-safety preconditions; pid is > 0.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// True while `pid` exists and is not a zombie.
pub fn process_exists(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // "pid (comm) S ...": the state follows the last ')'.
            let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
            !matches!(state.and_then(|s| s.chars().next()), Some('Z') | Some('X'))
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(t: &SshTarget) -> Vec<String> {
        master_args(
            t,
            Path::new("/tmp/srplay-0/1-0/m0"),
            Path::new("/tmp/srplay-0/1-0/m0.log"),
        )
        .into_iter()
        .map(|a| a.into_string().unwrap())
        .collect()
    }

    #[test]
    fn master_command_line_for_a_plain_target() {
        let got = args(&SshTarget::new("fe1"));
        let want = "-M -S /tmp/srplay-0/1-0/m0 -f -N -E /tmp/srplay-0/1-0/m0.log \
            -o ControlPersist=600s -o BatchMode=yes -o StrictHostKeyChecking=yes \
            -o ConnectTimeout=10 -o ConnectionAttempts=1 -o ServerAliveInterval=15 \
            -o ServerAliveCountMax=4 -- fe1";
        assert_eq!(got.join(" "), want);
    }

    #[test]
    fn user_args_come_first_so_they_win() {
        let mut t = SshTarget::new("10.0.0.1");
        t.port = Some(2222);
        t.user = Some("sr".into());
        t.private_key_file = Some("/k/id".into());
        t.host_key_checking = false;
        t.known_hosts_file = Some("/k/known".into());
        t.common_args = vec!["-o".into(), "StrictHostKeyChecking=accept-new".into()];
        t.extra_args = vec!["-v".into()];
        let got = args(&t).join(" ");
        let user = got.find("StrictHostKeyChecking=accept-new").unwrap();
        let ours = got.find("StrictHostKeyChecking=no").unwrap();
        assert!(user < ours, "{got}");
        assert!(
            got.contains("-o BatchMode=yes -o StrictHostKeyChecking=accept-new -v -o"),
            "{got}"
        );
        assert!(got.ends_with("-p 2222 -l sr -i /k/id -- 10.0.0.1"), "{got}");
        assert!(got.contains("-o UserKnownHostsFile=/k/known"), "{got}");
    }

    #[test]
    fn reasons_keep_what_ssh_said_and_drop_noise() {
        let cases = [
            (
                "ssh: connect to host 127.0.2.1 port 4: Connection refused\r\n",
                "ssh: connect to host 127.0.2.1 port 4: Connection refused",
            ),
            (
                "Warning: Permanently added '[h]:22' (ED25519) to the list of known hosts.\n\
                 root@h: Permission denied (publickey).\n",
                "root@h: Permission denied (publickey).",
            ),
            (
                "@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@\n\
                 Host key verification failed.\n",
                "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!\nHost key verification failed.",
            ),
            ("", "ssh exited with status 255 without saying why"),
        ];
        for (log, want) in cases {
            assert_eq!(reason_from_log(log, Some(255)), want);
        }
    }

    #[test]
    fn own_process_exists_and_a_missing_one_does_not() {
        assert!(process_exists(std::process::id()));
        assert!(!process_exists(99_999_999));
    }
}
