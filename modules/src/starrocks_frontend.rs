//! `starrocks_frontend`: add or drop a StarRocks FE follower / observer
//! (`ALTER SYSTEM ADD | DROP FOLLOWER | OBSERVER`), idempotently, with the
//! SOP's quorum rules: the leader is never dropped, the followers stay an
//! odd number and a drop keeps a live majority, unless `allow_unsafe`.
//! A drop uses the node's real role from `SHOW FRONTENDS`.

use crate::sql::{
    conn_params, CA_CERT, CHECK_HOSTNAME, CLIENT_CERT, CLIENT_KEY, CONNECT_TIMEOUT, LOGIN_DB,
    LOGIN_HOST, LOGIN_PASSWORD, LOGIN_PORT, LOGIN_USER, TLS,
};
use crate::starrocks::membership::{port, quoted_address, resolves, Fe};
use crate::starrocks::nodes::Frontend;
use crate::starrocks::precheck;
use crate::starrocks::wait::{durations, Verdict, Waiter, POLL_INTERVAL, WAIT};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};
use srplay_engine::module::{ArgSpec, ArgType, Args, Diff, Module, ModuleContext, ModuleError};
use srplay_engine::module::{ModuleSpec, Outcome};
use std::time::{Duration, Instant};

const NAME: &str = "starrocks_frontend";

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
        "The FE's address as the cluster knows it (its priority_networks IP, or its FQDN).",
    )
    .required(),
    ArgSpec::new("edit_log_port", ArgType::Int, "The FE's edit_log_port.")
        .default("9010")
        .aliases(&["port"]),
    ArgSpec::new(
        "role",
        ArgType::Str,
        "follower (votes in elections) or observer (read scaling, recommended); required to add an FE. A drop uses the role shown by SHOW FRONTENDS.",
    )
    .choices(&["follower", "observer"]),
    ArgSpec::new("state", ArgType::Str, "present: added; absent: dropped.")
        .choices(&["present", "absent"])
        .default("present"),
    WAIT,
    ArgSpec::new("timeout", ArgType::Float, "Seconds to wait at most.").default("300"),
    POLL_INTERVAL,
    ArgSpec::new(
        "allow_unsafe",
        ArgType::Bool,
        "Allow an even number of followers, or a drop that leaves no live majority.",
    )
    .default("false"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("address", "The FE as `host:edit_log_port`."),
        ("frontend", "`before` and `after`: the FE's SHOW FRONTENDS row as typed facts (null when absent)."),
        ("role", "The FE's role in SHOW FRONTENDS at the end (LEADER, FOLLOWER, OBSERVER), null when absent."),
        ("elapsed", "Seconds the module ran."),
        ("queries", "The ALTER SYSTEM statements sent."),
    ],
    ..ModuleSpec::new(
        NAME,
        "Add or drop a StarRocks FE follower or observer, keeping the election quorum safe.",
    )
};

#[derive(Deserialize)]
struct Options {
    host: String,
    edit_log_port: i64,
    role: Option<String>,
    state: String,
    wait: bool,
    timeout: f64,
    poll_interval: f64,
    allow_unsafe: bool,
}

pub struct StarrocksFrontend;

struct Job<'a> {
    ctx: &'a ModuleContext,
    fe: Fe,
    o: Options,
    addr: String,
    quoted: String,
    timeout: Duration,
    poll: Duration,
}

/// What a state handler decided.
struct Step {
    changed: bool,
    failed: bool,
    msg: String,
    warnings: Vec<String>,
    predicted: Option<String>,
}

impl Step {
    fn ok(msg: String) -> Step {
        Step {
            changed: false,
            failed: false,
            msg,
            warnings: vec![],
            predicted: None,
        }
    }

    fn fail(msg: String) -> Step {
        Step {
            failed: true,
            ..Step::ok(msg)
        }
    }

    fn changed(msg: String) -> Step {
        Step {
            changed: true,
            ..Step::ok(msg)
        }
    }
}

fn find(frontends: &[Frontend], addr: &str) -> Option<Frontend> {
    frontends.iter().find(|f| f.address == addr).cloned()
}

fn state_text(f: Option<&Frontend>) -> String {
    match f {
        None => "absent\n".into(),
        Some(f) => format!(
            "present\nrole: {}\nalive: {}\njoin: {}\n",
            f.role,
            f.alive,
            f.join.map_or("unknown".into(), |j| j.to_string())
        ),
    }
}

