//! Session / global variables and their defaults (SHOW VARIABLES, @@x).

use crate::version::SrVersion;

/// Default value of a known system variable, `None` when unknown.
pub fn default_value(name: &str, v: SrVersion) -> Option<String> {
    let s = match name {
        "version" => "5.1.0".to_string(),
        "version_comment" => format!("StarRocks version {}", v.full()),
        "max_allowed_packet" => "33554432".into(),
        "wait_timeout" => "28800".into(),
        "interactive_timeout" => "3600".into(),
        "net_write_timeout" => "60".into(),
        "net_read_timeout" => "60".into(),
        "autocommit" => "1".into(),
        "auto_increment_increment" => "1".into(),
        "character_set_client"
        | "character_set_connection"
        | "character_set_results"
        | "character_set_server" => "utf8".into(),
        "collation_connection" | "collation_database" | "collation_server" => {
            "utf8_general_ci".into()
        }
        "init_connect" => "".into(),
        "language" => "/starrocks/share/english/".into(),
        "license" => "Apache License 2.0".into(),
        "lower_case_table_names" => "0".into(),
        "net_buffer_length" => "16384".into(),
        "performance_schema" => "0".into(),
        "query_cache_size" => "1048576".into(),
        "query_cache_type" => "0".into(),
        "query_timeout" => "300".into(),
        "sql_mode" => "ONLY_FULL_GROUP_BY".into(),
        "sql_select_limit" => "9223372036854775807".into(),
        "system_time_zone" => "UTC".into(),
        "time_zone" => "Asia/Shanghai".into(),
        "tx_isolation" | "transaction_isolation" => "REPEATABLE-READ".into(),
        "tx_read_only" | "transaction_read_only" => "0".into(),
        "exec_mem_limit" => "2147483648".into(),
        "pipeline_dop" => "0".into(),
        "enable_profile" => "false".into(),
        "parallel_fragment_exec_instance_num" => "1".into(),
        "new_planner_optimize_timeout" => "3000".into(),
        "sql_safe_updates" => "0".into(),
        "div_precision_increment" => "4".into(),
        "event_scheduler" => "OFF".into(),
        "have_query_cache" => "YES".into(),
        "default_storage_engine" => "olap".into(),
        _ => return None,
    };
    Some(s)
}

/// All known variable names, sorted.
pub fn names() -> Vec<&'static str> {
    let mut v = vec![
        "version",
        "version_comment",
        "max_allowed_packet",
        "wait_timeout",
        "interactive_timeout",
        "net_write_timeout",
        "net_read_timeout",
        "autocommit",
        "auto_increment_increment",
        "character_set_client",
        "character_set_connection",
        "character_set_results",
        "character_set_server",
        "collation_connection",
        "collation_database",
        "collation_server",
        "init_connect",
        "language",
        "license",
        "lower_case_table_names",
        "net_buffer_length",
        "performance_schema",
        "query_cache_size",
        "query_cache_type",
        "query_timeout",
        "sql_mode",
        "sql_select_limit",
        "system_time_zone",
        "time_zone",
        "tx_isolation",
        "transaction_isolation",
        "tx_read_only",
        "transaction_read_only",
        "exec_mem_limit",
        "pipeline_dop",
        "enable_profile",
        "parallel_fragment_exec_instance_num",
        "new_planner_optimize_timeout",
        "sql_safe_updates",
        "div_precision_increment",
        "event_scheduler",
        "have_query_cache",
        "default_storage_engine",
    ];
    v.sort();
    v
}

/// SQL `LIKE` (case-insensitive, `%` and `_`).
pub fn like(pattern: &str, s: &str) -> bool {
    fn go(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('%') => (0..=s.len()).any(|i| go(&p[1..], &s[i..])),
            Some('_') => !s.is_empty() && go(&p[1..], &s[1..]),
            Some('\\') if p.len() > 1 => !s.is_empty() && s[0] == p[1] && go(&p[2..], &s[1..]),
            Some(c) => !s.is_empty() && s[0] == *c && go(&p[1..], &s[1..]),
        }
    }
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let s: Vec<char> = s.to_lowercase().chars().collect();
    go(&p, &s)
}
