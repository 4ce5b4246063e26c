//! `srsim fe`: an FE process.
//!
//! * No `--helper` and no metadata: it is the leader of a new cluster and
//!   keeps the metadata in `<meta_dir>/srsim.json`.
//! * `--helper host:edit_log_port` and no metadata: it asks the helper to
//!   join (refused until `ALTER SYSTEM ADD FOLLOWER|OBSERVER`, retried like
//!   StarRocks does), then serves SQL by forwarding every statement to the
//!   leader over the internal protocol (`rpc.rs`) on `edit_log_port`.
//! * With metadata it resumes its role (the helper is only used once).
//!
//! The leader heartbeats every node by TCP on its heartbeat /
//! edit_log / broker port and runs the tablet scheduler (`heartbeat.rs`);
//! its heartbeats to FEs replicate the metadata, which lets a follower take
//! over when the leader is lost (`election.rs`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;

use crate::cluster::Cluster;
use crate::conf::Conf;
use crate::error::SqlError;
use crate::exec::{self, Executed, FeIdentity, Session};
use crate::fe_config;
use crate::format;
use crate::frontend::{FeReport, FeRole};
use crate::node;
use crate::outcome::{Effect, Outcome};
use crate::persist::{self, Persisted};
use crate::protocol::{self, SqlService};
use crate::rpc::{self, Request, Response};
use crate::version::SrVersion;

pub const RPC_TIMEOUT: Duration = Duration::from_secs(10);

pub enum Mode {
    Leader(Box<Cluster>),
    Follower(FollowerState),
    Joining { helper: String },
}

/// A non-leader FE (follower or observer).
pub struct FollowerState {
    pub leader: String,
    pub cluster_id: u32,
    /// The metadata as last replicated by the leader's heartbeat.
    pub replica: Option<Box<Cluster>>,
    /// When the leader was last heard from (ms).
    pub last_contact: i64,
}

impl FollowerState {
    pub fn new(leader: String, cluster_id: u32, replica: Option<Box<Cluster>>) -> Self {
        FollowerState {
            leader,
            cluster_id,
            replica,
            last_contact: format::now_ms(),
        }
    }
}

pub struct FeNode {
    pub me: FeIdentity,
    pub version: SrVersion,
    pub start_ms: i64,
    pub meta_dir: PathBuf,
    pub mode: Mutex<Mode>,
    pub drop_tx: Arc<watch::Sender<u64>>,
    pub join_retry_ms: u64,
}

pub struct FeOptions {
    pub conf: PathBuf,
    pub helper: Option<String>,
    pub host: Option<String>,
}

pub async fn run(opts: FeOptions) -> anyhow::Result<()> {
    let conf = Conf::load(&opts.conf)?;
    let host = conf.bind_host(opts.host.as_deref());
    let me = FeIdentity {
        host: host.clone(),
        edit_log_port: conf.port("edit_log_port", 9010)?,
        query_port: conf.port("query_port", 9030)?,
        rpc_port: conf.port("rpc_port", 9020)?,
        http_port: conf.port("http_port", 8030)?,
    };
    let version = SrVersion::parse(conf.get("sim_version").unwrap_or("3.3"))?;
    let meta_dir = conf
        .get("meta_dir")
        .map(PathBuf::from)
        .unwrap_or_else(|| conf.home.join("meta"));
    let now = format::now_ms();
    persist::claim_meta_dir(&meta_dir, &me.addr())?;
    let mode = match persist::load(&meta_dir)? {
        Some(Persisted::Leader { cluster }) => Mode::Leader(cluster),
        Some(Persisted::Follower {
            leader,
            cluster_id,
            replica,
        }) => Mode::Follower(FollowerState::new(leader, cluster_id, replica)),
        None => match &opts.helper {
            Some(h) => {
                if *h == me.addr() {
                    anyhow::bail!(
                        "Do not specify the helper node to FE itself. Please specify it to the existing running Leader or Follower FE"
                    );
                }
                Mode::Joining { helper: h.clone() }
            }
            None => {
                let mut c = Cluster::new(version, &host, me.edit_log_port, now);
                for (k, v) in &conf.values {
                    if fe_config::item(k).is_some() {
                        c.config.insert(k.clone(), v.clone());
                    }
                }
                if let Some(pw) = conf.get("sim_root_password") {
                    c.root_password_hash = crate::password::native_hash(pw);
                }
                Mode::Leader(Box::new(c))
            }
        },
    };
    let edit = node::bind(&host, me.edit_log_port, "edit_log_port").await?;
    let query = node::bind(&host, me.query_port, "query_port").await?;
    node::spawn_http(
        node::bind(&host, me.http_port, "http_port").await?,
        "{\"status\":\"OK\",\"msg\":\"Success\"}",
    );
    node::spawn_stub(node::bind(&host, me.rpc_port, "rpc_port").await?);
    let pid = node::write_pid_file(&conf.home, "fe")?;
    node::exit_on_signal(pid);

    let (drop_tx, _) = watch::channel(0u64);
    let fe = Arc::new(FeNode {
        me: me.clone(),
        version,
        start_ms: now,
        meta_dir,
        mode: Mutex::new(mode),
        drop_tx: Arc::new(drop_tx),
        join_retry_ms: conf.u64("sim_join_retry_ms", 5000),
    });
    fe.persist_current();
    eprintln!(
        "StarRocksFE (srsim) {} on {}: edit_log_port {}, query_port {}",
        version.full(),
        host,
        me.edit_log_port,
        me.query_port
    );
    tokio::spawn(fe.clone().join_loop());
    tokio::spawn(crate::heartbeat::run(fe.clone()));
    let session = Session {
        fe: me,
        ..Default::default()
    };
    tokio::spawn(protocol::serve(
        query,
        fe.clone(),
        session,
        fe.drop_tx.clone(),
    ));
    loop {
        let Ok((mut s, _)) = edit.accept().await else {
            continue;
        };
        let fe = fe.clone();
        tokio::spawn(async move {
            if let Some(req) = rpc::read_request(&mut s).await {
                let resp = fe.handle_rpc(req).await;
                rpc::write_response(&mut s, &resp).await;
            }
        });
    }
}

