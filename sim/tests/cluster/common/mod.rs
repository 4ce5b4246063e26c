//! Shared helpers: a real simulated cluster (playground processes on its
//! own loopback /24), SQL over the internal protocol, mysql_async and the
//! mariadb CLI, and bounded polling.
#![allow(dead_code)]

use std::process::{Command, Output};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use starrocks_sim::outcome::ResultSet;
use starrocks_sim::playground::{self, UpOptions};
use starrocks_sim::version::SrVersion;

static NEXT: AtomicU8 = AtomicU8::new(0);

pub fn srsim() -> String {
    env!("CARGO_BIN_EXE_srsim").to_string()
}

pub struct Sim {
    pub dir: tempfile::TempDir,
    pub cluster: playground::Cluster,
}

pub fn fast_options(subnet_base: u8) -> UpOptions {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    UpOptions {
        // the pid keeps concurrent runs of the suite apart
        subnet: format!("127.{}.{}", 100 + std::process::id() % 150, subnet_base + n),
        first_octet: 10,
        heartbeat_interval_ms: 100,
        migration_interval_ms: 100,
        migration_tablets_per_round: 2,
        join_retry_ms: 100,
        timeout: Duration::from_secs(30),
    }
}

impl Sim {
    /// Each test file passes its own `subnet_base` so parallel tests never
    /// share an address.
    pub fn up(
        subnet_base: u8,
        fe: usize,
        be: usize,
        spare_be: usize,
        spare_fe: usize,
        v: SrVersion,
    ) -> Sim {
        let dir = tempfile::tempdir().unwrap();
        let opts = fast_options(subnet_base);
        let cluster =
            playground::up_with(dir.path(), fe, be, spare_be, spare_fe, v, &[srsim()], &opts)
                .expect("playground up");
        Sim { dir, cluster }
    }

    pub fn host(&self, name: &str) -> &playground::PlaygroundHost {
        self.cluster.hosts.iter().find(|h| h.name == name).unwrap()
    }

    /// `host:heartbeat_service_port` of a BE host.
    pub fn be_addr(&self, name: &str) -> String {
        let h = self.host(name);
        format!("{}:{}", h.address, h.be.unwrap().heartbeat_service_port)
    }

    /// `host:edit_log_port` of an FE host.
    pub fn fe_addr(&self, name: &str) -> String {
        let h = self.host(name);
        format!("{}:{}", h.address, h.fe.unwrap().edit_log_port)
    }

    /// (host, query_port) of an FE host.
    pub fn query(&self, name: &str) -> (String, u16) {
        let h = self.host(name);
        (h.address.clone(), h.fe.unwrap().query_port)
    }

    pub fn sql(&self, s: &str) -> anyhow::Result<ResultSet> {
        playground::sql(&self.cluster.leader_edit_log, s)
    }

    pub fn sql_on(&self, fe: &str, s: &str) -> anyhow::Result<ResultSet> {
        playground::sql(&self.fe_addr(fe), s)
    }

    pub fn mariadb(&self, fe: &str, args: &[&str]) -> Output {
        let (h, p) = self.query(fe);
        mariadb(&h, p, args)
    }

    pub async fn conn(
        &self,
        fe: &str,
        password: Option<&str>,
    ) -> mysql_async::Result<mysql_async::Conn> {
        let (h, p) = self.query(fe);
        connect(&h, p, password).await
    }

    pub fn backend(&self, addr: &str) -> Option<Vec<(String, String)>> {
        row_by(
            &self.sql("SHOW BACKENDS").unwrap(),
            "IP",
            "HeartbeatPort",
            addr,
        )
    }

    pub fn frontend(&self, addr: &str) -> Option<Vec<(String, String)>> {
        row_by(
            &self.sql("SHOW FRONTENDS").unwrap(),
            "IP",
            "EditLogPort",
            addr,
        )
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = playground::down(self.dir.path());
    }
}

pub fn mariadb(host: &str, port: u16, args: &[&str]) -> Output {
    Command::new("mariadb")
        .args([
            "-h",
            host,
            "-P",
            &port.to_string(),
            "-u",
            "root",
            "--connect-timeout=10",
            "--skip-ssl",
        ])
        .args(args)
        .output()
        .expect("the mariadb client must be installed (apt-get install mariadb-client)")
}

pub async fn connect(
    host: &str,
    port: u16,
    password: Option<&str>,
) -> mysql_async::Result<mysql_async::Conn> {
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(host)
        .tcp_port(port)
        .user(Some("root"))
        .pass(password)
        .prefer_socket(false)
        .max_allowed_packet(Some(16 << 20))
        .wait_timeout(Some(28800))
        .stmt_cache_size(0);
    mysql_async::Conn::new(opts).await
}

/// Row whose `host_col`:`port_col` equals `addr`, as (column, value) pairs.
pub fn row_by(
    rs: &ResultSet,
    host_col: &str,
    port_col: &str,
    addr: &str,
) -> Option<Vec<(String, String)>> {
    let hi = rs.columns.iter().position(|c| c.name == host_col)?;
    let pi = rs.columns.iter().position(|c| c.name == port_col)?;
    rs.rows
        .iter()
        .find(|r| {
            format!(
                "{}:{}",
                r[hi].clone().unwrap_or_default(),
                r[pi].clone().unwrap_or_default()
            ) == addr
        })
        .map(|r| {
            rs.columns
                .iter()
                .zip(r)
                .map(|(c, v)| (c.name.clone(), v.clone().unwrap_or_else(|| "NULL".into())))
                .collect()
        })
}

pub fn get(row: &[(String, String)], col: &str) -> String {
    row.iter()
        .find(|(c, _)| c == col)
        .unwrap_or_else(|| panic!("no column {col}"))
        .1
        .clone()
}

/// Poll `f` every 50 ms until it returns true; panic after 30 s.
pub fn poll(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..600 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for: {what}");
}

pub fn err_text(r: anyhow::Result<ResultSet>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}
