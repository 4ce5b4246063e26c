//! The cluster metadata the leader FE holds, and the ALTER SYSTEM / DDL
//! operations on it with StarRocks' own refusal texts (FACTS.md §2).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::backend::{Backend, BeReport};
use crate::catalog::{Database, Table, Tablet};
use crate::error::{SqlError, SqlResult};
use crate::fe_config;
use crate::format;
use crate::frontend::{FeReport, FeRole, Frontend};
use crate::version::SrVersion;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Broker {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub alive: bool,
    pub last_start_time: i64,
    pub last_update_time: i64,
    pub err_msg: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cluster {
    pub version: SrVersion,
    pub cluster_id: u32,
    pub journal_id: u64,
    pub next_id: u64,
    pub frontends: Vec<Frontend>,
    pub backends: Vec<Backend>,
    pub compute_nodes: Vec<Backend>,
    pub brokers: Vec<Broker>,
    pub databases: Vec<Database>,
    pub config: BTreeMap<String, String>,
    pub global_vars: BTreeMap<String, String>,
    /// root's password as MySQL stores it ([`crate::password::native_hash`]);
    /// empty: root logs in without a password.
    #[serde(default)]
    pub root_password_hash: String,
    /// Read from metadata that kept the password in plain text
    /// (`root_password`), already hashed; see [`Cluster::migrate`].
    #[serde(
        default,
        rename = "root_password",
        skip_serializing,
        deserialize_with = "crate::password::hash_plain_text"
    )]
    pub(crate) legacy_password_hash: Option<String>,
    /// Leader term: raised by every election or hand-over; an FE that
    /// believes it leads steps down when it hears from a higher term.
    #[serde(default)]
    pub epoch: u64,
    /// Fault: heartbeats to these `host:port` addresses fail.
    #[serde(default)]
    pub heartbeat_faults: BTreeSet<String>,
}

/// Split `host:port` the way StarRocks validates it.
pub fn parse_host_port(s: &str) -> SqlResult<(String, u16)> {
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| SqlError::new(format!("Invalid host port: {s}")))?;
    if host.is_empty() {
        return Err(SqlError::new("Host is null"));
    }
    let p: i64 = port
        .trim()
        .parse()
        .map_err(|_| SqlError::new(format!("Invalid host port: {s}")))?;
    if !(1..=65535).contains(&p) {
        return Err(SqlError::new(format!("Port is out of range: {p}")));
    }
    Ok((host.trim().to_string(), p as u16))
}

impl Cluster {
    /// A fresh cluster whose only FE is the leader at `host:edit_log_port`.
    pub fn new(version: SrVersion, host: &str, edit_log_port: u16, now: i64) -> Self {
        let mut leader = Frontend::new(1, host, edit_log_port, FeRole::Leader, now);
        leader.join = true;
        leader.alive = true;
        leader.start_time = now;
        leader.last_heartbeat = now;
        leader.version = Some(version.full().into());
        let mut dbs = vec![
            Database::new("_statistics_", true),
            Database::new("information_schema", true),
        ];
        if version >= SrVersion::V3_3 {
            dbs.push(Database::new("sys", true));
        }
        Cluster {
            version,
            cluster_id: (now as u64 % 2_000_000_000) as u32 + 100_000_000,
            journal_id: 1,
            next_id: 10001,
            frontends: vec![leader],
            backends: Vec::new(),
            compute_nodes: Vec::new(),
            brokers: Vec::new(),
            databases: dbs,
            config: fe_config::defaults(),
            global_vars: BTreeMap::new(),
            root_password_hash: String::new(),
            legacy_password_hash: None,
            heartbeat_faults: BTreeSet::new(),
            epoch: 1,
        }
    }

    /// Metadata read from an older file: the password it kept in plain
    /// text becomes the hash. Returns whether anything changed (the file
    /// is then to be written again, without the password).
    pub fn migrate(&mut self) -> bool {
        match self.legacy_password_hash.take() {
            Some(hash) => {
                if self.root_password_hash.is_empty() {
                    self.root_password_hash = hash;
                }
                true
            }
            None => false,
        }
    }

    fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Every metadata change is a journal entry.
    pub fn bump_journal(&mut self) {
        self.journal_id += 1;
    }

    pub fn config_u64(&self, key: &str) -> u64 {
        self.config
            .get(key)
            .and_then(|v| v.parse().ok())
            .or_else(|| fe_config::item(key).and_then(|i| i.1.parse().ok()))
            .unwrap_or(0)
    }

    pub fn config_bool(&self, key: &str) -> bool {
        self.config.get(key).map(|v| v.eq_ignore_ascii_case("true")) == Some(true)
    }

    pub fn leader(&self) -> Option<&Frontend> {
        self.frontends.iter().find(|f| f.role == FeRole::Leader)
    }

    // ---- tablets ----------------------------------------------------------

    fn all_tables(&self) -> impl Iterator<Item = (&Database, &Table)> {
        self.databases
            .iter()
            .flat_map(|d| d.tables.iter().map(move |t| (d, t)))
    }

    pub fn tablet_num(&self, be: u64) -> usize {
        self.all_tables()
            .flat_map(|(_, t)| &t.tablets)
            .filter(|tb| tb.replicas.contains(&be))
            .count()
    }

    pub fn data_used(&self, be: u64) -> u64 {
        self.all_tables()
            .map(|(_, t)| {
                t.tablets
                    .iter()
                    .filter(|tb| tb.replicas.contains(&be))
                    .count() as u64
                    * t.tablet_bytes
            })
            .sum()
    }

    /// Alive, not decommissioned backends (`getAvailableBackendIds`).
    fn available_backends(&self) -> Vec<u64> {
        self.backends
            .iter()
            .filter(|b| b.alive && !b.decommissioned)
            .map(|b| b.id)
            .collect()
    }

    // ---- backends ---------------------------------------------------------

    fn find_be(&self, host: &str, port: u16) -> Option<usize> {
        self.backends
            .iter()
            .position(|b| b.host == host && b.heartbeat_port == port)
    }

    fn find_cn(&self, host: &str, port: u16) -> Option<usize> {
        self.compute_nodes
            .iter()
            .position(|b| b.host == host && b.heartbeat_port == port)
    }

    fn be_exists_msg(&self, h: &str, p: u16) -> String {
        if self.version >= SrVersion::V3_3 {
            format!("Backend already exists with same host {h} and port {p}")
        } else {
            format!("Same backend already exists[{h}:{p}]")
        }
    }

    pub fn add_backends(&mut self, addrs: &[String]) -> SqlResult<()> {
        let mut parsed = Vec::new();
        for a in addrs {
            let (h, p) = parse_host_port(a)?;
            if self.find_be(&h, p).is_some() || parsed.contains(&(h.clone(), p)) {
                return Err(SqlError::new(self.be_exists_msg(&h, p)));
            }
            if self.find_cn(&h, p).is_some() {
                return Err(SqlError::new(format!(
                    "Compute node already exists with same host {h} and port {p}"
                )));
            }
            parsed.push((h, p));
        }
        for (h, p) in parsed {
            let id = self.alloc_id();
            self.backends.push(Backend::new(id, &h, p));
        }
        self.bump_journal();
        Ok(())
    }

