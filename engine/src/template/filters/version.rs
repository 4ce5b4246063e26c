//! `version` / `version_compare` (test and filter): Python's
//! `LooseVersion` (default), `StrictVersion` (`strict=True` or
//! `version_type='strict'`) and semantic versions (`'semver'`).

use super::util::filter_error;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error};
use std::cmp::Ordering;

pub fn register(env: &mut Environment<'_>) {
    env.add_test("version", version_test);
    env.add_test("version_compare", version_test);
    env.add_filter("version_compare", version_test);
}

fn version_test(
    value: Value,
    version: Value,
    operator: Option<String>,
    kwargs: Kwargs,
) -> Result<bool, Error> {
    let operator = match operator {
        Some(op) => op,
        None => kwargs
            .get::<Option<String>>("operator")?
            .unwrap_or_else(|| "eq".into()),
    };
    let strict = kwargs.get::<Option<bool>>("strict")?;
    let version_type = kwargs.get::<Option<String>>("version_type")?;
    kwargs.assert_all_used()?;
    let kind = match (strict, version_type.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(filter_error(
                "Cannot specify both 'strict' and 'version_type'",
            ))
        }
        (Some(true), None) => Kind::Strict,
        (_, None) => Kind::Loose,
        (None, Some(t)) => Kind::parse(t)?,
    };
    let value = text(&value);
    let version = text(&version);
    if value.is_empty() {
        return Err(filter_error("Input version value cannot be empty"));
    }
    if version.is_empty() {
        return Err(filter_error(
            "Version parameter to compare against cannot be empty",
        ));
    }
    compare(&value, &version, &operator, kind)
}

fn text(v: &Value) -> String {
    if v.is_none() || v.is_undefined() {
        return String::new();
    }
    super::util::python_str(v)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Loose,
    Strict,
    Semver,
}

impl Kind {
    fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "loose" => Ok(Kind::Loose),
            "strict" => Ok(Kind::Strict),
            "semver" | "semantic" => Ok(Kind::Semver),
            other => Err(filter_error(format!(
                "Invalid version type ({other}). Must be one of 'loose', 'strict', 'semver', 'semantic', 'pep440'"
            ))),
        }
    }
}

/// Does `a <operator> b` hold for versions of the given kind?
pub fn compare(a: &str, b: &str, operator: &str, kind: Kind) -> Result<bool, Error> {
    let accept: fn(Ordering) -> bool = match operator {
        "==" | "=" | "eq" => |o| o == Ordering::Equal,
        "<" | "lt" => |o| o == Ordering::Less,
        "<=" | "le" => |o| o != Ordering::Greater,
        ">" | "gt" => |o| o == Ordering::Greater,
        ">=" | "ge" => |o| o != Ordering::Less,
        "!=" | "<>" | "ne" => |o| o != Ordering::Equal,
        other => {
            return Err(filter_error(format!(
                "Invalid operator type ({other}). Must be one of '==', '=', 'eq', '<', 'lt', '<=', 'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'"
            )))
        }
    };
    let ordering = ordering(a, b, kind)
        .map_err(|e| filter_error(format!("Version comparison failed: {e}")))?;
    Ok(accept(ordering))
}

fn ordering(a: &str, b: &str, kind: Kind) -> Result<Ordering, String> {
    match kind {
        Kind::Loose => cmp_loose(&loose(a), &loose(b)),
        Kind::Strict => Ok(strict(a)?.cmp(&strict(b)?)),
        Kind::Semver => cmp_semver(&semver(a)?, &semver(b)?),
    }
}

/// A `LooseVersion` component.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Num(u64),
    Text(String),
}

/// `LooseVersion`: runs of digits, runs of lowercase letters, and the
/// text between them; dots dropped.
fn loose(v: &str) -> Vec<Part> {
    let re = regex::Regex::new(r"\d+|[a-z]+|\.").expect("valid pattern");
    let mut parts = Vec::new();
    let mut last = 0;
    let mut push = |s: &str| {
        if s.is_empty() || s == "." {
            return;
        }
        let part = match s.parse::<u64>() {
            Ok(n) if s.bytes().all(|b| b.is_ascii_digit()) => Part::Num(n),
            _ => Part::Text(s.to_string()),
        };
        parts.push(part);
    };
    for m in re.find_iter(v) {
        push(&v[last..m.start()]);
        push(m.as_str());
        last = m.end();
    }
    push(&v[last..]);
    parts
}

