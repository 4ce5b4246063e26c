//! `sql` (alias `starrocks_sql`): run SQL statements against a MySQL-protocol
//! server (a StarRocks FE, MySQL, MariaDB) from the controller.
//!
//! Read-only statements (SELECT, SHOW, DESC, EXPLAIN, ADMIN SHOW…) report
//! `changed=false` and also run in check mode; any other statement reports
//! `changed=true` and is skipped in check mode. Arguments are bound on the
//! client with the driver's own quoting; statements go over the text
//! protocol only (StarRocks' prepared statements are limited and buggy,
//! DEPENDENCIES.md §5). Connections are pooled per endpoint for the whole
//! run ([`pool`]).

pub mod params;
pub mod pool;
pub mod result;
pub mod statement;
pub mod tls;

use async_trait::async_trait;
use mysql_async::prelude::Queryable;
use pool::{checkout, describe, ConnParams, PooledConn};
use result::{run_statement, StatementResult};
use serde::Deserialize;
use serde_json::{Map, Value};
use srplay_engine::module::{ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError};
use srplay_engine::module::{ModuleSpec, Outcome};
use std::time::Duration;

pub const LOGIN_HOST: ArgSpec = ArgSpec::new(
    "login_host",
    ArgType::Str,
    "Server to connect to (TCP; a socket is never used).",
)
.default("localhost");
pub const LOGIN_PORT: ArgSpec = ArgSpec::new(
    "login_port",
    ArgType::Int,
    "MySQL-protocol port (StarRocks FE `query_port`).",
)
.default("9030");
pub const LOGIN_USER: ArgSpec =
    ArgSpec::new("login_user", ArgType::Str, "User to log in as.").default("root");
pub const LOGIN_PASSWORD: ArgSpec = ArgSpec::new(
    "login_password",
    ArgType::Str,
    "Password; never printed or logged.",
)
.no_log();
pub const LOGIN_DB: ArgSpec =
    ArgSpec::new("login_db", ArgType::Str, "Database to select on connect.").aliases(&["db"]);
pub const CONNECT_TIMEOUT: ArgSpec = ArgSpec::new(
    "connect_timeout",
    ArgType::Int,
    "Seconds to wait for the connection and login.",
)
.default("30");
pub const TLS: ArgSpec = ArgSpec::new(
    "tls",
    ArgType::Str,
    "disabled: plain TCP; required: TLS with a verified certificate or no connection; preferred: TLS when the server offers it (certificate verified only with ca_cert). Default: required when ca_cert, client_cert or client_key is given, else disabled.",
)
.choices(tls::MODES);
pub const CA_CERT: ArgSpec = ArgSpec::new(
    "ca_cert",
    ArgType::Path,
    "PEM file of the CA(s) that sign the server's certificate; only these are trusted. Without it, `required` trusts the public web roots.",
)
.aliases(&["ssl_ca"]);
pub const CLIENT_CERT: ArgSpec = ArgSpec::new(
    "client_cert",
    ArgType::Path,
    "PEM client certificate (chain) for servers that require one; needs client_key.",
)
.aliases(&["ssl_cert"]);
pub const CLIENT_KEY: ArgSpec = ArgSpec::new(
    "client_key",
    ArgType::Path,
    "PEM private key of client_cert (PKCS#8, PKCS#1 or SEC1).",
)
.aliases(&["ssl_key"]);
pub const CHECK_HOSTNAME: ArgSpec = ArgSpec::new(
    "check_hostname",
    ArgType::Bool,
    "Check that the server's certificate names login_host (default true); false still verifies the CA.",
);