    pub fn drop_backends(&mut self, addrs: &[String], force: bool) -> SqlResult<()> {
        let mut ids = Vec::new();
        for a in addrs {
            let (h, p) = parse_host_port(a)?;
            let idx = self
                .find_be(&h, p)
                .ok_or_else(|| SqlError::new(format!("backend does not exists[{h}:{p}]")))?;
            let be = self.backends[idx].id;
            if !force {
                for (db, t) in self.all_tables() {
                    if t.replication_num == 1
                        && t.tablets.iter().any(|tb| tb.replicas.contains(&be))
                    {
                        return Err(SqlError::new(format!(
                            "Tables such as [{d}.{n}] on the backend[{h}:{p}] have only one replica. \
                             To avoid data loss, please change the replication_num of [{d}.{n}] to three. \
                             ALTER SYSTEM DROP BACKEND <backends> FORCE can be used to forcibly drop the backend. ",
                            d = db.name,
                            n = t.name
                        )));
                    }
                }
            }
            ids.push(be);
        }
        self.backends.retain(|b| !ids.contains(&b.id));
        for db in &mut self.databases {
            for t in &mut db.tables {
                for tb in &mut t.tablets {
                    tb.replicas.retain(|r| !ids.contains(r));
                }
            }
        }
        self.bump_journal();
        Ok(())
    }

    pub fn decommission(&mut self, addrs: &[String]) -> SqlResult<()> {
        let mut idxs = Vec::new();
        for a in addrs {
            let (h, p) = parse_host_port(a)?;
            let idx = self
                .find_be(&h, p)
                .ok_or_else(|| SqlError::new(format!("Backend does not exist[{h}:{p}]")))?;
            if !self.backends[idx].decommissioned && !idxs.contains(&idx) {
                idxs.push(idx);
            }
        }
        if idxs.is_empty() {
            return Ok(());
        }
        let ids: Vec<u64> = idxs.iter().map(|&i| self.backends[i].id).collect();
        // Space: the others must hold what the decommissioned ones store.
        let total_avail: u64 = self
            .backends
            .iter()
            .map(|b| b.avail(self.data_used(b.id)))
            .sum();
        let (dec_avail, dec_used) = ids.iter().fold((0u64, 0u64), |(a, u), id| {
            let b = &self.backends[self.backends.iter().position(|b| b.id == *id).unwrap()];
            let used = self.data_used(*id);
            (a + b.avail(used), u + used)
        });
        if total_avail.saturating_sub(dec_avail) < dec_used {
            return Err(SqlError::new(
                "It will cause insufficient disk space if these BEs are decommissioned.",
            ));
        }
        // Replicas: enough available BEs must remain for every table.
        let remaining = self
            .available_backends()
            .into_iter()
            .filter(|id| !ids.contains(id))
            .count();
        let widest = self
            .all_tables()
            .max_by_key(|(_, t)| t.replication_num)
            .map(|(d, t)| (format!("{}.{}", d.name, t.name), t.replication_num));
        if let Some((name, n)) = widest {
            if remaining < n {
                return Err(SqlError::new(format!(
                    "It will cause insufficient BE number if these BEs are decommissioned because the table {name} requires {n} replicas."
                )));
            }
        }
        for i in idxs {
            self.backends[i].decommissioned = true;
        }
        self.bump_journal();
        Ok(())
    }

    pub fn cancel_decommission(&mut self, addrs: &[String]) -> SqlResult<()> {
        let mut idxs = Vec::new();
        for a in addrs {
            let (h, p) = parse_host_port(a)?;
            let idx = self
                .find_be(&h, p)
                .ok_or_else(|| SqlError::new(format!("Backend does not exists[{h}]")))?;
            idxs.push(idx);
        }
        for i in idxs {
            self.backends[i].decommissioned = false;
        }
        self.bump_journal();
        Ok(())
    }

    // ---- compute nodes ----------------------------------------------------

    pub fn add_compute_nodes(&mut self, addrs: &[String]) -> SqlResult<()> {
        let mut parsed = Vec::new();
        for a in addrs {
            let (h, p) = parse_host_port(a)?;
            if self.find_cn(&h, p).is_some() || parsed.contains(&(h.clone(), p)) {
                return Err(SqlError::new(format!(
                    "Compute node already exists with same host {h} and port {p}"
                )));
            }
            if self.find_be(&h, p).is_some() {
                return Err(SqlError::new(self.be_exists_msg(&h, p)));
            }
            parsed.push((h, p));
        }
        for (h, p) in parsed {
            let id = self.alloc_id();
            self.compute_nodes.push(Backend::new(id, &h, p));
        }
        self.bump_journal();
        Ok(())
    }

