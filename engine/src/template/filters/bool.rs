//! Ansible's `bool` filter: well-known strings, not truthiness.
//!
//! minijinja's built-in `bool` tests truthiness, so `'no' | bool` would be
//! true; Ansible maps `yes/no/on/off/true/false/y/n/t/f/1/0` (any case,
//! surrounding blanks ignored) and treats anything else as false.

use minijinja::value::Value;
use minijinja::Environment;

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("bool", to_bool);
}

/// Ansible's `to_bool`.
pub fn to_bool(value: &Value) -> bool {
    if let Some(b) = bool_of(value) {
        return b;
    }
    if let Some(s) = value.as_str() {
        return parse_bool_str(s).unwrap_or(false);
    }
    if value.is_number() {
        // `1`, `1.0` and `0` are in Ansible's sets; other numbers are false.
        return value.as_i64() == Some(1) || value.to_string() == "1.0";
    }
    false
}

fn bool_of(value: &Value) -> Option<bool> {
    match value.kind() {
        minijinja::value::ValueKind::Bool => Some(value.is_true()),
        _ => None,
    }
}

/// The strings Ansible's `boolean()` knows; `None` for any other.
pub fn parse_bool_str(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "y" | "yes" | "on" | "1" | "true" | "t" => Some(true),
        "n" | "no" | "off" | "0" | "false" | "f" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_table() {
        let cases: [(Value, bool); 14] = [
            (Value::from("no"), false),
            (Value::from("No"), false),
            (Value::from("yes"), true),
            (Value::from(" True "), true),
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
