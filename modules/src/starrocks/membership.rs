//! Talking to a StarRocks FE about cluster membership: reading the node
//! lists (`SHOW BACKENDS | FRONTENDS | COMPUTE NODES | PROC '/brokers'`)
//! as typed rows, and sending `ALTER SYSTEM` statements, with connection
//! failures told apart from the FE's refusals so waits can reconnect.
//! Connections come from the process-wide pool shared with `sql`.

use super::nodes::{decode_backend, decode_compute_node, decode_frontend, DecodeError};
use super::nodes::{Backend, ComputeNode, Frontend};
use super::rows::Row;
use crate::sql::pool::{checkout, describe, ConnParams};
use crate::sql::result::run_statement;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Mutex;

/// Why a statement gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeError {
    /// No connection, or it broke mid-statement: worth retrying.
    #[error("{0}")]
    Connection(String),
    /// The FE answered with an error (its text, as the mysql client shows it).
    #[error("{0}")]
    Server(String),
}

impl FeError {
    pub fn is_connection(&self) -> bool {
        matches!(self, FeError::Connection(_))
    }
}

/// One broker, from a `SHOW PROC '/brokers'` / `SHOW BROKER` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Broker {
    pub name: String,
    pub ip: String,
    pub port: Option<i64>,
    /// `ip:port`, the address `ALTER SYSTEM … BROKER` takes.
    pub address: String,
    pub alive: bool,
    pub last_start_time: Option<String>,
    pub last_update_time: Option<String>,
    pub err_msg: String,
}

pub fn decode_broker(row: &Map<String, Value>) -> Result<Broker, DecodeError> {
    let r = Row(row);
    let ip = r.str(&["IP", "Host"]).ok_or_else(|| DecodeError {
        statement: "SHOW BROKER",
        column: "IP",
        columns: row.keys().cloned().collect::<Vec<_>>().join(", "),
    })?;
    let port = r.int(&["Port"]);
    Ok(Broker {
        name: r.text(&["Name"]),
        address: port.map_or(ip.clone(), |p| format!("{ip}:{p}")),
        ip,
        port,
        alive: r.bool(&["Alive"]).unwrap_or(false),
        last_start_time: r.str(&["LastStartTime"]),
        last_update_time: r.str(&["LastUpdateTime"]),
        err_msg: r.text(&["ErrMsg"]),
    })
}

/// A session with one FE: reads retry nothing themselves (the waits do);
/// every write sent is recorded for the module's `queries` return value.
pub struct Fe {
    params: ConnParams,
    sent: Mutex<Vec<String>>,
}

impl Fe {
    pub fn new(params: ConnParams) -> Fe {
        Fe {
            params,
            sent: Mutex::new(Vec::new()),
        }
    }

    /// `host:port` of the FE, for messages.
    pub fn endpoint(&self) -> String {
        self.params.endpoint()
    }

    /// The write statements sent so far, in order.
    pub fn sent(&self) -> Vec<String> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Run one statement; its rows (none for a write).
    pub async fn query(&self, sql: &str) -> Result<Vec<Map<String, Value>>, FeError> {
        let mut pooled = checkout(&self.params)
            .await
            .map_err(|e| FeError::Connection(e.to_string()))?;
        match run_statement(pooled.conn(), sql).await {
            Ok(r) => Ok(r.rows),
            Err(e @ mysql_async::Error::Server(_)) => Err(FeError::Server(self.params.scrub(
                &format!("`{sql}` failed on {}: {}", self.endpoint(), describe(&e)),
            ))),
            Err(e) => {
                pooled.discard();
                Err(FeError::Connection(self.params.scrub(&format!(
                    "connection to {} lost during `{sql}`: {}",
                    self.endpoint(),
                    describe(&e)
                ))))
            }
        }
    }

    /// Send a write statement (recorded in [`sent`](Self::sent) first:
    /// whether a statement whose connection broke took effect is unknown).
    pub async fn execute(&self, sql: &str) -> Result<(), FeError> {
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(sql.to_string());
        self.query(sql).await.map(|_| ())
    }

