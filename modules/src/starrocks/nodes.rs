//! Typed StarRocks node facts decoded from `SHOW FRONTENDS`,
//! `SHOW BACKENDS` and `SHOW COMPUTE NODES` rows, by column name, tolerant
//! of the column differences between versions (FACTS.md §1): a column a
//! version lacks becomes `null`, never a wrong value from another column.

use super::rows::Row;
use serde::Serialize;
use serde_json::{Map, Value};

/// One FE, from a `SHOW FRONTENDS` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frontend {
    /// `Id`, shown from 4.1 on.
    pub id: Option<i64>,
    pub name: String,
    pub ip: String,
    /// `host:edit_log_port`, the address `ALTER SYSTEM … FOLLOWER/OBSERVER` takes.
    pub address: String,
    pub edit_log_port: Option<i64>,
    pub http_port: Option<i64>,
    pub query_port: Option<i64>,
    pub rpc_port: Option<i64>,
    /// `LEADER`, `FOLLOWER` or `OBSERVER` (≤2.3's `MASTER` / `IsMaster`
    /// reported as `LEADER`).
    pub role: String,
    pub is_leader: bool,
    pub cluster_id: Option<i64>,
    pub join: Option<bool>,
    pub alive: bool,
    pub replayed_journal_id: Option<i64>,
    pub last_heartbeat: Option<String>,
    pub is_helper: Option<bool>,
    pub err_msg: String,
    pub start_time: Option<String>,
    pub version: Option<String>,
}

/// One BE, from a `SHOW BACKENDS` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backend {
    pub id: Option<i64>,
    pub ip: String,
    /// `host:heartbeat_service_port`, the address `ALTER SYSTEM … BACKEND` takes.
    pub address: String,
    pub heartbeat_port: Option<i64>,
    pub be_port: Option<i64>,
    pub http_port: Option<i64>,
    pub brpc_port: Option<i64>,
    pub last_start_time: Option<String>,
    pub last_heartbeat: Option<String>,
    pub alive: bool,
    pub system_decommissioned: bool,
    pub cluster_decommissioned: bool,
    /// Either decommission flag.
    pub decommissioned: bool,
    pub tablet_num: Option<i64>,
    pub data_used_capacity_bytes: Option<u64>,
    pub avail_capacity_bytes: Option<u64>,
    pub total_capacity_bytes: Option<u64>,
    pub data_total_capacity_bytes: Option<u64>,
    pub used_pct: Option<f64>,
    pub max_disk_used_pct: Option<f64>,
    pub data_used_pct: Option<f64>,
    pub err_msg: String,
    pub version: Option<String>,
    pub cpu_cores: Option<i64>,
    pub mem_limit_bytes: Option<u64>,
    pub num_running_queries: Option<i64>,
    pub mem_used_pct: Option<f64>,
    pub cpu_used_pct: Option<f64>,
    pub location: Option<String>,
    /// `CONNECTING`, `OK`, `SHUTDOWN`, `DISCONNECTED` (latest versions only).
    pub status_code: Option<String>,
    pub starlet_port: Option<i64>,
    pub warehouse: Option<String>,
}

/// One CN, from a `SHOW COMPUTE NODES` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComputeNode {
    pub id: Option<i64>,
    pub ip: String,
    pub address: String,
    pub heartbeat_port: Option<i64>,
    pub be_port: Option<i64>,
    pub http_port: Option<i64>,
    pub brpc_port: Option<i64>,
    pub last_start_time: Option<String>,
    pub last_heartbeat: Option<String>,
    pub alive: bool,
    pub system_decommissioned: bool,
    pub cluster_decommissioned: bool,
    pub err_msg: String,
    pub version: Option<String>,
    pub cpu_cores: Option<i64>,
    pub num_running_queries: Option<i64>,
    pub mem_used_pct: Option<f64>,
    pub cpu_used_pct: Option<f64>,
    pub has_storage_path: Option<bool>,
    pub tablet_num: Option<i64>,
    pub starlet_port: Option<i64>,
    pub warehouse: Option<String>,
}

