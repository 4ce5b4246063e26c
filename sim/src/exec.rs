//! Runs a parsed statement against the cluster metadata.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cluster::Cluster;
use crate::error::{SqlError, SqlResult};
use crate::fe_config;
use crate::format;
use crate::outcome::{Col, Effect, Outcome, ResultSet};
use crate::sql::{self, AlterSystem, Expr, Statement};
use crate::variables;

/// The FE a client is connected to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FeIdentity {
    pub host: String,
    pub edit_log_port: u16,
    pub query_port: u16,
    pub rpc_port: u16,
    pub http_port: u16,
}

impl FeIdentity {
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.edit_log_port)
    }
}

/// Per-connection state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Session {
    pub db: Option<String>,
    pub vars: BTreeMap<String, String>,
    pub fe: FeIdentity,
    pub user: String,
    pub client_host: String,
    pub connection_id: u32,
}

/// Result of one statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Executed {
    pub outcome: Outcome,
    pub effects: Vec<Effect>,
    /// The metadata changed (persist it).
    pub changed: bool,
}

/// Parse and run `sql`.
pub fn execute(c: &mut Cluster, s: &mut Session, sql: &str, now: i64) -> Executed {
    let trimmed = sql.trim();
    if trimmed.is_empty() || trimmed == ";" {
        return Executed {
            outcome: Outcome::Err(SqlError::with_code(1065, "42000", "Query was empty")),
            effects: vec![],
            changed: false,
        };
    }
    let before = c.journal_id;
    let mut effects = Vec::new();
    let outcome = match sql::parse(sql).and_then(|st| run(c, s, st, now, &mut effects)) {
        Ok(o) => o,
        Err(e) => Outcome::Err(e),
    };
    Executed {
        outcome,
        effects,
        changed: c.journal_id != before,
    }
}

fn ok() -> SqlResult<Outcome> {
    Ok(Outcome::Ok { affected: 0 })
}

fn rows(names: &[&str], rows: Vec<Vec<Option<String>>>) -> SqlResult<Outcome> {
    Ok(Outcome::Rows(ResultSet::strings(names, rows)))
}