const OPTIONS: &[ArgSpec] = &[
    LOGIN_HOST,
    LOGIN_PORT,
    LOGIN_USER,
    LOGIN_PASSWORD,
    LOGIN_DB,
    CONNECT_TIMEOUT,
    TLS,
    CA_CERT,
    CLIENT_CERT,
    CLIENT_KEY,
    CHECK_HOSTNAME,
    ArgSpec::new(
        "query",
        ArgType::Raw,
        "One statement, or a list of statements run in order.",
    )
    .required()
    .aliases(&["statement"]),
    ArgSpec::new(
        "positional_args",
        ArgType::List,
        "Values for `%s` placeholders, quoted by the client.",
    ),
    ArgSpec::new(
        "named_args",
        ArgType::Dict,
        "Values for `%(name)s` placeholders, quoted by the client.",
    ),
    ArgSpec::new(
        "single_transaction",
        ArgType::Bool,
        "Run the statements in one transaction (START TRANSACTION … COMMIT, ROLLBACK on error).",
    )
    .default("false"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    aliases: &["starrocks_sql"],
    options: OPTIONS,
    mutually_exclusive: &[&["positional_args", "named_args"]],
    returns: &[
        (
            "rows",
            "Rows of the (last) statement: a list of dictionaries column -> value.",
        ),
        (
            "rowcount",
            "Rows returned or affected: a number for one query, a list per statement for a list.",
        ),
        (
            "query_result",
            "Per statement, its list of rows (community.mysql's shape).",
        ),
        (
            "executed_queries",
            "The statements as sent, arguments bound.",
        ),
        (
            "skipped_queries",
            "Check mode: the write statements not run.",
        ),
    ],
    ..ModuleSpec::new(
        "sql",
        "Run SQL statements against a StarRocks FE or another MySQL-protocol server.",
    )
};

#[derive(Deserialize)]
struct Options {
    query: Value,
    positional_args: Option<Vec<Value>>,
    named_args: Option<Map<String, Value>>,
    single_transaction: bool,
}

#[derive(Deserialize)]
struct LoginOptions {
    login_host: String,
    login_port: i64,
    login_user: String,
    login_password: Option<String>,
    login_db: Option<String>,
    connect_timeout: i64,
    tls: Option<String>,
    ca_cert: Option<String>,
    client_cert: Option<String>,
    client_key: Option<String>,
    check_hostname: Option<bool>,
}

/// The connection parameters of normalized args (the `login_*` and TLS
/// options).
pub fn conn_params(module: &str, args: &Args) -> Result<ConnParams, ModuleError> {
    let o: LoginOptions = serde_json::from_value(Value::Object(args.clone()))
        .map_err(|e| ModuleError::failed(format!("{module}: {e}")))?;
    let tls = tls::Tls::from_options(tls::TlsOptions {
        tls: o.tls,
        ca_cert: o.ca_cert,
        client_cert: o.client_cert,
        client_key: o.client_key,
        check_hostname: o.check_hostname,
    })
    .map_err(|e| ModuleError::failed(format!("{module}: {e}")))?;
    let port = u16::try_from(o.login_port)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| {
            ModuleError::failed(format!(
                "{module}: login_port must be 1..65535, got {}",
                o.login_port
            ))
        })?;
    if o.connect_timeout <= 0 {
        return Err(ModuleError::failed(format!(
            "{module}: connect_timeout must be a positive number of seconds"
        )));
    }
    Ok(ConnParams {
        host: o.login_host,
        port,
        user: o.login_user,
        password: o.login_password,
        db: o.login_db.filter(|d| !d.is_empty()),
        connect_timeout: Duration::from_secs(o.connect_timeout as u64),
        tls,
    })
}

/// One statement to run, arguments bound.
struct Planned {
    sql: String,
    /// The statement as written, placeholders unbound: what messages
    /// show, so a bound secret never lands in an error text.
    template: String,
    read_only: bool,
}

