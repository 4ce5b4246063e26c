//! Memory sizes as StarRocks and the JVM spell them: `8192m`, `8g`, `16G`,
//! `64GB`, `1024` (bytes), and `mem_limit`'s `90%`.

const KIB: u64 = 1024;
const MIB: u64 = KIB * 1024;
const GIB: u64 = MIB * 1024;
const TIB: u64 = GIB * 1024;

/// Parse a size into bytes. Units are binary (k = 1024) and case-insensitive,
/// with an optional trailing `b` (`64GB`); a bare number is bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    if num.is_empty() {
        return Err(format!(
            "`{s}` is not a size (expected a number with an optional unit k, m, g or t, e.g. 8g or 8192m)"
        ));
    }
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is too large to be a size"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit
        .strip_suffix('b')
        .filter(|u| !u.is_empty())
        .unwrap_or(&unit);
    let mult = match unit {
        "" | "b" => 1,
        "k" => KIB,
        "m" => MIB,
        "g" => GIB,
        "t" => TIB,
        _ => {
            return Err(format!(
                "`{s}` has an unknown unit `{unit}` (use k, m, g or t, e.g. 8g or 8192m)"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large to be a size"))
}

/// The shortest exact JVM spelling of a byte count: `8g`, `8704m`, `512k`.
pub fn jvm_size(bytes: u64) -> String {
    for (mult, unit) in [(GIB, "g"), (MIB, "m"), (KIB, "k")] {
        if bytes >= mult && bytes.is_multiple_of(mult) {
            return format!("{}{unit}", bytes / mult);
        }
    }
    bytes.to_string()
}

/// A BE `mem_limit`: a share of the host's memory or an absolute size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MemLimit {
    Percent(f64),
    Bytes(u64),
}

/// Parse `mem_limit` as the BE does: `90%` or a size such as `64G`.
pub fn parse_mem_limit(s: &str) -> Result<MemLimit, String> {
    let t = s.trim();
    if let Some(p) = t.strip_suffix('%') {
        let v: f64 = p
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a percentage (expected e.g. 90%)"))?;
        if !(v > 0.0 && v <= 100.0) {
            return Err(format!(
                "`{s}` must be a percentage above 0% and at most 100%"
            ));
        }
        return Ok(MemLimit::Percent(v));
    }
    parse_size(t)
        .map(MemLimit::Bytes)
        .map_err(|e| format!("{e}; mem_limit also accepts a percentage such as 90%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_table() {
        let cases = [
            ("8192m", Ok(8 * GIB)),
            ("8g", Ok(8 * GIB)),
            ("16G", Ok(16 * GIB)),
            ("64GB", Ok(64 * GIB)),
            ("512k", Ok(512 * KIB)),
            ("1t", Ok(TIB)),
            ("1024", Ok(1024)),
            (" 2M ", Ok(2 * MIB)),
        ];
        for (input, want) in cases {
            assert_eq!(parse_size(input), want, "{input}");
        }
        for bad in ["", "g", "8x", "8.5g", "-1g", "99999999999999999999g", "8gg"] {
            assert!(parse_size(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn jvm_spelling_is_exact_and_short() {
        let cases = [
            (8 * GIB, "8g"),
            (8704 * MIB, "8704m"),
            (512 * KIB, "512k"),
            (1000, "1000"),
        ];
        for (bytes, want) in cases {
            assert_eq!(jvm_size(bytes), want);
            assert_eq!(parse_size(want).unwrap(), bytes, "round trip {want}");
        }
    }

    #[test]
    fn mem_limit_table() {
        assert_eq!(parse_mem_limit("90%"), Ok(MemLimit::Percent(90.0)));
        assert_eq!(parse_mem_limit("64G"), Ok(MemLimit::Bytes(64 * GIB)));
        for bad in ["0%", "101%", "abc%", "lots"] {
            assert!(parse_mem_limit(bad).is_err(), "{bad}");
        }
        assert!(parse_mem_limit("lots").unwrap_err().contains("percentage"));
    }
}
