//! A frontend (FE) as the leader records it, and its SHOW FRONTENDS row.

use serde::{Deserialize, Serialize};

use crate::format;
use crate::version::SrVersion;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeRole {
    Leader,
    Follower,
    Observer,
}

impl FeRole {
    pub fn name(self) -> &'static str {
        match self {
            Self::Leader => "LEADER",
            Self::Follower => "FOLLOWER",
            Self::Observer => "OBSERVER",
        }
    }
}

/// What an FE answers on its edit_log_port when the leader heartbeats it.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct FeReport {
    pub query_port: u16,
    pub rpc_port: u16,
    pub http_port: u16,
    pub version: String,
    pub start_time_ms: i64,
    /// The cluster the FE belongs to (0: not joined yet).
    pub cluster_id: u32,
    /// The FE believes it is the leader.
    #[serde(default)]
    pub is_leader: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Frontend {
    pub id: u64,
    pub name: String,
    pub host: String,
    pub edit_log_port: u16,
    pub role: FeRole,
    pub query_port: u16,
    pub rpc_port: u16,
    pub join: bool,
    pub alive: bool,
    pub replayed_journal_id: u64,
    pub last_heartbeat: i64,
    pub is_helper: bool,
    pub err_msg: String,
    pub start_time: i64,
    pub version: Option<String>,
    #[serde(default)]
    pub hb_failures: u32,
}

impl Frontend {
    pub fn new(id: u64, host: &str, port: u16, role: FeRole, now: i64) -> Self {
        Frontend {
            id,
            name: format!("{host}_{port}_{now}"),
            host: host.into(),
            edit_log_port: port,
            role,
            query_port: 0,
            rpc_port: 0,
            join: false,
            alive: false,
            replayed_journal_id: 0,
            last_heartbeat: -1,
            is_helper: role != FeRole::Observer,
            err_msg: String::new(),
            start_time: -1,
            version: None,
            hb_failures: 0,
        }
    }

    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.edit_log_port)
    }

    pub fn apply_report(&mut self, r: &FeReport, cluster_id: u32, journal: u64, now: i64) {
        self.last_heartbeat = now;
        self.query_port = r.query_port;
        self.rpc_port = r.rpc_port;
        if r.cluster_id != cluster_id {
            self.alive = false;
            self.join = false;
            self.err_msg = format!("invalid cluster id: {}", r.cluster_id);
            return;
        }
        self.alive = true;
        self.join = true;
        self.err_msg.clear();
        self.hb_failures = 0;
        self.start_time = r.start_time_ms;
        self.version = Some(r.version.clone());
        self.replayed_journal_id = journal;
    }

    pub fn heartbeat_failed(&mut self, err: &str, retry: u32) {
        self.hb_failures += 1;
        self.err_msg = err.into();
        if self.hb_failures >= retry.max(1) {
            self.alive = false;
        }
    }

    /// `http_port` is the connected FE's own (a StarRocks quirk); `is_self`
    /// rows show the connected FE's own ports.
    pub fn row(
        &self,
        v: SrVersion,
        cluster_id: u32,
        http_port: u16,
        self_ports: Option<(u16, u16)>,
    ) -> Vec<Option<String>> {
        let (query, rpc) = self_ports.unwrap_or((self.query_port, self.rpc_port));
        let alive = self.alive || self_ports.is_some();
        let null = || "NULL".to_string();
        let mut r: Vec<String> = Vec::new();
        if v >= SrVersion::Latest {
            r.push(self.id.to_string());
        }
        r.extend([
            self.name.clone(),
            self.host.clone(),
            self.edit_log_port.to_string(),
            http_port.to_string(),
            query.to_string(),
            rpc.to_string(),
            self.role.name().into(),
            cluster_id.to_string(),
            self.join.to_string(),
            alive.to_string(),
            self.replayed_journal_id.to_string(),
            format::time(self.last_heartbeat).unwrap_or_else(null),
            self.is_helper.to_string(),
            self.err_msg.clone(),
            if alive {
                format::time(self.start_time).unwrap_or_else(null)
            } else {
                null()
            },
            self.version.clone().unwrap_or_else(null),
        ]);
        r.into_iter().map(Some).collect()
    }
}
