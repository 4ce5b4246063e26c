//! Type-level filters: `ternary`, `mandatory`, `type_debug`, and the
//! `omit` placeholder that `default(omit)` returns.

use super::util::filter_error;
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};

/// The value of `omit`: a task argument equal to it is dropped by the
/// executor, as Ansible drops its omit placeholder.
pub const OMIT: &str = "__omit_place_holder__5c2bd6b6a7e8f1f2b3e8c9d0a1b2c3d4e5f60718";

pub fn register(env: &mut Environment<'_>) {
    env.add_global("omit", Value::from(OMIT));
    env.add_filter("ternary", ternary);
    env.add_filter("mandatory", mandatory);
    env.add_filter("type_debug", type_debug);
    env.add_filter("float", to_float);
    env.add_filter("int", to_int);
    env.add_test("sequence", is_sequence);
}

/// Jinja's `float(default=0.0)`: Python's `float()`, or the default.
fn to_float(value: &Value, default: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let default = match default {
        Some(d) => d,
        None => kwargs
            .get::<Option<Value>>("default")?
            .unwrap_or(Value::from(0.0)),
    };
    kwargs.assert_all_used()?;
    let parsed = match value.kind() {
        ValueKind::Bool => Some(if value.is_true() { 1.0 } else { 0.0 }),
        ValueKind::Number => super::util::python_str(value).parse::<f64>().ok(),
        ValueKind::String => parse_python_float(value.as_str().unwrap_or_default()),
        _ => None,
    };
    Ok(parsed.map(Value::from).unwrap_or(default))
}

/// Jinja's `int(default=0, base=10)`: Python's `int(str, base)`, else
/// `int(float(value))`, else the default.
fn to_int(
    value: &Value,
    default: Option<Value>,
    base: Option<u32>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let default = match default {
        Some(d) => d,
        None => kwargs
            .get::<Option<Value>>("default")?
            .unwrap_or(Value::from(0)),
    };
    let base = match base {
        Some(b) => b,
        None => kwargs.get::<Option<u32>>("base")?.unwrap_or(10),
    };
    kwargs.assert_all_used()?;
    let parsed: Option<i128> = match value.kind() {
        ValueKind::Bool => Some(value.is_true() as i128),
        ValueKind::Number if value.is_integer() => i128::try_from(value.clone()).ok(),
        ValueKind::Number => super::util::python_str(value)
            .parse::<f64>()
            .ok()
            .map(|f| f.trunc() as i128),
        ValueKind::String => {
            let s = value.as_str().unwrap_or_default();
            parse_python_int(s, base).or_else(|| {
                parse_python_float(s)
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i128)
            })
        }
        _ => None,
    };
    Ok(parsed.map(Value::from).unwrap_or(default))
}

/// Python's `int(str, base)`: blanks trimmed, a sign, the base's prefix
/// (`0x`, `0o`, `0b`; any of them with base 0), `_` between digits.
fn parse_python_int(s: &str, base: u32) -> Option<i128> {
    let t = s.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = digits.to_ascii_lowercase();
    let prefixed = |p: &str, b: u32| {
        lower
            .strip_prefix(p)
            .filter(|_| base == b || base == 0)
            .map(|r| (r.to_string(), b))
    };
    let (body, base) = prefixed("0x", 16)
        .or_else(|| prefixed("0o", 8))
        .or_else(|| prefixed("0b", 2))
        .unwrap_or((lower.clone(), if base == 0 { 10 } else { base }));
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return None;
    }
    let n = i128::from_str_radix(&body.replace('_', ""), base).ok()?;
    Some(if neg { -n } else { n })
}

/// Python's `float(str)`: blanks trimmed, `_` between digits, `inf`/`nan`.
fn parse_python_float(s: &str) -> Option<f64> {
    let t = s.trim();
    let lower = t.to_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        return lower.parse().ok().or(Some(if lower.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }));
    }
    if t.contains("__") || t.starts_with('_') || t.ends_with('_') {
        return None;
    }
    let cleaned = t.replace('_', "");
    if cleaned.is_empty()
        || !cleaned
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
    {
        return None;
    }
    cleaned.parse().ok()
}

