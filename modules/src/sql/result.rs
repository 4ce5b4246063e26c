//! Running one statement over the text protocol and turning its result
//! set into JSON rows (column -> value) with the column types kept:
//! integers as numbers, floats and decimals as numbers, NULL as null,
//! everything else (strings, dates, StarRocks' VARCHAR SHOW output) as text.

use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::prelude::Queryable;
use mysql_async::{Column, Conn, Row, Value as SqlValue};
use serde_json::{Map, Number, Value};

/// What one statement returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatementResult {
    pub columns: Vec<String>,
    pub rows: Vec<Map<String, Value>>,
    /// Rows returned (result sets) or rows affected (DML), as a driver's
    /// `cursor.rowcount` reports it.
    pub rowcount: u64,
}

/// Run one statement with `COM_QUERY` (never a prepared statement).
pub async fn run_statement(
    conn: &mut Conn,
    sql: &str,
) -> Result<StatementResult, mysql_async::Error> {
    let mut result = conn.query_iter(sql).await?;
    let columns: Vec<Column> = result.columns().map(|c| c.to_vec()).unwrap_or_default();
    let raw: Vec<Row> = result.collect().await?;
    let affected = result.affected_rows();
    result.drop_result().await?;
    let names: Vec<String> = columns.iter().map(|c| c.name_str().into_owned()).collect();
    let rows: Vec<Map<String, Value>> = raw
        .iter()
        .map(|row| {
            names
                .iter()
                .zip(&columns)
                .enumerate()
                .map(|(i, (name, col))| {
                    let v = row.as_ref(i).map_or(Value::Null, |v| to_json(v, col));
                    (name.clone(), v)
                })
                .collect()
        })
        .collect();
    let rowcount = if columns.is_empty() {
        affected
    } else {
        rows.len() as u64
    };
    Ok(StatementResult {
        columns: names,
        rows,
        rowcount,
    })
}

/// One value as JSON, typed by its column.
pub fn to_json(v: &SqlValue, col: &Column) -> Value {
    match v {
        SqlValue::NULL => Value::Null,
        SqlValue::Int(i) => Value::from(*i),
        SqlValue::UInt(u) => Value::from(*u),
        SqlValue::Float(f) => float(f64::from(*f)),
        SqlValue::Double(f) => float(*f),
        SqlValue::Bytes(b) => text_value(&String::from_utf8_lossy(b), col),
        other => Value::String(other.as_sql(true).trim_matches('\'').to_string()),
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or_else(|| Value::String(f.to_string()), Value::Number)
}

/// A text-protocol value, parsed when its column is numeric.
fn text_value(s: &str, col: &Column) -> Value {
    use ColumnType::*;
    match col.column_type() {
        MYSQL_TYPE_TINY | MYSQL_TYPE_SHORT | MYSQL_TYPE_LONG | MYSQL_TYPE_LONGLONG
        | MYSQL_TYPE_INT24 | MYSQL_TYPE_YEAR => {
            let parsed = if col.flags().contains(ColumnFlags::UNSIGNED_FLAG) {
                s.parse::<u64>().ok().map(Value::from)
            } else {
                s.parse::<i64>().ok().map(Value::from)
            };
            parsed.unwrap_or_else(|| Value::String(s.to_string()))
        }
        MYSQL_TYPE_FLOAT | MYSQL_TYPE_DOUBLE | MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL => s
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(s.to_string()), Value::Number),
        _ => Value::String(s.to_string()),
    }
}
