//! One connection per host for a whole run.

use super::{ControlDir, SshConnection, SshDefaults, SshTarget};
use crate::connection::{Connection, ConnectionError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Masters handshaking at once. Key exchange is CPU-bound on both ends; more
/// in flight only makes each slower (and risks sshd's MaxStartups).
pub const DEFAULT_MAX_CONNECTING: usize = 20;

/// Hands out one [`SshConnection`] per distinct target (connected lazily),
/// bounds concurrent handshakes, and closes them all at the end.
pub struct Connections {
    gate: Arc<Semaphore>,
    hosts: Mutex<HashMap<SshTarget, Arc<SshConnection>>>,
}

impl Default for Connections {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_CONNECTING)
    }
}

impl Connections {
    /// A registry letting at most `max_connecting` masters connect at once.
    pub fn new(max_connecting: usize) -> Self {
        Connections {
            gate: Arc::new(Semaphore::new(max_connecting.max(1))),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// The connection for `target`, created on first request. Nothing is
    /// opened until its first command.
    pub fn get(&self, target: SshTarget) -> Result<Arc<SshConnection>, ConnectionError> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = hosts.get(&target) {
            return Ok(c.clone());
        }
        let dir = ControlDir::shared_in(target.control_dir.as_deref())?;
        let conn = Arc::new(SshConnection::with_parts(
            target.clone(),
            dir,
            Some(self.gate.clone()),
        ));
        hosts.insert(target, conn.clone());
        Ok(conn)
    }

    /// The connection for inventory host `name`, from its variables over
    /// `defaults` (see [`SshTarget::from_vars`]).
    pub fn for_host(
        &self,
        name: &str,
        vars: &serde_json::Map<String, serde_json::Value>,
        defaults: &SshDefaults,
    ) -> Result<Arc<SshConnection>, ConnectionError> {
        self.get(SshTarget::from_vars(name, vars, defaults)?)
    }

    /// Connections handed out so far.
    pub fn len(&self) -> usize {
        self.hosts.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Close every master (concurrently) and forget the connections.
    pub async fn close_all(&self) {
        let all: Vec<_> = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts.drain().map(|(_, c)| c).collect()
        };
        let mut tasks = tokio::task::JoinSet::new();
        for c in all {
            tasks.spawn(async move { c.close().await });
        }
        while tasks.join_next().await.is_some() {}
    }
}