    pub fn drop_compute_nodes(&mut self, addrs: &[String]) -> SqlResult<()> {
        let mut ids = Vec::new();
        for a in addrs {
            let (h, p) = parse_host_port(a)?;
            let idx = self
                .find_cn(&h, p)
                .ok_or_else(|| SqlError::new(format!("compute node does not exists[{h}:{p}]")))?;
            ids.push(self.compute_nodes[idx].id);
        }
        self.compute_nodes.retain(|c| !ids.contains(&c.id));
        self.bump_journal();
        Ok(())
    }

    // ---- brokers ----------------------------------------------------------

    pub fn add_brokers(&mut self, name: &str, addrs: &[String]) -> SqlResult<()> {
        let mut parsed = Vec::new();
        for a in addrs {
            let (h, p) = parse_host_port(a)?;
            if self
                .brokers
                .iter()
                .any(|b| b.name == name && b.host == h && b.port == p)
            {
                return Err(SqlError::new(format!(
                    "Broker({h}:{p}) has already in brokers."
                )));
            }
            parsed.push((h, p));
        }
        for (host, port) in parsed {
            self.brokers.push(Broker {
                name: name.into(),
                host,
                port,
                alive: false,
                last_start_time: -1,
                last_update_time: -1,
                err_msg: String::new(),
            });
        }
        self.bump_journal();
        Ok(())
    }

    pub fn drop_brokers(&mut self, name: &str, addrs: Option<&[String]>) -> SqlResult<()> {
        match addrs {
            None => {
                if !self.brokers.iter().any(|b| b.name == name) {
                    return Err(SqlError::new(format!("Unknown broker name({name})")));
                }
                self.brokers.retain(|b| b.name != name);
            }
            Some(addrs) => {
                let mut drop = Vec::new();
                for a in addrs {
                    let (h, p) = parse_host_port(a)?;
                    let i = self
                        .brokers
                        .iter()
                        .position(|b| b.name == name && b.host == h && b.port == p)
                        .ok_or_else(|| {
                            SqlError::new(format!("Broker({h}:{p}) has not in brokers."))
                        })?;
                    drop.push(i);
                }
                let mut i = 0;
                self.brokers.retain(|_| {
                    i += 1;
                    !drop.contains(&(i - 1))
                });
            }
        }
        self.bump_journal();
        Ok(())
    }

    // ---- frontends --------------------------------------------------------

    pub fn add_frontend(&mut self, role: FeRole, addr: &str, now: i64) -> SqlResult<()> {
        let (h, p) = parse_host_port(addr)?;
        if h.parse::<std::net::IpAddr>().is_err() {
            use std::net::ToSocketAddrs;
            if (h.as_str(), p)
                .to_socket_addrs()
                .map(|mut a| a.next().is_none())
                .unwrap_or(true)
            {
                return Err(SqlError::new(format!("unknown fqdn host: {h}")));
            }
        }
        if self.frontends.iter().any(|f| f.host == h) {
            return Err(SqlError::new(format!(
                "FE with the same host: {h} already exists"
            )));
        }
        let id = self.frontends.iter().map(|f| f.id).max().unwrap_or(0) + 1;
        self.frontends.push(Frontend::new(id, &h, p, role, now));
        self.bump_journal();
        Ok(())
    }

    pub fn drop_frontend(&mut self, role: FeRole, addr: &str) -> SqlResult<()> {
        let (h, p) = parse_host_port(addr)?;
        let idx = self
            .frontends
            .iter()
            .position(|f| f.host == h && f.edit_log_port == p);
        if let Some(i) = idx {
            if self.frontends[i].role == FeRole::Leader {
                return Err(SqlError::new("can not drop current master node."));
            }
        }
        let i = idx.ok_or_else(|| SqlError::new(format!("frontend does not exist[{h}:{p}]")))?;
        if self.frontends[i].role != role {
            return Err(SqlError::new(format!(
                "{} does not exist[{h}:{p}]",
                role.name()
            )));
        }
        self.frontends.remove(i);
        self.bump_journal();
        Ok(())
    }

