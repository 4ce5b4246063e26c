//! `starrocks_backend`: add, decommission, drop or un-decommission a
//! StarRocks BE (`ALTER SYSTEM ADD | DECOMMISSION | DROP BACKEND`,
//! `CANCEL DECOMMISSION BACKEND`), idempotently, from the controller.
//!
//! Decommissioning follows the SOP: the capacity / replica-count precheck
//! runs first from `SHOW BACKENDS` (refusing before anything changes), the
//! statement is sent once, and `wait` follows `TabletNum` down to 0 and the
//! BE's removal with progress (rate, ETA). A BE already decommissioning is
//! never re-issued: a re-run just resumes the wait. Lost FE connections
//! are re-opened with backoff until `timeout`.

use crate::sql::{
    conn_params, CA_CERT, CHECK_HOSTNAME, CLIENT_CERT, CLIENT_KEY, CONNECT_TIMEOUT, LOGIN_DB,
    LOGIN_HOST, LOGIN_PASSWORD, LOGIN_PORT, LOGIN_USER, TLS,
};
use crate::starrocks::membership::{port, quoted_address, resolves, Fe, FeError};
use crate::starrocks::nodes::Backend;
use crate::starrocks::precheck::{self, DecommissionCheck, Replication};
use crate::starrocks::rows::Row;
use crate::starrocks::wait::{durations, TabletProgress, Verdict, Waiter, POLL_INTERVAL, WAIT};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};
use srplay_engine::module::{ArgSpec, ArgType, Args, Diff, Module, ModuleContext, ModuleError};
use srplay_engine::module::{ModuleSpec, Outcome};
use std::time::{Duration, Instant};

const NAME: &str = "starrocks_backend";

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
        "The BE's address as the cluster knows it (its priority_networks IP, or its FQDN).",
    )
    .required(),
    ArgSpec::new(
        "heartbeat_port",
        ArgType::Int,
        "The BE's heartbeat_service_port.",
    )
    .default("9050")
    .aliases(&["port"]),
    ArgSpec::new(
        "state",
        ArgType::Str,
        "present: added; decommissioned: data moved off and removed by the FE; absent: dropped at once; cancel_decommission: a running decommission stopped.",
    )
    .choices(&["present", "decommissioned", "absent", "cancel_decommission"])
    .default("present"),
    WAIT,
    ArgSpec::new(
        "timeout",
        ArgType::Float,
        "Seconds to wait at most (a decommission may take hours; re-running resumes the wait).",
    )
    .default("3600"),
    POLL_INTERVAL,
    ArgSpec::new(
        "force",
        ArgType::Bool,
        "state=absent: DROP BACKEND … FORCE, dropping even the only replica of tablets.",
    )
    .default("false"),
    ArgSpec::new(
        "fail_on_dead",
        ArgType::Bool,
        "While waiting for a decommission: fail as soon as the BE is not alive (true), or keep waiting for it to come back (false).",
    )
    .default("true"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("address", "The BE as `host:heartbeat_port`."),
        (
            "backend",
            "`before` and `after`: the BE's SHOW BACKENDS row as typed facts (null when absent).",
        ),
        (
            "tablets_left",
            "TabletNum at the end (0 once the BE is gone).",
        ),
        ("elapsed", "Seconds the module ran."),
        (
            "queries",
            "The ALTER SYSTEM / CANCEL statements sent (empty when nothing changed).",
        ),
        (
            "precheck",
            "What the decommission precheck compared (capacity, BE count, replication_num).",
        ),
    ],
    ..ModuleSpec::new(
        NAME,
        "Add, decommission, drop or un-decommission a StarRocks BE; wait for the result.",
    )
};

#[derive(Deserialize)]
struct Options {
    host: String,
    heartbeat_port: i64,
    state: String,
    wait: bool,
    timeout: f64,
    poll_interval: f64,
    force: bool,
    fail_on_dead: bool,
}

pub struct StarrocksBackend;

/// One run's fixed inputs.
struct Job<'a> {
    ctx: &'a ModuleContext,
    fe: Fe,
    o: Options,
    addr: String,
    quoted: String,
    timeout: Duration,
    poll: Duration,
    start: Instant,
}

/// What a state handler decided, before the common report.
#[derive(Default)]
struct Step {
    changed: bool,
    failed: bool,
    msg: String,
    warnings: Vec<String>,
    precheck: Option<DecommissionCheck>,
    tablets_left: Option<i64>,
    /// Check mode: the predicted state (no fresh read).
    predicted: Option<String>,
}