/// Python 3 list comparison; an int against a str raises TypeError.
fn cmp_loose(a: &[Part], b: &[Part]) -> Result<Ordering, String> {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (Part::Num(x), Part::Num(y)) => x.cmp(y),
            (Part::Text(x), Part::Text(y)) => x.cmp(y),
            (Part::Num(_), Part::Text(_)) => {
                return Err("'<' not supported between instances of 'int' and 'str'".into())
            }
            (Part::Text(_), Part::Num(_)) => {
                return Err("'<' not supported between instances of 'str' and 'int'".into())
            }
        };
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(a.len().cmp(&b.len()))
}

/// major, minor, patch, then (0 for a pre-release else 1, a|b, number).
type StrictVersion = (u64, u64, u64, (u8, char, u64));

/// `StrictVersion`: `N.N[.N][(a|b)N]`; a pre-release sorts first.
fn strict(v: &str) -> Result<StrictVersion, String> {
    let re =
        regex::Regex::new(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$").expect("valid pattern");
    let caps = re
        .captures(v)
        .ok_or_else(|| format!("invalid version number '{v}'"))?;
    let num = |i: usize| {
        caps.get(i)
            .map_or(Ok(0), |m| m.as_str().parse::<u64>())
            .map_err(|e| e.to_string())
    };
    let pre = match caps.get(4) {
        Some(m) => (0, m.as_str().chars().next().unwrap_or('a'), num(5)?),
        None => (1, ' ', 0),
    };
    Ok((num(1)?, num(2)?, num(3)?, pre))
}

/// A parsed semantic version.
#[derive(Debug)]
struct Semver {
    core: [u64; 3],
    pre: Vec<String>,
}

fn semver(v: &str) -> Result<Semver, String> {
    let re = regex::Regex::new(
        r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$",
    )
    .expect("valid pattern");
    let caps = re
        .captures(v)
        .ok_or_else(|| format!("invalid semantic version '{v}'"))?;
    let num = |i: usize| caps[i].parse::<u64>().map_err(|e| e.to_string());
    Ok(Semver {
        core: [num(1)?, num(2)?, num(3)?],
        pre: caps.get(4).map_or(Vec::new(), |m| {
            m.as_str().split('.').map(str::to_string).collect()
        }),
    })
}

fn cmp_semver(a: &Semver, b: &Semver) -> Result<Ordering, String> {
    let core = a.core.cmp(&b.core);
    if core != Ordering::Equal {
        return Ok(core);
    }
    Ok(match (a.pre.is_empty(), b.pre.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            for (x, y) in a.pre.iter().zip(&b.pre) {
                let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return Ok(o);
                }
            }
            a.pre.len().cmp(&b.pre.len())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_table() {
        let cases = [
            ("3.3.0", "3.2.9", ">=", Kind::Loose, Some(true)),
            ("3.10", "3.9", ">", Kind::Loose, Some(true)),
            ("1.0", "1.0.0", "<", Kind::Loose, Some(true)),
            ("2.5.17-1", "2.5.17", "gt", Kind::Loose, Some(true)),
            ("1.2", "1.2", "==", Kind::Loose, Some(true)),
            ("1.2", "1.3", "ne", Kind::Loose, Some(true)),
            ("1.0a", "1.0.1", "<", Kind::Loose, None),
            ("1.0a1", "1.0", "<", Kind::Strict, Some(true)),
            ("1.0", "1.0.0", "==", Kind::Strict, Some(true)),
            ("1.0.x", "1.0", "==", Kind::Strict, None),
            ("1.0.0-alpha", "1.0.0", "<", Kind::Semver, Some(true)),
            (
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "<",
                Kind::Semver,
                Some(true),
            ),
            ("1.0.0+build", "1.0.0", "==", Kind::Semver, Some(true)),
            ("1.0", "1.0.0", "==", Kind::Semver, None),
            ("1.0", "1.0", "~", Kind::Loose, None),
        ];
        for (a, b, op, kind, want) in cases {
            let got = compare(a, b, op, kind).ok();
            assert_eq!(got, want, "{a} {op} {b} ({kind:?})");
        }
    }
}
