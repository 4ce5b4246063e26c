//! Demo data for `srplay playground`: a database whose tables' tablets are
//! spread over the BEs, so that a decommission moves real tablets and its
//! progress (TabletNum going down) can be watched.

use crate::playground::sql;

/// The demo database.
pub const DATABASE: &str = "demo";

/// (table, buckets, simulated tablet size).
const TABLES: [(&str, usize, &str); 3] = [
    ("orders", 16, "512MB"),
    ("customers", 8, "256MB"),
    ("events", 12, "1GB"),
];

/// Create the demo tables through the leader (`leader_edit_log`), with
/// `replication_num` 3 (fewer when there are fewer BEs: a table cannot
/// have more replicas than BEs). Nothing to do without BEs.
pub fn seed(leader_edit_log: &str, backends: usize) -> anyhow::Result<()> {
    if backends == 0 {
        return Ok(());
    }
    let replicas = backends.min(3);
    sql(
        leader_edit_log,
        &format!("CREATE DATABASE IF NOT EXISTS {DATABASE}"),
    )?;
    for (table, buckets, size) in TABLES {
        sql(
            leader_edit_log,
            &create_table(table, buckets, size, replicas),
        )?;
    }
    Ok(())
}

/// One line saying what `seed` created for `backends` BEs.
pub fn describe(backends: usize) -> String {
    if backends == 0 {
        return "demo data: none (no BEs)".into();
    }
    let tablets: usize = TABLES.iter().map(|t| t.1).sum();
    let names: Vec<&str> = TABLES.iter().map(|t| t.0).collect();
    format!(
        "demo data: database {DATABASE} ({}), {tablets} tablets x {} replicas spread over the BEs",
        names.join(", "),
        backends.min(3)
    )
}

fn create_table(table: &str, buckets: usize, size: &str, replicas: usize) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {DATABASE}.{table} (id BIGINT, v STRING) \
         DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS {buckets} \
         PROPERTIES (\"replication_num\" = \"{replicas}\", \"sim_tablet_size\" = \"{size}\")"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_names_replicas_buckets_and_size() {
        let s = create_table("orders", 16, "512MB", 3);
        for want in [
            "demo.orders",
            "BUCKETS 16",
            "\"replication_num\" = \"3\"",
            "\"sim_tablet_size\" = \"512MB\"",
        ] {
            assert!(s.contains(want), "{want} not in {s}");
        }
    }
}