/// A row that cannot describe a node at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{statement} row has no `{column}` column (columns: {columns})")]
pub struct DecodeError {
    pub statement: &'static str,
    pub column: &'static str,
    pub columns: String,
}

fn required_ip(r: &Row, statement: &'static str) -> Result<String, DecodeError> {
    r.str(&["IP", "Host"]).ok_or_else(|| DecodeError {
        statement,
        column: "IP",
        columns: r.0.keys().cloned().collect::<Vec<_>>().join(", "),
    })
}

fn address(ip: &str, port: Option<i64>) -> String {
    match port {
        Some(p) => format!("{ip}:{p}"),
        None => ip.to_string(),
    }
}

/// Decode a `SHOW FRONTENDS` row.
pub fn decode_frontend(row: &Map<String, Value>) -> Result<Frontend, DecodeError> {
    let r = Row(row);
    let ip = required_ip(&r, "SHOW FRONTENDS")?;
    let raw_role = r.text(&["Role"]).to_ascii_uppercase();
    let is_leader =
        raw_role == "LEADER" || raw_role == "MASTER" || r.bool(&["IsMaster"]) == Some(true);
    let role = if is_leader {
        "LEADER".to_string()
    } else if raw_role.is_empty() {
        "UNKNOWN".to_string()
    } else {
        raw_role
    };
    let edit_log_port = r.int(&["EditLogPort"]);
    Ok(Frontend {
        id: r.int(&["Id"]),
        name: r.text(&["Name"]),
        address: address(&ip, edit_log_port),
        ip,
        edit_log_port,
        http_port: r.int(&["HttpPort"]),
        query_port: r.int(&["QueryPort"]),
        rpc_port: r.int(&["RpcPort"]),
        role,
        is_leader,
        cluster_id: r.int(&["ClusterId"]),
        join: r.bool(&["Join"]),
        alive: r.bool(&["Alive"]).unwrap_or(false),
        replayed_journal_id: r.int(&["ReplayedJournalId"]),
        last_heartbeat: r.str(&["LastHeartbeat"]),
        is_helper: r.bool(&["IsHelper"]),
        err_msg: r.text(&["ErrMsg"]),
        start_time: r.str(&["StartTime"]),
        version: r.str(&["Version"]).filter(|v| !v.is_empty()),
    })
}

/// Decode a `SHOW BACKENDS` / `SHOW PROC '/backends'` row.
pub fn decode_backend(row: &Map<String, Value>) -> Result<Backend, DecodeError> {
    let r = Row(row);
    let ip = required_ip(&r, "SHOW BACKENDS")?;
    let heartbeat_port = r.int(&["HeartbeatPort"]);
    let system = r.bool(&["SystemDecommissioned"]).unwrap_or(false);
    let cluster = r.bool(&["ClusterDecommissioned"]).unwrap_or(false);
    Ok(Backend {
        id: r.int(&["BackendId"]),
        address: address(&ip, heartbeat_port),
        ip,
        heartbeat_port,
        be_port: r.int(&["BePort"]),
        http_port: r.int(&["HttpPort"]),
        brpc_port: r.int(&["BrpcPort"]),
        last_start_time: r.str(&["LastStartTime"]),
        last_heartbeat: r.str(&["LastHeartbeat"]),
        alive: r.bool(&["Alive"]).unwrap_or(false),
        system_decommissioned: system,
        cluster_decommissioned: cluster,
        decommissioned: system || cluster,
        tablet_num: r.int(&["TabletNum"]),
        data_used_capacity_bytes: r.capacity(&["DataUsedCapacity"]),
        avail_capacity_bytes: r.capacity(&["AvailCapacity"]),
        total_capacity_bytes: r.capacity(&["TotalCapacity"]),
        data_total_capacity_bytes: r.capacity(&["DataTotalCapacity"]),
        used_pct: r.percent(&["UsedPct"]),
        max_disk_used_pct: r.percent(&["MaxDiskUsedPct"]),
        data_used_pct: r.percent(&["DataUsedPct"]),
        err_msg: r.text(&["ErrMsg"]),
        version: r.str(&["Version"]).filter(|v| !v.is_empty()),
        cpu_cores: r.int(&["CpuCores"]),
        mem_limit_bytes: r.capacity(&["MemLimit"]),
        num_running_queries: r.int(&["NumRunningQueries"]),
        mem_used_pct: r.percent(&["MemUsedPct"]),
        cpu_used_pct: r.percent(&["CpuUsedPct"]),
        location: r.str(&["Location"]).filter(|v| !v.is_empty()),
        status_code: r.str(&["StatusCode"]),
        starlet_port: r.int(&["StarletPort"]),
        warehouse: r.str(&["WarehouseName"]),
    })
}

