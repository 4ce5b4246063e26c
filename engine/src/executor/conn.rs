//! Connections: opened lazily, once per host per run, closed at the end.

use crate::connection::{Connection, ConnectionError, LocalConnection};
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Builds connections for transports other than `local` (the lead wires
/// the SSH transport here).
#[async_trait]
pub trait ConnectionFactory: Send + Sync {
    /// `vars` are the host's rendered variables (`ansible_host`,
    /// `ansible_port`, `ansible_user`, `ansible_ssh_private_key_file`,
    /// `ansible_timeout`…), command-line defaults already applied.
    async fn connect(
        &self,
        transport: &str,
        host: &str,
        vars: &Map<String, Value>,
    ) -> Result<Arc<dyn Connection>, ConnectionError>;
}

/// The factory of a build without the SSH transport.
pub struct NoRemoteTransport;

#[async_trait]
impl ConnectionFactory for NoRemoteTransport {
    async fn connect(
        &self,
        transport: &str,
        _host: &str,
        _vars: &Map<String, Value>,
    ) -> Result<Arc<dyn Connection>, ConnectionError> {
        Err(ConnectionError::Unreachable(format!(
            "{transport} transport not built in this build"
        )))
    }
}

/// One host's connection, opened on first use.
type Slot = Arc<Mutex<Option<Arc<dyn Connection>>>>;

#[derive(Default)]
pub struct Pool {
    conns: Mutex<HashMap<String, Slot>>,
    /// Working directory of `local` connections (the playbook's).
    local_dir: Option<std::path::PathBuf>,
}

impl Pool {
    /// A pool whose `local` connections run commands in `dir`.
    pub fn in_dir(dir: impl Into<std::path::PathBuf>) -> Self {
        Pool {
            conns: Mutex::default(),
            local_dir: Some(dir.into()),
        }
    }

    pub async fn get(
        &self,
        key: &str,
        transport: &str,
        vars: &Map<String, Value>,
        factory: &dyn ConnectionFactory,
    ) -> Result<Arc<dyn Connection>, ConnectionError> {
        let slot = self
            .conns
            .lock()
            .await
            .entry(format!("{transport}/{key}"))
            .or_default()
            .clone();
        let mut slot = slot.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c: Arc<dyn Connection> = match transport {
            "local" => match &self.local_dir {
                Some(d) => Arc::new(LocalConnection::in_dir(d)),
                None => Arc::new(LocalConnection::new()),
            },
            other => factory.connect(other, key, vars).await?,
        };
        *slot = Some(c.clone());
        Ok(c)
    }

    /// Close every connection at once: an ssh master takes a few
    /// milliseconds to exit after its signal, which one after the other
    /// adds up to seconds over hundreds of hosts.
    pub async fn close_all(&self) {
        let conns: Vec<_> = self.conns.lock().await.drain().map(|(_, v)| v).collect();
        let mut closing = tokio::task::JoinSet::new();
        for slot in conns {
            closing.spawn(async move {
                if let Some(c) = slot.lock().await.take() {
                    c.close().await;
                }
            });
        }
        while closing.join_next().await.is_some() {}
    }
}

/// The OpenSSH transport: one multiplexed master per host, at most
/// `max_connecting` handshakes at a time (they are CPU-bound).
pub struct SshFactory {
    pool: crate::connection::ssh::Connections,
    defaults: crate::connection::ssh::SshDefaults,
}

impl SshFactory {
    pub fn new(defaults: crate::connection::ssh::SshDefaults) -> Self {
        SshFactory {
            pool: crate::connection::ssh::Connections::default(),
            defaults,
        }
    }
}

#[async_trait]
impl ConnectionFactory for SshFactory {
    async fn connect(
        &self,
        transport: &str,
        host: &str,
        vars: &Map<String, Value>,
    ) -> Result<Arc<dyn Connection>, ConnectionError> {
        match transport {
            "ssh" | "smart" | "paramiko" | "openssh" => {
                let conn: Arc<dyn Connection> = self.pool.for_host(host, vars, &self.defaults)?;
                Ok(conn)
            }
            other => Err(ConnectionError::Unreachable(format!(
                "connection type `{other}` is not supported (srplay has ssh and local)"
            ))),
        }
    }
}
