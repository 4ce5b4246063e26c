//! Connections to SQL endpoints, shared by every task of the run.
//!
//! A process-wide registry keyed by (host, port, user, db, password hash)
//! keeps idle connections; a task checks one out (or opens a new one) and
//! hands it back when done, so a playbook polling `SHOW BACKENDS` for hours
//! logs in once, and many hosts querying one FE at once each get their own
//! connection. A connection is checked with a ping before reuse (the server
//! may have closed it); one whose session was changed (`USE`, `SET`) or
//! that failed at the transport level is closed instead of handed back.
//! Connections belong to the tokio runtime that opened them: srplay runs one
//! runtime per process, tests that use the pool must share one too.
//!
//! Options follow DEPENDENCIES.md §5: `prefer_socket(false)` (StarRocks
//! rejects `@@socket`), no statement cache, text protocol only, and no
//! `COM_CHANGE_USER` reset on check-in.

use super::tls::{retry, Tls};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Idle connections kept per endpoint; more are closed on check-in.
const MAX_IDLE: usize = 8;

/// Where and as whom to connect. `Debug` never shows the password.
#[derive(Clone)]
pub struct ConnParams {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    pub db: Option<String>,
    pub connect_timeout: Duration,
    pub tls: Tls,
}

impl std::fmt::Debug for ConnParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnParams")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .field("db", &self.db)
            .field("tls", &self.tls)
            .finish()
    }
}

impl ConnParams {
    /// `user@host:port`, for messages.
    pub fn endpoint(&self) -> String {
        format!("{}@{}:{}", self.user, self.host, self.port)
    }

    fn key(&self) -> PoolKey {
        let mut h = DefaultHasher::new();
        self.password.hash(&mut h);
        PoolKey {
            host: self.host.clone(),
            port: self.port,
            user: self.user.clone(),
            db: self.db.clone(),
            tls: self.tls.clone(),
            secret: h.finish(),
        }
    }

    /// The driver's options, with these TLS settings.
    fn opts(&self, ssl: Option<mysql_async::SslOpts>) -> Opts {
        OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(self.user.clone()))
            .pass(self.password.clone())
            .db_name(self.db.clone())
            .prefer_socket(false)
            // Given, so the driver skips `SELECT @@max_allowed_packet,…`.
            .max_allowed_packet(Some(64 * 1024 * 1024))
            .wait_timeout(Some(28800))
            .stmt_cache_size(0)
            .ssl_opts(ssl)
            .into()
    }

    /// Remove the password from a message, whatever produced it.
    pub fn scrub(&self, msg: &str) -> String {
        match &self.password {
            Some(p) if !p.is_empty() => msg.replace(p.as_str(), "********"),
            _ => msg.to_string(),
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct PoolKey {
    host: String,
    port: u16,
    user: String,
    db: Option<String>,
    tls: Tls,
    /// A hash of the password: a connection opened with another password
    /// is never handed to a caller that did not prove it knows this one.
    secret: u64,
}

fn registry() -> &'static Mutex<HashMap<PoolKey, Vec<Conn>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<PoolKey, Vec<Conn>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn take_idle(key: &PoolKey) -> Option<Conn> {
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_mut(key)
        .and_then(Vec::pop)
}

/// Why no connection could be had.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to {endpoint}: {reason}")]
pub struct ConnectError {
    pub endpoint: String,
    pub reason: String,
}

/// A server's error or the driver's, as a user reads it: server errors as
/// the mysql client prints them (`ERROR 1064 (HY000): …`).
pub fn describe(e: &mysql_async::Error) -> String {
    if let Some(tls) = super::tls::explain(e) {
        return tls;
    }
    match e {
        mysql_async::Error::Server(s) => {
            format!("ERROR {} ({}): {}", s.code, s.state, s.message)
        }
        mysql_async::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// A connection on loan from the registry; handed back when dropped
/// unless [`discard`](Self::discard)ed.
pub struct PooledConn {
    conn: Option<Conn>,
    key: PoolKey,
    reusable: bool,
}

impl PooledConn {
    pub fn conn(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("present until drop")
    }

    /// Close instead of handing back (session changed, transport failed).
    pub fn discard(&mut self) {
        self.reusable = false;
    }
}

impl Drop for PooledConn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if !self.reusable {
            return;
        }
        let mut reg = registry().lock().unwrap_or_else(|e| e.into_inner());
        let idle = reg.entry(self.key.clone()).or_default();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

/// A connection to `p`: an idle one that still answers a ping, or a new one.
pub async fn checkout(p: &ConnParams) -> Result<PooledConn, ConnectError> {
    let key = p.key();
    while let Some(mut conn) = take_idle(&key) {
        if let Ok(Ok(())) = tokio::time::timeout(p.connect_timeout, conn.ping()).await {
            return Ok(PooledConn {
                conn: Some(conn),
                key,
                reusable: true,
            });
        }
    }
    let fail = |reason: String| ConnectError {
        endpoint: p.endpoint(),
        reason: p.scrub(&reason),
    };
    let connect = |ssl| async move {
        tokio::time::timeout(p.connect_timeout, Conn::new(p.opts(ssl)))
            .await
            .map_err(|_| {
                fail(format!(
                    "no answer within {}s (connect_timeout)",
                    p.connect_timeout.as_secs_f64()
                ))
            })
    };
    let conn = match connect(p.tls.ssl_opts()).await? {
        Err(e) => match retry(&p.tls, &e) {
            Some(ssl) => connect(ssl).await?,
            None => Err(e),
        },
        ok => ok,
    }
    .map_err(|e| fail(describe(&e)))?;
    Ok(PooledConn {
        conn: Some(conn),
        key,
        reusable: true,
    })
}

/// Idle connections kept for `p` (for tests and `-vvv` diagnostics).
pub fn idle_count(p: &ConnParams) -> usize {
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&p.key())
        .map_or(0, Vec::len)
}
