//! `playground status` in a terminal's width: the SHOW FRONTENDS / SHOW
//! BACKENDS columns an operator watches while scaling (the full tables are
//! `playground::status`).

use std::path::Path;

use crate::outcome::ResultSet;
use crate::playground::with_fe_tables;

const FE_COLUMNS: [&str; 6] = ["IP", "EditLogPort", "Role", "Join", "Alive", "Version"];
const BE_COLUMNS: [&str; 8] = [
    "IP",
    "HeartbeatPort",
    "Alive",
    "SystemDecommissioned",
    "TabletNum",
    "DataUsedCapacity",
    "AvailCapacity",
    "Version",
];

/// Only `names` of `rs` (in that order; a column `rs` lacks is left out).
pub fn project(rs: &ResultSet, names: &[&str]) -> ResultSet {
    let idx: Vec<usize> = names
        .iter()
        .filter_map(|n| rs.columns.iter().position(|c| c.name == *n))
        .collect();
    ResultSet {
        columns: idx.iter().map(|&i| rs.columns[i].clone()).collect(),
        rows: rs
            .rows
            .iter()
            .map(|r| idx.iter().map(|&i| r.get(i).cloned().flatten()).collect())
            .collect(),
    }
}

/// The compact SHOW FRONTENDS / SHOW BACKENDS of the playground in `dir`.
pub fn status(dir: &Path) -> anyhow::Result<String> {
    with_fe_tables(dir, |fe_name, fe, be| {
        format!(
            "SHOW FRONTENDS (via {fe_name}, some columns):\n{}\nSHOW BACKENDS (some columns):\n{}",
            crate::table::render(&project(&fe, &FE_COLUMNS)),
            crate::table::render(&project(&be, &BE_COLUMNS))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_keeps_the_named_columns_in_order_and_skips_unknown_ones() {
        let rs = ResultSet::strings(
            &["A", "B", "C"],
            vec![vec![Some("1".into()), None, Some("3".into())]],
        );
        let p = project(&rs, &["C", "Missing", "A"]);
        let names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["C", "A"]);
        assert_eq!(p.rows, vec![vec![Some("3".to_string()), Some("1".into())]]);
    }
}
