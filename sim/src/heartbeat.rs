//! The leader's periodic work: heartbeat every node over TCP (BE/CN on
//! `heartbeat_service_port`, FE on `edit_log_port`, brokers on their port)
//! and run the tablet scheduler that drains decommissioned BEs.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::fe_node::{FeNode, Mode};
use crate::format;
use crate::rpc::{self, Request, Response};

#[derive(Clone, Copy)]
enum Kind {
    Be,
    Fe,
    Broker,
}

enum Probe {
    Be(Result<crate::backend::BeReport, String>),
    Fe(Result<crate::frontend::FeReport, String>),
    Broker(Result<(), String>),
}

async fn probe(
    kind: Kind,
    addr: String,
    faulted: bool,
    timeout: Duration,
    fe_req: Arc<Request>,
) -> (String, Probe) {
    const FAULT: &str = "heartbeat failed: injected fault (ADMIN SIM HEARTBEAT FAIL)";
    let p = match kind {
        Kind::Be => Probe::Be(if faulted {
            Err(FAULT.to_string())
        } else {
            match rpc::call(&addr, &Request::Heartbeat, timeout).await {
                Ok(Response::Be { report }) => Ok(report),
                Ok(_) => Err("unexpected heartbeat answer".into()),
                Err(e) => Err(e),
            }
        }),
        Kind::Fe => Probe::Fe(if faulted {
            Err(FAULT.to_string())
        } else {
            match rpc::call(&addr, &fe_req, timeout).await {
                Ok(Response::Fe { report }) => Ok(report),
                Ok(Response::Err { msg }) => Err(msg),
                Ok(_) => Err("unexpected heartbeat answer".into()),
                Err(e) => Err(e),
            }
        }),
        Kind::Broker => Probe::Broker(if faulted {
            Err(FAULT.to_string())
        } else {
            match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(&addr)).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(format!("java.net.ConnectException: {e}")),
                Err(_) => Err("connect timed out".into()),
            }
        }),
    };
    (addr, p)
}

/// Runs for the life of the FE process; does work only while leader.
pub async fn run(fe: Arc<FeNode>) {
    let mut last_migration = 0i64;
    let mut last_digest = String::new();
    let mut last_save = 0i64;
    loop {
        let (interval, leader) = match &*fe.mode.lock().unwrap() {
            Mode::Leader(c) => (c.config_u64("sim_heartbeat_interval_ms").max(20), true),
            Mode::Follower(f) => (
                f.replica
                    .as_ref()
                    .map(|c| c.config_u64("sim_heartbeat_interval_ms").max(20))
                    .unwrap_or(1000),
                false,
            ),
            Mode::Joining { .. } => (1000, false),
        };
        tokio::time::sleep(Duration::from_millis(interval)).await;
        if !leader {
            crate::election::maybe_elect(&fe).await;
            continue;
        }
        let (targets, fe_req) = {
            let m = fe.mode.lock().unwrap();
            let Mode::Leader(c) = &*m else { continue };
            let me = fe.me.addr();
            let fe_req = Arc::new(Request::FeHeartbeat {
                leader: me.clone(),
                cluster: c.clone(),
            });
            let mut t: Vec<(Kind, String)> = Vec::new();
            t.extend(
                c.backends
                    .iter()
                    .chain(&c.compute_nodes)
                    .map(|b| (Kind::Be, b.addr())),
            );
            t.extend(
                c.frontends
                    .iter()
                    .filter(|f| f.addr() != me)
                    .map(|f| (Kind::Fe, f.addr())),
            );
            t.extend(
                c.brokers
                    .iter()
                    .map(|b| (Kind::Broker, format!("{}:{}", b.host, b.port))),
            );
            let t = t
                .into_iter()
                .map(|(k, a)| {
                    let f = c.heartbeat_faults.contains(&a);
                    (k, a, f)
                })
                .collect::<Vec<_>>();
            (t, fe_req)
        };
        let timeout = Duration::from_millis((interval * 5).clamp(1000, 5000));
        let mut set = JoinSet::new();
        for (k, a, f) in targets {
            set.spawn(probe(k, a, f, timeout, fe_req.clone()));
        }
        let mut results = Vec::new();
        while let Some(r) = set.join_next().await {
            if let Ok(r) = r {
                results.push(r);
            }
        }
        let now = format::now_ms();
        let mut m = fe.mode.lock().unwrap();
        let Mode::Leader(c) = &mut *m else { continue };
        for (addr, p) in results {
            match p {
                Probe::Be(r) => c.apply_be_heartbeat(&addr, r, now),
                Probe::Fe(r) => c.apply_fe_heartbeat(&addr, r, now),
                Probe::Broker(r) => c.apply_broker_heartbeat(&addr, r, now),
            }
        }
        let me = fe.me.addr();
        let journal = c.journal_id;
        if let Some(f) = c.frontends.iter_mut().find(|f| f.addr() == me) {
            f.alive = true;
            f.join = true;
            f.last_heartbeat = now;
            f.replayed_journal_id = journal;
            f.query_port = fe.me.query_port;
            f.rpc_port = fe.me.rpc_port;
            f.start_time = fe.start_ms;
            f.version = Some(c.version.full().into());
            f.err_msg.clear();
        }
        if now - last_migration >= c.config_u64("sim_migration_interval_ms") as i64 {
            last_migration = now;
            let rate = c.config_u64("sim_migration_tablets_per_round") as usize;
            c.migrate_round(rate);
        }
        let digest = digest(c);
        if digest != last_digest || now - last_save > 5000 {
            last_digest = digest;
            last_save = now;
            fe.persist(&m);
        }
    }
}

/// What must reach the state file promptly (not mere heartbeat times).
fn digest(c: &crate::cluster::Cluster) -> String {
    let mut s = format!("{}|", c.journal_id);
    for b in c.backends.iter().chain(&c.compute_nodes) {
        s += &format!(
            "{}:{}:{:?}:{}:{};",
            b.id, b.alive, b.status, b.be_port, b.err_msg
        );
    }
    for f in &c.frontends {
        s += &format!(
            "{}:{}:{}:{}:{};",
            f.name, f.alive, f.join, f.query_port, f.err_msg
        );
    }
    for b in &c.brokers {
        s += &format!("{}:{};", b.host, b.alive);
    }
    s
}
