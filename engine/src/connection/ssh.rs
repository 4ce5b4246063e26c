//! `ansible_connection=ssh`: agentless, over the system OpenSSH client.
//!
//! One multiplexed master per host, opened on first use and kept for the
//! whole run; every command, transfer and `become` goes over it as a mux
//! session running `/bin/sh -c <script>`. The system `ssh` does the
//! connecting, so `~/.ssh/config`, known_hosts, the agent and GSSAPI apply.

mod control_dir;
mod limits;
mod master;
mod pool;
mod run;
pub(crate) use run::RC_KILLED;
mod target;
mod words;

pub use control_dir::ControlDir;
pub use limits::raise_nofile_limit;
pub use master::CONTROL_PERSIST;
pub use pool::{Connections, DEFAULT_MAX_CONNECTING};
pub use target::{SshDefaults, SshTarget, DEFAULT_TIMEOUT};
pub use words::split_words;

use super::{Connection, ConnectionError, ExecOutput, ExecRequest};
use async_trait::async_trait;
use master::Master;
use run::RunError;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{Mutex, Semaphore};

/// Commands run at once over one master. sshd refuses sessions beyond its
/// `MaxSessions` (default 10); stay below it.
pub const MAX_CHANNELS_PER_HOST: usize = 8;

/// Refused session opens tolerated per command before giving up.
const MAX_SESSION_REFUSALS: u32 = 40;

/// 10 ms, 20 ms, 40 ms … up to half a second between session retries.
fn refusal_backoff(refusals: u32) -> std::time::Duration {
    std::time::Duration::from_millis((10u64 << refusals.min(6)).min(500))
}

/// A connection to one host over a lazily opened ssh master.
pub struct SshConnection {
    target: SshTarget,
    dir: Arc<ControlDir>,
    master: Mutex<Option<Arc<Master>>>,
    channels: Semaphore,
    /// The current size of `channels`: lowered when sshd refuses sessions.
    channel_limit: AtomicUsize,
    /// Bounds how many masters handshake at once (shared by a pool).
    connect_gate: Option<Arc<Semaphore>>,
}

impl std::fmt::Debug for SshConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshConnection")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// Open a connection to `target` now (not lazily) and hand it out as a
/// [`Connection`]; fails with `Unreachable` and ssh's reason.
pub async fn connect(target: SshTarget) -> Result<Arc<dyn Connection>, ConnectionError> {
    let conn = SshConnection::new(target)?;
    conn.connect().await?;
    Ok(Arc::new(conn))
}

impl SshConnection {
    /// A connection that opens its master on first use.
    pub fn new(target: SshTarget) -> Result<Self, ConnectionError> {
        let dir = ControlDir::shared_in(target.control_dir.as_deref())?;
        Ok(Self::with_parts(target, dir, None))
    }

    pub(crate) fn with_parts(
        target: SshTarget,
        dir: Arc<ControlDir>,
        connect_gate: Option<Arc<Semaphore>>,
    ) -> Self {
        SshConnection {
            target,
            dir,
            master: Mutex::new(None),
            channels: Semaphore::new(MAX_CHANNELS_PER_HOST),
            channel_limit: AtomicUsize::new(MAX_CHANNELS_PER_HOST),
            connect_gate,
        }
    }

    pub fn target(&self) -> &SshTarget {
        &self.target
    }

    /// Open the master now if it is not open yet.
    pub async fn connect(&self) -> Result<(), ConnectionError> {
        self.current().await.map(|_| ())
    }

    /// The pid of the running master, if one is open.
    pub async fn master_pid(&self) -> Option<u32> {
        self.master.lock().await.as_ref().map(|m| m.pid)
    }

    /// The control socket of the running master, if one is open.
    pub async fn control_path(&self) -> Option<PathBuf> {
        let slot = self.master.lock().await;
        slot.as_ref().map(|m| m.control_path().to_path_buf())
    }

