//! The SQL statements the simulated FE understands.

pub mod lexer;
pub mod parser;

pub use parser::parse;

use crate::frontend::FeRole;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `@@[global.|session.]name`
    SysVar {
        name: String,
        global: bool,
    },
    Str(String),
    Num(String),
    Null,
    Bool(bool),
    /// A function call with constant arguments, e.g. `current_version()`.
    Func(String, Vec<Expr>),
    /// Anything else (a column, arithmetic): not a constant.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    pub expr: Expr,
    /// The column label: the alias or the expression text.
    pub label: String,
}

/// `SELECT cols FROM [db.]table [ORDER BY col [ASC|DESC]] [LIMIT n]`:
/// reads of the system tables the modules use.
#[derive(Debug, Clone, PartialEq)]
pub struct TableQuery {
    /// Column labels as written (`*` for all).
    pub columns: Vec<String>,
    pub db: Option<String>,
    pub table: String,
    /// The column to sort by, and whether descending.
    pub order_by: Option<(String, bool)>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SetItem {
    pub global: bool,
    pub name: String,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AlterSystem {
    AddBackends(Vec<String>),
    DropBackends(Vec<String>, bool),
    Decommission(Vec<String>),
    AddFrontend(FeRole, String),
    DropFrontend(FeRole, String),
    AddComputeNodes(Vec<String>),
    DropComputeNodes(Vec<String>),
    AddBrokers(String, Vec<String>),
    DropBrokers(String, Vec<String>),
    DropAllBrokers(String),
    /// `ALTER SYSTEM CREATE IMAGE`: accepted, nothing to do.
    CreateImage,
}

/// Fault injection: `ADMIN SIM ...` (see README.md).
#[derive(Debug, Clone, PartialEq)]
pub enum SimCommand {
    /// Make the node process listening on `host:port` exit at once.
    KillNode(String),
    /// Heartbeats to `host:port` fail (`true`) or work again (`false`).
    HeartbeatFail(String, bool),
    /// Close every client connection of the FE that runs the statement.
    DropConnections,
    /// Tablets moved per decommissioned BE per round; 0 stalls migration.
    MigrationRate(u64),
    /// Make the FE at `host:edit_log_port` the leader.
    SwitchLeader(String),
    /// Fill the BE's disk to `pct` percent (None: back to normal).
    FillDisk(String, Option<f64>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    ShowBackends,
    ShowFrontends,
    ShowComputeNodes,
    ShowBrokers,
    ShowProc(String),
    ShowDatabases,
    ShowTables(Option<String>),
    ShowVariables {
        like: Option<String>,
    },
    ShowFrontendConfig {
        like: Option<String>,
    },
    Select(Vec<SelectItem>, Option<u64>),
    SelectFrom(TableQuery),
    Set(Vec<SetItem>),
    Use(String),
    AlterSystem(AlterSystem),
    CancelDecommission(Vec<String>),
    AdminSetConfig(Vec<(String, String)>),
    CreateDatabase {
        name: String,
        if_not_exists: bool,
    },
    DropDatabase {
        name: String,
        if_exists: bool,
    },
    CreateTable {
        db: Option<String>,
        name: String,
        if_not_exists: bool,
        replication_num: Option<usize>,
        buckets: Option<usize>,
        tablet_bytes: Option<u64>,
    },
    SetPassword(String),
    Sim(SimCommand),
    /// BEGIN / COMMIT / ROLLBACK and friends: accepted, nothing happens.
    Noop,
}
