//! Golden SHOW outputs for every imitated version, from a fixed cluster
//! (no processes, no clock). Fixtures live in tests/fixtures/<version>/.
//! Regenerate with UPDATE_GOLDEN=1 and review the diff against FACTS.md.

use starrocks_sim::backend::BeReport;
use starrocks_sim::cluster::Cluster;
use starrocks_sim::exec::{execute, FeIdentity, Session};
use starrocks_sim::frontend::{FeReport, FeRole};
use starrocks_sim::outcome::Outcome;
use starrocks_sim::version::SrVersion;

const NOW: i64 = 1760670343000; // 2025-10-17 03:05:43 UTC

fn report(v: SrVersion) -> BeReport {
    BeReport {
        be_port: 9060,
        http_port: 8040,
        brpc_port: 8060,
        version: v.full().into(),
        start_time_ms: NOW - 3_600_000,
        cpu_cores: 8,
        mem_limit: 6664717107,
        disk_total: 195_722_000_000, // 182.280 GB
        disk_other_used: 32_212_254_720,
        shutting_down: false,
    }
}

fn fixed_cluster(v: SrVersion) -> (Cluster, Session) {
    let mut c = Cluster::new(v, "127.0.1.1", 9010, NOW - 7_200_000);
    c.add_backends(&[
        "127.0.1.12:9050".into(),
        "127.0.1.10:9050".into(),
        "127.0.1.11:9050".into(),
    ])
    .unwrap();
    for a in ["127.0.1.10:9050", "127.0.1.11:9050"] {
        c.apply_be_heartbeat(a, Ok(report(v)), NOW);
    }
    c.create_database("demo", false).unwrap();
    c.create_table("demo", "t1", false, Some(1), Some(6), 128 << 20)
        .unwrap();
    c.create_table("demo", "t2", false, Some(2), Some(4), 1 << 30)
        .unwrap();
    c.config
        .insert("drop_backend_after_decommission".into(), "false".into());
    c.add_backends(&["127.0.1.13:9050".into()]).unwrap();
    c.apply_be_heartbeat("127.0.1.13:9050", Ok(report(v)), NOW);
    c.decommission(&["127.0.1.13:9050".into()]).unwrap();
    c.add_frontend(FeRole::Follower, "127.0.1.2:9010", NOW - 60_000)
        .unwrap();
    c.add_frontend(FeRole::Observer, "127.0.1.3:9010", NOW - 60_000)
        .unwrap();
    let fe = FeReport {
        query_port: 9030,
        rpc_port: 9020,
        http_port: 8030,
        version: v.full().into(),
        start_time_ms: NOW - 600_000,
        cluster_id: c.cluster_id,
        is_leader: false,
    };
    c.apply_fe_heartbeat("127.0.1.3:9010", Ok(fe), NOW);
    c.add_compute_nodes(&["127.0.1.20:9050".into()]).unwrap();
    c.apply_be_heartbeat("127.0.1.20:9050", Ok(report(v)), NOW);
    c.add_brokers("hdfs_broker", &["127.0.1.10:8000".into()])
        .unwrap();
    c.apply_broker_heartbeat("127.0.1.10:8000", Ok(()), NOW);
    let s = Session {
        fe: FeIdentity {
            host: "127.0.1.1".into(),
            edit_log_port: 9010,
            query_port: 9030,
            rpc_port: 9020,
            http_port: 8030,
        },
        user: "root".into(),
        client_host: "127.0.0.1".into(),
        ..Default::default()
    };
    (c, s)
}

fn tsv(o: &Outcome) -> String {
    let Outcome::Rows(rs) = o else {
        panic!("{o:?}")
    };
    let mut s = rs
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect::<Vec<_>>()
        .join("\t")
        + "\n";
    for r in &rs.rows {
        s += &r
            .iter()
            .map(|v| v.clone().unwrap_or_else(|| "\\N".into()))
            .collect::<Vec<_>>()
            .join("\t");
        s += "\n";
    }
    s
}

