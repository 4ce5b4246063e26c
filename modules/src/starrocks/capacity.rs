//! Capacities and percentages as `SHOW BACKENDS` prints them
//! (FACTS.md §1.1): `"25.122 GB"`, `"0.000 B"`, `"6.207GB"`, `"44.72 %"`.

/// Bytes of a capacity string; units are binary (StarRocks'
/// `DebugUtil.getByteUint` divides by 1024). `None` for `NULL`, empty or
/// unparseable text (facts stay tolerant of new formats).
pub fn parse_capacity(s: &str) -> Option<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let exp = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" => 1,
        "M" | "MB" => 2,
        "G" | "GB" => 3,
        "T" | "TB" => 4,
        "P" | "PB" => 5,
        _ => return None,
    };
    Some((n * 1024f64.powi(exp)).round() as u64)
}

/// A percentage such as `"44.72 %"` or `"0.2 %"`.
pub fn parse_percent(s: &str) -> Option<f64> {
    s.trim().strip_suffix('%')?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_table() {
        let cases = [
            ("25.122 GB", Some(26_974_542_103)),
            ("0.000 B", Some(0)),
            ("1.088 TB", Some(1_196_268_651_020)),
            ("296.714 MB", Some(311_127_179)),
            ("6.207GB", Some(6_664_715_502)),
            ("512 B", Some(512)),
            ("NULL", None),
            ("", None),
            ("12 parsecs", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_capacity(input), want, "{input}");
        }
    }

    #[test]
    fn percentages_table() {
        assert_eq!(parse_percent("44.72 %"), Some(44.72));
        assert_eq!(parse_percent("0.2 %"), Some(0.2));
        assert_eq!(parse_percent("58.19%"), Some(58.19));
        assert_eq!(parse_percent("N/A"), None);
    }
}
