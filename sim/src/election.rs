//! Leader election when the leader FE disappears (BDB-JE style, much
//! simplified): a FOLLOWER that has not heard the leader's heartbeat for
//! five heartbeat intervals (at least 1 s) probes the other electable FEs
//! (followers and the leader). With a majority of them alive and no live
//! leader among them, the live follower with the smallest id takes over the
//! replicated metadata as leader of a new term. Observers never lead.

use std::sync::Arc;
use std::time::Duration;

use crate::fe_node::{FeNode, Mode};
use crate::format;
use crate::frontend::FeRole;
use crate::rpc::{self, Request, Response};

pub async fn maybe_elect(fe: &Arc<FeNode>) {
    let now = format::now_ms();
    let (replica, last_contact) = match &*fe.mode.lock().unwrap() {
        Mode::Follower(f) => (f.replica.clone(), f.last_contact),
        _ => return,
    };
    let Some(mut c) = replica else { return };
    let interval = c.config_u64("sim_heartbeat_interval_ms").max(20) as i64;
    if now - last_contact < (interval * 5).max(1000) {
        return;
    }
    let me = fe.me.addr();
    let Some(my_id) = c
        .frontends
        .iter()
        .find(|f| f.addr() == me && f.role == FeRole::Follower)
        .map(|f| f.id)
    else {
        return;
    };
    let electable: Vec<(u64, String)> = c
        .frontends
        .iter()
        .filter(|f| f.role != FeRole::Observer)
        .map(|f| (f.id, f.addr()))
        .collect();
    let mut alive = vec![my_id];
    for (id, addr) in electable.iter().filter(|(_, a)| *a != me) {
        if let Ok(Response::Fe { report }) =
            rpc::call(addr, &Request::Heartbeat, Duration::from_secs(1)).await
        {
            if report.cluster_id != c.cluster_id {
                continue;
            }
            if report.is_leader {
                return; // a leader is alive; its heartbeat will reach us
            }
            alive.push(*id);
        }
    }
    if alive.len() * 2 <= electable.len() {
        return; // no quorum: the group cannot elect
    }
    if alive.iter().min() != Some(&my_id) {
        return;
    }
    for f in &mut c.frontends {
        if f.id == my_id {
            f.role = FeRole::Leader;
        } else if f.role == FeRole::Leader {
            f.role = FeRole::Follower;
            f.alive = false;
        }
    }
    c.epoch += 1;
    c.bump_journal();
    let mut m = fe.mode.lock().unwrap();
    if matches!(&*m, Mode::Follower(_)) {
        eprintln!("{me} elected leader (term {})", c.epoch);
        *m = Mode::Leader(c);
        fe.persist(&m);
    }
}
