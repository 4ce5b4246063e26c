//! Reading SHOW output rows by column name, never by position: the
//! columns of `SHOW BACKENDS` / `SHOW FRONTENDS` move between StarRocks
//! versions (FACTS.md §1). A row is a map column -> value, as the `sql`
//! module returns it; StarRocks sends every value as a string.

use super::capacity::{parse_capacity, parse_percent};
use serde_json::{Map, Value};

/// One row, looked up by column name (case-insensitively, trying each
/// spelling given, first match wins).
#[derive(Debug, Clone, Copy)]
pub struct Row<'a>(pub &'a Map<String, Value>);

impl<'a> Row<'a> {
    fn raw(&self, names: &[&str]) -> Option<&'a Value> {
        names.iter().find_map(|n| {
            self.0.get(*n).or_else(|| {
                self.0
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .map(|(_, v)| v)
            })
        })
    }

    /// Whether any of the columns exists (even with a NULL value).
    pub fn has(&self, names: &[&str]) -> bool {
        self.raw(names).is_some()
    }

    /// Text of a column; `None` when absent, SQL NULL, or the `NULL`
    /// string StarRocks prints for unknown times and versions.
    pub fn str(&self, names: &[&str]) -> Option<String> {
        match self.raw(names)? {
            Value::Null => None,
            Value::String(s) if s == "NULL" => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// Text, with absent/NULL as the empty string (`ErrMsg`).
    pub fn text(&self, names: &[&str]) -> String {
        self.str(names).unwrap_or_default()
    }

    pub fn bool(&self, names: &[&str]) -> Option<bool> {
        match self.raw(names)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_i64().map(|i| i != 0),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(true),
                "false" | "0" | "no" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn int(&self, names: &[&str]) -> Option<i64> {
        match self.raw(names)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A capacity column (`"25.122 GB"`) in bytes.
    pub fn capacity(&self, names: &[&str]) -> Option<u64> {
        self.str(names).and_then(|s| parse_capacity(&s))
    }

    /// A percentage column (`"44.72 %"`).
    pub fn percent(&self, names: &[&str]) -> Option<f64> {
        self.str(names).and_then(|s| parse_percent(&s))
    }
}

/// Build row maps from a column list and value rows (fixtures, the
/// simulator's tables): values `NULL` stay the string StarRocks sends.
pub fn rows_from_table(columns: &[&str], values: &[Vec<&str>]) -> Vec<Map<String, Value>> {
    values
        .iter()
        .map(|vals| {
            columns
                .iter()
                .zip(vals)
                .map(|(c, v)| (c.to_string(), Value::String(v.to_string())))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_by_name_with_aliases_and_types() {
        let m = json!({"Alive": "true", "TabletNum": "41", "AvailCapacity": "1.000 KB",
                       "UsedPct": "58.19 %", "StartTime": "NULL", "ErrMsg": "", "Port": 9030});
        let r = Row(m.as_object().unwrap());
        assert_eq!(r.bool(&["Alive"]), Some(true));
        assert_eq!(r.bool(&["alive"]), Some(true), "case-insensitive");
        assert_eq!(r.int(&["TabletNum"]), Some(41));
        assert_eq!(r.int(&["Port"]), Some(9030));
        assert_eq!(r.capacity(&["AvailCapacity"]), Some(1024));
        assert_eq!(r.percent(&["UsedPct"]), Some(58.19));
        assert_eq!(r.str(&["StartTime"]), None, "NULL string is no value");
        assert_eq!(r.str(&["Missing", "ErrMsg"]), Some(String::new()));
        assert!(!r.has(&["Missing"]));
    }
}