impl FeNode {
    pub fn persist(&self, mode: &Mode) {
        let p = match mode {
            Mode::Leader(c) => Persisted::Leader { cluster: c.clone() },
            Mode::Follower(f) => Persisted::Follower {
                leader: f.leader.clone(),
                cluster_id: f.cluster_id,
                replica: f.replica.clone(),
            },
            Mode::Joining { .. } => return,
        };
        if let Err(e) = persist::save(&self.meta_dir, &p) {
            eprintln!("failed to save metadata: {e}");
        }
    }

    fn persist_current(&self) {
        let m = self.mode.lock().unwrap();
        self.persist(&m);
    }

    /// root's password hash in the metadata last replicated here.
    fn replicated_password_hash(&self) -> Option<String> {
        match &*self.mode.lock().unwrap() {
            Mode::Follower(f) => f.replica.as_ref().map(|c| c.root_password_hash.clone()),
            _ => None,
        }
    }

    fn leader_addr(&self) -> Result<Option<String>, String> {
        match &*self.mode.lock().unwrap() {
            Mode::Leader(_) => Ok(None),
            Mode::Follower(f) => Ok(Some(f.leader.clone())),
            Mode::Joining { .. } => {
                Err("this FE has not joined the cluster yet (waiting for the helper)".into())
            }
        }
    }

    /// Run a statement here (leader) or on the leader (others).
    pub async fn run_sql(&self, session: &mut Session, sql: &str) -> Executed {
        let leader = match self.leader_addr() {
            Ok(l) => l,
            Err(e) => return failed(e),
        };
        let Some(leader) = leader else {
            return self.run_local(session, sql).await;
        };
        let req = Request::Sql {
            sql: sql.into(),
            session: session.clone(),
        };
        match rpc::call(&leader, &req, RPC_TIMEOUT).await {
            Ok(Response::Executed {
                executed,
                session: s,
            }) => {
                *session = *s;
                *executed
            }
            Ok(Response::Err { msg }) => failed(msg),
            Ok(_) => failed("unexpected answer from the leader".into()),
            Err(e) => failed(format!(
                "failed to forward the statement to the leader {leader}: {e}"
            )),
        }
    }

    async fn run_local(&self, session: &mut Session, sql: &str) -> Executed {
        let (mut ex, replicate) = {
            let mut m = self.mode.lock().unwrap();
            let Mode::Leader(c) = &mut *m else {
                return failed("leadership moved; retry".into());
            };
            let ex = exec::execute(c, session, sql, format::now_ms());
            let mut replicate = None;
            if ex.changed {
                let me = self.me.addr();
                let peers: Vec<String> = c
                    .frontends
                    .iter()
                    .map(|f| f.addr())
                    .filter(|a| *a != me && !c.heartbeat_faults.contains(a))
                    .collect();
                let req = Request::FeHeartbeat {
                    leader: me,
                    cluster: c.clone(),
                };
                replicate = Some((peers, req));
                self.persist(&m);
            }
            (ex, replicate)
        };
        // like a BDB commit: the change reaches the other FEs before the
        // statement returns (best effort; dead FEs catch up by heartbeat)
        if let Some((peers, req)) = replicate {
            let req = std::sync::Arc::new(req);
            let mut set = tokio::task::JoinSet::new();
            for p in peers {
                let req = req.clone();
                set.spawn(async move { rpc::call(&p, &req, Duration::from_secs(1)).await });
            }
            while set.join_next().await.is_some() {}
        }
        for e in ex.effects.clone() {
            if let Err(msg) = self.apply_effect(&e).await {
                ex.outcome = Outcome::Err(SqlError::new(msg));
            }
        }
        ex
    }