/// The SQL keyword of a SHOW FRONTENDS role (the leader is a follower).
fn sql_role(f: &Frontend) -> &'static str {
    if f.role == "OBSERVER" {
        "OBSERVER"
    } else {
        "FOLLOWER"
    }
}

#[async_trait]
impl Module for StarrocksFrontend {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let start = Instant::now();
        let params = conn_params(NAME, &args)?;
        let o: Options = self.options(args)?;
        let p = port(NAME, "edit_log_port", o.edit_log_port).map_err(ModuleError::failed)?;
        let quoted =
            quoted_address(&o.host, p).map_err(|e| ModuleError::failed(format!("{NAME}: {e}")))?;
        let (timeout, poll) =
            durations(NAME, o.timeout, o.poll_interval).map_err(ModuleError::failed)?;
        let job = Job {
            ctx,
            fe: Fe::new(params),
            addr: format!("{}:{p}", o.host),
            o,
            quoted,
            timeout,
            poll,
        };
        let all = job.fe.frontends().await.map_err(|e| {
            ModuleError::failed(format!(
                "{NAME}: cannot read SHOW FRONTENDS: {e} (is {} a StarRocks FE's query_port?)",
                job.fe.endpoint()
            ))
        })?;
        let before = find(&all, &job.addr);
        let step = if job.o.state == "present" {
            job.present(before.as_ref(), &all).await
        } else {
            job.absent(before.as_ref(), &all).await
        };
        Ok(job.report(step, before, start).await)
    }
}

