//! `starrocks_facts`: read the cluster's nodes from a StarRocks FE
//! (`SHOW FRONTENDS`, `SHOW BACKENDS`, `SHOW COMPUTE NODES`,
//! `SELECT current_version()`) into typed facts: the leader FE, followers
//! and observers, and per BE its tablets, capacities in bytes and
//! decommission flags. Read-only: runs in check mode, never `changed`.
//! Connects like `sql` and shares its connection pool.

use crate::sql::pool::{checkout, describe, ConnParams, PooledConn};
use crate::sql::result::run_statement;
use crate::sql::{
    conn_params, CA_CERT, CHECK_HOSTNAME, CLIENT_CERT, CLIENT_KEY, CONNECT_TIMEOUT, LOGIN_DB,
    LOGIN_HOST, LOGIN_PASSWORD, LOGIN_PORT, LOGIN_USER, TLS,
};
use crate::starrocks::nodes::{
    cluster_facts, decode_backend, decode_compute_node, decode_frontend, DecodeError,
};
use async_trait::async_trait;
use serde_json::{Map, Value};
use srplay_engine::module::{ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError};
use srplay_engine::module::{ModuleSpec, Outcome};

const PARTS: &[&str] = &["frontends", "backends", "compute_nodes", "version"];

const OPTIONS: &[ArgSpec] = &[
    LOGIN_HOST,
    LOGIN_PORT,
    LOGIN_USER,
    LOGIN_PASSWORD,
    LOGIN_DB,
    CONNECT_TIMEOUT,
    TLS,
    CA_CERT,
    CLIENT_CERT,
    CLIENT_KEY,
    CHECK_HOSTNAME,
    ArgSpec::new(
        "gather",
        ArgType::List,
        "Which facts to read: frontends, backends, compute_nodes, version (default: all).",
    )
    .default("[\"frontends\", \"backends\", \"compute_nodes\", \"version\"]"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("ansible_facts.starrocks", "All the facts below, also set as the host fact `starrocks`."),
        ("version", "`SELECT current_version()` (or the leader FE's Version)."),
        ("version_number", "The release number, e.g. `3.3.10`."),
        ("frontends", "Each FE: name, ip, address (ip:edit_log_port), ports, role, is_leader, alive, join, is_helper, err_msg, version…"),
        ("leader", "The leader FE's ip:edit_log_port."),
        ("followers", "ip:edit_log_port of every voting FE (leader included)."),
        ("observers", "ip:edit_log_port of every observer."),
        ("alive_followers", "How many voting FEs are alive."),
        ("backends", "Each BE: id, ip, address (ip:heartbeat_port), ports, alive, decommissioned flags, tablet_num, capacities in bytes, percentages, status_code…"),
        ("backend_totals", "count, alive, decommissioning, tablets, total/avail/data-used capacity bytes over all BEs."),
        ("compute_nodes", "Each CN, like backends."),
    ],
    ..ModuleSpec::new("starrocks_facts", "Gather typed facts about a StarRocks cluster's FEs, BEs and CNs.")
};

pub struct StarrocksFacts;

async fn rows(
    pooled: &mut PooledConn,
    params: &ConnParams,
    sql: &str,
) -> Result<Vec<Map<String, Value>>, String> {
    match run_statement(pooled.conn(), sql).await {
        Ok(r) => Ok(r.rows),
        Err(e) => {
            if e.is_fatal() {
                pooled.discard();
            }
            Err(format!(
                "`{sql}` failed on {}: {}",
                params.endpoint(),
                describe(&e)
            ))
        }
    }
}

fn decoded<T>(
    rows: Vec<Map<String, Value>>,
    f: fn(&Map<String, Value>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, ModuleError> {
    rows.iter()
        .map(f)
        .collect::<Result<_, _>>()
        .map_err(|e| ModuleError::failed(format!("starrocks_facts: {e}")))
}

#[async_trait]
impl Module for StarrocksFacts {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, _ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let params = conn_params("starrocks_facts", &args)?;
        let gather: Vec<String> = args
            .get("gather")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(bad) = gather.iter().find(|g| !PARTS.contains(&g.as_str())) {
            return Err(ModuleError::failed(format!(
                "starrocks_facts: unknown `gather` entry `{bad}` (choose from {})",
                PARTS.join(", ")
            )));
        }
        let wants = |p: &str| gather.iter().any(|g| g == p);
        let mut pooled = checkout(&params)
            .await
            .map_err(|e| ModuleError::failed(format!("starrocks_facts: {e}")))?;
        let mut warnings = Vec::new();
        let fail = |e: String| {
            ModuleError::failed(format!(
                "starrocks_facts: {e} (is {} a StarRocks FE's query_port?)",
                params.endpoint()
            ))
        };
        let frontends = if wants("frontends") {
            decoded(
                rows(&mut pooled, &params, "SHOW FRONTENDS")
                    .await
                    .map_err(fail)?,
                decode_frontend,
            )?
        } else {
            vec![]
        };
        let backends = if wants("backends") {
            decoded(
                rows(&mut pooled, &params, "SHOW BACKENDS")
                    .await
                    .map_err(fail)?,
                decode_backend,
            )?
        } else {
            vec![]
        };
        // Compute nodes and current_version() are missing from old versions:
        // their absence is a warning, not a failure.
        let compute_nodes = if wants("compute_nodes") {
            match rows(&mut pooled, &params, "SHOW COMPUTE NODES").await {
                Ok(r) => decoded(r, decode_compute_node)?,
                Err(e) => {
                    warnings.push(format!("no compute node facts: {e}"));
                    vec![]
                }
            }
        } else {
            vec![]
        };
        let version = if wants("version") {
            match rows(&mut pooled, &params, "SELECT current_version() AS v").await {
                Ok(r) => r
                    .first()
                    .and_then(|row| row.values().next())
                    .and_then(Value::as_str)
                    .map(str::to_string),
                Err(e) => {
                    warnings.push(format!("version taken from SHOW FRONTENDS: {e}"));
                    None
                }
            }
        } else {
            None
        };
        let facts = cluster_facts(version, frontends, backends, compute_nodes);
        let facts = serde_json::to_value(&facts)
            .map_err(|e| ModuleError::failed(format!("starrocks_facts: {e}")))?;
        let mut outcome = Outcome::ok();
        outcome.warnings = warnings;
        if let Value::Object(m) = &facts {
            outcome.data.extend(m.clone());
        }
        Ok(outcome.with("ansible_facts", serde_json::json!({ "starrocks": facts })))
    }
}
