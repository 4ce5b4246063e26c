//! YAML 1.1 scalar resolution, as PyYAML's SafeLoader (and so Ansible) does.

use super::Kind;
use regex::Regex;
use std::sync::OnceLock;

struct Patterns {
    int: Regex,
    float: Regex,
    sexagesimal: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        int: Regex::new(r"^[-+]?(0b[01_]+|0[0-7_]+|0|[1-9][0-9_]*|0x[0-9a-fA-F_]+)$")
            .expect("valid int pattern"),
        float: Regex::new(
            r"^([-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$",
        )
        .expect("valid float pattern"),
        sexagesimal: Regex::new(r"^[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+$").expect("valid pattern"),
    })
}

/// Type a plain (unquoted, untagged) scalar.
pub fn resolve_plain(s: &str) -> Kind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Kind::Bool(true)
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Kind::Bool(false)
        }
        _ => {}
    }
    let p = patterns();
    if p.int.is_match(s) {
        if let Some(i) = parse_int(s) {
            return Kind::Int(i);
        }
    }
    if p.sexagesimal.is_match(s) {
        if let Some(i) = parse_sexagesimal(s) {
            return Kind::Int(i);
        }
    }
    if s != "." && p.float.is_match(s) {
        if let Some(f) = parse_float(s) {
            return Kind::Float(f);
        }
    }
    Kind::Str(s.to_string())
}

fn parse_int(s: &str) -> Option<i64> {
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    let (neg, digits) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let v = if let Some(b) = digits.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if let Some(h) = digits.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

fn parse_sexagesimal(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mut v: i64 = 0;
    for part in body.split(':') {
        v = v * 60 + part.replace('_', "").parse::<i64>().ok()?;
    }
    Some(if neg { -v } else { v })
}

fn parse_float(s: &str) -> Option<f64> {
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    match clean
        .trim_start_matches(['+', '-'])
        .to_ascii_lowercase()
        .as_str()
    {
        ".inf" => Some(if clean.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
        ".nan" => Some(f64::NAN),
        _ => clean.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_table() {
        let cases = [
            ("yes", Kind::Bool(true)),
            ("Off", Kind::Bool(false)),
            ("y", Kind::Str("y".into())),
            ("0644", Kind::Int(420)),
            ("0", Kind::Int(0)),
            ("12", Kind::Int(12)),
            ("-3", Kind::Int(-3)),
            ("0x1f", Kind::Int(31)),
            ("1_000", Kind::Int(1000)),
            ("1:30", Kind::Int(90)),
            ("1.5", Kind::Float(1.5)),
            ("1e3", Kind::Str("1e3".into())),
            ("1.0e+3", Kind::Float(1000.0)),
            ("~", Kind::Null),
            ("", Kind::Null),
            ("hello", Kind::Str("hello".into())),
            ("0.0.0.0", Kind::Str("0.0.0.0".into())),
            ("08", Kind::Str("08".into())),
        ];
        for (input, want) in cases {
            assert_eq!(resolve_plain(input), want, "{input}");
        }
    }
}
