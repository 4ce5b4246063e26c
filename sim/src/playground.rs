//! A local simulated cluster under one directory: one host tree per
//! simulated host, each on its own loopback address 127.0.1.x with
//! StarRocks' default ports, an Ansible inventory `dir/hosts`, and
//! `dir/playground.json` recording what was started.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::exec::Session;
use crate::hosttree::{self, BePorts, FePorts, HostSpec};
use crate::outcome::{Outcome, ResultSet};
use crate::rpc::{self, Request, Response};
use crate::version::SrVersion;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlaygroundHost {
    pub name: String,
    /// Inventory group: fe, be, new_fe or new_be.
    pub group: String,
    pub address: String,
    /// The host root (`sr_home`).
    pub root: PathBuf,
    pub fe: Option<FePorts>,
    pub be: Option<BePorts>,
    pub started: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cluster {
    pub dir: PathBuf,
    pub version: SrVersion,
    pub hosts: Vec<PlaygroundHost>,
    /// `host:query_port` of the leader FE (SQL as root, empty password).
    pub query_addr: String,
    /// `host:edit_log_port` of the leader FE.
    pub leader_edit_log: String,
    pub sim_argv: Vec<String>,
}

impl PlaygroundHost {
    /// `fe` or `be`: the directory under the host root this host runs.
    pub fn kind(&self) -> &'static str {
        if self.fe.is_some() {
            "fe"
        } else {
            "be"
        }
    }
}

impl Cluster {
    pub fn summary(&self) -> String {
        let mut s = format!(
            "playground up in {} (StarRocks {}): SQL at {} as root, inventory {}\n",
            self.dir.display(),
            self.version.full(),
            self.query_addr,
            self.dir.join("hosts").display()
        );
        for h in &self.hosts {
            s += &format!(
                "  {:<8} {:<7} {:<12} {}{}\n",
                h.name,
                h.group,
                h.address,
                h.root.display(),
                match (h.started, h.root.join(h.kind()).exists()) {
                    (true, _) => "",
                    (false, true) => " (not started)",
                    (false, false) => " (empty: nothing deployed yet)",
                }
            );
        }
        s
    }

    pub fn hosts_in(&self, group: &str) -> impl Iterator<Item = &PlaygroundHost> {
        let g = group.to_string();
        self.hosts.iter().filter(move |h| h.group == g)
    }
}

/// A running playground (alias: not the FE's `cluster::Cluster` metadata).
pub type Playground = Cluster;

/// Knobs for `up_with`; `up` uses the defaults.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// Loopback /24 to take host addresses from (`127.0.1`).
    pub subnet: String,
    /// First candidate for x in `<subnet>.x`.
    pub first_octet: u8,
    pub heartbeat_interval_ms: u64,
    pub migration_interval_ms: u64,
    pub migration_tablets_per_round: u64,
    pub join_retry_ms: u64,
    /// How long to wait for every started node to be alive.
    pub timeout: Duration,
}

impl Default for UpOptions {
    fn default() -> Self {
        UpOptions {
            subnet: "127.0.1".into(),
            first_octet: 11,
            heartbeat_interval_ms: 300,
            migration_interval_ms: 500,
            migration_tablets_per_round: 4,
            join_retry_ms: 300,
            timeout: Duration::from_secs(60),
        }
    }
}

/// What a playground holds besides the running nodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Setup {
    /// Spare hosts get only their (empty) `sr_home`, as a fresh server
    /// would: `add_be.yml` / `add_fe.yml` then really copy `be/` / `fe/`
    /// from a reference node. Otherwise spares get a full tree.
    pub empty_spares: bool,
    /// Create the demo database (`crate::playground_demo`).
    pub demo_data: bool,
}

fn state_path(dir: &Path) -> PathBuf {
    dir.join("playground.json")
}

pub fn load(dir: &Path) -> anyhow::Result<Cluster> {
    let p = state_path(dir);
    let s = std::fs::read_to_string(&p)
        .map_err(|e| anyhow::anyhow!("{}: {e} (is the playground up?)", p.display()))?;
    Ok(serde_json::from_str(&s)?)
}

