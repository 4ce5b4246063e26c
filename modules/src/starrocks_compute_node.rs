//! `starrocks_compute_node`: add or drop a StarRocks compute node
//! (`ALTER SYSTEM ADD | DROP COMPUTE NODE "host:heartbeat_port"`),
//! idempotently, optionally waiting until it is alive / gone.

use crate::sql::{
    conn_params, CA_CERT, CHECK_HOSTNAME, CLIENT_CERT, CLIENT_KEY, CONNECT_TIMEOUT, LOGIN_DB,
    LOGIN_HOST, LOGIN_PASSWORD, LOGIN_PORT, LOGIN_USER, TLS,
};
use crate::starrocks::membership::{port, quoted_address, Fe};
use crate::starrocks::simple_node::{self, Kind, Request};
use crate::starrocks::wait::{durations, POLL_INTERVAL, WAIT};
use async_trait::async_trait;
use serde::Deserialize;
use srplay_engine::module::{ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError};
use srplay_engine::module::{ModuleSpec, Outcome};

const NAME: &str = "starrocks_compute_node";

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
        "host",
        ArgType::Str,
        "The CN's address as the cluster knows it (its priority_networks IP, or its FQDN).",
    )
    .required(),
    ArgSpec::new("port", ArgType::Int, "The CN's heartbeat_service_port.")
        .default("9050")
        .aliases(&["heartbeat_port"]),
    ArgSpec::new("state", ArgType::Str, "present: added; absent: dropped.")
        .choices(&["present", "absent"])
        .default("present"),
    WAIT,
    ArgSpec::new("timeout", ArgType::Float, "Seconds to wait at most.").default("300"),
    POLL_INTERVAL,
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("address", "The CN as `host:port`."),
        ("compute_node", "`before` and `after`: the CN's SHOW COMPUTE NODES row as typed facts (null when absent)."),
        ("elapsed", "Seconds the module ran."),
        ("queries", "The ALTER SYSTEM statements sent."),
    ],
    ..ModuleSpec::new(NAME, "Add or drop a StarRocks compute node (CN).")
};

#[derive(Deserialize)]
struct Options {
    host: String,
    port: i64,
    state: String,
    wait: bool,
    timeout: f64,
    poll_interval: f64,
}

pub struct StarrocksComputeNode;

#[async_trait]
impl Module for StarrocksComputeNode {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let params = conn_params(NAME, &args)?;
        let o: Options = self.options(args)?;
        let p = port(NAME, "port", o.port).map_err(ModuleError::failed)?;
        let quoted =
            quoted_address(&o.host, p).map_err(|e| ModuleError::failed(format!("{NAME}: {e}")))?;
        let (timeout, poll) =
            durations(NAME, o.timeout, o.poll_interval).map_err(ModuleError::failed)?;
        let request = Request {
            module: NAME,
            kind: Kind::ComputeNode,
            host: &o.host,
            port: p,
            quoted,
            present: o.state == "present",
            wait: o.wait,
            timeout,
            poll,
        };
        Ok(simple_node::run(ctx, &Fe::new(params), &request).await)
    }
}
