//! Which StarRocks release the simulator imitates. The column layouts of
//! the SHOW statements and a few error texts differ between releases
//! (FACTS.md §1, §2.4).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub enum SrVersion {
    #[serde(rename = "2.5")]
    V2_5,
    #[serde(rename = "3.1")]
    V3_1,
    #[default]
    #[serde(rename = "3.3")]
    V3_3,
    #[serde(rename = "latest")]
    Latest,
}

impl SrVersion {
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        let s = s.trim().trim_matches('"');
        Ok(match s {
            "2.5" => Self::V2_5,
            "3.1" => Self::V3_1,
            "3.3" => Self::V3_3,
            "latest" | "4.0" | "main" => Self::Latest,
            _ if s.starts_with("2.5.") => Self::V2_5,
            _ if s.starts_with("3.1.") => Self::V3_1,
            _ if s.starts_with("3.3.") => Self::V3_3,
            _ if s.starts_with("4.") => Self::Latest,
            _ => anyhow::bail!("unsupported StarRocks version {s:?} (use 2.5, 3.1, 3.3 or latest)"),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::V2_5 => "2.5",
            Self::V3_1 => "3.1",
            Self::V3_3 => "3.3",
            Self::Latest => "latest",
        }
    }

    /// The `Version` column / `current_version()` value.
    pub fn full(self) -> &'static str {
        match self {
            Self::V2_5 => "2.5.22-5fa3fa8",
            Self::V3_1 => "3.1.14-8a8ef35",
            Self::V3_3 => "3.3.10-227b0b3",
            Self::Latest => "4.0.1-0b9ce3f",
        }
    }

    /// Release number without the commit hash.
    pub fn release(self) -> &'static str {
        self.full().split('-').next().unwrap_or("")
    }

    pub fn commit(self) -> &'static str {
        self.full().split('-').nth(1).unwrap_or("")
    }

    /// Prepared statements exist since 3.2 (StarRocks PR #27840).
    pub fn supports_prepare(self) -> bool {
        self >= Self::V3_3
    }

    /// 3.x prefixes DDL failures with `Unexpected exception: `.
    pub fn ddl_prefix(self) -> &'static str {
        if self >= Self::V3_1 {
            "Unexpected exception: "
        } else {
            ""
        }
    }

    pub fn backend_columns(self) -> Vec<&'static str> {
        let mut c = vec![
            "BackendId",
            "IP",
            "HeartbeatPort",
            "BePort",
            "HttpPort",
            "BrpcPort",
            "LastStartTime",
            "LastHeartbeat",
            "Alive",
            "SystemDecommissioned",
            "ClusterDecommissioned",
            "TabletNum",
            "DataUsedCapacity",
            "AvailCapacity",
            "TotalCapacity",
            "UsedPct",
            "MaxDiskUsedPct",
            "ErrMsg",
            "Version",
            "Status",
            "DataTotalCapacity",
            "DataUsedPct",
            "CpuCores",
        ];
        if self >= Self::V3_3 {
            c.push("MemLimit");
        }
        if self >= Self::V3_1 {
            c.extend(["NumRunningQueries", "MemUsedPct", "CpuUsedPct"]);
        }
        if self >= Self::V3_3 {
            c.extend(["DataCacheMetrics", "Location"]);
        }
        if self >= Self::Latest {
            c.push("StatusCode");
        }
        c
    }

    pub fn frontend_columns(self) -> Vec<&'static str> {
        let mut c = Vec::new();
        if self >= Self::Latest {
            c.push("Id");
        }
        c.extend([
            "Name",
            "IP",
            "EditLogPort",
            "HttpPort",
            "QueryPort",
            "RpcPort",
            "Role",
            "ClusterId",
            "Join",
            "Alive",
            "ReplayedJournalId",
            "LastHeartbeat",
            "IsHelper",
            "ErrMsg",
            "StartTime",
            "Version",
        ]);
        c
    }

    pub fn compute_node_columns(self) -> Vec<&'static str> {
        vec![
            "ComputeNodeId",
            "IP",
            "HeartbeatPort",
            "BePort",
            "HttpPort",
            "BrpcPort",
            "LastStartTime",
            "LastHeartbeat",
            "Alive",
            "SystemDecommissioned",
            "ClusterDecommissioned",
            "ErrMsg",
            "Version",
            "CpuCores",
            "NumRunningQueries",
            "MemUsedPct",
            "CpuUsedPct",
            "HasStoragePath",
        ]
    }

    pub fn broker_columns(self) -> Vec<&'static str> {
        vec![
            "Name",
            "IP",
            "Port",
            "Alive",
            "LastStartTime",
            "LastUpdateTime",
            "ErrMsg",
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_counts_per_version() {
        assert_eq!(SrVersion::V2_5.backend_columns().len(), 23);
        assert_eq!(SrVersion::V3_1.backend_columns().len(), 26);
        assert_eq!(SrVersion::V3_3.backend_columns().len(), 29);
        assert_eq!(SrVersion::Latest.backend_columns().len(), 30);
        assert_eq!(SrVersion::V3_3.frontend_columns().len(), 16);
        assert_eq!(SrVersion::Latest.frontend_columns()[0], "Id");
    }
}