fn save(c: &Cluster) -> anyhow::Result<()> {
    crate::persist::write_atomic(
        &state_path(&c.dir),
        serde_json::to_string_pretty(c)?.as_bytes(),
    )
}

/// Create `fe` FEs (the first is the leader; the others join as
/// followers), `be` BEs, and trees for `spare_be` / `spare_fe` hosts that
/// are neither started nor added. `sim_argv` is the simulator command
/// baked into the scripts (`["/path/srplay", "srsim"]`).
pub fn up(
    dir: &Path,
    fe: usize,
    be: usize,
    spare_be: usize,
    spare_fe: usize,
    version: SrVersion,
    sim_argv: &[String],
) -> anyhow::Result<Cluster> {
    up_with(
        dir,
        fe,
        be,
        spare_be,
        spare_fe,
        version,
        sim_argv,
        &UpOptions::default(),
    )
}

#[allow(clippy::too_many_arguments)]
pub fn up_with(
    dir: &Path,
    fe: usize,
    be: usize,
    spare_be: usize,
    spare_fe: usize,
    version: SrVersion,
    sim_argv: &[String],
    opts: &UpOptions,
) -> anyhow::Result<Cluster> {
    let shape = Shape {
        fe,
        be,
        spare_be,
        spare_fe,
        version,
    };
    up_full(dir, &shape, sim_argv, opts, Setup::default())
}

/// How many nodes of which version a playground has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub fe: usize,
    pub be: usize,
    pub spare_be: usize,
    pub spare_fe: usize,
    pub version: SrVersion,
}

/// As `up_with`, with what else the playground holds (`setup`).
pub fn up_full(
    dir: &Path,
    shape: &Shape,
    sim_argv: &[String],
    opts: &UpOptions,
    setup: Setup,
) -> anyhow::Result<Cluster> {
    let Shape {
        fe,
        be,
        spare_be,
        spare_fe,
        version,
    } = *shape;
    anyhow::ensure!(fe >= 1, "a playground needs at least one FE");
    if let Ok(old) = load(dir) {
        if running_pids(&old).next().is_some() {
            anyhow::bail!(
                "a playground is already running in {} (run down first)",
                dir.display()
            );
        }
    }
    let r = start(
        dir, fe, be, spare_be, spare_fe, version, sim_argv, opts, setup,
    );
    if r.is_err() {
        // leave nothing running behind a failed start
        let _ = down(dir);
    }
    r
}