impl Step {
    fn ok(msg: impl Into<String>) -> Step {
        Step {
            msg: msg.into(),
            ..Step::default()
        }
    }

    fn fail(msg: impl Into<String>) -> Step {
        Step {
            failed: true,
            msg: msg.into(),
            ..Step::default()
        }
    }
}

fn fail(msg: impl std::fmt::Display) -> ModuleError {
    ModuleError::failed(format!("{NAME}: {msg}"))
}

fn find(backends: Vec<Backend>, addr: &str) -> Option<Backend> {
    backends.into_iter().find(|b| b.address == addr)
}

/// The membership state as diff text.
fn state_text(b: Option<&Backend>) -> String {
    match b {
        None => "absent\n".into(),
        Some(b) => format!(
            "present\nalive: {}\ndecommissioned: {}\ntablets: {}\n",
            b.alive,
            b.decommissioned,
            b.tablet_num.map_or("unknown".into(), |n| n.to_string())
        ),
    }
}

#[async_trait]
impl Module for StarrocksBackend {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let params = conn_params(NAME, &args)?;
        let o: Options = self.options(args)?;
        let hb = port(NAME, "heartbeat_port", o.heartbeat_port).map_err(ModuleError::failed)?;
        let quoted = quoted_address(&o.host, hb).map_err(fail)?;
        let (timeout, poll) =
            durations(NAME, o.timeout, o.poll_interval).map_err(ModuleError::failed)?;
        let job = Job {
            ctx,
            fe: Fe::new(params),
            addr: format!("{}:{hb}", o.host),
            o,
            quoted,
            timeout,
            poll,
            start: Instant::now(),
        };
        let backends = job.read_backends().await.map_err(|e| {
            fail(format!(
                "cannot read SHOW BACKENDS: {e} (is {} a StarRocks FE's query_port?)",
                job.fe.endpoint()
            ))
        })?;
        let before = find(backends.clone(), &job.addr);
        let step = match job.o.state.as_str() {
            "present" => job.present(before.as_ref()).await,
            "decommissioned" => job.decommissioned(before.as_ref(), &backends).await,
            "absent" => job.absent(before.as_ref()).await,
            _ => job.cancel(before.as_ref(), &backends).await,
        };
        Ok(job.report(step, before).await)
    }
}

