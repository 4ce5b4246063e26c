//! FE configuration items visible through ADMIN SHOW/SET FRONTEND CONFIG,
//! including the simulator's own knobs (prefixed `sim_`).

use std::collections::BTreeMap;

/// (key, default value, type, mutable, comment)
pub const ITEMS: &[(&str, &str, &str, bool, &str)] = &[
    (
        "drop_backend_after_decommission",
        "true",
        "boolean",
        true,
        "",
    ),
    ("heartbeat_timeout_second", "5", "int", true, ""),
    ("heartbeat_retry_times", "3", "int", true, ""),
    ("default_replication_num", "3", "short", true, ""),
    (
        "tablet_sched_max_scheduling_tablets",
        "10000",
        "int",
        true,
        "",
    ),
    ("tablet_sched_slot_num_per_path", "8", "int", true, ""),
    ("max_backend_down_time_second", "3600", "int", true, ""),
    ("meta_delay_toleration_second", "300", "int", true, ""),
    ("enable_udf", "false", "boolean", false, ""),
    ("http_port", "8030", "int", false, ""),
    ("rpc_port", "9020", "int", false, ""),
    ("query_port", "9030", "int", false, ""),
    ("edit_log_port", "9010", "int", false, ""),
    ("meta_dir", "${STARROCKS_HOME}/meta", "String", false, ""),
    (
        "sim_heartbeat_interval_ms",
        "1000",
        "long",
        true,
        "simulator: how often the leader probes every node",
    ),
    (
        "sim_migration_interval_ms",
        "1000",
        "long",
        true,
        "simulator: how often tablets are cloned away from decommissioned BEs",
    ),
    (
        "sim_migration_tablets_per_round",
        "4",
        "int",
        true,
        "simulator: tablets moved per decommissioned BE per round (0 stalls)",
    ),
];

pub fn defaults() -> BTreeMap<String, String> {
    ITEMS
        .iter()
        .map(|(k, v, ..)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn item(
    key: &str,
) -> Option<&'static (&'static str, &'static str, &'static str, bool, &'static str)> {
    ITEMS.iter().find(|i| i.0.eq_ignore_ascii_case(key))
}