fn plan(o: &Options) -> Result<(Vec<Planned>, bool), String> {
    let (texts, is_list) = match &o.query {
        Value::String(s) => (vec![s.clone()], false),
        Value::Array(items) => {
            let texts = items
                .iter()
                .map(|q| match q {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(format!("every query must be a string, got {other}")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            (texts, true)
        }
        other => {
            return Err(format!(
                "query must be a string or a list of strings, got {other}"
            ))
        }
    };
    if texts.is_empty() {
        return Err("query is an empty list".into());
    }
    let planned = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let sql = params::bind(text, o.positional_args.as_deref(), o.named_args.as_ref())
                .map_err(|e| format!("query {}: {e}", i + 1))?;
            match statement::statement_count(&sql) {
                0 => Err(format!("query {} is empty", i + 1)),
                1 => Ok(Planned {
                    read_only: statement::is_read_only(&sql),
                    sql,
                    template: text.clone(),
                }),
                n => Err(format!(
                    "query {} holds {n} statements separated by `;`; give them as a list, one statement each",
                    i + 1
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((planned, is_list))
}

/// A statement shortened for a message.
fn excerpt(sql: &str) -> String {
    let one_line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

pub struct Sql;

#[async_trait]
impl Module for Sql {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let params = conn_params("sql", &args)?;
        let mut opts = args;
        opts.retain(|k, _| {
            matches!(
                k.as_str(),
                "query" | "positional_args" | "named_args" | "single_transaction"
            )
        });
        let o: Options = self.options(opts)?;
        let (planned, is_list) =
            plan(&o).map_err(|e| ModuleError::failed(format!("sql: {}", params.scrub(&e))))?;
        let mut pooled = checkout(&params)
            .await
            .map_err(|e| ModuleError::failed(format!("sql: {e}")))?;
        let run = execute(ctx, &params, &mut pooled, &planned, o.single_transaction).await;
        Ok(report(run, &planned, is_list, ctx.check_mode))
    }
}

/// What running the planned statements gave: per statement, its result
/// (`None` when skipped in check mode), and the failure if one stopped it.
struct RunLog {
    results: Vec<Option<StatementResult>>,
    failure: Option<String>,
}

async fn execute(
    ctx: &ModuleContext,
    params: &ConnParams,
    pooled: &mut PooledConn,
    planned: &[Planned],
    single_transaction: bool,
) -> RunLog {
    let mut log = RunLog {
        results: Vec::new(),
        failure: None,
    };
    let txn = single_transaction && !ctx.check_mode && planned.iter().any(|p| !p.read_only);
    if txn {
        if let Err(e) = pooled.conn().query_drop("START TRANSACTION").await {
            pooled.discard();
            log.failure = Some(format!(
                "could not start a transaction on {}: {}",
                params.endpoint(),
                describe(&e)
            ));
            return log;
        }
    }
    for (i, p) in planned.iter().enumerate() {
        if ctx.check_mode && !p.read_only {
            log.results.push(None);
            continue;
        }
        match run_statement(pooled.conn(), &p.sql).await {
            Ok(r) => {
                if statement::changes_session(&p.sql) {
                    pooled.discard();
                }
                log.results.push(Some(r));
            }
            Err(e) => {
                if txn && !e.is_fatal() {
                    let _ = pooled.conn().query_drop("ROLLBACK").await;
                }
                if e.is_fatal() || txn {
                    pooled.discard();
                }
                log.failure = Some(format!(
                    "statement {} failed on {}: {}{} (query: {})",
                    i + 1,
                    params.endpoint(),
                    describe(&e),
                    if txn {
                        "; the transaction was rolled back"
                    } else {
                        ""
                    },
                    excerpt(&p.template)
                ));
                return log;
            }
        }
    }
    if txn {
        if let Err(e) = pooled.conn().query_drop("COMMIT").await {
            pooled.discard();
            log.failure = Some(format!(
                "COMMIT failed on {}: {}",
                params.endpoint(),
                describe(&e)
            ));
        }
    }
    log
}

fn report(log: RunLog, planned: &[Planned], is_list: bool, check_mode: bool) -> Outcome {
    let changed = planned.iter().any(|p| !p.read_only);
    let executed: Vec<&str> = planned
        .iter()
        .zip(&log.results)
        .filter(|(_, r)| r.is_some())
        .map(|(p, _)| p.sql.as_str())
        .collect();
    let skipped: Vec<&str> = planned
        .iter()
        .zip(&log.results)
        .filter(|(_, r)| r.is_none())
        .map(|(p, _)| p.sql.as_str())
        .collect();
    // On failure, report the writes that did run before it (unless a
    // transaction rolled them back).
    let wrote = planned
        .iter()
        .zip(&log.results)
        .any(|(p, r)| !p.read_only && r.is_some());
    let results: Vec<StatementResult> = log
        .results
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    let query_result: Vec<Value> = results
        .iter()
        .map(|r| Value::Array(r.rows.iter().cloned().map(Value::Object).collect()))
        .collect();
    let rows = query_result.last().cloned().unwrap_or(Value::Array(vec![]));
    let rowcount = if is_list {
        Value::from(results.iter().map(|r| r.rowcount).collect::<Vec<_>>())
    } else {
        Value::from(results.first().map_or(0, |r| r.rowcount))
    };
    let mut outcome = match log.failure {
        Some(msg) => {
            let rolled_back = msg.contains("the transaction was rolled back");
            Outcome {
                changed: wrote && !rolled_back,
                ..Outcome::failed(format!("sql: {msg}"))
            }
        }
        None => Outcome::changed(changed),
    };
    if check_mode && !skipped.is_empty() && !outcome.failed {
        outcome = outcome.with_msg(format!(
            "check mode: {} statement(s) that change data were not run",
            skipped.len()
        ));
    }
    outcome
        .with("rows", rows)
        .with("rowcount", rowcount)
        .with("query_result", query_result)
        .with("executed_queries", executed)
        .with("skipped_queries", skipped)
}