    /// A joining FE (`--helper`) must have been ADDed first (#60847).
    pub fn join_frontend(&mut self, host: &str, port: u16) -> Result<FeRole, String> {
        match self
            .frontends
            .iter_mut()
            .find(|f| f.host == host && f.edit_log_port == port)
        {
            Some(f) => {
                f.join = true;
                Ok(f.role)
            }
            None => Err(
                "current node is not added to the group. please add it first. sleep 5 seconds and retry"
                    .into(),
            ),
        }
    }

    // ---- heartbeats -------------------------------------------------------

    pub fn apply_be_heartbeat(&mut self, addr: &str, res: Result<BeReport, String>, now: i64) {
        let retry = self.config_u64("heartbeat_retry_times") as u32;
        for b in self
            .backends
            .iter_mut()
            .chain(self.compute_nodes.iter_mut())
        {
            if b.addr() == addr {
                match &res {
                    Ok(r) => b.apply_report(r, now),
                    Err(e) => b.heartbeat_failed(e, retry),
                }
            }
        }
    }

    pub fn apply_fe_heartbeat(&mut self, addr: &str, res: Result<FeReport, String>, now: i64) {
        let retry = self.config_u64("heartbeat_retry_times") as u32;
        let (cid, journal) = (self.cluster_id, self.journal_id);
        if let Some(f) = self.frontends.iter_mut().find(|f| f.addr() == addr) {
            match &res {
                Ok(r) => f.apply_report(r, cid, journal, now),
                Err(e) => f.heartbeat_failed(e, retry),
            }
        }
    }

    pub fn apply_broker_heartbeat(&mut self, addr: &str, ok: Result<(), String>, now: i64) {
        for b in &mut self.brokers {
            if format!("{}:{}", b.host, b.port) == addr {
                match &ok {
                    Ok(()) => {
                        if !b.alive {
                            b.last_start_time = now;
                        }
                        b.alive = true;
                        b.last_update_time = now;
                        b.err_msg.clear();
                    }
                    Err(e) => {
                        b.alive = false;
                        b.err_msg = e.clone();
                    }
                }
            }
        }
    }

    // ---- catalog ----------------------------------------------------------

    pub fn database(&self, name: &str) -> Option<&Database> {
        self.databases.iter().find(|d| d.name == name)
    }

    pub fn create_database(&mut self, name: &str, if_not_exists: bool) -> SqlResult<()> {
        if self.database(name).is_some() {
            if if_not_exists {
                return Ok(());
            }
            return Err(SqlError::with_code(
                1007,
                "HY000",
                format!("Can't create database '{name}'; database exists"),
            ));
        }
        self.databases.push(Database::new(name, false));
        self.bump_journal();
        Ok(())
    }

