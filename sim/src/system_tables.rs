//! `information_schema` tables the modules read, computed from the
//! catalog: `partitions_meta` (one row per partition; the simulator's
//! tables are unpartitioned, so one partition named after its table, as
//! StarRocks names the single partition of an unpartitioned table). The
//! decommission precheck reads its `REPLICATION_NUM`. The view exists from
//! StarRocks 3.1 on (as the module expects); 2.5 answers "Unknown table".

use crate::cluster::Cluster;
use crate::error::{SqlError, SqlResult};
use crate::outcome::{Col, ResultSet};
use crate::sql::TableQuery;
use crate::version::SrVersion;
use std::cmp::Ordering;

/// partitions_meta's columns as StarRocks 3.3 lists them; the numeric ones
/// are sent as BIGINT.
const PARTITIONS_META: &[(&str, bool)] = &[
    ("DB_NAME", false),
    ("TABLE_NAME", false),
    ("PARTITION_NAME", false),
    ("PARTITION_ID", true),
    ("COMPACT_VERSION", true),
    ("VISIBLE_VERSION", true),
    ("VISIBLE_VERSION_TIME", false),
    ("NEXT_VERSION", true),
    ("DATA_VERSION", true),
    ("VERSION_EPOCH", true),
    ("VERSION_TXN_TYPE", false),
    ("PARTITION_KEY", false),
    ("PARTITION_VALUE", false),
    ("DISTRIBUTION_KEY", false),
    ("BUCKETS", true),
    ("REPLICATION_NUM", true),
    ("STORAGE_MEDIUM", false),
    ("COOLDOWN_TIME", false),
    ("LAST_CONSISTENCY_CHECK_TIME", false),
    ("IS_IN_MEMORY", false),
    ("IS_TEMP", false),
    ("DATA_SIZE", false),
    ("ROW_COUNT", true),
    ("ENABLE_DATACACHE", false),
    ("AVG_CS", true),
    ("P50_CS", true),
    ("MAX_CS", true),
    ("STORAGE_PATH", false),
];

fn unknown_table(name: &str) -> SqlError {
    SqlError::with_code(
        1064,
        "HY000",
        format!("Getting analyzing error. Detail message: Unknown table '{name}'."),
    )
}

/// The full table of `partitions_meta`.
fn partitions_meta(c: &Cluster) -> ResultSet {
    let mut rows = Vec::new();
    let mut partition_id = 10_000u64;
    for db in c.databases.iter().filter(|d| !d.system) {
        for t in &db.tables {
            partition_id += 1;
            let bytes: u64 = t.tablet_bytes * t.tablets.len() as u64;
            let row: Vec<Option<String>> = PARTITIONS_META
                .iter()
                .map(|(col, _)| {
                    Some(match *col {
                        "DB_NAME" => db.name.clone(),
                        "TABLE_NAME" | "PARTITION_NAME" => t.name.clone(),
                        "PARTITION_ID" => partition_id.to_string(),
                        "COMPACT_VERSION" | "DATA_VERSION" | "VERSION_EPOCH" => "0".into(),
                        "VISIBLE_VERSION" => "1".into(),
                        "NEXT_VERSION" => "2".into(),
                        "VISIBLE_VERSION_TIME" => "2024-01-01 00:00:00".into(),
                        "VERSION_TXN_TYPE" => "TXN_NORMAL".into(),
                        "PARTITION_KEY" | "PARTITION_VALUE" | "STORAGE_PATH" => String::new(),
                        "DISTRIBUTION_KEY" => "k".into(),
                        "BUCKETS" => t.tablets.len().to_string(),
                        "REPLICATION_NUM" => t.replication_num.to_string(),
                        "STORAGE_MEDIUM" => "HDD".into(),
                        "COOLDOWN_TIME" => "9999-12-31 23:59:59".into(),
                        "LAST_CONSISTENCY_CHECK_TIME" => "NULL".into(),
                        "IS_IN_MEMORY" | "IS_TEMP" | "ENABLE_DATACACHE" => "false".into(),
                        "DATA_SIZE" => crate::format::bytes(bytes),
                        _ => "0".into(),
                    })
                })
                .collect();
            rows.push(row);
        }
    }
    ResultSet {
        columns: PARTITIONS_META
            .iter()
            .map(|(name, numeric)| Col {
                name: (*name).into(),
                numeric: *numeric,
            })
            .collect(),
        rows,
    }
}

/// Run a `SELECT … FROM` against a system table; `db` is the session's.
pub fn query(c: &Cluster, q: &TableQuery, db: Option<&str>) -> SqlResult<ResultSet> {
    let schema = q.db.as_deref().or(db).unwrap_or_default();
    let full = format!("{schema}.{}", q.table);
    let known = schema.eq_ignore_ascii_case("information_schema")
        && q.table.eq_ignore_ascii_case("partitions_meta")
        && c.version >= SrVersion::V3_1;
    if !known {
        return Err(unknown_table(if q.db.is_some() { &full } else { &q.table }));
    }
    let all = partitions_meta(c);
    project(sorted(all, q)?, q)
}

