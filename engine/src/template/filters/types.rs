//! Type-level filters: `ternary`, `mandatory`, `type_debug`, and the
//! `omit` placeholder that `default(omit)` returns.

use super::util::filter_error;
use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error};

/// The value of `omit`: a task argument equal to it is dropped by the
/// executor, as Ansible drops its omit placeholder.
pub const OMIT: &str = "__omit_place_holder__5c2bd6b6a7e8f1f2b3e8c9d0a1b2c3d4e5f60718";

pub fn register(env: &mut Environment<'_>) {
    env.add_global("omit", Value::from(OMIT));
    env.add_filter("ternary", ternary);
    env.add_filter("mandatory", mandatory);
    env.add_filter("type_debug", type_debug);
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
fn mandatory(value: Value, msg: Option<String>) -> Result<Value, Error> {
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
    fn mandatory_fails_on_undefined_only() {
        assert!(mandatory(Value::UNDEFINED, None).is_err());
        let err = mandatory(Value::UNDEFINED, Some("need x".into())).unwrap_err();
        assert!(err.to_string().contains("need x"));
        assert_eq!(mandatory(Value::from(3), None).unwrap(), Value::from(3));
    }
}