#[allow(clippy::too_many_arguments)]
fn start(
    dir: &Path,
    fe: usize,
    be: usize,
    spare_be: usize,
    spare_fe: usize,
    version: SrVersion,
    sim_argv: &[String],
    opts: &UpOptions,
    setup: Setup,
) -> anyhow::Result<Cluster> {
    std::fs::create_dir_all(dir)?;
    let dir = std::fs::canonicalize(dir)?;
    let earlier = load(&dir).map(|c| c.hosts).unwrap_or_default();
    let mut hosts = Vec::new();
    let mut octet = opts.first_octet;
    let mut plan = Vec::new();
    for i in 1..=fe {
        plan.push((format!("fe{i}"), "fe", true));
    }
    for i in 1..=be {
        plan.push((format!("be{i}"), "be", false));
    }
    for i in 1..=spare_fe {
        plan.push((format!("fe{}", fe + i), "new_fe", true));
    }
    for i in 1..=spare_be {
        plan.push((format!("be{}", be + i), "new_be", false));
    }
    for (name, group, is_fe) in plan {
        let (fe_ports, be_ports) = if is_fe {
            (Some(FePorts::default()), None)
        } else {
            (None, Some(BePorts::default()))
        };
        let ports: Vec<u16> = match (fe_ports, be_ports) {
            (Some(p), _) => vec![p.http_port, p.rpc_port, p.query_port, p.edit_log_port],
            (_, Some(p)) => vec![
                p.be_port,
                p.be_http_port,
                p.heartbeat_service_port,
                p.brpc_port,
            ],
            _ => vec![],
        };
        let address = loop {
            anyhow::ensure!(
                octet < 255,
                "no free loopback address {}.x with the StarRocks ports",
                opts.subnet
            );
            anyhow::ensure!(
                opts.subnet.starts_with("127."),
                "only loopback addresses are used"
            );
            let a = format!("{}.{octet}", opts.subnet);
            octet += 1;
            if ports
                .iter()
                .all(|p| std::net::TcpListener::bind((a.as_str(), *p)).is_ok())
            {
                break a;
            }
        };
        let root = dir.join(&name);
        let spec = HostSpec {
            root: root.clone(),
            address: address.clone(),
            version,
            fe: fe_ports,
            be: be_ports,
            sim_argv: sim_argv.to_vec(),
            fe_extra: vec![
                (
                    "sim_heartbeat_interval_ms".into(),
                    opts.heartbeat_interval_ms.to_string(),
                ),
                (
                    "sim_migration_interval_ms".into(),
                    opts.migration_interval_ms.to_string(),
                ),
                (
                    "sim_migration_tablets_per_round".into(),
                    opts.migration_tablets_per_round.to_string(),
                ),
                ("sim_join_retry_ms".into(), opts.join_retry_ms.to_string()),
            ],
            be_extra: vec![],
        };
        // a fresh host: nothing left of an earlier (stopped) playground in
        // `dir` (its FE metadata would still list its nodes); only trees
        // that playground recorded are removed
        if earlier.iter().any(|h| h.root == root) && root.exists() {
            std::fs::remove_dir_all(&root)?;
        }
        let spare = group.starts_with("new_");
        if spare && setup.empty_spares {
            std::fs::create_dir_all(&root)?;
        } else {
            hosttree::generate(&spec)?;
        }
        hosts.push(PlaygroundHost {
            name,
            group: group.into(),
            address,
            root,
            fe: fe_ports,
            be: be_ports,
            started: false,
        });
    }
    let leader = hosts[0].clone();
    let lp = leader.fe.unwrap();
    let mut c = Cluster {
        dir: dir.clone(),
        version,
        query_addr: format!("{}:{}", leader.address, lp.query_port),
        leader_edit_log: format!("{}:{}", leader.address, lp.edit_log_port),
        hosts,
        sim_argv: sim_argv.to_vec(),
    };
    save(&c)?;
    write_inventory(&c)?;

    // leader FE, then followers and BEs registered over SQL first
    run_script(&leader.root.join("fe/bin/start_fe.sh"), &["--daemon"])?;
    c.hosts[0].started = true;
    save(&c)?;
    let leader_rpc = c.leader_edit_log.clone();
    wait_until(opts.timeout, || sql(&leader_rpc, "SELECT 1").is_ok()).map_err(|_| {
        anyhow::anyhow!(
            "the leader FE did not answer SQL; see {}",
            leader.root.join("fe/log/fe.out").display()
        )
    })?;
    for i in 0..c.hosts.len() {
        let h = c.hosts[i].clone();
        match h.group.as_str() {
            "fe" if i > 0 => {
                let p = h.fe.unwrap();
                sql(
                    &leader_rpc,
                    &format!(
                        "ALTER SYSTEM ADD FOLLOWER \"{}:{}\"",
                        h.address, p.edit_log_port
                    ),
                )?;
                run_script(
                    &h.root.join("fe/bin/start_fe.sh"),
                    &["--helper", &leader_rpc, "--daemon"],
                )?;
            }
            "be" => {
                let p = h.be.unwrap();
                sql(
                    &leader_rpc,
                    &format!(
                        "ALTER SYSTEM ADD BACKEND \"{}:{}\"",
                        h.address, p.heartbeat_service_port
                    ),
                )?;
                run_script(&h.root.join("be/bin/start_be.sh"), &["--daemon"])?;
            }
            _ => continue,
        }
        c.hosts[i].started = true;
        save(&c)?;
    }
    let expected = c.hosts.iter().filter(|h| h.started).count();
    wait_until(opts.timeout, || {
        let fe = sql(&leader_rpc, "SHOW FRONTENDS").ok();
        let be = sql(&leader_rpc, "SHOW BACKENDS").ok();
        match (fe, be) {
            (Some(fe), Some(be)) => alive_count(&fe) + alive_count(&be) >= expected,
            _ => false,
        }
    })
    .map_err(|_| {
        anyhow::anyhow!(
            "not every node became Alive in time:\n{}",
            status(&dir).unwrap_or_default()
        )
    })?;
    if setup.demo_data {
        crate::playground_demo::seed(&leader_rpc, be)?;
    }
    Ok(c)
}