/// Jinja's `sequence` test: anything with a length and items, strings
/// and dicts included.
fn is_sequence(value: &Value) -> bool {
    matches!(
        value.kind(),
        ValueKind::String | ValueKind::Bytes | ValueKind::Seq | ValueKind::Map
    )
}

/// `cond | ternary(if_true, if_false, if_none)`.
fn ternary(value: &Value, yes: Value, no: Value, none: Option<Value>) -> Value {
    match none {
        Some(none) if value.is_none() && !none.is_none() => none,
        _ if value.is_true() => yes,
        _ => no,
    }
}

/// `x | mandatory(msg)`: fail when `x` is undefined.
fn mandatory(value: Value, msg: Option<String>, kwargs: Kwargs) -> Result<Value, Error> {
    let msg = match msg {
        Some(m) => Some(m),
        None => kwargs.get::<Option<String>>("msg")?,
    };
    kwargs.assert_all_used()?;
    if !value.is_undefined() {
        return Ok(value);
    }
    // minijinja's undefined does not carry the variable's name, so the
    // message cannot name it as Ansible's does.
    Err(filter_error(msg.unwrap_or_else(|| {
        "Mandatory variable not defined.".to_string()
    })))
}

/// The Python type name Ansible's `type_debug` prints.
pub fn type_debug(value: &Value) -> &'static str {
    match value.kind() {
        ValueKind::Undefined => "AnsibleUndefined",
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if value.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq => "list",
        ValueKind::Map => "dict",
        _ => "generator",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ternary_table() {
        let t = || (Value::from("t"), Value::from("f"));
        let cases = [
            (Value::from(true), None, "t"),
            (Value::from(false), None, "f"),
            (Value::from(()), None, "f"),
            (Value::from(()), Some(Value::from("n")), "n"),
            (Value::from("x"), Some(Value::from("n")), "t"),
        ];
        for (v, none, want) in cases {
            let (a, b) = t();
            assert_eq!(ternary(&v, a, b, none).as_str(), Some(want), "{v:?}");
        }
    }

    #[test]
    fn type_debug_table() {
        let cases = [
            (Value::from(1), "int"),
            (Value::from(1.5), "float"),
            (Value::from("s"), "str"),
            (Value::from(()), "NoneType"),
            (Value::from(vec![1]), "list"),
        ];
        for (v, want) in cases {
            assert_eq!(type_debug(&v), want);
        }
    }

    #[test]
    fn python_int_table() {
        let cases = [
            ("42", 10, Some(42)),
            (" 7 ", 10, Some(7)),
            ("-3", 10, Some(-3)),
            ("0x1A", 16, Some(26)),
            ("1A", 16, Some(26)),
            ("0b101", 2, Some(5)),
            ("0o17", 0, Some(15)),
            ("1_000", 10, Some(1000)),
            ("3.7", 10, None),
            ("abc", 10, None),
            ("0x1A", 10, None),
        ];
        for (s, base, want) in cases {
            assert_eq!(parse_python_int(s, base), want, "{s:?} base {base}");
        }
    }

    #[test]
    fn python_float_table() {
        let cases = [
            ("3.7", Some(3.7)),
            (" 2 ", Some(2.0)),
            ("1_000.5", Some(1000.5)),
            ("1e3", Some(1000.0)),
            ("-inf", Some(f64::NEG_INFINITY)),
            ("x", None),
            ("", None),
            ("0x10", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_python_float(s), want, "{s:?}");
        }
    }

    #[test]
    fn mandatory_fails_on_undefined_only() {
        let none = || Kwargs::from_iter(std::iter::empty::<(&str, Value)>());
        assert!(mandatory(Value::UNDEFINED, None, none()).is_err());
        let err = mandatory(Value::UNDEFINED, Some("need x".into()), none()).unwrap_err();
        assert!(err.to_string().contains("need x"));
        let by_name = Kwargs::from_iter([("msg", Value::from("named"))]);
        let err = mandatory(Value::UNDEFINED, None, by_name).unwrap_err();
        assert!(err.to_string().contains("named"));
        assert_eq!(
            mandatory(Value::from(3), None, none()).unwrap(),
            Value::from(3)
        );
    }
}
