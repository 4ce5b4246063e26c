//! A stand-in StarRocks FE on 127.0.0.1: answers `SHOW FRONTENDS`,
//! `SHOW BACKENDS`, … from golden fixtures, refuses `@@socket` and
//! prepared statements the way StarRocks does (DEPENDENCIES.md §5), accepts
//! other statements with an OK, and records every statement and connection
//! so tests can check what the client sent. The full simulator is `sim/`.

use super::rt;
use opensrv_mysql::{
    AsyncMysqlIntermediary, AsyncMysqlShim, Column, ColumnFlags, ColumnType, ErrorKind, OkResponse,
    ParamParser, QueryResultWriter, StatementMetaWriter,
};
use serde_json::Value;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWrite;

/// What the FE answers to one statement.
#[derive(Clone)]
pub enum Answer {
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Error(u16, String),
}

impl Answer {
    /// A golden fixture (`{"columns": [...], "rows": [[...]]}`).
    pub fn fixture(json: &str) -> Self {
        let v: Value = serde_json::from_str(json).expect("fixture JSON");
        let strings = |a: &Value| -> Vec<String> {
            a.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect()
        };
        Answer::Table {
            columns: strings(&v["columns"]),
            rows: v["rows"].as_array().unwrap().iter().map(strings).collect(),
        }
    }

    pub fn one(column: &str, value: &str) -> Self {
        Answer::Table {
            columns: vec![column.into()],
            rows: vec![vec![value.into()]],
        }
    }
}

#[derive(Clone, Default)]
pub struct Record {
    pub statements: Arc<Mutex<Vec<String>>>,
    pub connections: Arc<AtomicUsize>,
}

impl Record {
    pub fn statements(&self) -> Vec<String> {
        self.statements.lock().unwrap().clone()
    }
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

pub struct FakeFe {
    pub port: u16,
    pub record: Record,
}

struct Shim {
    answers: Arc<Vec<(String, Answer)>>,
    record: Record,
}

fn key(sql: &str) -> String {
    sql.trim().trim_end_matches(';').trim().to_ascii_uppercase()
}

#[async_trait::async_trait]
impl<W: AsyncWrite + Send + Unpin> AsyncMysqlShim<W> for Shim {
    type Error = io::Error;

    fn version(&self) -> String {
        "5.1.0".into()
    }

    async fn on_prepare<'a>(
        &'a mut self,
        sql: &'a str,
        info: StatementMetaWriter<'a, W>,
    ) -> io::Result<()> {
        self.record
            .statements
            .lock()
            .unwrap()
            .push(format!("PREPARE {sql}"));
        info.error(
            ErrorKind::ER_UNSUPPORTED_PS,
            b"This command is not supported in the prepared statement protocol yet",
        )
        .await
    }

    async fn on_execute<'a>(
        &'a mut self,
        _: u32,
        _: ParamParser<'a>,
        results: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        results
            .error(ErrorKind::ER_UNSUPPORTED_PS, b"no prepared statements")
            .await
    }

    async fn on_close(&mut self, _: u32) {}

    async fn on_query<'a>(
        &'a mut self,
        sql: &'a str,
        results: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        self.record.statements.lock().unwrap().push(sql.to_string());
        if sql.contains("@@socket") {
            return results
                .error(
                    ErrorKind::ER_UNKNOWN_SYSTEM_VARIABLE,
                    b"Unknown system variable 'socket'",
                )
                .await;
        }
        let k = key(sql);
        let answer = self
            .answers
            .iter()
            .find(|(q, _)| *q == k)
            .map(|(_, a)| a.clone());
        match answer {
            Some(Answer::Table { columns, rows }) => {
                let cols: Vec<Column> = columns
                    .iter()
                    .map(|c| Column {
                        table: String::new(),
                        column: c.clone(),
                        coltype: ColumnType::MYSQL_TYPE_VAR_STRING,
                        colflags: ColumnFlags::empty(),
                    })
                    .collect();
                let mut w = results.start(&cols).await?;
                for row in rows {
                    for v in row {
                        w.write_col(v.as_str())?;
                    }
                    w.end_row().await?;
                }
                w.finish().await
            }
            Some(Answer::Error(code, msg)) => {
                results.error(ErrorKind::from(code), msg.as_bytes()).await
            }
            None if k.starts_with("SELECT") || k.starts_with("SHOW") => {
                let msg = format!(
                    "Getting syntax error at line 1. Detail message: unexpected input `{sql}`"
                );
                results
                    .error(ErrorKind::ER_PARSE_ERROR, msg.as_bytes())
                    .await
            }
            None => results.completed(OkResponse::default()).await,
        }
    }
}

/// Start a fake FE answering `answers` (statement -> answer, matched
/// case-insensitively without a trailing `;`); it lives as long as the
/// test binary's runtime.
pub fn start(answers: Vec<(&str, Answer)>) -> FakeFe {
    let answers: Arc<Vec<(String, Answer)>> =
        Arc::new(answers.into_iter().map(|(q, a)| (key(q), a)).collect());
    let record = Record::default();
    let listener = rt()
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind a loopback port");
    let port = listener.local_addr().unwrap().port();
    let rec = record.clone();
    rt().spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            rec.connections.fetch_add(1, Ordering::SeqCst);
            let shim = Shim {
                answers: answers.clone(),
                record: rec.clone(),
            };
            tokio::spawn(async move {
                let (r, w) = stream.into_split();
                let _ = AsyncMysqlIntermediary::run_on(shim, r, w).await;
            });
        }
    });
    FakeFe { port, record }
}
