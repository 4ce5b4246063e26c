//! Membership of the node kinds that are simply added or dropped — compute
//! nodes and brokers — shared by `starrocks_compute_node` and
//! `starrocks_broker`: look the node up, ADD or DROP it unless it already
//! is as asked (or only report in check mode), optionally wait until it
//! is alive / gone, and report before/after facts and a diff.

use super::membership::{resolves, Fe, FeError};
use super::wait::{Verdict, Waiter};
use serde_json::{json, Value};
use srplay_engine::module::{Diff, ModuleContext, Outcome};
use std::time::{Duration, Instant};

/// Which kind of node, and how it is named in SQL and results.
#[derive(Debug, Clone)]
pub enum Kind {
    ComputeNode,
    /// A broker of this name (`ALTER SYSTEM ADD BROKER <name> …`).
    Broker(String),
}

/// One listed node, kind-independent.
#[derive(Debug, Clone)]
struct Node {
    address: String,
    alive: bool,
    err_msg: String,
    facts: Value,
}

impl Kind {
    fn noun(&self) -> &'static str {
        match self {
            Kind::ComputeNode => "compute node",
            Kind::Broker(_) => "broker",
        }
    }

    /// The return value key holding before/after facts.
    fn key(&self) -> &'static str {
        match self {
            Kind::ComputeNode => "compute_node",
            Kind::Broker(_) => "broker",
        }
    }

    fn list_sql(&self) -> &'static str {
        match self {
            Kind::ComputeNode => "SHOW COMPUTE NODES",
            Kind::Broker(_) => "SHOW PROC '/brokers'",
        }
    }

    async fn list(&self, fe: &Fe) -> Result<Vec<Node>, FeError> {
        let facts = |v: Result<Value, serde_json::Error>| v.unwrap_or(Value::Null);
        Ok(match self {
            Kind::ComputeNode => fe
                .compute_nodes()
                .await?
                .into_iter()
                .map(|c| Node {
                    address: c.address.clone(),
                    alive: c.alive,
                    err_msg: c.err_msg.clone(),
                    facts: facts(serde_json::to_value(&c)),
                })
                .collect(),
            Kind::Broker(name) => fe
                .brokers()
                .await?
                .into_iter()
                .filter(|b| &b.name == name)
                .map(|b| Node {
                    address: b.address.clone(),
                    alive: b.alive,
                    err_msg: b.err_msg.clone(),
                    facts: facts(serde_json::to_value(&b)),
                })
                .collect(),
        })
    }

    fn add_sql(&self, quoted: &str) -> String {
        match self {
            Kind::ComputeNode => format!("ALTER SYSTEM ADD COMPUTE NODE {quoted}"),
            Kind::Broker(name) => format!("ALTER SYSTEM ADD BROKER `{name}` {quoted}"),
        }
    }

    fn drop_sql(&self, quoted: &str) -> String {
        match self {
            Kind::ComputeNode => format!("ALTER SYSTEM DROP COMPUTE NODE {quoted}"),
            Kind::Broker(name) => format!("ALTER SYSTEM DROP BROKER `{name}` {quoted}"),
        }
    }
}

/// A broker name as StarRocks accepts it (an identifier); refuses
/// anything that would need quoting inside backticks.
pub fn check_broker_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("name is empty".into());
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
    {
        Some(c) => Err(format!(
            "name `{name}` contains `{c}`; use letters, digits, `_` and `-`"
        )),
        None => Ok(()),
    }
}

/// One run's request.
pub struct Request<'a> {
    pub module: &'static str,
    pub kind: Kind,
    pub host: &'a str,
    pub port: u16,
    /// The address as a quoted SQL string.
    pub quoted: String,
    pub present: bool,
    pub wait: bool,
    pub timeout: Duration,
    pub poll: Duration,
}

fn state_text(n: Option<&Node>) -> String {
    match n {
        None => "absent\n".into(),
        Some(n) => format!("present\nalive: {}\n", n.alive),
    }
}

fn find(nodes: Vec<Node>, addr: &str) -> Option<Node> {
    nodes.into_iter().find(|n| n.address == addr)
}