    async fn decoded<T>(
        &self,
        sql: &str,
        f: fn(&Map<String, Value>) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, FeError> {
        let rows = self.query(sql).await?;
        rows.iter()
            .map(f)
            .collect::<Result<_, _>>()
            .map_err(|e| FeError::Server(format!("{} answered oddly: {e}", self.endpoint())))
    }

    pub async fn backends(&self) -> Result<Vec<Backend>, FeError> {
        self.decoded("SHOW BACKENDS", decode_backend).await
    }

    pub async fn frontends(&self) -> Result<Vec<Frontend>, FeError> {
        self.decoded("SHOW FRONTENDS", decode_frontend).await
    }

    pub async fn compute_nodes(&self) -> Result<Vec<ComputeNode>, FeError> {
        self.decoded("SHOW COMPUTE NODES", decode_compute_node)
            .await
    }

    pub async fn brokers(&self) -> Result<Vec<Broker>, FeError> {
        self.decoded("SHOW PROC '/brokers'", decode_broker).await
    }

    /// One FE config value (`ADMIN SHOW FRONTEND CONFIG LIKE 'key'`).
    pub async fn config(&self, key: &str) -> Result<Option<String>, FeError> {
        let rows = self
            .query(&format!("ADMIN SHOW FRONTEND CONFIG LIKE '{key}'"))
            .await?;
        Ok(rows.iter().find_map(|r| {
            let row = Row(r);
            (row.text(&["Key"]) == key)
                .then(|| row.str(&["Value"]))
                .flatten()
        }))
    }
}

/// `"h:p"` as a double-quoted SQL string literal; refuses characters that
/// could break out of it (host names never contain them).
pub fn quoted_address(host: &str, port: u16) -> Result<String, String> {
    if host.is_empty() {
        return Err("host is empty".into());
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']')))
    {
        return Err(format!(
            "host `{host}` contains `{c}`; give an IP address or a host name"
        ));
    }
    Ok(format!("\"{host}:{port}\""))
}

/// Whether `host` names an address (an IP, or a name that resolves):
/// StarRocks keeps unresolvable names and the node then never joins.
pub async fn resolves(host: &str, port: u16) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    match tokio::net::lookup_host((host, port)).await {
        Ok(mut addrs) => addrs.next().is_some(),
        Err(_) => false,
    }
}

/// A port option as a `u16`, with an actionable error.
pub fn port(module: &str, option: &str, value: i64) -> Result<u16, String> {
    u16::try_from(value)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("{module}: {option} must be 1..65535, got {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn brokers_decode_by_name() {
        let row = json!({"Name": "hdfs_broker", "IP": "10.0.0.5", "Port": "8000", "Alive": "true",
                         "LastStartTime": "2025-01-01 00:00:00", "LastUpdateTime": "NULL", "ErrMsg": ""});
        let b = decode_broker(row.as_object().unwrap()).unwrap();
        assert_eq!(b.address, "10.0.0.5:8000");
        assert_eq!((b.name.as_str(), b.alive), ("hdfs_broker", true));
        assert_eq!(b.last_update_time, None);
    }

    #[test]
    fn addresses_are_quoted_or_refused() {
        let cases = [
            ("10.0.0.1", Ok("\"10.0.0.1:9050\"")),
            ("be-1.example.com", Ok("\"be-1.example.com:9050\"")),
            ("a\"; DROP", Err("contains `\"`")),
            ("", Err("host is empty")),
        ];
        for (host, want) in cases {
            let got = quoted_address(host, 9050);
            match want {
                Ok(w) => assert_eq!(got.as_deref(), Ok(w), "{host}"),
                Err(w) => assert!(got.unwrap_err().contains(w), "{host}"),
            }
        }
    }

    #[test]
    fn ports_are_checked() {
        assert_eq!(port("m", "port", 9050), Ok(9050));
        assert_eq!(
            port("m", "port", 0).unwrap_err(),
            "m: port must be 1..65535, got 0"
        );
        assert!(port("m", "port", 70000).is_err());
    }
}
