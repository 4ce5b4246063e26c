//! A backend (BE) or compute node (CN) as the leader FE records it, and its
//! SHOW BACKENDS / SHOW COMPUTE NODES rows.

use serde::{Deserialize, Serialize};

use crate::format;
use crate::version::SrVersion;

/// `ComputeNode.Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum NodeStatus {
    #[default]
    Connecting,
    Ok,
    Shutdown,
    Disconnected,
}

impl NodeStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Connecting => "CONNECTING",
            Self::Ok => "OK",
            Self::Shutdown => "SHUTDOWN",
            Self::Disconnected => "DISCONNECTED",
        }
    }
}

/// What a BE answers on its heartbeat port.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct BeReport {
    pub be_port: i32,
    pub http_port: i32,
    pub brpc_port: i32,
    pub version: String,
    pub start_time_ms: i64,
    pub cpu_cores: u32,
    pub mem_limit: u64,
    pub disk_total: u64,
    pub disk_other_used: u64,
    /// Graceful exit in progress (SIGTERM, 3.3+).
    #[serde(default)]
    pub shutting_down: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Backend {
    pub id: u64,
    pub host: String,
    pub heartbeat_port: u16,
    pub be_port: i32,
    pub http_port: i32,
    pub brpc_port: i32,
    pub last_start_time: i64,
    pub last_heartbeat: i64,
    pub alive: bool,
    pub decommissioned: bool,
    pub status: NodeStatus,
    pub err_msg: String,
    pub version: String,
    pub cpu_cores: u32,
    pub mem_limit: u64,
    pub disk_total: u64,
    pub disk_other_used: u64,
    /// Fault: the disk is filled to this fraction (0..=1) of its capacity.
    #[serde(default)]
    pub disk_fill: Option<f64>,
    #[serde(default)]
    pub hb_failures: u32,
    #[serde(default)]
    pub last_report_ms: i64,
}

