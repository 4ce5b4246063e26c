//! `log`, `pow`, `root`, `human_readable`, `human_to_bytes`.

use super::util::{filter_error, python_str};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error};

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("log", |x: f64, base: Option<f64>| match base {
        Some(b) => x.ln() / b.ln(),
        None => x.ln(),
    });
    env.add_filter("pow", |x: f64, y: f64| x.powf(y));
    env.add_filter("root", |x: f64, base: Option<f64>| match base {
        None => x.sqrt(),
        Some(b) => x.powf(1.0 / b),
    });
    env.add_filter("human_readable", human_readable_filter);
    env.add_filter("human_to_bytes", human_to_bytes_filter);
}

/// Ansible's `SIZE_RANGES`, largest first.
const SIZE_RANGES: [(char, f64); 9] = [
    ('Y', 1208925819614629174706176.0),
    ('Z', 1180591620717411303424.0),
    ('E', 1152921504606846976.0),
    ('P', 1125899906842624.0),
    ('T', 1099511627776.0),
    ('G', 1073741824.0),
    ('M', 1048576.0),
    ('K', 1024.0),
    ('B', 1.0),
];

/// `bytes_to_human`: `1536 -> "1.50 KB"`.
pub fn bytes_to_human(size: f64, isbits: bool, unit: Option<&str>) -> String {
    let base = if isbits { "bits" } else { "Bytes" };
    let wanted = unit
        .and_then(|u| u.chars().next())
        .map(|c| c.to_ascii_uppercase());
    let (suffix, limit) = SIZE_RANGES
        .iter()
        .find(|(s, limit)| match wanted {
            None => size >= *limit,
            Some(w) => w == *s,
        })
        .copied()
        .unwrap_or(('B', 1.0));
    let suffix = if limit == 1.0 {
        base.to_string()
    } else {
        format!("{suffix}{}", &base[..1])
    };
    format!("{:.2} {suffix}", size / limit)
}

fn human_readable_filter(
    size: Value,
    isbits: Option<bool>,
    unit: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let isbits = match isbits {
        Some(b) => Some(b),
        None => kwargs.get::<Option<bool>>("isbits")?,
    };
    let unit = match unit {
        Some(u) => Some(u),
        None => kwargs.get::<Option<String>>("unit")?,
    };
    kwargs.assert_all_used()?;
    let n = number_of(&size)
        .ok_or_else(|| filter_error(format!("human_readable() failed on bad input: {size}")))?;
    Ok(bytes_to_human(n, isbits.unwrap_or(false), unit.as_deref()))
}

fn number_of(v: &Value) -> Option<f64> {
    if v.is_number() {
        return python_str(v).parse().ok();
    }
    v.as_str()?.trim().parse().ok()
}

/// Ansible's `human_to_bytes`: `"25.122 GB" -> 26974542103`.
pub fn human_to_bytes(text: &str, default_unit: Option<&str>, isbits: bool) -> Result<i64, String> {
    let t = text.trim_start();
    let num_len = t
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit() && *c != '.')
        .map_or(t.len(), |(i, _)| i);
    let (num_text, rest) = t.split_at(num_len);
    let rest_trim = rest.trim();
    let unit_ok = rest_trim.chars().all(|c| c.is_ascii_alphabetic());
    let num: f64 = match num_text.parse() {
        Ok(n) if unit_ok && !num_text.ends_with('.') && num_text.matches('.').count() <= 1 => n,
        _ => {
            return Err(format!(
                "human_to_bytes() can't interpret following string: {text}"
            ))
        }
    };
    let unit = if rest_trim.is_empty() {
        default_unit
    } else {
        Some(rest_trim)
    };
    let Some(unit) = unit else {
        return Ok(num.round_ties_even() as i64);
    };
    let range_key = unit.chars().next().unwrap_or('B').to_ascii_uppercase();
    let Some((_, limit)) = SIZE_RANGES.iter().find(|(s, _)| *s == range_key) else {
        return Err(format!(
            "human_to_bytes() failed to convert {text} (unit = {unit}). The suffix must be one of Y, Z, E, P, T, G, M, K, B"
        ));
    };
    let (class, class_name) = if isbits { ('b', "bit") } else { ('B', "byte") };
    if unit.chars().count() > 1
        && !unit.to_lowercase().contains(class_name)
        && unit.chars().nth(1) != Some(class)
    {
        let expect = if range_key == 'B' {
            format!("expect {class} or {class_name}")
        } else {
            format!("expect {range_key}{class} or {range_key}")
        };
        return Err(format!(
            "human_to_bytes() failed to convert {text}. Value is not a valid string ({expect})"
        ));
    }
    Ok((num * limit).round_ties_even() as i64)
}

fn human_to_bytes_filter(
    size: Value,
    default_unit: Option<String>,
    kwargs: Kwargs,
) -> Result<i64, Error> {
    let default_unit = match default_unit {
        Some(u) => Some(u),
        None => kwargs.get::<Option<String>>("default_unit")?,
    };
    let isbits = kwargs.get::<Option<bool>>("isbits")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    human_to_bytes(&python_str(&size), default_unit.as_deref(), isbits).map_err(filter_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_to_bytes_table() {
        let cases = [
            ("25.122 GB", None, false, Ok(26974542103)),
            ("1K", None, false, Ok(1024)),
            ("10", None, false, Ok(10)),
            ("10", Some("M"), false, Ok(10485760)),
            ("2.5", None, false, Ok(2)),
            ("1 TB", None, false, Ok(1099511627776)),
            ("1Mb", None, true, Ok(1048576)),
            ("1Mb", None, false, Err(())),
            ("1 KiB", None, false, Err(())),
            ("1 byte", None, false, Ok(1)),
            ("12 XB", None, false, Err(())),
            ("abc", None, false, Err(())),
        ];
        for (text, unit, bits, want) in cases {
            let got = human_to_bytes(text, unit, bits).map_err(|_| ());
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn bytes_to_human_table() {
        let cases = [
            (1536.0, false, None, "1.50 KB"),
            (10.0, false, None, "10.00 Bytes"),
            (0.0, false, None, "0.00 Bytes"),
            (1048576.0, true, None, "1.00 Mb"),
            (1048576.0, false, Some("K"), "1024.00 KB"),
            (26974542103.0, false, None, "25.12 GB"),
        ];
        for (n, bits, unit, want) in cases {
            assert_eq!(bytes_to_human(n, bits, unit), want, "{n}");
        }
    }
}
