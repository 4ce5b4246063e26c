//! `starrocks_broker`: add or drop a StarRocks broker
//! (`ALTER SYSTEM ADD | DROP BROKER <name> "host:port"`),
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

const NAME: &str = "starrocks_broker";

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
        "name",
        ArgType::Str,
        "The broker name (`WITH BROKER \"<name>\"` in Broker Load); one name may group several brokers.",
    )
    .required(),
    ArgSpec::new("host", ArgType::Str, "The broker's host (IP or FQDN).").required(),
    ArgSpec::new("port", ArgType::Int, "The broker's broker_ipc_port.")
        .default("8000")
        .aliases(&["broker_ipc_port"]),
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
        ("address", "The broker as `host:port`."),
        ("broker", "`before` and `after`: the broker's SHOW PROC '/brokers' row (name, ip, port, alive…), null when absent."),
        ("elapsed", "Seconds the module ran."),
        ("queries", "The ALTER SYSTEM statements sent."),
    ],
    ..ModuleSpec::new(NAME, "Add or drop a StarRocks broker.")
};

#[derive(Deserialize)]
struct Options {
    name: String,
    host: String,
    port: i64,
    state: String,
    wait: bool,
    timeout: f64,
    poll_interval: f64,
}

pub struct StarrocksBroker;

#[async_trait]
impl Module for StarrocksBroker {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let params = conn_params(NAME, &args)?;
        let o: Options = self.options(args)?;
        simple_node::check_broker_name(&o.name)
            .map_err(|e| ModuleError::failed(format!("{NAME}: {e}")))?;
        let p = port(NAME, "port", o.port).map_err(ModuleError::failed)?;
        let quoted =
            quoted_address(&o.host, p).map_err(|e| ModuleError::failed(format!("{NAME}: {e}")))?;
        let (timeout, poll) =
            durations(NAME, o.timeout, o.poll_interval).map_err(ModuleError::failed)?;
        let request = Request {
            module: NAME,
            kind: Kind::Broker(o.name.clone()),
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
