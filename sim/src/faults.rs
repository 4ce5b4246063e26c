//! Fault injection (`ADMIN SIM ...`): what each command changes in the
//! metadata, and which actions (`Effect`) the FE process must carry out
//! (killing a node, handing over leadership, dropping connections).

use crate::cluster::{parse_host_port, Cluster};
use crate::error::{SqlError, SqlResult};
use crate::frontend::FeRole;
use crate::outcome::{Effect, Outcome};
use crate::sql::SimCommand;

fn ok() -> SqlResult<Outcome> {
    Ok(Outcome::Ok { affected: 0 })
}

pub fn apply(c: &mut Cluster, cmd: SimCommand, fx: &mut Vec<Effect>) -> SqlResult<Outcome> {
    match cmd {
        SimCommand::KillNode(a) => {
            parse_host_port(&a)?;
            fx.push(Effect::KillNode(a));
        }
        SimCommand::HeartbeatFail(a, fail) => {
            let (h, p) = parse_host_port(&a)?;
            let key = format!("{h}:{p}");
            if fail {
                c.heartbeat_faults.insert(key);
            } else {
                c.heartbeat_faults.remove(&key);
            }
            c.bump_journal();
        }
        SimCommand::DropConnections => fx.push(Effect::DropConnections),
        SimCommand::MigrationRate(n) => {
            c.config
                .insert("sim_migration_tablets_per_round".into(), n.to_string());
            c.bump_journal();
        }
        SimCommand::SwitchLeader(a) => {
            let (h, p) = parse_host_port(&a)?;
            let fe = c
                .frontends
                .iter()
                .find(|f| f.host == h && f.edit_log_port == p)
                .ok_or_else(|| SqlError::new(format!("frontend does not exist[{h}:{p}]")))?;
            if fe.role == FeRole::Leader {
                return ok();
            }
            if fe.role != FeRole::Follower || !fe.alive {
                return Err(SqlError::new(format!("{h}:{p} is not an alive FOLLOWER")));
            }
            fx.push(Effect::SwitchLeader(format!("{h}:{p}")));
        }
        SimCommand::FillDisk(a, pct) => {
            let (h, p) = parse_host_port(&a)?;
            let be = c
                .backends
                .iter_mut()
                .find(|b| b.host == h && b.heartbeat_port == p)
                .ok_or_else(|| SqlError::new(format!("Backend does not exist[{h}:{p}]")))?;
            be.disk_fill = pct.map(|x| (x / 100.0).clamp(0.0, 1.0));
            c.bump_journal();
        }
    }
    ok()
}