    /// Effects run by the leader; DropConnections is left to the FE that
    /// holds the client connection.
    async fn apply_effect(&self, e: &Effect) -> Result<(), String> {
        match e {
            Effect::KillNode(addr) => {
                if *addr == self.me.addr() {
                    node::die_soon();
                    return Ok(());
                }
                match rpc::call(addr, &Request::Exit, Duration::from_secs(2)).await {
                    Ok(Response::Ok) => Ok(()),
                    _ => Err(format!("no simulated node answers on {addr}")),
                }
            }
            Effect::SwitchLeader(addr) => self.hand_over(addr).await,
            Effect::DropConnections => Ok(()),
        }
    }

    /// Make the FE at `addr` leader; this one becomes a follower.
    async fn hand_over(&self, addr: &str) -> Result<(), String> {
        let cluster = {
            let m = self.mode.lock().unwrap();
            let Mode::Leader(c) = &*m else {
                return Err("not the leader".into());
            };
            let mut c = c.clone();
            for f in &mut c.frontends {
                if f.addr() == addr {
                    f.role = FeRole::Leader;
                    f.is_helper = true;
                } else if f.role == FeRole::Leader {
                    f.role = FeRole::Follower;
                    f.is_helper = true;
                    f.last_heartbeat = format::now_ms();
                }
            }
            c.epoch += 1;
            c.bump_journal();
            c
        };
        let cluster_id = cluster.cluster_id;
        let replica = cluster.clone();
        match rpc::call(addr, &Request::BecomeLeader { cluster }, RPC_TIMEOUT).await {
            Ok(Response::Ok) => {
                let mut m = self.mode.lock().unwrap();
                *m = Mode::Follower(FollowerState::new(addr.into(), cluster_id, Some(replica)));
                self.persist(&m);
                Ok(())
            }
            Ok(Response::Err { msg }) => Err(msg),
            Ok(_) => Err("unexpected answer".into()),
            Err(e) => Err(format!("leader switch to {addr} failed: {e}")),
        }
    }

    pub fn report(&self) -> Option<FeReport> {
        let (cluster_id, is_leader) = match &*self.mode.lock().unwrap() {
            Mode::Leader(c) => (c.cluster_id, true),
            Mode::Follower(f) => (f.cluster_id, false),
            Mode::Joining { .. } => return None,
        };
        Some(FeReport {
            query_port: self.me.query_port,
            rpc_port: self.me.rpc_port,
            http_port: self.me.http_port,
            version: self.version.full().into(),
            start_time_ms: self.start_ms,
            cluster_id,
            is_leader,
        })
    }

