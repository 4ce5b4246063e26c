//! Render a result set as a mysql-client style box table.

use crate::outcome::ResultSet;

pub fn render(rs: &ResultSet) -> String {
    let cell = |v: &Option<String>| v.clone().unwrap_or_else(|| "NULL".into());
    let mut w: Vec<usize> = rs.columns.iter().map(|c| c.name.chars().count()).collect();
    for r in &rs.rows {
        for (i, v) in r.iter().enumerate() {
            if i < w.len() {
                w[i] = w[i].max(cell(v).chars().count());
            }
        }
    }
    let sep = format!(
        "+{}+\n",
        w.iter()
            .map(|n| "-".repeat(n + 2))
            .collect::<Vec<_>>()
            .join("+")
    );
    let line = |vals: Vec<String>| {
        let cells: Vec<String> = vals
            .iter()
            .zip(&w)
            .map(|(v, n)| format!(" {v}{} ", " ".repeat(n - v.chars().count())))
            .collect();
        format!("|{}|\n", cells.join("|"))
    };
    let mut out = sep.clone();
    out += &line(rs.columns.iter().map(|c| c.name.clone()).collect());
    out += &sep;
    for r in &rs.rows {
        out += &line(r.iter().map(cell).collect());
    }
    if !rs.rows.is_empty() {
        out += &sep;
    }
    out += &format!(
        "{} row{} in set\n",
        rs.rows.len(),
        if rs.rows.len() == 1 { "" } else { "s" }
    );
    out
}
