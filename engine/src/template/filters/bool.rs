//! Ansible's `bool` filter: well-known strings, not truthiness.
//!
//! minijinja's built-in `bool` tests truthiness, so `'no' | bool` would be
//! true; Ansible maps `yes/no/on/off/true/false/1/0` (any case,
//! not trimmed) and treats anything else as false.

use minijinja::value::{Value, ValueKind};
use minijinja::Environment;

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("bool", to_bool);
}

/// Ansible's `to_bool`: strings (any case, not trimmed) `yes/on/true/1`
/// and `no/off/false/0`, ints and bools by their text; anything else is
/// true only when it equals 1 (Ansible's deprecated fallback).
pub fn to_bool(value: &Value) -> bool {
    if value.kind() == ValueKind::Bool {
        return value.is_true();
    }
    if let Some(s) = value.as_str() {
        return parse_bool_str(s).unwrap_or(false);
    }
    if value.is_number() {
        // `1.0 == 1` holds in Python; `2 | bool` is false.
        return value.as_i64() == Some(1) || super::util::python_str(value) == "1.0";
    }
    false
}

/// The strings Ansible's `bool` filter knows (lowercased, not trimmed);
/// `None` for any other.
pub fn parse_bool_str(s: &str) -> Option<bool> {
    match s.to_lowercase().as_str() {
        "yes" | "on" | "1" | "true" => Some(true),
        "no" | "off" | "0" | "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_table() {
        let cases: [(Value, bool); 16] = [
            (Value::from("no"), false),
            (Value::from("No"), false),
            (Value::from("yes"), true),
            (Value::from(" True "), false),
            (Value::from("True"), true),
            (Value::from("y"), false),
            (Value::from("off"), false),
            (Value::from("on"), true),
            (Value::from("1"), true),
            (Value::from("0"), false),
            (Value::from("banana"), false),
            (Value::from(1), true),
            (Value::from(2), false),
            (Value::from(1.0), true),
            (Value::from(true), true),
            (Value::from(()), false),
        ];
        for (v, want) in cases {
            assert_eq!(to_bool(&v), want, "{v:?}");
        }
    }
}