fn alive_count(rs: &ResultSet) -> usize {
    let Some(i) = rs.columns.iter().position(|c| c.name == "Alive") else {
        return 0;
    };
    rs.rows
        .iter()
        .filter(|r| r.get(i).cloned().flatten().as_deref() == Some("true"))
        .count()
}

fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> Result<(), ()> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if f() {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run_script(script: &Path, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("bash").arg(script).args(args).output()?;
    anyhow::ensure!(
        out.status.success(),
        "{} failed: {}{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// Run `statement` on the FE whose edit_log_port is `fe` (the simulator's
/// internal protocol; same executor as the MySQL port).
pub fn sql(fe: &str, statement: &str) -> anyhow::Result<ResultSet> {
    let fe = fe.to_string();
    let statement = statement.to_string();
    // own thread + runtime: callable from inside or outside a tokio runtime
    std::thread::spawn(move || -> anyhow::Result<ResultSet> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async {
            let req = Request::Sql {
                sql: statement,
                session: Session {
                    user: "root".into(),
                    client_host: "127.0.0.1".into(),
                    ..Default::default()
                },
            };
            match rpc::call(&fe, &req, Duration::from_secs(10)).await {
                Ok(Response::Executed { executed, .. }) => match executed.outcome {
                    Outcome::Rows(rs) => Ok(rs),
                    Outcome::Ok { .. } => Ok(ResultSet {
                        columns: vec![],
                        rows: vec![],
                    }),
                    Outcome::Err(e) => Err(anyhow::anyhow!("{e}")),
                },
                Ok(other) => Err(anyhow::anyhow!("unexpected answer {other:?}")),
                Err(e) => Err(anyhow::anyhow!("{fe}: {e}")),
            }
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("sql thread panicked"))?
}

fn write_inventory(c: &Cluster) -> anyhow::Result<()> {
    // The SOP playbooks' checklist (playbooks/precheck.yml) checks the OS
    // user, the open-files limit and that the node's ports are free: on a
    // playground host those are the caller's own user and limits, and the
    // hosts share one kernel (so ports are checked per address).
    let user = std::process::Command::new("id")
        .arg("-un")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "root".into());
    // A decommission in the playground takes seconds: poll every second to
    // show its progress.
    let sop_vars = format!(
        " sr_user={user} sr_min_nofile=1024 sr_port_check_state=closed sr_decommission_poll_interval=1"
    );
    let mut s =
        String::from("# generated by starrocks-sim playground; SQL: root, empty password\n");
    // the last running BE is the decommission_be.yml demo's target (its
    // line repeated there: every line of the file is self-contained)
    let last_be: Vec<&PlaygroundHost> = c.hosts_in("be").last().into_iter().collect();
    for group in ["fe", "be", "new_fe", "new_be", "decommission_be"] {
        s += &format!("[{group}]\n");
        let members: Vec<&PlaygroundHost> = if group == "decommission_be" {
            last_be.clone()
        } else {
            c.hosts_in(group).collect()
        };
        for h in members {
            s += &format!(
                "{} ansible_connection=local ansible_host={} sr_home={}",
                h.name,
                h.address,
                h.root.display()
            );
            if let Some(p) = h.fe {
                s += &format!(
                    " query_port={} edit_log_port={} http_port={} rpc_port={}",
                    p.query_port, p.edit_log_port, p.http_port, p.rpc_port
                );
            }
            if let Some(p) = h.be {
                s += &format!(
                    " heartbeat_service_port={} be_port={} be_http_port={} brpc_port={}",
                    p.heartbeat_service_port, p.be_port, p.be_http_port, p.brpc_port
                );
            }
            s += &sop_vars;
            s += "\n";
        }
        s += "\n";
    }
    crate::persist::write_atomic(&c.dir.join("hosts"), s.as_bytes())
}

/// SHOW FRONTENDS and SHOW BACKENDS of the playground, as tables.
pub fn status(dir: &Path) -> anyhow::Result<String> {
    with_fe_tables(dir, |fe_name, fe, be| {
        format!(
            "SHOW FRONTENDS (via {fe_name}):\n{}\nSHOW BACKENDS:\n{}",
            crate::table::render(&fe),
            crate::table::render(&be)
        )
    })
}

/// Asks the playground's FEs in turn for SHOW FRONTENDS and SHOW BACKENDS
/// and formats the first complete answer with `show(fe name, frontends,
/// backends)`; fails naming every FE that did not answer.
pub(crate) fn with_fe_tables(
    dir: &Path,
    show: impl Fn(&str, ResultSet, ResultSet) -> String,
) -> anyhow::Result<String> {
    let c = load(dir)?;
    let mut errs = Vec::new();
    for h in c.hosts.iter().filter(|h| h.fe.is_some()) {
        let addr = format!("{}:{}", h.address, h.fe.unwrap().edit_log_port);
        match (sql(&addr, "SHOW FRONTENDS"), sql(&addr, "SHOW BACKENDS")) {
            (Ok(fe), Ok(be)) => return Ok(show(&h.name, fe, be)),
            (Err(e), _) | (_, Err(e)) => errs.push(format!("{}: {e}", h.name)),
        }
    }
    anyhow::bail!("no FE of the playground answers: {}", errs.join("; "))
}

/// Pids of live simulator processes from the pid files under the trees.
fn running_pids(c: &Cluster) -> impl Iterator<Item = (PathBuf, i32)> + '_ {
    c.hosts
        .iter()
        .flat_map(|h| [h.root.join("fe/bin/fe.pid"), h.root.join("be/bin/be.pid")])
        .filter_map(|p| {
            let pid: i32 = std::fs::read_to_string(&p).ok()?.trim().parse().ok()?;
            is_sim_process(pid).then_some((p, pid))
        })
}

fn is_sim_process(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks that the process exists.
    if pid <= 0 || unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline);
    cmdline.contains("--conf") && (cmdline.contains("\0fe\0") || cmdline.contains("\0be\0"))
}

/// Stop every simulator process of the playground (spares started later
/// included), by pid file: SIGKILL for BEs (stop_be.sh's default), SIGTERM
/// for FEs (SIGKILL if still there after 5 s). Idempotent.
pub fn down(dir: &Path) -> anyhow::Result<()> {
    let Ok(c) = load(dir) else {
        return Ok(());
    };
    let pids: Vec<(PathBuf, i32)> = running_pids(&c).collect();
    for (file, pid) in &pids {
        // like stop_be.sh / stop_fe.sh: SIGKILL for BEs, SIGTERM for FEs
        let sig = if file.ends_with("be.pid") {
            libc::SIGKILL
        } else {
            libc::SIGTERM
        };
        // SAFETY: plain kill(2) on a pid read from our own pid file.
        unsafe { libc::kill(*pid, sig) };
    }
    for (file, pid) in &pids {
        if wait_until(Duration::from_secs(5), || !is_sim_process(*pid)).is_err() {
            // SAFETY: as above.
            unsafe { libc::kill(*pid, libc::SIGKILL) };
            let _ = wait_until(Duration::from_secs(5), || !is_sim_process(*pid));
        }
        let _ = std::fs::remove_file(file);
    }
    Ok(())
}