fn run(
    c: &mut Cluster,
    s: &mut Session,
    st: Statement,
    now: i64,
    fx: &mut Vec<Effect>,
) -> SqlResult<Outcome> {
    let v = c.version;
    match st {
        Statement::ShowBackends => rows(&v.backend_columns(), c.backend_rows()),
        Statement::ShowFrontends => show_frontends(c, s),
        Statement::ShowComputeNodes => rows(&v.compute_node_columns(), c.compute_node_rows()),
        Statement::ShowBrokers => rows(&v.broker_columns(), c.broker_rows()),
        Statement::ShowProc(path) => match path.trim_end_matches('/') {
            "/backends" => rows(&v.backend_columns(), c.backend_rows()),
            "/frontends" => show_frontends(c, s),
            "/compute_nodes" => rows(&v.compute_node_columns(), c.compute_node_rows()),
            "/brokers" => rows(&v.broker_columns(), c.broker_rows()),
            "" => rows(
                &["name"],
                [
                    "backends",
                    "brokers",
                    "compute_nodes",
                    "dbs",
                    "frontends",
                    "jobs",
                    "statistic",
                ]
                .iter()
                .map(|n| vec![Some(n.to_string())])
                .collect(),
            ),
            _ => Err(SqlError::new(format!("Proc path '{path}' doesn't exist"))),
        },
        Statement::ShowDatabases => {
            let mut names: Vec<String> = c.databases.iter().map(|d| d.name.clone()).collect();
            names.sort();
            rows(
                &["Database"],
                names.into_iter().map(|n| vec![Some(n)]).collect(),
            )
        }
        Statement::ShowTables(db) => {
            let db = db
                .or_else(|| s.db.clone())
                .ok_or_else(|| SqlError::with_code(1046, "3D000", "No database selected"))?;
            let d = c.database(&db).ok_or_else(|| {
                SqlError::with_code(1049, "42000", format!("Unknown database '{db}'"))
            })?;
            let mut names: Vec<String> = d.tables.iter().map(|t| t.name.clone()).collect();
            names.sort();
            let col = format!("Tables_in_{db}");
            rows(
                &[col.as_str()],
                names.into_iter().map(|n| vec![Some(n)]).collect(),
            )
        }
        Statement::ShowVariables { like } => {
            let r = variables::names()
                .into_iter()
                .filter(|n| {
                    like.as_deref()
                        .map(|p| variables::like(p, n))
                        .unwrap_or(true)
                })
                .map(|n| {
                    vec![
                        Some(n.to_string()),
                        Some(var_value(c, s, n, false).unwrap_or_default()),
                    ]
                })
                .collect();
            rows(&["Variable_name", "Value"], r)
        }
        Statement::ShowFrontendConfig { like } => {
            let r = fe_config::ITEMS
                .iter()
                .filter(|i| {
                    like.as_deref()
                        .map(|p| variables::like(p, i.0))
                        .unwrap_or(true)
                })
                .map(|i| {
                    [
                        i.0.to_string(),
                        "[]".into(),
                        c.config.get(i.0).cloned().unwrap_or_else(|| i.1.into()),
                        i.2.into(),
                        i.3.to_string(),
                        i.4.into(),
                    ]
                    .into_iter()
                    .map(Some)
                    .collect()
                })
                .collect();
            rows(
                &["Key", "AliasNames", "Value", "Type", "IsMutable", "Comment"],
                r,
            )
        }
        Statement::Select(items, limit) => {
            let mut cols = Vec::new();
            let mut row = Vec::new();
            for it in items {
                let numeric = matches!(&it.expr, Expr::Num(_));
                row.push(eval(c, s, &it.expr)?);
                cols.push(Col {
                    name: it.label,
                    numeric,
                });
            }
            let rows = if limit == Some(0) { vec![] } else { vec![row] };
            Ok(Outcome::Rows(ResultSet {
                columns: cols,
                rows,
            }))
        }
        Statement::SelectFrom(q) => Ok(Outcome::Rows(crate::system_tables::query(
            c,
            &q,
            s.db.as_deref(),
        )?)),
        Statement::Set(items) => {
            for it in items {
                let value = match &it.value {
                    Expr::Str(x) | Expr::Num(x) => x.clone(),
                    Expr::Bool(b) => if *b { "true" } else { "false" }.into(),
                    Expr::Null => "NULL".into(),
                    _ => return Err(SqlError::new("Set statement only support constant expr.")),
                };
                if it.name.starts_with('@') {
                    s.vars.insert(it.name, value);
                    continue;
                }
                if variables::default_value(&it.name, v).is_none() {
                    return Err(SqlError::unknown_variable(&it.name));
                }
                if it.global {
                    c.global_vars.insert(it.name, value);
                    c.bump_journal();
                } else {
                    s.vars.insert(it.name, value);
                }
            }
            ok()
        }
        Statement::Use(db) => {
            if c.database(&db).is_none() {
                return Err(SqlError::with_code(
                    1049,
                    "42000",
                    format!("Unknown database '{db}'"),
                ));
            }
            s.db = Some(db);
            ok()
        }
        Statement::AlterSystem(a) => {
            match a {
                AlterSystem::AddBackends(l) => c.add_backends(&l),
                AlterSystem::DropBackends(l, force) => c.drop_backends(&l, force),
                AlterSystem::Decommission(l) => c.decommission(&l).map_err(|mut e| {
                    e.msg = format!("{}{}", v.ddl_prefix(), e.msg);
                    e
                }),
                AlterSystem::AddFrontend(role, a) => c.add_frontend(role, &a, now),
                AlterSystem::DropFrontend(role, a) => c.drop_frontend(role, &a),
                AlterSystem::AddComputeNodes(l) => c.add_compute_nodes(&l),
                AlterSystem::DropComputeNodes(l) => c.drop_compute_nodes(&l),
                AlterSystem::AddBrokers(n, l) => c.add_brokers(&n, &l),
                AlterSystem::DropBrokers(n, l) => c.drop_brokers(&n, Some(&l)),
                AlterSystem::DropAllBrokers(n) => c.drop_brokers(&n, None),
                AlterSystem::CreateImage => Ok(()),
            }?;
            ok()
        }
        Statement::CancelDecommission(l) => {
            c.cancel_decommission(&l)?;
            ok()
        }
        Statement::AdminSetConfig(kvs) => {
            for (k, val) in kvs {
                let item = fe_config::item(&k).filter(|i| i.3).ok_or_else(|| {
                    SqlError::new(format!("Config '{k}' does not exist or is not mutable"))
                })?;
                let valid = match item.2 {
                    "boolean" => {
                        val.eq_ignore_ascii_case("true") || val.eq_ignore_ascii_case("false")
                    }
                    "int" | "long" | "short" => val.trim().parse::<i64>().is_ok(),
                    _ => true,
                };
                if !valid {
                    return Err(SqlError::new(format!(
                        "Unexpected exception: Invalid value: {val} for config: {}",
                        item.0
                    )));
                }
                c.config
                    .insert(item.0.to_string(), val.trim().to_lowercase());
            }
            c.bump_journal();
            ok()
        }
        Statement::CreateDatabase {
            name,
            if_not_exists,
        } => {
            c.create_database(&name, if_not_exists)?;
            ok()
        }
        Statement::DropDatabase { name, if_exists } => {
            c.drop_database(&name, if_exists)?;
            ok()
        }
        Statement::CreateTable {
            db,
            name,
            if_not_exists,
            replication_num,
            buckets,
            tablet_bytes,
        } => {
            let db = db
                .or_else(|| s.db.clone())
                .ok_or_else(|| SqlError::with_code(1046, "3D000", "No database selected"))?;
            c.create_table(
                &db,
                &name,
                if_not_exists,
                replication_num,
                buckets,
                tablet_bytes.unwrap_or(128 << 20),
            )?;
            ok()
        }
        Statement::SetPassword(pw) => {
            c.root_password_hash = crate::password::native_hash(&pw);
            // A journal entry like any metadata change: followers persist
            // their replica when the journal moves.
            c.bump_journal();
            ok()
        }
        Statement::Sim(cmd) => crate::faults::apply(c, cmd, fx),
        Statement::Noop => ok(),
    }
}

