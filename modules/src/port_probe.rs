//! `port_probe`: is `host:port` reachable — from the controller, or from
//! the target (every port in one shell round trip) — or is a port free on
//! the target (nothing listening: StarRocks ports of a new node before
//! deploy)? Returns per-port `results` for `assert`, and fails with a
//! table of the ports not in the wanted state. Never changes anything.

pub mod parse;

use async_trait::async_trait;
use parse::{
    check_host, failure_table, hex_addr, listening_ports, parse_probe_output, parse_target,
    probe_script, ProbeResult, Target,
};
use serde::Deserialize;
use serde_json::Value;
use srplay_engine::module::{ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError};
use srplay_engine::module::{ModuleSpec, Outcome};
use std::time::{Duration, Instant};

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("targets", ArgType::List, "`host:port` strings, `{host, port}` dictionaries, or bare ports (on this host).")
        .required()
        .aliases(&["ports"]),
    ArgSpec::new("from", ArgType::Str, "Where to connect from. `state: free` always inspects the target.")
        .choices(&["controller", "target"])
        .default("controller"),
    ArgSpec::new("state", ArgType::Str, "`open` (accepts connections), `closed` (does not), `free` (nothing listens on the target's port).")
        .choices(&["open", "closed", "free"])
        .default("open"),
    ArgSpec::new("timeout", ArgType::Float, "Seconds per connection attempt; all probes run at once.")
        .default("3"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        (
            "results",
            "Per target: host, port, state (open/closed/free/in_use/error), latency_ms, error, ok.",
        ),
        (
            "failed_targets",
            "`host:port` of every target not in the wanted state.",
        ),
    ],
    ..ModuleSpec::new(
        "port_probe",
        "Check TCP ports are open, closed, or free, from the controller or the target.",
    )
};

#[derive(Deserialize)]
struct Options {
    targets: Vec<Value>,
    from: String,
    state: String,
    timeout: f64,
}

pub struct PortProbe;

/// Connect from the controller to every target at once.
async fn probe_from_controller(targets: &[Target], timeout: Duration) -> Vec<ProbeResult> {
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in targets.iter().enumerate() {
        let t = t.clone();
        set.spawn(async move {
            let start = Instant::now();
            let res = tokio::time::timeout(
                timeout,
                tokio::net::TcpStream::connect((t.host.as_str(), t.port)),
            )
            .await;
            let (state, latency, error) = match res {
                Ok(Ok(_)) => ("open", Some(start.elapsed().as_secs_f64() * 1000.0), None),
                Ok(Err(e)) => ("closed", None, Some(e.to_string())),
                Err(_) => (
                    "closed",
                    None,
                    Some(format!("timed out after {}s", timeout.as_secs_f64())),
                ),
            };
            (
                i,
                ProbeResult {
                    host: t.host,
                    port: t.port,
                    state: state.into(),
                    latency_ms: latency,
                    error,
                    ok: false,
                },
            )
        });
    }
    let mut out: Vec<Option<ProbeResult>> = vec![None; targets.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, r)) = joined {
            out[i] = Some(r);
        }
    }
    out.into_iter().flatten().collect()
}

async fn probe_from_target(
    ctx: &ModuleContext,
    targets: &[Target],
    timeout: f64,
) -> Result<Vec<ProbeResult>, ModuleError> {
    let out = ctx.exec(probe_script(targets, timeout)).await?;
    let lines = parse_probe_output(&out.stdout_str(), targets.len(), timeout);
    Ok(targets
        .iter()
        .zip(lines)
        .map(|(t, line)| {
            let (state, latency_ms, error) = line.unwrap_or_else(|| {
                (
                    "error".into(),
                    None,
                    Some(format!(
                        "the probe printed nothing: {}",
                        out.stderr_str().trim()
                    )),
                )
            });
            ProbeResult {
                host: t.host.clone(),
                port: t.port,
                state,
                latency_ms,
                error,
                ok: false,
            }
        })
        .collect())
}

/// Which of the target's ports have a listener (any address).
async fn probe_free(
    ctx: &ModuleContext,
    targets: &[Target],
) -> Result<Vec<ProbeResult>, ModuleError> {
    let out = ctx
        .exec("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; test -r /proc/net/tcp")
        .await?;
    if !out.success() {
        return Err(ModuleError::failed(
            "port_probe: cannot read /proc/net/tcp on the target (state=free needs Linux)",
        ));
    }
    let listeners = listening_ports(&out.stdout_str());
    Ok(targets
        .iter()
        .map(|t| {
            let on: Vec<String> = listeners
                .iter()
                .filter(|(_, p)| *p == t.port)
                .map(|(a, _)| hex_addr(a))
                .collect();
            ProbeResult {
                host: t.host.clone(),
                port: t.port,
                state: if on.is_empty() { "free" } else { "in_use" }.into(),
                latency_ms: None,
                error: (!on.is_empty()).then(|| format!("something listens on {}", on.join(", "))),
                ok: false,
            }
        })
        .collect())
}

#[async_trait]
impl Module for PortProbe {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: Options = self.options(args)?;
        if !(o.timeout > 0.0 && o.timeout <= 3600.0) {
            return Err(ModuleError::failed(
                "port_probe: timeout must be above 0 and at most 3600 seconds",
            ));
        }
        if o.targets.is_empty() {
            return Err(ModuleError::failed("port_probe: targets is empty"));
        }
        let default_host = if o.state == "free" || o.from == "target" {
            "127.0.0.1".to_string()
        } else {
            ctx.var("ansible_host")
                .and_then(Value::as_str)
                .map_or_else(|| ctx.host.clone(), str::to_string)
        };
        let targets = o
            .targets
            .iter()
            .map(|v| {
                let t = parse_target(v, &default_host)?;
                check_host(&t.host)?;
                Ok(t)
            })
            .collect::<Result<Vec<_>, String>>()
            .map_err(|e| ModuleError::failed(format!("port_probe: {e}")))?;
        let mut results = if o.state == "free" {
            probe_free(ctx, &targets).await?
        } else if o.from == "target" {
            probe_from_target(ctx, &targets, o.timeout).await?
        } else {
            probe_from_controller(&targets, Duration::from_secs_f64(o.timeout)).await
        };
        for r in &mut results {
            r.ok = match o.state.as_str() {
                "open" => r.state == "open",
                "closed" => r.state == "closed",
                _ => r.state == "free",
            };
        }
        let failed: Vec<String> = results
            .iter()
            .filter(|r| !r.ok)
            .map(|r| format!("{}:{}", r.host, r.port))
            .collect();
        let mut outcome = if failed.is_empty() {
            Outcome::ok().with_msg(format!("all {} port(s) {}", results.len(), o.state))
        } else {
            Outcome::failed(failure_table(&results, &o.state))
        };
        outcome = outcome.with("failed_targets", failed);
        let results = serde_json::to_value(&results)
            .map_err(|e| ModuleError::failed(format!("port_probe: {e}")))?;
        Ok(outcome.with("results", results))
    }
}