    pub fn drop_database(&mut self, name: &str, if_exists: bool) -> SqlResult<()> {
        if self.database(name).is_none() {
            if if_exists {
                return Ok(());
            }
            return Err(SqlError::with_code(
                1008,
                "HY000",
                format!("Can't drop database '{name}'; database doesn't exist"),
            ));
        }
        self.databases.retain(|d| d.name != name);
        self.bump_journal();
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn create_table(
        &mut self,
        db: &str,
        name: &str,
        if_not_exists: bool,
        replication_num: Option<usize>,
        buckets: Option<usize>,
        tablet_bytes: u64,
    ) -> SqlResult<()> {
        let dbi = self
            .databases
            .iter()
            .position(|d| d.name == db)
            .ok_or_else(|| {
                SqlError::with_code(1049, "42000", format!("Unknown database '{db}'"))
            })?;
        if self.databases[dbi].tables.iter().any(|t| t.name == name) {
            if if_not_exists {
                return Ok(());
            }
            return Err(SqlError::with_code(
                1050,
                "42S01",
                format!("Table '{name}' already exists"),
            ));
        }
        let avail = self.available_backends();
        let rn = replication_num.unwrap_or(self.config_u64("default_replication_num") as usize);
        if avail.is_empty() {
            return Err(SqlError::new(
                "Backend node not found. Check if any backend node is down.",
            ));
        }
        if rn == 0 || rn > avail.len() {
            return Err(SqlError::new(format!(
                "Table replication num should be less than or equal to the number of available BE nodes. \
                 You can change this default by setting the replication_num table properties. \
                 Current alive backend is [{}]. , table={name}, default_replication_num={}",
                avail.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","),
                self.config_u64("default_replication_num")
            )));
        }
        let n = buckets.unwrap_or(avail.len().max(1));
        let mut load: BTreeMap<u64, usize> =
            avail.iter().map(|&b| (b, self.tablet_num(b))).collect();
        let mut tablets = Vec::new();
        for _ in 0..n {
            let mut order: Vec<u64> = avail.clone();
            order.sort_by_key(|b| (load[b], *b));
            let replicas: Vec<u64> = order.into_iter().take(rn).collect();
            for r in &replicas {
                *load.get_mut(r).unwrap() += 1;
            }
            let id = self.alloc_id();
            tablets.push(Tablet { id, replicas });
        }
        self.databases[dbi].tables.push(Table {
            name: name.into(),
            replication_num: rn,
            tablet_bytes,
            tablets,
        });
        self.bump_journal();
        Ok(())
    }

    // ---- tablet scheduler -------------------------------------------------

    /// One scheduling round: clone up to `per_round` replicas away from each
    /// decommissioned BE (and repair under-replicated tablets), then drop
    /// decommissioned BEs that hold nothing when
    /// `drop_backend_after_decommission` is true. Returns whether anything
    /// changed.
    pub fn migrate_round(&mut self, per_round: usize) -> bool {
        let mut changed = false;
        let decommissioned: Vec<u64> = self
            .backends
            .iter()
            .filter(|b| b.decommissioned)
            .map(|b| b.id)
            .collect();
        let avail = self.available_backends();
        let alive: BTreeSet<u64> = self
            .backends
            .iter()
            .filter(|b| b.alive)
            .map(|b| b.id)
            .collect();
        let mut load: BTreeMap<u64, usize> =
            avail.iter().map(|&b| (b, self.tablet_num(b))).collect();
        let mut moved: BTreeMap<u64, usize> = BTreeMap::new();
        for db in &mut self.databases {
            for t in &mut db.tables {
                for tb in &mut t.tablets {
                    // repair: a replica lost with a dropped BE
                    while tb.replicas.len() < t.replication_num && per_round > 0 {
                        let Some(dst) = pick(&load, &tb.replicas) else {
                            break;
                        };
                        if !tb.replicas.iter().any(|r| alive.contains(r)) {
                            break;
                        }
                        tb.replicas.push(dst);
                        *load.get_mut(&dst).unwrap() += 1;
                        changed = true;
                    }
                    for src in decommissioned.iter() {
                        if !tb.replicas.contains(src)
                            || moved.get(src).copied().unwrap_or(0) >= per_round
                        {
                            continue;
                        }
                        // a clone needs a live replica to copy from
                        if !tb.replicas.iter().any(|r| alive.contains(r)) {
                            continue;
                        }
                        let Some(dst) = pick(&load, &tb.replicas) else {
                            continue;
                        };
                        tb.replicas.retain(|r| r != src);
                        tb.replicas.push(dst);
                        *load.get_mut(&dst).unwrap() += 1;
                        *moved.entry(*src).or_default() += 1;
                        changed = true;
                    }
                }
            }
        }
        // balance: new or emptier BEs receive replicas from the fullest
        let mut budget = per_round;
        while budget > 0 {
            let (Some((&max_be, &max_n)), Some((&min_be, &min_n))) = (
                load.iter()
                    .max_by_key(|(b, n)| (**n, std::cmp::Reverse(**b))),
                load.iter().min_by_key(|(b, n)| (**n, **b)),
            ) else {
                break;
            };
            if max_n <= min_n + 1 {
                break;
            }
            let tablet = self
                .databases
                .iter_mut()
                .flat_map(|d| d.tables.iter_mut())
                .flat_map(|t| t.tablets.iter_mut())
                .find(|tb| tb.replicas.contains(&max_be) && !tb.replicas.contains(&min_be));
            let Some(tb) = tablet else { break };
            tb.replicas.retain(|r| *r != max_be);
            tb.replicas.push(min_be);
            *load.get_mut(&max_be).unwrap() -= 1;
            *load.get_mut(&min_be).unwrap() += 1;
            budget -= 1;
            changed = true;
        }
        if self.config_bool("drop_backend_after_decommission") {
            let empty: Vec<u64> = decommissioned
                .into_iter()
                .filter(|id| self.tablet_num(*id) == 0)
                .collect();
            if !empty.is_empty() {
                self.backends.retain(|b| !empty.contains(&b.id));
                changed = true;
            }
        }
        if changed {
            self.bump_journal();
        }
        changed
    }