fn column_index(rs: &ResultSet, name: &str) -> SqlResult<usize> {
    rs.columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            SqlError::with_code(
                1064,
                "HY000",
                format!(
                    "Getting analyzing error. Detail message: Column '{name}' cannot be resolved."
                ),
            )
        })
}

/// Rows in `ORDER BY` order (numbers compared as numbers), `LIMIT` applied.
fn sorted(mut rs: ResultSet, q: &TableQuery) -> SqlResult<ResultSet> {
    if let Some((col, desc)) = &q.order_by {
        let i = column_index(&rs, col)?;
        let key = |r: &Vec<Option<String>>| r[i].clone().unwrap_or_default();
        rs.rows.sort_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            let ord = match (ka.parse::<f64>(), kb.parse::<f64>()) {
                (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                _ => ka.cmp(&kb),
            };
            if *desc {
                ord.reverse()
            } else {
                ord
            }
        });
    }
    if let Some(n) = q.limit {
        rs.rows.truncate(n as usize);
    }
    Ok(rs)
}

/// Only the selected columns, in the order asked for.
fn project(rs: ResultSet, q: &TableQuery) -> SqlResult<ResultSet> {
    if q.columns.len() == 1 && q.columns[0] == "*" {
        return Ok(rs);
    }
    let idx = q
        .columns
        .iter()
        .map(|c| column_index(&rs, c))
        .collect::<SqlResult<Vec<_>>>()?;
    Ok(ResultSet {
        columns: idx
            .iter()
            .zip(&q.columns)
            .map(|(&i, label)| Col {
                name: label.clone(),
                numeric: rs.columns[i].numeric,
            })
            .collect(),
        rows: rs
            .rows
            .iter()
            .map(|r| idx.iter().map(|&i| r[i].clone()).collect())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Database, Table, Tablet};

    fn cluster(version: SrVersion) -> Cluster {
        let mut c = Cluster::new(version, "127.0.0.1", 9010, 0);
        let mut d = Database::new("d", false);
        for (name, replication_num) in [("t1", 1), ("t3", 3), ("t2", 2)] {
            d.tables.push(Table {
                name: name.into(),
                replication_num,
                tablet_bytes: 1024,
                tablets: (0..4)
                    .map(|id| Tablet {
                        id,
                        replicas: vec![],
                    })
                    .collect(),
            });
        }
        c.databases.push(d);
        c
    }

    fn run(c: &Cluster, sql: &str) -> SqlResult<ResultSet> {
        match crate::sql::parse(sql)? {
            crate::sql::Statement::SelectFrom(q) => query(c, &q, None),
            other => panic!("not a table query: {other:?}"),
        }
    }

    #[test]
    fn partitions_meta_answers_the_precheck_query() {
        let c = cluster(SrVersion::V3_3);
        let rs = run(&c, "SELECT DB_NAME, TABLE_NAME, REPLICATION_NUM FROM information_schema.partitions_meta ORDER BY REPLICATION_NUM DESC LIMIT 1").unwrap();
        let names: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["DB_NAME", "TABLE_NAME", "REPLICATION_NUM"]);
        assert!(rs.columns[2].numeric);
        assert_eq!(
            rs.rows,
            vec![vec![Some("d".into()), Some("t3".into()), Some("3".into())]]
        );
    }

    #[test]
    fn every_table_is_one_partition_with_its_buckets() {
        let c = cluster(SrVersion::Latest);
        let rs = run(
            &c,
            "select table_name, partition_name, buckets, replication_num from information_schema.partitions_meta order by replication_num",
        )
        .unwrap();
        let rows: Vec<Vec<String>> = rs
            .rows
            .into_iter()
            .map(|r| r.into_iter().map(Option::unwrap_or_default).collect())
            .collect();
        assert_eq!(
            rows,
            [
                ["t1", "t1", "4", "1"],
                ["t2", "t2", "4", "2"],
                ["t3", "t3", "4", "3"]
            ]
            .map(|r| r.map(String::from).to_vec())
        );
        let all = run(&c, "SELECT * FROM information_schema.partitions_meta").unwrap();
        assert_eq!(all.columns.len(), PARTITIONS_META.len());
        assert_eq!(all.rows.len(), 3);
    }

    #[test]
    fn unknown_tables_columns_and_old_releases_are_refused() {
        let cases = [
            (
                SrVersion::V2_5,
                "SELECT * FROM information_schema.partitions_meta",
                "Unknown table 'information_schema.partitions_meta'",
            ),
            (
                SrVersion::V3_3,
                "SELECT * FROM information_schema.nope",
                "Unknown table 'information_schema.nope'",
            ),
            (SrVersion::V3_3, "SELECT * FROM t", "Unknown table 't'"),
            (
                SrVersion::V3_3,
                "SELECT NOPE FROM information_schema.partitions_meta",
                "Column 'NOPE' cannot be resolved",
            ),
        ];
        for (version, sql, want) in cases {
            let err = run(&cluster(version), sql).unwrap_err();
            assert!(err.to_string().contains(want), "{sql}: {err}");
        }
    }
}