fn show_frontends(c: &Cluster, s: &Session) -> SqlResult<Outcome> {
    let me = &s.fe;
    let addr = me.addr();
    let own =
        (!me.host.is_empty()).then_some((addr.as_str(), me.query_port, me.rpc_port, me.http_port));
    rows(&c.version.frontend_columns(), c.frontend_rows(own))
}

fn var_value(c: &Cluster, s: &Session, name: &str, global: bool) -> Option<String> {
    let default = variables::default_value(name, c.version)?;
    if !global {
        if let Some(v) = s.vars.get(name) {
            return Some(v.clone());
        }
    }
    Some(c.global_vars.get(name).cloned().unwrap_or(default))
}

fn eval(c: &Cluster, s: &Session, e: &Expr) -> SqlResult<Option<String>> {
    Ok(match e {
        Expr::SysVar { name, global } => {
            Some(var_value(c, s, name, *global).ok_or_else(|| SqlError::unknown_variable(name))?)
        }
        Expr::Str(x) | Expr::Num(x) => Some(x.clone()),
        Expr::Null => None,
        Expr::Bool(b) => Some(if *b { "1" } else { "0" }.into()),
        Expr::Func(f, args) => match (f.as_str(), args.len()) {
            ("current_version", 0) => Some(c.version.full().into()),
            ("version", 0) => Some("5.1.0".into()),
            ("database" | "schema", 0) => s.db.clone(),
            ("user" | "session_user" | "system_user", 0) => Some(format!("'{}'@'{}'", s.user, s.client_host)),
            ("current_user", 0) => Some(format!("'{}'@'%'", s.user)),
            ("connection_id", 0) => Some(s.connection_id.to_string()),
            ("last_insert_id", 0) => Some("0".into()),
            ("now" | "current_timestamp", 0) => format::time(format::now_ms()),
            _ => {
                return Err(SqlError::new(format!(
                    "Getting analyzing error. Detail message: No matching function with signature: {f}()."
                )))
            }
        },
        Expr::Other => {
            return Err(SqlError::new(
                "Getting analyzing error. Detail message: the simulator only evaluates constants and @@variables.",
            ))
        }
    })
}