/// Decode a `SHOW COMPUTE NODES` row.
pub fn decode_compute_node(row: &Map<String, Value>) -> Result<ComputeNode, DecodeError> {
    let r = Row(row);
    let ip = required_ip(&r, "SHOW COMPUTE NODES")?;
    let heartbeat_port = r.int(&["HeartbeatPort"]);
    Ok(ComputeNode {
        id: r.int(&["ComputeNodeId"]),
        address: address(&ip, heartbeat_port),
        ip,
        heartbeat_port,
        be_port: r.int(&["BePort"]),
        http_port: r.int(&["HttpPort"]),
        brpc_port: r.int(&["BrpcPort"]),
        last_start_time: r.str(&["LastStartTime"]),
        last_heartbeat: r.str(&["LastHeartbeat"]),
        alive: r.bool(&["Alive"]).unwrap_or(false),
        system_decommissioned: r.bool(&["SystemDecommissioned"]).unwrap_or(false),
        cluster_decommissioned: r.bool(&["ClusterDecommissioned"]).unwrap_or(false),
        err_msg: r.text(&["ErrMsg"]),
        version: r.str(&["Version"]).filter(|v| !v.is_empty()),
        cpu_cores: r.int(&["CpuCores"]),
        num_running_queries: r.int(&["NumRunningQueries"]),
        mem_used_pct: r.percent(&["MemUsedPct"]),
        cpu_used_pct: r.percent(&["CpuUsedPct"]),
        has_storage_path: r.bool(&["HasStoragePath"]),
        tablet_num: r.int(&["TabletNum"]),
        starlet_port: r.int(&["StarletPort"]),
        warehouse: r.str(&["WarehouseName"]),
    })
}

/// Totals over the BEs, for capacity prechecks (SOP checklist item 10).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackendTotals {
    pub count: usize,
    pub alive: usize,
    pub decommissioning: usize,
    pub tablets: i64,
    pub total_capacity_bytes: u64,
    pub avail_capacity_bytes: u64,
    pub data_used_capacity_bytes: u64,
}

/// Everything `starrocks_facts` reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClusterFacts {
    /// `SELECT current_version()` (or the leader's Version column).
    pub version: Option<String>,
    /// The release number of `version`: `3.3.10` of `3.3.10-227b0b3`.
    pub version_number: Option<String>,
    pub frontends: Vec<Frontend>,
    /// The leader FE's `host:edit_log_port`.
    pub leader: Option<String>,
    pub followers: Vec<String>,
    pub observers: Vec<String>,
    /// Followers that are alive (for quorum checks, SOP item 11).
    pub alive_followers: usize,
    pub backends: Vec<Backend>,
    pub backend_totals: BackendTotals,
    pub compute_nodes: Vec<ComputeNode>,
}

/// `3.3.10` of `3.3.10-227b0b3`, `3.3.0` of `3.3.0-rc01-3b8cb0c`,
/// `4.0.1` of `4.0.1 a1b2c3d`.
pub fn version_number(v: &str) -> Option<String> {
    let n: String = v
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let n = n.trim_end_matches('.');
    (!n.is_empty()).then(|| n.to_string())
}