const STATEMENTS: &[(&str, &str)] = &[
    ("show_backends", "SHOW BACKENDS"),
    ("show_frontends", "SHOW FRONTENDS"),
    ("show_compute_nodes", "SHOW COMPUTE NODES"),
    ("show_broker", "SHOW BROKER"),
    ("show_databases", "SHOW DATABASES"),
    ("show_tables", "SHOW TABLES FROM demo"),
    ("show_variables_version", "SHOW VARIABLES LIKE 'version%'"),
    (
        "admin_show_config",
        "ADMIN SHOW FRONTEND CONFIG LIKE 'drop_backend%'",
    ),
    (
        "select_version",
        "SELECT current_version(), @@version_comment, @@version",
    ),
];

#[test]
fn golden_show_outputs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let update = std::env::var("UPDATE_GOLDEN").is_ok();
    let mut failures = Vec::new();
    for v in [
        SrVersion::V2_5,
        SrVersion::V3_1,
        SrVersion::V3_3,
        SrVersion::Latest,
    ] {
        let (mut c, mut s) = fixed_cluster(v);
        for (name, sql) in STATEMENTS {
            let got = tsv(&execute(&mut c, &mut s, sql, NOW).outcome);
            let path = dir.join(v.name()).join(format!("{name}.tsv"));
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if want != got {
                failures.push(format!(
                    "{}:\n--- want\n{want}--- got\n{got}",
                    path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn show_proc_equals_show_statement() {
    for v in [SrVersion::V2_5, SrVersion::V3_3, SrVersion::Latest] {
        let (mut c, mut s) = fixed_cluster(v);
        for (a, b) in [
            ("SHOW BACKENDS", "SHOW PROC '/backends'"),
            ("SHOW FRONTENDS", "SHOW PROC '/frontends'"),
            ("SHOW COMPUTE NODES", "SHOW PROC '/compute_nodes'"),
            ("SHOW BROKER", "SHOW PROC '/brokers'"),
        ] {
            assert_eq!(
                execute(&mut c, &mut s, a, NOW).outcome,
                execute(&mut c, &mut s, b, NOW).outcome
            );
        }
    }
}

fn header(v: SrVersion, sql: &str) -> String {
    let (mut c, mut s) = fixed_cluster(v);
    tsv(&execute(&mut c, &mut s, sql, NOW).outcome)
        .lines()
        .next()
        .unwrap()
        .to_string()
}

/// Column lists exactly as FACTS.md §1 states them.
#[test]
fn columns_as_in_facts() {
    let latest = "BackendId, IP, HeartbeatPort, BePort, HttpPort, BrpcPort, LastStartTime, LastHeartbeat, Alive, SystemDecommissioned, ClusterDecommissioned, TabletNum, DataUsedCapacity, AvailCapacity, TotalCapacity, UsedPct, MaxDiskUsedPct, ErrMsg, Version, Status, DataTotalCapacity, DataUsedPct, CpuCores, MemLimit, NumRunningQueries, MemUsedPct, CpuUsedPct, DataCacheMetrics, Location, StatusCode";
    assert_eq!(
        header(SrVersion::Latest, "SHOW BACKENDS"),
        latest.replace(", ", "\t")
    );
    let v33 = latest.trim_end_matches(", StatusCode");
    assert_eq!(
        header(SrVersion::V3_3, "SHOW BACKENDS"),
        v33.replace(", ", "\t")
    );
    let v31 = v33
        .replace(", MemLimit", "")
        .replace(", DataCacheMetrics, Location", "");
    assert_eq!(
        header(SrVersion::V3_1, "SHOW BACKENDS"),
        v31.replace(", ", "\t")
    );
    let v25 = v31.replace(", NumRunningQueries, MemUsedPct, CpuUsedPct", "");
    assert_eq!(
        header(SrVersion::V2_5, "SHOW BACKENDS"),
        v25.replace(", ", "\t")
    );
    let fe = "Name, IP, EditLogPort, HttpPort, QueryPort, RpcPort, Role, ClusterId, Join, Alive, ReplayedJournalId, LastHeartbeat, IsHelper, ErrMsg, StartTime, Version";
    assert_eq!(
        header(SrVersion::V3_3, "SHOW FRONTENDS"),
        fe.replace(", ", "\t")
    );
    assert_eq!(
        header(SrVersion::Latest, "SHOW FRONTENDS"),
        format!("Id\t{}", fe.replace(", ", "\t"))
    );
    let cn = "ComputeNodeId, IP, HeartbeatPort, BePort, HttpPort, BrpcPort, LastStartTime, LastHeartbeat, Alive, SystemDecommissioned, ClusterDecommissioned, ErrMsg, Version, CpuCores, NumRunningQueries, MemUsedPct, CpuUsedPct, HasStoragePath";
    assert_eq!(
        header(SrVersion::V3_3, "SHOW COMPUTE NODES"),
        cn.replace(", ", "\t")
    );
    assert_eq!(
        header(SrVersion::V3_3, "SHOW BROKER"),
        "Name\tIP\tPort\tAlive\tLastStartTime\tLastUpdateTime\tErrMsg"
    );
}

fn rows(v: SrVersion, sql: &str) -> Vec<Vec<String>> {
    let (mut c, mut s) = fixed_cluster(v);
    tsv(&execute(&mut c, &mut s, sql, NOW).outcome)
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

/// Value formats from FACTS.md §1.1 / §1.2.
#[test]
fn values_as_in_facts() {
    let be = rows(SrVersion::Latest, "SHOW BACKENDS");
    // sorted by IP (as strings), then BePort
    let ips: Vec<&str> = be.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        ips,
        ["127.0.1.10", "127.0.1.11", "127.0.1.12", "127.0.1.13"]
    );
    // a BE added but never heard from
    let fresh = &be[2];
    assert_eq!(&fresh[3..9], ["-1", "-1", "0", "NULL", "NULL", "false"]);
    assert_eq!(fresh[18], "");
    assert_eq!(fresh[27], "N/A");
    assert_eq!(fresh[29], "CONNECTING");
    // a healthy BE
    let ok = &be[0];
    assert_eq!(
        &ok[6..11],
        [
            "2025-10-17 02:05:43",
            "2025-10-17 03:05:43",
            "true",
            "false",
            "false"
        ]
    );
    assert_eq!(ok[14], "182.280 GB");
    assert!(ok[15].ends_with(" %") && ok[15].contains('.'), "{}", ok[15]);
    assert_eq!(ok[18], "4.0.1-0b9ce3f");
    assert_eq!(
        ok[19],
        "{\"lastSuccessReportTabletsTime\":\"2025-10-17 03:05:43\"}"
    );
    assert_eq!(ok[23], "6.207GB");
    assert_eq!(ok[26], "0.2 %");
    assert_eq!(ok[27], "Status: Normal, DiskUsage: 0B/0B, MemUsage: 0B/0B");
    assert_eq!(ok[29], "OK");
    // decommissioned: SystemDecommissioned=true, ClusterDecommissioned=false
    assert_eq!(&be[3][9..11], ["true", "false"]);

    let fe = rows(SrVersion::V3_3, "SHOW FRONTENDS");
    assert_eq!(fe[0][6], "LEADER");
    assert!(fe[0][0].starts_with("127.0.1.1_9010_"));
    // added follower, never started (FACTS §1.2, issue #48523)
    assert_eq!(
        &fe[1][4..],
        [
            "0", "0", "FOLLOWER", &fe[1][7], "false", "false", "0", "NULL", "true", "", "NULL",
            "NULL"
        ]
    );
    assert_eq!(fe[2][6], "OBSERVER");
    assert_eq!(fe[2][12], "false");
}