    // ---- SHOW -------------------------------------------------------------

    /// SHOW BACKENDS rows, sorted by IP then BePort (`ListComparator(1,3)`).
    pub fn backend_rows(&self) -> Vec<Vec<Option<String>>> {
        let mut bes: Vec<&Backend> = self.backends.iter().collect();
        bes.sort_by(|a, b| (&a.host, a.be_port).cmp(&(&b.host, b.be_port)));
        bes.iter()
            .map(|b| b.backend_row(self.version, self.tablet_num(b.id), self.data_used(b.id)))
            .collect()
    }

    pub fn compute_node_rows(&self) -> Vec<Vec<Option<String>>> {
        self.compute_nodes
            .iter()
            .map(|c| c.compute_node_row(self.version))
            .collect()
    }

    /// `self_fe` is the FE the client is connected to: (addr, query, rpc, http).
    pub fn frontend_rows(
        &self,
        self_fe: Option<(&str, u16, u16, u16)>,
    ) -> Vec<Vec<Option<String>>> {
        let http = self_fe.map(|s| s.3).unwrap_or(8030);
        self.frontends
            .iter()
            .map(|f| {
                let own = self_fe.filter(|s| s.0 == f.addr()).map(|s| (s.1, s.2));
                let mut row = f.row(self.version, self.cluster_id, http, own);
                if own.is_some() {
                    // the connected FE reports its max journal id
                    let i = self
                        .version
                        .frontend_columns()
                        .iter()
                        .position(|c| *c == "ReplayedJournalId");
                    if let Some(i) = i {
                        row[i] = Some(self.journal_id.to_string());
                    }
                }
                row
            })
            .collect()
    }

    pub fn broker_rows(&self) -> Vec<Vec<Option<String>>> {
        let null = || "NULL".to_string();
        self.brokers
            .iter()
            .map(|b| {
                vec![
                    Some(b.name.clone()),
                    Some(b.host.clone()),
                    Some(b.port.to_string()),
                    Some(b.alive.to_string()),
                    Some(format::time(b.last_start_time).unwrap_or_else(null)),
                    Some(format::time(b.last_update_time).unwrap_or_else(null)),
                    Some(b.err_msg.clone()),
                ]
            })
            .collect()
    }
}

/// The least-loaded available BE not already holding the tablet.
fn pick(load: &BTreeMap<u64, usize>, holders: &[u64]) -> Option<u64> {
    load.iter()
        .filter(|(b, _)| !holders.contains(b))
        .min_by_key(|(b, n)| (**n, **b))
        .map(|(b, _)| *b)
}