/// Assemble the facts from decoded nodes.
pub fn cluster_facts(
    version: Option<String>,
    frontends: Vec<Frontend>,
    backends: Vec<Backend>,
    compute_nodes: Vec<ComputeNode>,
) -> ClusterFacts {
    let leader = frontends.iter().find(|f| f.is_leader);
    let version = version
        .filter(|v| !v.trim().is_empty())
        .or_else(|| leader.and_then(|l| l.version.clone()));
    let by_role = |role: &str| -> Vec<String> {
        frontends
            .iter()
            .filter(|f| f.role == role)
            .map(|f| f.address.clone())
            .collect()
    };
    // The leader is a follower too as far as voting goes.
    let mut followers = by_role("LEADER");
    followers.extend(by_role("FOLLOWER"));
    let alive_followers = frontends
        .iter()
        .filter(|f| (f.role == "LEADER" || f.role == "FOLLOWER") && f.alive)
        .count();
    let backend_totals = BackendTotals {
        count: backends.len(),
        alive: backends.iter().filter(|b| b.alive).count(),
        decommissioning: backends.iter().filter(|b| b.decommissioned).count(),
        tablets: backends.iter().filter_map(|b| b.tablet_num).sum(),
        total_capacity_bytes: backends.iter().filter_map(|b| b.total_capacity_bytes).sum(),
        avail_capacity_bytes: backends.iter().filter_map(|b| b.avail_capacity_bytes).sum(),
        data_used_capacity_bytes: backends
            .iter()
            .filter_map(|b| b.data_used_capacity_bytes)
            .sum(),
    };
    ClusterFacts {
        version_number: version.as_deref().and_then(version_number),
        version,
        leader: leader.map(|l| l.address.clone()),
        followers,
        observers: by_role("OBSERVER"),
        alive_followers,
        frontends,
        backends,
        backend_totals,
        compute_nodes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1024 * 1024 * 1024;

    /// A fixture's rows as column -> value maps; `reverse` flips the
    /// column order to prove nothing is read by position.
    fn rows(fixture: &str, reverse: bool) -> Vec<Map<String, Value>> {
        let v: Value = serde_json::from_str(fixture).unwrap();
        let cols: Vec<&str> = v["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut pairs: Vec<(String, Value)> = cols
                    .iter()
                    .zip(r.as_array().unwrap())
                    .map(|(c, v)| (c.to_string(), v.clone()))
                    .collect();
                if reverse {
                    pairs.reverse();
                }
                pairs.into_iter().collect()
            })
            .collect()
    }

    fn backends(fixture: &str) -> Vec<Backend> {
        let a: Vec<Backend> = rows(fixture, false)
            .iter()
            .map(|r| decode_backend(r).unwrap())
            .collect();
        let b: Vec<Backend> = rows(fixture, true)
            .iter()
            .map(|r| decode_backend(r).unwrap())
            .collect();
        assert_eq!(a, b, "decoding does not depend on column order");
        a
    }

    fn frontends(fixture: &str) -> Vec<Frontend> {
        let a: Vec<Frontend> = rows(fixture, false)
            .iter()
            .map(|r| decode_frontend(r).unwrap())
            .collect();
        let b: Vec<Frontend> = rows(fixture, true)
            .iter()
            .map(|r| decode_frontend(r).unwrap())
            .collect();
        assert_eq!(a, b, "decoding does not depend on column order");
        a
    }

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../tests/fixtures/starrocks/show/", $name))
        };
    }

    #[test]
    fn backends_of_every_version() {
        // (fixture, row, id, address, alive, decommissioned, tablets,
        //  avail bytes, mem_limit bytes, status_code)
        type Case = (
            &'static str,
            usize,
            i64,
            &'static str,
            bool,
            bool,
            i64,
            Option<u64>,
            Option<u64>,
            Option<&'static str>,
        );
        let cases: &[Case] = &[
            (
                fixture!("backends-2.3.json"),
                0,
                10002,
                "172.26.92.11:9050",
                true,
                false,
                1203,
                Some(180 * GIB),
                None,
                None,
            ),
            (
                fixture!("backends-2.3.json"),
                1,
                10003,
                "172.26.92.12:9050",
                false,
                true,
                17,
                Some(190 * GIB),
                None,
                None,
            ),
            (
                fixture!("backends-2.5.json"),
                0,
                10002,
                "172.26.92.11:9050",
                true,
                false,
                4120,
                Some(1_196_268_651_020),
                None,
                None,
            ),
            (
                fixture!("backends-3.1.4.json"),
                0,
                10001,
                "192.168.1.10:9050",
                true,
                false,
                2218,
                Some(81_828_790_665),
                None,
                None,
            ),
            (
                fixture!("backends-3.3.0.json"),
                0,
                10004,
                "kb-be-0.kb-be-headless:9050",
                true,
                false,
                0,
                Some(52_742_198_395),
                None,
                None,
            ),
            (
                fixture!("backends-3.3.10.json"),
                0,
                10003,
                "kube-starrocks-be-0.kube-starrocks-be-search.default.svc.cluster.local:9050",
                true,
                false,
                41,
                Some(81_828_790_665),
                Some(6_664_715_502),
                None,
            ),
            (
                fixture!("backends-3.3.10.json"),
                1,
                10004,
                "kube-starrocks-be-1.kube-starrocks-be-search.default.svc.cluster.local:9050",
                true,
                true,
                0,
                Some(81_828_790_665),
                Some(6_664_715_502),
                None,
            ),
            (
                fixture!("backends-latest.json"),
                0,
                10003,
                "192.168.100.21:9050",
                true,
                false,
                1500,
                Some(100 * GIB),
                Some(24 * GIB),
                Some("OK"),
            ),
            (
                fixture!("backends-latest.json"),
                1,
                10010,
                "192.168.100.22:9050",
                false,
                false,
                0,
                Some(0),
                Some(0),
                Some("CONNECTING"),
            ),
            (
                fixture!("backends-latest-shared-data.json"),
                0,
                10003,
                "192.168.100.21:9050",
                true,
                false,
                1500,
                Some(100 * GIB),
                Some(24 * GIB),
                Some("OK"),
            ),
        ];
        for (i, (fx, row, id, addr, alive, decom, tablets, avail, mem, status)) in
            cases.iter().enumerate()
        {
            let b = &backends(fx)[*row];
            assert_eq!(b.id, Some(*id), "case {i}");
            assert_eq!(b.address, *addr, "case {i}");
            assert_eq!(b.alive, *alive, "case {i}");
            assert_eq!(b.decommissioned, *decom, "case {i}");
            assert_eq!(b.tablet_num, Some(*tablets), "case {i}");
            assert_eq!(b.avail_capacity_bytes, *avail, "case {i}");
            assert_eq!(b.mem_limit_bytes, *mem, "case {i}");
            assert_eq!(b.status_code.as_deref(), *status, "case {i}");
        }
    }

    #[test]
    fn backend_details_by_version() {
        let old = &backends(fixture!("backends-2.3.json"))[1];
        assert!(old.system_decommissioned && !old.cluster_decommissioned);
        assert_eq!(old.err_msg, "connect timed out");
        assert_eq!(old.num_running_queries, None, "column absent before 3.1");
        let b314 = &backends(fixture!("backends-3.1.4.json"))[0];
        assert_eq!(b314.data_used_capacity_bytes, Some(311_127_179));
        assert_eq!(
            (
                b314.num_running_queries,
                b314.mem_used_pct,
                b314.cpu_used_pct
            ),
            (Some(0), Some(2.86), Some(0.2))
        );
        assert_eq!(b314.used_pct, Some(58.19));
        assert_eq!(b314.location, None);
        let fresh = &backends(fixture!("backends-latest.json"))[1];
        assert_eq!(
            (fresh.last_start_time.clone(), fresh.version.clone()),
            (None, None)
        );
        assert_eq!(fresh.be_port, Some(-1));
        let shared = &backends(fixture!("backends-latest-shared-data.json"))[0];
        assert_eq!(shared.starlet_port, Some(9070));
        assert_eq!(shared.warehouse.as_deref(), Some("default_warehouse"));
        assert_eq!(shared.version.as_deref(), Some("4.0.1-a1b2c3d"));
    }

    #[test]
    fn frontends_of_every_version() {
        let old = frontends(fixture!("frontends-2.3.json"));
        let f = cluster_facts(None, old, vec![], vec![]);
        assert_eq!(
            f.leader.as_deref(),
            Some("172.26.92.1:9010"),
            "IsMaster=true is the leader"
        );
        assert_eq!(f.followers, ["172.26.92.1:9010", "172.26.92.2:9010"]);
        assert_eq!(f.observers, ["172.26.92.3:9010"]);
        assert_eq!(
            f.version.as_deref(),
            Some("2.3.2-abc1234"),
            "from the leader row"
        );
        assert_eq!(f.version_number.as_deref(), Some("2.3.2"));

        let fe3 = frontends(fixture!("frontends-3.3.10.json"));
        let broken = &fe3[2];
        assert_eq!(
            (
                broken.join,
                broken.alive,
                broken.query_port,
                broken.start_time.clone(),
                broken.version.clone()
            ),
            (Some(false), false, Some(0), None, None)
        );
        assert_eq!(broken.err_msg, "invalid cluster id: 2098925161");
        assert_eq!(broken.is_helper, Some(true));
        let f = cluster_facts(Some("3.3.10-227b0b3".into()), fe3, vec![], vec![]);
        assert_eq!(
            f.leader.as_deref(),
            Some("kube-starrocks-fe-0.kube-starrocks-fe-search.default.svc.cluster.local:9010"),
            "found by role, not by row order"
        );
        assert_eq!(f.followers.len(), 3);
        assert_eq!(f.alive_followers, 2);
        assert_eq!(f.observers, ["192.168.100.67:9010"]);
        assert_eq!(f.frontends[1].replayed_journal_id, Some(1647));
        assert_eq!(f.frontends[1].cluster_id, Some(1_931_503_630));

        let fe41 = frontends(fixture!("frontends-4.1.json"));
        assert_eq!(
            (fe41[0].id, fe41[0].is_leader, fe41[0].role.as_str()),
            (Some(1), true, "LEADER")
        );
        assert_eq!(fe41[1].name, "192.168.100.12_9010_1760000000001");
    }

    #[test]
    fn compute_nodes_and_totals() {
        let cn: Vec<ComputeNode> = rows(fixture!("compute_nodes-3.3.json"), true)
            .iter()
            .map(|r| decode_compute_node(r).unwrap())
            .collect();
        assert_eq!(
            (cn[0].id, cn[0].has_storage_path, cn[0].tablet_num),
            (Some(10010), Some(true), None)
        );
        assert_eq!(cn[0].version.as_deref(), Some("3.3.0-rc01-3b8cb0c"));
        let shared: Vec<ComputeNode> = rows(fixture!("compute_nodes-3.3-shared-data.json"), false)
            .iter()
            .map(|r| decode_compute_node(r).unwrap())
            .collect();
        assert_eq!(
            (shared[0].tablet_num, shared[0].starlet_port),
            (Some(120), Some(8167))
        );

        let f = cluster_facts(None, vec![], backends(fixture!("backends-3.3.10.json")), cn);
        assert_eq!(f.backend_totals.count, 2);
        assert_eq!(f.backend_totals.alive, 2);
        assert_eq!(f.backend_totals.decommissioning, 1);
        assert_eq!(f.backend_totals.tablets, 41);
        assert_eq!(f.backend_totals.avail_capacity_bytes, 2 * 81_828_790_665);
        assert_eq!(f.compute_nodes.len(), 1);
    }

    #[test]
    fn a_row_without_ip_is_a_clear_error() {
        let row: Map<String, Value> =
            serde_json::from_str(r#"{"BackendId": "1", "Alive": "true"}"#).unwrap();
        let err = decode_backend(&row).unwrap_err().to_string();
        assert_eq!(
            err,
            "SHOW BACKENDS row has no `IP` column (columns: BackendId, Alive)"
        );
    }

    #[test]
    fn version_numbers() {
        for (v, want) in [
            ("3.3.10-227b0b3", Some("3.3.10")),
            ("3.3.0-rc01-3b8cb0c", Some("3.3.0")),
            ("4.0.1 a1b2c3d", Some("4.0.1")),
            ("MAIN-RELEASE-d094052", None),
        ] {
            assert_eq!(version_number(v).as_deref(), want, "{v}");
        }
    }
}