impl Job<'_> {
    /// The BEs; with `wait`, an unreachable FE is retried until `timeout`
    /// so a re-run can resume while the FE restarts.
    async fn read_backends(&self) -> Result<Vec<Backend>, String> {
        if !self.o.wait || self.ctx.check_mode {
            return self.fe.backends().await.map_err(|e| e.to_string());
        }
        let mut got = Vec::new();
        let fe = &self.fe;
        Waiter::new(self.timeout, self.poll)
            .until(
                self.ctx.progress.as_ref(),
                || async move { fe.backends().await },
                |b| {
                    got = b;
                    Verdict::Done
                },
            )
            .await
            .map_err(|e| e.message(self.timeout))?;
        Ok(got)
    }

    async fn present(&self, before: Option<&Backend>) -> Step {
        let mut step = match before {
            Some(b) => {
                let mut s = Step::ok(format!("{} is already a backend", self.addr));
                if b.decommissioned {
                    s.warnings.push(format!(
                        "{} is being decommissioned (SystemDecommissioned=true); state=present does not stop that: use state=cancel_decommission",
                        self.addr
                    ));
                }
                s
            }
            None => {
                if !resolves(&self.o.host, 0).await {
                    return Step::fail(format!(
                        "{NAME}: unknown host `{}`: it does not resolve here; give the BE's priority_networks IP or a resolvable FQDN",
                        self.o.host
                    ));
                }
                if self.ctx.check_mode {
                    return Step {
                        changed: true,
                        msg: format!("would add backend {}", self.addr),
                        predicted: Some(
                            "present\nalive: false (until its first heartbeat)\n".into(),
                        ),
                        ..Step::default()
                    };
                }
                let sql = format!("ALTER SYSTEM ADD BACKEND {}", self.quoted);
                if let Err(e) = self.fe.execute(&sql).await {
                    return Step::fail(format!("{NAME}: adding {} failed: {e}", self.addr));
                }
                Step {
                    changed: true,
                    msg: format!("added backend {}", self.addr),
                    ..Step::default()
                }
            }
        };
        if self.o.wait && !self.ctx.check_mode {
            if let Err(m) = self.wait_alive().await {
                step.failed = true;
                step.msg = m;
            }
        }
        step
    }

    async fn wait_alive(&self) -> Result<(), String> {
        let mut w = Waiter::new(self.timeout, self.poll);
        let (fe, addr) = (&self.fe, self.addr.as_str());
        w.until(
            self.ctx.progress.as_ref(),
            || async move { fe.backends().await.map(|b| find(b, addr)) },
            |b| match b {
                None => Verdict::Fail(format!("{addr} left SHOW BACKENDS while waiting for it to be alive")),
                Some(b) if b.alive => Verdict::Done,
                Some(b) => Verdict::Pending(format!(
                    "{addr} is not alive yet (StatusCode {}, ErrMsg `{}`); is the BE process running and its heartbeat_service_port reachable from the FE?",
                    b.status_code.as_deref().unwrap_or("n/a"),
                    b.err_msg
                )),
            },
        )
        .await
        .map_err(|e| format!("{NAME}: {}", e.message(self.timeout)))
    }

    async fn decommissioned(&self, before: Option<&Backend>, all: &[Backend]) -> Step {
        let Some(b) = before else {
            return Step {
                tablets_left: Some(0),
                ..Step::ok(format!(
                    "{} is not in SHOW BACKENDS: already decommissioned and removed (or never added)",
                    self.addr
                ))
            };
        };
        let mut step = if b.decommissioned {
            Step::ok(format!(
                "{} is already decommissioning; the statement was not sent again",
                self.addr
            ))
        } else {
            match self.start_decommission(all).await {
                Ok(s) => s,
                Err(s) => return s,
            }
        };
        step.tablets_left = b.tablet_num;
        if self.o.wait && !self.ctx.check_mode {
            match self.wait_decommission(&mut step.warnings).await {
                Ok((left, msg)) => {
                    step.tablets_left = Some(left);
                    step.msg = format!("{}; {msg}", step.msg);
                }
                Err((left, m)) => {
                    step.tablets_left = left.or(step.tablets_left);
                    step.failed = true;
                    step.msg = m;
                }
            }
        }
        step
    }

    /// Precheck, then DECOMMISSION (unless check mode).
    async fn start_decommission(&self, all: &[Backend]) -> Result<Step, Step> {
        let mut warnings = Vec::new();
        let replication = match max_replication(&self.fe).await {
            Ok(r) => r,
            Err(why) => {
                warnings.push(format!(
                    "replication_num could not be read ({why}); the replica-count check is left to the FE's own DECOMMISSION precheck"
                ));
                None
            }
        };
        let check =
            precheck::decommission(all, &[self.addr.as_str()], replication).map_err(|r| Step {
                warnings: warnings.clone(),
                ..Step::fail(format!(
                    "{NAME}: refusing to decommission {}: {r}; nothing was changed",
                    self.addr
                ))
            })?;
        let mut step = Step {
            changed: true,
            warnings,
            precheck: Some(check),
            ..Step::default()
        };
        if self.ctx.check_mode {
            step.msg = format!("would decommission {} (precheck passed)", self.addr);
            let mut predicted = all.iter().find(|b| b.address == self.addr).cloned();
            if let Some(p) = predicted.as_mut() {
                p.decommissioned = true;
            }
            step.predicted = Some(state_text(predicted.as_ref()));
            return Ok(step);
        }
        let sql = format!("ALTER SYSTEM DECOMMISSION BACKEND {}", self.quoted);
        if let Err(e) = self.fe.execute(&sql).await {
            step.changed = matches!(e, FeError::Connection(_));
            step.failed = true;
            step.msg = match e {
                FeError::Server(t) => format!("{NAME}: the FE refused to decommission {}: {t}", self.addr),
                FeError::Connection(t) => format!(
                    "{NAME}: the connection broke while decommissioning {} ({t}); whether it started is unknown: re-run to check and keep waiting",
                    self.addr
                ),
            };
            return Err(step);
        }
        step.msg = format!("decommission of {} started", self.addr);
        Ok(step)
    }

    /// Follow TabletNum to 0 and the BE's removal. Ok: (tablets left,
    /// how it ended); Err: (last count seen, failure message).
    async fn wait_decommission(
        &self,
        warnings: &mut Vec<String>,
    ) -> Result<(i64, String), (Option<i64>, String)> {
        let progress = self.ctx.progress.as_ref();
        let (fe, addr) = (&self.fe, self.addr.as_str());
        let mut tablets = TabletProgress::default();
        let mut kept = false;
        let mut dead_reported = false;
        let mut w = Waiter::new(self.timeout, self.poll);
        let fail_on_dead = self.o.fail_on_dead;
        let r = w
            .until(
                progress,
                || async move {
                    let b = find(fe.backends().await?, addr);
                    // A finished BE stays listed when the FE keeps it.
                    let keeps = match &b {
                        Some(b) if b.tablet_num == Some(0) && b.decommissioned => fe
                            .config("drop_backend_after_decommission")
                            .await?
                            .is_some_and(|v| v.eq_ignore_ascii_case("false")),
                        _ => false,
                    };
                    Ok((b, keeps))
                },
                |(b, keeps)| {
                    let Some(b) = b else {
                        let total = tablets.total.max(0) as u64;
                        progress.update(total, total, "tablets left 0: the BE was removed");
                        return Verdict::Done;
                    };
                    if !b.decommissioned {
                        return Verdict::Fail(format!(
                            "{NAME}: the decommission of {addr} was cancelled while waiting (SystemDecommissioned=false, TabletNum {})",
                            b.tablet_num.unwrap_or(0)
                        ));
                    }
                    let left = b.tablet_num.unwrap_or(0);
                    let status = tablets.observe(left);
                    let total = tablets.total.max(0) as u64;
                    progress.update(total - left.max(0) as u64, total, &status);
                    if tablets.line_due() {
                        progress.line(&format!("decommissioning {addr}: {status}"));
                    }
                    if !b.alive {
                        let why = format!(
                            "{addr} is not alive (Alive=false, StatusCode {}, ErrMsg `{}`) with {left} tablets left",
                            b.status_code.as_deref().unwrap_or("n/a"),
                            b.err_msg
                        );
                        if fail_on_dead {
                            return Verdict::Fail(format!(
                                "{NAME}: {why}; its tablets cannot all move while it is down. Start the BE again and re-run to keep waiting (the decommission is not re-issued), or set fail_on_dead=false to wait for it"
                            ));
                        }
                        if !dead_reported {
                            dead_reported = true;
                            progress.line(&format!("{why}; waiting anyway (fail_on_dead=false)"));
                        }
                    }
                    if left == 0 && keeps {
                        kept = true;
                        return Verdict::Done;
                    }
                    Verdict::Pending(format!("still {left} tablets on {addr} ({status})"))
                },
            )
            .await;
        if dead_reported {
            warnings.push(format!("{addr} was not alive during the wait"));
        }
        match r {
            Ok(()) if kept => Ok((
                0,
                "TabletNum is 0; the FE keeps the BE listed (drop_backend_after_decommission=false): drop it with state=absent".into(),
            )),
            Ok(()) => Ok((0, "all tablets moved and the BE was removed".into())),
            Err(end) => Err((
                tablets.left,
                format!(
                    "{NAME}: decommission of {addr} not finished: {}. The decommission goes on in the FE; re-run to keep waiting (it is not re-issued)",
                    end.message(self.timeout)
                ),
            )),
        }
    }

    async fn absent(&self, before: Option<&Backend>) -> Step {
        let Some(b) = before else {
            return Step::ok(format!("{} is not a backend", self.addr));
        };
        let mut step = Step {
            changed: true,
            ..Step::default()
        };
        if b.tablet_num.unwrap_or(0) > 0 {
            step.warnings.push(format!(
                "{} held {} tablets: the FE re-creates their lost replicas elsewhere; state=decommissioned moves data off first",
                self.addr,
                b.tablet_num.unwrap_or(0)
            ));
        }
        let force = if self.o.force { " FORCE" } else { "" };
        if self.ctx.check_mode {
            step.msg = format!("would drop backend {}{force}", self.addr);
            step.predicted = Some(state_text(None));
            return step;
        }
        let sql = format!("ALTER SYSTEM DROP BACKEND {}{force}", self.quoted);
        if let Err(e) = self.fe.execute(&sql).await {
            let hint = if !self.o.force && e.to_string().contains("only one replica") {
                "; decommission it first (state=decommissioned) to move the data, or set force=true to drop it anyway, losing those tablets"
            } else {
                ""
            };
            return Step {
                warnings: vec![],
                ..Step::fail(format!(
                    "{NAME}: the FE refused to drop {}: {e}{hint}",
                    self.addr
                ))
            };
        }
        step.msg = format!("dropped backend {}{force}", self.addr);
        if self.o.wait {
            let mut w = Waiter::new(self.timeout, self.poll);
            let (fe, addr) = (&self.fe, self.addr.as_str());
            if let Err(e) = w
                .until(
                    self.ctx.progress.as_ref(),
                    || async move { fe.backends().await.map(|b| find(b, addr)) },
                    |b| match b {
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

    async fn cancel(&self, before: Option<&Backend>, all: &[Backend]) -> Step {
        let Some(b) = before else {
            let known: Vec<&str> = all.iter().map(|b| b.address.as_str()).collect();
            return Step::fail(format!(
                "{NAME}: {} is not in SHOW BACKENDS, nothing to cancel (backends: {})",
                self.addr,
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            ));
        };
        if !b.decommissioned {
            return Step::ok(format!("{} is not being decommissioned", self.addr));
        }
        if self.ctx.check_mode {
            let mut p = b.clone();
            p.decommissioned = false;
            return Step {
                changed: true,
                msg: format!("would cancel the decommission of {}", self.addr),
                predicted: Some(state_text(Some(&p))),
                ..Step::default()
            };
        }
        let sql = format!("CANCEL DECOMMISSION BACKEND {}", self.quoted);
        match self.fe.execute(&sql).await {
            Ok(()) => Step {
                changed: true,
                msg: format!(
                    "cancelled the decommission of {} ({} tablets still on it)",
                    self.addr,
                    b.tablet_num.unwrap_or(0)
                ),
                ..Step::default()
            },
            Err(e) => Step::fail(format!(
                "{NAME}: cancelling the decommission of {} failed: {e}",
                self.addr
            )),
        }
    }

    /// The common result: before/after facts, diff, queries, elapsed.
    async fn report(&self, step: Step, before: Option<Backend>) -> Outcome {
        // The state after: predicted in check mode, else read again
        // (unless nothing was sent and nothing awaited).
        let read: Result<Option<Backend>, String> = match &step.predicted {
            Some(_) => Ok(None),
            None if !step.changed && !self.o.wait => Ok(before.clone()),
            None => self
                .fe
                .backends()
                .await
                .map(|bs| find(bs, &self.addr))
                .map_err(|e| e.to_string()),
        };
        let (after, after_text, tablets_left) = match (&step.predicted, read) {
            (Some(text), _) => (
                None,
                text.clone(),
                before.as_ref().and_then(|b| b.tablet_num),
            ),
            (None, Ok(a)) => {
                let text = state_text(a.as_ref());
                let left = a.as_ref().map_or(Some(0), |a| a.tablet_num);
                (a, text, left)
            }
            (None, Err(e)) => (
                None,
                format!("unknown (SHOW BACKENDS failed: {e})\n"),
                step.tablets_left,
            ),
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
                before_header: format!("backend {} (before)", self.addr),
                after_header: format!("backend {} (after)", self.addr),
                before: state_text(before.as_ref()),
                after: after_text,
            });
        }
        if let Some(p) = &step.precheck {
            outcome = outcome.with("precheck", serde_json::to_value(p).unwrap_or(Value::Null));
        }
        outcome
            .with("address", self.addr.clone())
            .with(
                "backend",
                json!({ "before": to_json(before.as_ref()), "after": to_json(after.as_ref()) }),
            )
            .with(
                "tablets_left",
                tablets_left.map_or(Value::Null, Value::from),
            )
            .with(
                "elapsed",
                (self.start.elapsed().as_millis() as f64) / 1000.0,
            )
            .with("queries", self.fe.sent())
    }
}

fn to_json(b: Option<&Backend>) -> Value {
    b.and_then(|b| serde_json::to_value(b).ok())
        .unwrap_or(Value::Null)
}

/// The widest table's replication_num from `information_schema.partitions_meta`
/// (StarRocks 3.1+); `Err` says why it is unknown.
async fn max_replication(fe: &Fe) -> Result<Option<Replication>, String> {
    let rows = fe
        .query(
            "SELECT DB_NAME, TABLE_NAME, REPLICATION_NUM FROM information_schema.partitions_meta ORDER BY REPLICATION_NUM DESC LIMIT 1",
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(rows.first().and_then(|r| {
        let row = Row(r);
        Some(Replication {
            table: format!("{}.{}", row.text(&["DB_NAME"]), row.text(&["TABLE_NAME"])),
            replication_num: row.int(&["REPLICATION_NUM"])?,
        })
    }))
}
