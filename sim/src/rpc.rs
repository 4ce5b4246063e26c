//! The simulator's internal node protocol: one JSON request line, one JSON
//! response line, per TCP connection. BEs speak it on
//! `heartbeat_service_port`, FEs on `edit_log_port`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::backend::BeReport;
use crate::cluster::Cluster;
use crate::exec::{Executed, Session};
use crate::frontend::{FeReport, FeRole};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    Heartbeat,
    /// The leader's heartbeat to another FE, replicating the metadata.
    FeHeartbeat {
        leader: String,
        cluster: Box<Cluster>,
    },
    /// Exit at once (the kill fault).
    Exit,
    /// A new FE (`--helper`) asks to join.
    Join {
        host: String,
        port: u16,
    },
    /// A non-leader FE forwards a client statement.
    Sql {
        sql: String,
        session: Session,
    },
    /// root's password, for logins on non-leader FEs.
    Auth,
    /// Leader hand-over: the receiver becomes leader with this metadata.
    BecomeLeader {
        cluster: Box<Cluster>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    Be {
        report: BeReport,
    },
    Fe {
        report: FeReport,
    },
    Ok,
    Err {
        msg: String,
    },
    Joined {
        cluster_id: u32,
        leader: String,
        role: FeRole,
    },
    Executed {
        executed: Box<Executed>,
        session: Box<Session>,
    },
    Auth {
        /// root's password hash (never the password).
        password_hash: String,
        version: crate::version::SrVersion,
    },
}

/// Send `req` to `addr` and read the answer, within `timeout`.
pub async fn call(addr: &str, req: &Request, timeout: Duration) -> Result<Response, String> {
    let fut = async {
        let mut s = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("java.net.ConnectException: {e}"))?;
        let mut line = serde_json::to_string(req).map_err(|e| e.to_string())?;
        line.push('\n');
        s.write_all(line.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut r = BufReader::new(s);
        let mut resp = String::new();
        r.read_line(&mut resp).await.map_err(|e| e.to_string())?;
        if resp.is_empty() {
            return Err("connection closed by peer".to_string());
        }
        serde_json::from_str(&resp).map_err(|e| format!("bad response: {e}"))
    };
    tokio::time::timeout(timeout, fut)
        .await
        .unwrap_or_else(|_| Err("java.net.SocketTimeoutException: Read timed out".into()))
}

/// Read one request from an accepted connection.
pub async fn read_request(s: &mut TcpStream) -> Option<Request> {
    let mut r = BufReader::new(s);
    let mut line = String::new();
    tokio::time::timeout(Duration::from_secs(10), r.read_line(&mut line))
        .await
        .ok()?
        .ok()?;
    serde_json::from_str(&line).ok()
}

pub async fn write_response(s: &mut TcpStream, resp: &Response) {
    if let Ok(mut line) = serde_json::to_string(resp) {
        line.push('\n');
        let _ = s.write_all(line.as_bytes()).await;
        let _ = s.flush().await;
    }
}