/// Make the node present or absent; the module's outcome.
pub async fn run(ctx: &ModuleContext, fe: &Fe, r: &Request<'_>) -> Outcome {
    let start = Instant::now();
    let (m, noun) = (r.module, r.kind.noun());
    let addr = format!("{}:{}", r.host, r.port);
    let before = match r.kind.list(fe).await {
        Ok(nodes) => find(nodes, &addr),
        Err(e) => {
            return Outcome::failed(format!(
                "{m}: cannot read {}: {e} (is {} a StarRocks FE's query_port?)",
                r.kind.list_sql(),
                fe.endpoint()
            ))
        }
    };
    let needs_change = before.is_some() != r.present;
    let (mut changed, mut failed) = (false, false);
    let mut predicted = None;
    let mut msg;
    if !needs_change {
        msg = if r.present {
            format!("{addr} is already a {noun}")
        } else {
            format!("{addr} is not a {noun}")
        };
    } else if r.present && !resolves(r.host, r.port).await {
        failed = true;
        msg = format!(
            "{m}: unknown host `{}`: it does not resolve here; give the node's IP or a resolvable FQDN",
            r.host
        );
    } else if ctx.check_mode {
        changed = true;
        let verb = if r.present { "add" } else { "drop" };
        msg = format!("would {verb} {noun} {addr}");
        predicted = Some(if r.present {
            "present\nalive: false (until its first heartbeat)\n".to_string()
        } else {
            state_text(None)
        });
    } else {
        let sql = if r.present {
            r.kind.add_sql(&r.quoted)
        } else {
            r.kind.drop_sql(&r.quoted)
        };
        match fe.execute(&sql).await {
            Ok(()) => {
                changed = true;
                let verb = if r.present { "added" } else { "dropped" };
                msg = format!("{verb} {noun} {addr}");
            }
            Err(e) => {
                failed = true;
                let verb = if r.present { "adding" } else { "dropping" };
                msg = format!("{m}: {verb} {noun} {addr} failed: {e}");
            }
        }
    }
    if r.wait && !failed && !ctx.check_mode {
        if let Err(e) = wait(ctx, fe, r, &addr).await {
            failed = true;
            msg = e;
        }
    }
    let after = match &predicted {
        Some(_) => None,
        None if !changed && !r.wait => before.clone(),
        None => r.kind.list(fe).await.ok().and_then(|n| find(n, &addr)),
    };
    let after_text = predicted.unwrap_or_else(|| state_text(after.as_ref()));
    let mut outcome = if failed {
        Outcome {
            changed,
            ..Outcome::failed(msg)
        }
    } else {
        Outcome::changed(changed).with_msg(msg)
    };
    if ctx.diff && changed {
        outcome = outcome.with_diff(Diff {
            before_header: format!("{noun} {addr} (before)"),
            after_header: format!("{noun} {addr} (after)"),
            before: state_text(before.as_ref()),
            after: after_text,
        });
    }
    let facts = |n: Option<&Node>| n.map_or(Value::Null, |n| n.facts.clone());
    outcome
        .with("address", addr.clone())
        .with(
            r.kind.key(),
            json!({ "before": facts(before.as_ref()), "after": facts(after.as_ref()) }),
        )
        .with("elapsed", (start.elapsed().as_millis() as f64) / 1000.0)
        .with("queries", fe.sent())
}

async fn wait(ctx: &ModuleContext, fe: &Fe, r: &Request<'_>, addr: &str) -> Result<(), String> {
    let mut w = Waiter::new(r.timeout, r.poll);
    let (kind, noun, present) = (&r.kind, r.kind.noun(), r.present);
    w.until(
        ctx.progress.as_ref(),
        || async move { kind.list(fe).await.map(|n| find(n, addr)) },
        |n| match (n, present) {
            (None, false) => Verdict::Done,
            (Some(_), false) => Verdict::Pending(format!("{addr} is still listed")),
            (None, true) => Verdict::Fail(format!(
                "{addr} left the {noun} list while waiting for it to be alive"
            )),
            (Some(n), true) if n.alive => Verdict::Done,
            (Some(n), true) => Verdict::Pending(format!(
                "{noun} {addr} is not alive yet (ErrMsg `{}`); is its process running and reachable from the FE?",
                n.err_msg
            )),
        },
    )
    .await
    .map_err(|e| format!("{}: {}", r.module, e.message(r.timeout)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_per_kind() {
        let q = "\"10.0.0.7:8000\"";
        let b = Kind::Broker("hdfs_broker".into());
        assert_eq!(
            b.add_sql(q),
            "ALTER SYSTEM ADD BROKER `hdfs_broker` \"10.0.0.7:8000\""
        );
        assert_eq!(
            Kind::ComputeNode.drop_sql(q),
            "ALTER SYSTEM DROP COMPUTE NODE \"10.0.0.7:8000\""
        );
    }

    #[test]
    fn broker_names() {
        assert_eq!(check_broker_name("hdfs_broker-1"), Ok(()));
        assert!(check_broker_name("a`b").unwrap_err().contains("contains `"));
        assert!(check_broker_name("").is_err());
    }
}