    async fn handle_rpc(&self, req: Request) -> Response {
        match req {
            Request::Heartbeat => match self.report() {
                Some(report) => Response::Fe { report },
                None => Response::Err {
                    msg: "not joined yet".into(),
                },
            },
            Request::Exit => {
                node::die_soon();
                Response::Ok
            }
            Request::FeHeartbeat { leader, cluster } => {
                if let Some(r) = self.report().filter(|r| r.cluster_id != cluster.cluster_id) {
                    // another cluster's leader: answer so it sees the mismatch
                    return Response::Fe { report: r };
                }
                let mut m = self.mode.lock().unwrap();
                let now = format::now_ms();
                match &mut *m {
                    Mode::Joining { .. } => {
                        return Response::Err {
                            msg: "not joined yet".into(),
                        }
                    }
                    Mode::Leader(c) => {
                        if cluster.epoch <= c.epoch {
                            return Response::Err {
                                msg: format!("{} is the leader (term {})", self.me.addr(), c.epoch),
                            };
                        }
                        eprintln!("{leader} leads a newer term; stepping down");
                        let id = cluster.cluster_id;
                        *m = Mode::Follower(FollowerState::new(leader, id, Some(cluster)));
                        self.persist(&m);
                    }
                    Mode::Follower(f) => {
                        let known = f.replica.as_ref().map(|r| r.epoch).unwrap_or(0);
                        if cluster.epoch < known {
                            return Response::Err {
                                msg: format!(
                                    "stale leader {leader} (term {} < {known})",
                                    cluster.epoch
                                ),
                            };
                        }
                        let changed = f.leader != leader
                            || f.replica.as_ref().map(|r| r.journal_id) != Some(cluster.journal_id);
                        f.leader = leader;
                        f.cluster_id = cluster.cluster_id;
                        f.replica = Some(cluster);
                        f.last_contact = now;
                        if changed {
                            self.persist(&m);
                        }
                    }
                }
                drop(m);
                match self.report() {
                    Some(report) => Response::Fe { report },
                    None => Response::Err {
                        msg: "not joined yet".into(),
                    },
                }
            }
            Request::BecomeLeader { cluster } => {
                let mut m = self.mode.lock().unwrap();
                *m = Mode::Leader(cluster);
                self.persist(&m);
                Response::Ok
            }
            Request::Join { host, port } => {
                let forward = {
                    let mut m = self.mode.lock().unwrap();
                    match &mut *m {
                        Mode::Leader(c) => {
                            let r = c.join_frontend(&host, port);
                            let cluster_id = c.cluster_id;
                            if r.is_ok() {
                                c.bump_journal();
                                self.persist(&m);
                            }
                            return match r {
                                Ok(role) => Response::Joined {
                                    cluster_id,
                                    leader: self.me.addr(),
                                    role,
                                },
                                Err(msg) => Response::Err { msg },
                            };
                        }
                        Mode::Follower(f) => f.leader.clone(),
                        Mode::Joining { .. } => {
                            return Response::Err {
                                msg: "the helper has not joined a cluster yet".into(),
                            }
                        }
                    }
                };
                rpc::call(&forward, &Request::Join { host, port }, RPC_TIMEOUT)
                    .await
                    .unwrap_or_else(|msg| Response::Err { msg })
            }
            Request::Sql { sql, mut session } => {
                let executed = self.run_sql(&mut session, &sql).await;
                Response::Executed {
                    executed: Box::new(executed),
                    session: Box::new(session),
                }
            }
            Request::Auth => match self.leader_addr() {
                Ok(None) => match &*self.mode.lock().unwrap() {
                    Mode::Leader(c) => Response::Auth {
                        password_hash: c.root_password_hash.clone(),
                        version: c.version,
                    },
                    _ => Response::Err {
                        msg: "moved".into(),
                    },
                },
                Ok(Some(l)) => rpc::call(&l, &Request::Auth, RPC_TIMEOUT)
                    .await
                    .unwrap_or_else(|msg| Response::Err { msg }),
                Err(msg) => Response::Err { msg },
            },
        }
    }

    /// A new FE asks its helper to join until the leader knows it.
    async fn join_loop(self: Arc<Self>) {
        loop {
            let helper = match &*self.mode.lock().unwrap() {
                Mode::Joining { helper } => helper.clone(),
                _ => return,
            };
            let req = Request::Join {
                host: self.me.host.clone(),
                port: self.me.edit_log_port,
            };
            match rpc::call(&helper, &req, RPC_TIMEOUT).await {
                Ok(Response::Joined {
                    cluster_id,
                    leader,
                    role,
                }) => {
                    eprintln!(
                        "joined cluster {cluster_id} as {} (leader {leader})",
                        role.name()
                    );
                    let mut m = self.mode.lock().unwrap();
                    *m = Mode::Follower(FollowerState::new(leader, cluster_id, None));
                    self.persist(&m);
                    return;
                }
                Ok(Response::Err { msg }) => eprintln!("{msg}"),
                Ok(_) => eprintln!("unexpected answer from helper {helper}"),
                Err(e) => eprintln!("failed to reach helper {helper}: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(self.join_retry_ms)).await;
        }
    }
}

fn failed(msg: String) -> Executed {
    Executed {
        outcome: Outcome::Err(SqlError::new(msg)),
        effects: vec![],
        changed: false,
    }
}

#[async_trait]
impl SqlService for FeNode {
    async fn execute(&self, session: &mut Session, sql: &str) -> Executed {
        self.run_sql(session, sql).await
    }

    async fn root_password_hash(&self) -> Option<String> {
        match self.leader_addr() {
            Ok(None) => match &*self.mode.lock().unwrap() {
                Mode::Leader(c) => Some(c.root_password_hash.clone()),
                _ => None,
            },
            Ok(Some(l)) => match rpc::call(&l, &Request::Auth, RPC_TIMEOUT).await {
                Ok(Response::Auth { password_hash, .. }) => Some(password_hash),
                // The leader is out of reach: the hash replicated here
                // still guards the login.
                _ => self.replicated_password_hash(),
            },
            Err(_) => None,
        }
    }

    async fn version(&self) -> SrVersion {
        match &*self.mode.lock().unwrap() {
            Mode::Leader(c) => c.version,
            _ => self.version,
        }
    }
}
