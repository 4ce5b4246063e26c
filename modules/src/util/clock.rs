//! Timestamps in the format Ansible's command module returns
//! (`start`/`end`: `2024-05-01 12:00:00.123456`, `delta`: `0:00:00.001234`).

use chrono::{DateTime, Local};

pub fn now() -> DateTime<Local> {
    Local::now()
}

pub fn format_time(t: &DateTime<Local>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// Python's `str(timedelta)` for a non-negative span.
pub fn format_delta(start: &DateTime<Local>, end: &DateTime<Local>) -> String {
    let micros = (*end - *start).num_microseconds().unwrap_or(0).max(0);
    let secs = micros / 1_000_000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let frac = micros % 1_000_000;
    let days = h / 24;
    let base = format!("{}:{m:02}:{s:02}.{frac:06}", h % 24);
    match days {
        0 => base,
        1 => format!("1 day, {base}"),
        d => format!("{d} days, {base}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn delta_table() {
        let t0 = Local.timestamp_opt(1_700_000_000, 0).unwrap();
        let cases = [
            (1_234, "0:00:00.001234"),
            (61_500_000, "0:01:01.500000"),
            (3_600_000_000, "1:00:00.000000"),
            (90_000_000_000, "1 day, 1:00:00.000000"),
        ];
        for (us, want) in cases {
            let t1 = t0 + chrono::Duration::microseconds(us);
            assert_eq!(format_delta(&t0, &t1), want);
        }
        assert_eq!(format_time(&t0).len(), "2023-11-14 22:13:20.000000".len());
    }
}