impl Backend {
    /// A node just added by ALTER SYSTEM ADD: metadata only (FACTS §1.1).
    pub fn new(id: u64, host: &str, port: u16) -> Self {
        Backend {
            id,
            host: host.to_string(),
            heartbeat_port: port,
            be_port: -1,
            http_port: -1,
            brpc_port: 0,
            last_start_time: -1,
            last_heartbeat: -1,
            alive: false,
            decommissioned: false,
            status: NodeStatus::Connecting,
            err_msg: String::new(),
            version: String::new(),
            cpu_cores: 0,
            mem_limit: 0,
            disk_total: 0,
            disk_other_used: 0,
            disk_fill: None,
            hb_failures: 0,
            last_report_ms: -1,
        }
    }

    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.heartbeat_port)
    }

    /// A successful heartbeat.
    pub fn apply_report(&mut self, r: &BeReport, now: i64) {
        self.be_port = r.be_port;
        self.http_port = r.http_port;
        self.brpc_port = r.brpc_port;
        self.version = r.version.clone();
        self.last_start_time = r.start_time_ms;
        self.cpu_cores = r.cpu_cores;
        self.mem_limit = r.mem_limit;
        self.disk_total = r.disk_total;
        self.disk_other_used = r.disk_other_used;
        self.last_heartbeat = now;
        self.last_report_ms = now;
        self.err_msg.clear();
        self.hb_failures = 0;
        if r.shutting_down {
            self.alive = false;
            self.status = NodeStatus::Shutdown;
        } else {
            self.alive = true;
            self.status = NodeStatus::Ok;
        }
    }

    /// A failed heartbeat; the node is declared dead after `retry` failures.
    pub fn heartbeat_failed(&mut self, err: &str, retry: u32) {
        self.hb_failures += 1;
        self.err_msg = err.to_string();
        let keep = matches!(self.status, NodeStatus::Connecting | NodeStatus::Shutdown);
        if self.hb_failures >= retry.max(1) && !keep {
            self.alive = false;
            self.status = NodeStatus::Disconnected;
        }
    }

    /// Used space other than tablet data (OS, logs, fault-filled space).
    fn other_used(&self, data_used: u64) -> u64 {
        match self.disk_fill {
            Some(f) => ((self.disk_total as f64 * f) as u64).saturating_sub(data_used),
            None => self.disk_other_used,
        }
    }

    pub fn avail(&self, data_used: u64) -> u64 {
        self.disk_total
            .saturating_sub(self.other_used(data_used))
            .saturating_sub(data_used)
    }

    fn pct(part: u64, whole: u64) -> f64 {
        if whole == 0 {
            0.0
        } else {
            part as f64 * 100.0 / whole as f64
        }
    }

    /// One SHOW BACKENDS row for `version` (every value a string).
    pub fn backend_row(&self, v: SrVersion, tablets: usize, data_used: u64) -> Vec<Option<String>> {
        let avail = self.avail(data_used);
        let total = self.disk_total;
        let used_pct = Self::pct(total.saturating_sub(avail), total);
        let data_total = data_used + avail;
        let null = || "NULL".to_string();
        let mut r: Vec<String> = vec![
            self.id.to_string(),
            self.host.clone(),
            self.heartbeat_port.to_string(),
            self.be_port.to_string(),
            self.http_port.to_string(),
            self.brpc_port.to_string(),
            format::time(self.last_start_time).unwrap_or_else(null),
            format::time(self.last_heartbeat).unwrap_or_else(null),
            self.alive.to_string(),
            self.decommissioned.to_string(),
            "false".into(),
            tablets.to_string(),
            format::bytes(data_used),
            format::bytes(avail),
            format::bytes(total),
            format::pct2(used_pct),
            format::pct2(used_pct),
            self.err_msg.clone(),
            self.version.clone(),
            format!(
                "{{\"lastSuccessReportTabletsTime\":\"{}\"}}",
                format::time(self.last_report_ms).unwrap_or_else(|| "N/A".into())
            ),
            format::bytes(data_total),
            format::pct2(Self::pct(data_used, data_total)),
            self.cpu_cores.to_string(),
        ];
        if v >= SrVersion::V3_3 {
            r.push(format::pretty_bytes(self.mem_limit));
        }
        if v >= SrVersion::V3_1 {
            let (mem, cpu) = self.load();
            r.extend(["0".into(), format::pct2(mem), format::pct1(cpu)]);
        }
        if v >= SrVersion::V3_3 {
            r.push(if self.last_report_ms > 0 {
                "Status: Normal, DiskUsage: 0B/0B, MemUsage: 0B/0B".into()
            } else {
                "N/A".into()
            });
            r.push(String::new());
        }
        if v >= SrVersion::Latest {
            r.push(self.status.code().into());
        }
        r.into_iter().map(Some).collect()
    }

    fn load(&self) -> (f64, f64) {
        if self.alive {
            (2.86, 0.2)
        } else {
            (0.0, 0.0)
        }
    }

    /// One SHOW COMPUTE NODES row.
    pub fn compute_node_row(&self, _v: SrVersion) -> Vec<Option<String>> {
        let (mem, cpu) = self.load();
        let null = || "NULL".to_string();
        [
            self.id.to_string(),
            self.host.clone(),
            self.heartbeat_port.to_string(),
            self.be_port.to_string(),
            self.http_port.to_string(),
            self.brpc_port.to_string(),
            format::time(self.last_start_time).unwrap_or_else(null),
            format::time(self.last_heartbeat).unwrap_or_else(null),
            self.alive.to_string(),
            self.decommissioned.to_string(),
            "false".into(),
            self.err_msg.clone(),
            self.version.clone(),
            self.cpu_cores.to_string(),
            "0".into(),
            format::pct2(mem),
            format::pct1(cpu),
            "false".into(),
        ]
        .into_iter()
        .map(Some)
        .collect()
    }
}
