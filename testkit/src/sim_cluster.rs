//! [`SimCluster`]: a real simulated StarRocks cluster (`starrocks-sim`
//! playground processes) on its own loopback /24, with fast heartbeats
//! and tablet migration, stopped when dropped.
//!
//! The node processes run the `srsim` binary, built once per test process
//! with `cargo build -p starrocks-sim --bin srsim` into the workspace's
//! target dir (honouring `CARGO_TARGET_DIR`); `SRSIM_BIN` names a prebuilt
//! binary instead.

use starrocks_sim::outcome::ResultSet;
use starrocks_sim::playground::{self, Playground, PlaygroundHost, UpOptions};
pub use starrocks_sim::version::SrVersion;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// How many nodes to start; spares get host trees but are neither
/// started nor added.
#[derive(Debug, Clone, Copy)]
pub struct SimLayout {
    pub fe: usize,
    pub be: usize,
    pub spare_be: usize,
    pub spare_fe: usize,
    pub version: SrVersion,
}

impl SimLayout {
    pub fn new(fe: usize, be: usize) -> Self {
        SimLayout {
            fe,
            be,
            spare_be: 0,
            spare_fe: 0,
            version: SrVersion::V3_3,
        }
    }

    pub fn spares(mut self, spare_fe: usize, spare_be: usize) -> Self {
        self.spare_fe = spare_fe;
        self.spare_be = spare_be;
        self
    }

    pub fn version(mut self, v: SrVersion) -> Self {
        self.version = v;
        self
    }
}

pub struct SimCluster {
    pub cluster: Playground,
    dir: tempfile::TempDir,
}

/// The `srsim` binary, built on first use.
pub fn srsim_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("SRSIM_BIN") {
            return PathBuf::from(p);
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("testkit lives in the workspace")
            .to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "starrocks-sim", "--bin", "srsim"])
            .current_dir(&root)
            .status()
            .expect("run cargo to build srsim");
        assert!(status.success(), "cargo build -p starrocks-sim failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|t| if t.is_absolute() { t } else { root.join(t) })
            .unwrap_or_else(|| root.join("target"));
        let bin = target.join("debug").join("srsim");
        assert!(bin.exists(), "{} missing after the build", bin.display());
        bin
    })
    .clone()
}

/// A /24 of 127/8 no other test process of this machine uses: the second
/// octet from the pid (range 10..90, apart from the sim's own tests at
/// 100..250), the third from a per-process counter.
fn next_subnet() -> String {
    static NEXT: AtomicU8 = AtomicU8::new(1);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    format!("127.{}.{}", 10 + std::process::id() % 80, n)
}

impl SimCluster {
    /// Start a cluster with a 100 ms heartbeat and 2 tablets per
    /// migration round every 100 ms; panics (failing the test) when the
    /// simulator cannot start.
    pub fn up(layout: SimLayout) -> SimCluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let opts = UpOptions {
            subnet: next_subnet(),
            first_octet: 10,
            heartbeat_interval_ms: 100,
            migration_interval_ms: 100,
            migration_tablets_per_round: 2,
            join_retry_ms: 100,
            timeout: Duration::from_secs(30),
        };
        let argv = vec![srsim_bin().display().to_string()];
        let cluster = playground::up_with(
            dir.path(),
            layout.fe,
            layout.be,
            layout.spare_be,
            layout.spare_fe,
            layout.version,
            &argv,
            &opts,
        )
        .unwrap_or_else(|e| panic!("simulated cluster did not start: {e:#}"));
        SimCluster { cluster, dir }
    }

    pub fn host(&self, name: &str) -> &PlaygroundHost {
        self.cluster
            .hosts
            .iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("no host {name} in the playground"))
    }

    /// The address of a host (`127.x.y.z`).
    pub fn address(&self, name: &str) -> String {
        self.host(name).address.clone()
    }

    /// `host:heartbeat_service_port` of a BE host.
    pub fn be_addr(&self, name: &str) -> String {
        let h = self.host(name);
        format!(
            "{}:{}",
            h.address,
            h.be.expect("a BE host").heartbeat_service_port
        )
    }

    /// `host:edit_log_port` of an FE host.
    pub fn fe_addr(&self, name: &str) -> String {
        let h = self.host(name);
        format!("{}:{}", h.address, h.fe.expect("an FE host").edit_log_port)
    }

    /// (address, query_port) of an FE host, for a MySQL client.
    pub fn query_endpoint(&self, name: &str) -> (String, u16) {
        let h = self.host(name);
        (h.address.clone(), h.fe.expect("an FE host").query_port)
    }

    /// Run one statement on the first FE (forwarded to the leader) over
    /// the simulator's internal protocol.
    pub fn sql(&self, statement: &str) -> anyhow::Result<ResultSet> {
        self.sql_on("fe1", statement)
    }

    pub fn sql_on(&self, fe: &str, statement: &str) -> anyhow::Result<ResultSet> {
        playground::sql(&self.fe_addr(fe), statement)
    }

    /// Start a spare host's node the way an operator would (its
    /// `start_be.sh --daemon` / `start_fe.sh --helper … --daemon`).
    pub fn start_spare(&self, name: &str) {
        let h = self.host(name);
        let (script, extra): (PathBuf, Vec<String>) = if h.fe.is_some() {
            (
                h.root.join("fe/bin/start_fe.sh"),
                vec!["--helper".into(), self.cluster.leader_edit_log.clone()],
            )
        } else {
            (h.root.join("be/bin/start_be.sh"), vec![])
        };
        let out = Command::new(&script)
            .args(&extra)
            .arg("--daemon")
            .output()
            .expect("run the start script");
        assert!(
            out.status.success(),
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for SimCluster {
    fn drop(&mut self) {
        let _ = playground::down(self.dir.path());
    }
}