    /// The open master, or a new one. Holding the lock while connecting
    /// makes concurrent first uses share one master.
    async fn current(&self) -> Result<Arc<Master>, ConnectionError> {
        let mut slot = self.master.lock().await;
        if let Some(m) = slot.as_ref() {
            return Ok(m.clone());
        }
        let _permit = match &self.connect_gate {
            Some(gate) => Some(gate.acquire().await.expect("the gate is never closed")),
            None => None,
        };
        let (ctl, log) = self.dir.allocate();
        let m = Arc::new(Master::start(&self.target, ctl, log).await?);
        *slot = Some(m.clone());
        Ok(m)
    }

    /// Lower the per-host channel limit by one (never below one); true if
    /// it was lowered, and the caller then forgets its permit.
    fn shrink_channels(&self) -> bool {
        self.channel_limit
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |l| {
                (l > 1).then(|| l - 1)
            })
            .is_ok()
    }

    /// Drop a master that died (unless another task already replaced it)
    /// and make sure its process and files are gone.
    async fn forget(&self, m: &Arc<Master>) {
        let mut slot = self.master.lock().await;
        if slot.as_ref().is_some_and(|cur| Arc::ptr_eq(cur, m)) {
            *slot = None;
        }
        drop(slot);
        m.shutdown().await;
    }

    /// The connection was lost under a running command: report ssh's
    /// reason; the next command reconnects.
    async fn lost(&self, m: &Arc<Master>, detail: &str) -> ConnectionError {
        let news = m.news();
        self.forget(m).await;
        let mut why = format!("ssh to {}: {news}", self.target.host);
        if !detail.is_empty() {
            why.push_str(&format!(" ({detail})"));
        }
        ConnectionError::Dropped(why)
    }
}

#[async_trait]
impl Connection for SshConnection {
    fn transport(&self) -> &'static str {
        "ssh"
    }

    async fn exec(&self, req: ExecRequest) -> Result<ExecOutput, ConnectionError> {
        let (script, prefix) = req.render();
        let mut channel = self.channels.acquire().await.expect("never closed");
        let mut reopened = false;
        let mut refusals = 0;
        loop {
            let m = self.current().await?;
            match run::run(&m.session, &script, prefix.as_deref(), &req.stdin).await {
                Ok((out, false)) => return Ok(out),
                Ok((out, true)) => {
                    if m.is_alive().await {
                        return Ok(out);
                    }
                    return Err(self.lost(&m, "").await);
                }
                Err(RunError::NotStarted(e)) => {
                    if m.is_alive().await {
                        // sshd refused the session (MaxSessions, or a slot
                        // not yet freed): the command never started, so
                        // wait and retry, with one channel fewer from now on.
                        refusals += 1;
                        if refusals > MAX_SESSION_REFUSALS {
                            return Err(ConnectionError::Other(format!(
                                "ssh to {} keeps refusing new sessions: {} \
                                 (is sshd's MaxSessions 0?)",
                                self.target.host,
                                run::describe(&e)
                            )));
                        }
                        if self.shrink_channels() {
                            channel.forget();
                            channel = self.channels.acquire().await.expect("never closed");
                        }
                        tokio::time::sleep(refusal_backoff(refusals)).await;
                        continue;
                    }
                    // The master went away between commands (idle timeout,
                    // network): the command never started, so reopen once.
                    if reopened {
                        return Err(self.lost(&m, &run::describe(&e)).await);
                    }
                    self.forget(&m).await;
                    reopened = true;
                }
                Err(RunError::Lost(detail)) => {
                    if m.is_alive().await {
                        // Only this session broke; the others go on.
                        return Err(ConnectionError::Dropped(format!(
                            "ssh to {}: {detail}",
                            self.target.host
                        )));
                    }
                    return Err(self.lost(&m, &detail).await);
                }
                Err(RunError::Local(e)) => return Err(ConnectionError::Io(e)),
            }
        }
    }

    async fn close(&self) {
        let m = self.master.lock().await.take();
        if let Some(m) = m {
            m.shutdown().await;
        }
    }
}

impl Drop for SshConnection {
    fn drop(&mut self) {
        if let Some(m) = self.master.get_mut().take() {
            m.kill_now();
        }
    }
}
