//! Small conversions shared by the filter files.

use minijinja::value::{Kwargs, Value};
use minijinja::{Error, ErrorKind};
use serde_json::Value as Json;

/// The error a filter raises on bad input (Ansible's `AnsibleFilterError`).
pub fn filter_error(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// A minijinja value as JSON (the engine's variable type).
pub fn to_json(v: &Value) -> Result<Json, Error> {
    if v.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "an undefined value was used",
        ));
    }
    serde_json::to_value(v).map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))
}

/// JSON back into a minijinja value.
pub fn from_json(j: &Json) -> Value {
    Value::from(minijinja::value::Serde(j))
}

/// Read an optional keyword argument, with a default.
pub fn kwarg<'a, T>(kwargs: &'a Kwargs, name: &'a str, default: T) -> Result<T, Error>
where
    T: minijinja::value::ArgType<'a, Output = T>,
{
    Ok(kwargs.get::<Option<T>>(name)?.unwrap_or(default))
}

/// Python's `str()` of a value: strings as is, everything else in the
/// form Python prints it (`True`, `None`, `['a', 1]`, `{'k': 'v'}`).
pub fn python_str(v: &Value) -> String {
    match v.as_str() {
        Some(s) => s.to_string(),
        None => v.to_string(),
    }
}

/// Python's `repr()` of a JSON value.
pub fn python_repr(j: &Json) -> String {
    match j {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::Number(n) => python_number(n),
        Json::String(s) => python_quote(s),
        Json::Array(items) => {
            let parts: Vec<String> = items.iter().map(python_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Json::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", python_quote(k), python_repr(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Python's `str()` of a JSON value (strings unquoted at the top level).
pub fn python_str_json(j: &Json) -> String {
    match j {
        Json::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// A float the way Python prints it (`1.0`, `0.1`, `1e+16`).
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.abs());
    }
    let s = f.to_string();
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

fn python_number(n: &serde_json::Number) -> String {
    if n.is_f64() {
        python_float(n.as_f64().unwrap_or(0.0))
    } else {
        n.to_string()
    }
}

/// Python's repr of a string: single quotes unless the text holds a
/// single quote and no double quote.
pub fn python_quote(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_repr_table() {
        let cases = [
            (json!(null), "None"),
            (json!(true), "True"),
            (json!(1.0), "1.0"),
            (json!(1e20), "1e+20"),
            (json!("it's"), "\"it's\""),
            (json!(["a", 1]), "['a', 1]"),
            (json!({"k": [false]}), "{'k': [False]}"),
        ];
        for (v, want) in cases {
            assert_eq!(python_repr(&v), want, "{v}");
        }
    }
}