impl Job<'_> {
    async fn present(&self, before: Option<&Frontend>, all: &[Frontend]) -> Step {
        let wanted = self.o.role.as_deref();
        let mut step = match before {
            Some(f) => {
                let real = sql_role(f);
                match wanted {
                    Some(w) if !w.eq_ignore_ascii_case(real) => {
                        return Step::fail(format!(
                            "{NAME}: {} is already an FE with role {} in SHOW FRONTENDS, not {w}; changing an FE's role needs state=absent, wiping the node's meta_dir, then state=present with role={w}",
                            self.addr, f.role
                        ))
                    }
                    _ => Step::ok(format!("{} is already an FE ({})", self.addr, f.role)),
                }
            }
            None => match self.add(wanted, all).await {
                Ok(s) => s,
                Err(s) => return s,
            },
        };
        if self.o.wait && !self.ctx.check_mode {
            if let Err(m) = self.wait_joined().await {
                step.failed = true;
                step.msg = m;
            }
        }
        step
    }

    async fn add(&self, wanted: Option<&str>, all: &[Frontend]) -> Result<Step, Step> {
        let role = wanted.ok_or_else(|| {
            Step::fail(format!(
                "{NAME}: {} is not an FE yet; role (follower or observer) is required to add it",
                self.addr
            ))
        })?;
        if !resolves(&self.o.host, 0).await {
            return Err(Step::fail(format!(
                "{NAME}: unknown host `{}`: it does not resolve here; give the FE's priority_networks IP or a resolvable FQDN",
                self.o.host
            )));
        }
        if role == "follower" && !self.o.allow_unsafe {
            precheck::add_follower(all)
                .map_err(|r| Step::fail(format!("{NAME}: refusing to add {}: {r}", self.addr)))?;
        }
        let keyword = role.to_ascii_uppercase();
        if self.ctx.check_mode {
            return Ok(Step {
                predicted: Some(format!(
                    "present\nrole: {keyword}\nalive: false (until it is started with --helper)\n"
                )),
                ..Step::changed(format!("would add {} as {keyword}", self.addr))
            });
        }
        let sql = format!("ALTER SYSTEM ADD {keyword} {}", self.quoted);
        self.fe
            .execute(&sql)
            .await
            .map_err(|e| Step::fail(format!("{NAME}: adding {} failed: {e}", self.addr)))?;
        Ok(Step::changed(format!("added {} as {keyword}", self.addr)))
    }

    async fn wait_joined(&self) -> Result<(), String> {
        let mut w = Waiter::new(self.timeout, self.poll);
        let (fe, addr) = (&self.fe, self.addr.as_str());
        w.until(
            self.ctx.progress.as_ref(),
            || async move { fe.frontends().await.map(|f| find(&f, addr)) },
            |f| match f {
                None => Verdict::Fail(format!("{addr} left SHOW FRONTENDS while waiting for it to join")),
                Some(f) if f.alive && f.join != Some(false) => Verdict::Done,
                Some(f) => Verdict::Pending(format!(
                    "{addr} is not alive and joined yet (Alive={}, Join={}, ErrMsg `{}`); start it with `start_fe.sh --helper <a running FE's host>:<edit_log_port> --daemon`",
                    f.alive,
                    f.join.map_or("unknown".into(), |j| j.to_string()),
                    f.err_msg
                )),
            },
        )
        .await
        .map_err(|e| format!("{NAME}: {}", e.message(self.timeout)))
    }

    async fn absent(&self, before: Option<&Frontend>, all: &[Frontend]) -> Step {
        let Some(f) = before else {
            return Step::ok(format!("{} is not an FE", self.addr));
        };
        if f.is_leader {
            return Step::fail(format!(
                "{NAME}: refusing to drop {}: it is the leader (StarRocks cannot drop the leader); restart it so another follower is elected, then re-run",
                self.addr
            ));
        }
        let real = sql_role(f);
        if real == "FOLLOWER" && !self.o.allow_unsafe {
            if let Err(r) = precheck::drop_follower(all, &self.addr) {
                return Step::fail(format!("{NAME}: refusing to drop {}: {r}", self.addr));
            }
        }
        let mut warnings = vec![];
        if let Some(w) = &self.o.role {
            if !w.eq_ignore_ascii_case(real) {
                warnings.push(format!(
                    "role={w} was given but {} is a {real} in SHOW FRONTENDS; it is dropped as {real}",
                    self.addr
                ));
            }
        }
        if self.ctx.check_mode {
            return Step {
                warnings,
                predicted: Some(state_text(None)),
                ..Step::changed(format!(
                    "would drop {} as {real} (its role in SHOW FRONTENDS)",
                    self.addr
                ))
            };
        }
        let sql = format!("ALTER SYSTEM DROP {real} {}", self.quoted);
        if let Err(e) = self.fe.execute(&sql).await {
            return Step {
                warnings,
                ..Step::fail(format!("{NAME}: dropping {} failed: {e}", self.addr))
            };
        }
        let mut step = Step {
            warnings,
            ..Step::changed(format!(
                "dropped {} as {real} (its role in SHOW FRONTENDS); stop its process now",
                self.addr
            ))
        };
        if self.o.wait {
            let mut w = Waiter::new(self.timeout, self.poll);
            let (fe, addr) = (&self.fe, self.addr.as_str());
            if let Err(e) = w
                .until(
                    self.ctx.progress.as_ref(),
                    || async move { fe.frontends().await.map(|f| find(&f, addr)) },
                    |f| match f {
                        None => Verdict::Done,
                        Some(_) => Verdict::Pending(format!("{addr} is still listed")),
                    },
                )
                .await
            {
                step.failed = true;
                step.msg = format!("{NAME}: {}", e.message(self.timeout));
            }
        }
        step
    }

    async fn report(&self, step: Step, before: Option<Frontend>, start: Instant) -> Outcome {
        let (after, after_text) = match &step.predicted {
            Some(t) => (None, t.clone()),
            None if !step.changed && !self.o.wait => (before.clone(), state_text(before.as_ref())),
            None => match self.fe.frontends().await {
                Ok(all) => {
                    let a = find(&all, &self.addr);
                    let t = state_text(a.as_ref());
                    (a, t)
                }
                Err(e) => (None, format!("unknown (SHOW FRONTENDS failed: {e})\n")),
            },
        };
        let mut outcome = if step.failed {
            Outcome {
                changed: step.changed,
                ..Outcome::failed(step.msg)
            }
        } else {
            Outcome::changed(step.changed).with_msg(step.msg)
        };
        outcome.warnings = step.warnings;
        if self.ctx.diff && step.changed {
            outcome = outcome.with_diff(Diff {
                before_header: format!("frontend {} (before)", self.addr),
                after_header: format!("frontend {} (after)", self.addr),
                before: state_text(before.as_ref()),
                after: after_text,
            });
        }
        let json_of = |f: Option<&Frontend>| {
            f.and_then(|f| serde_json::to_value(f).ok())
                .unwrap_or(Value::Null)
        };
        outcome
            .with("address", self.addr.clone())
            .with(
                "frontend",
                json!({ "before": json_of(before.as_ref()), "after": json_of(after.as_ref()) }),
            )
            .with(
                "role",
                after
                    .as_ref()
                    .map_or(Value::Null, |a| Value::from(a.role.clone())),
            )
            .with("elapsed", (start.elapsed().as_millis() as f64) / 1000.0)
            .with("queries", self.fe.sent())
    }
}
