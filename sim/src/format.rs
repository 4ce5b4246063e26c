//! Value formats used by StarRocks' SHOW output (`DebugUtil.getByteUint`,
//! `TimeUtils.longToTimeString`, percentages).

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `DebugUtil.getByteUint`: 3 decimals, a space, then the unit.
pub fn bytes(v: u64) -> String {
    const UNITS: [(&str, f64); 5] = [
        ("PB", 1125899906842624.0),
        ("TB", 1099511627776.0),
        ("GB", 1073741824.0),
        ("MB", 1048576.0),
        ("KB", 1024.0),
    ];
    let f = v as f64;
    for (unit, size) in UNITS {
        if f >= size {
            return format!("{:.3} {}", f / size, unit);
        }
    }
    format!("{:.3} B", f)
}

/// `DebugUtil.getPrettyStringBytes`: like `bytes` but no space (`6.207GB`).
pub fn pretty_bytes(v: u64) -> String {
    bytes(v).replace(' ', "")
}

/// `"%.2f %"`.
pub fn pct2(v: f64) -> String {
    format!("{:.2} %", v)
}

/// `"%.1f %"`.
pub fn pct1(v: f64) -> String {
    format!("{:.1} %", v)
}

/// `TimeUtils.longToTimeString`: `yyyy-MM-dd HH:mm:ss` (UTC here), `NULL`
/// for values <= 0.
pub fn time(ms: i64) -> Option<String> {
    if ms <= 0 {
        return None;
    }
    let secs = ms / 1000;
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    Some(format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        y,
        m,
        d,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    ))
}

// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parse a size such as `100G`, `100 GB`, `512MB`, `1073741824`.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim().trim_matches('"');
    let idx = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(idx);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KB" => 1024.0,
        "M" | "MB" => 1048576.0,
        "G" | "GB" => 1073741824.0,
        "T" | "TB" => 1099511627776.0,
        _ => return None,
    };
    Some((n * mult) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_formats_match_starrocks() {
        assert_eq!(bytes(0), "0.000 B");
        assert_eq!(bytes(26974691819), "25.122 GB");
        assert_eq!(pretty_bytes(6664717107), "6.207GB");
        assert_eq!(pct2(44.716), "44.72 %");
        assert_eq!(pct1(0.2), "0.2 %");
    }

    #[test]
    fn times() {
        assert_eq!(time(0), None);
        assert_eq!(time(1760670343000).unwrap(), "2025-10-17 03:05:43");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1G"), Some(1073741824));
        assert_eq!(parse_size("100 GB"), Some(107374182400));
        assert_eq!(parse_size("x"), None);
    }
}
