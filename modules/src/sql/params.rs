//! Binding `positional_args` / `named_args` into a query on the client,
//! the way community.mysql's driver does (`%s`, `%(name)s`, `%%` for a
//! literal percent), with every value quoted by `mysql_async`'s own
//! escaping (`Value::as_sql`). Values are never pasted in as raw text.

use mysql_async::Value as SqlValue;
use serde_json::{Map, Value};

/// A JSON argument as a SQL value.
pub fn to_sql_value(v: &Value) -> Result<SqlValue, String> {
    Ok(match v {
        Value::Null => SqlValue::NULL,
        Value::Bool(b) => SqlValue::Int(i64::from(*b)),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => SqlValue::Int(i),
            (_, Some(u), _) => SqlValue::UInt(u),
            (_, _, Some(f)) => SqlValue::Double(f),
            _ => return Err(format!("cannot bind the number {n}")),
        },
        Value::String(s) => SqlValue::Bytes(s.as_bytes().to_vec()),
        Value::Array(_) | Value::Object(_) => {
            return Err("cannot bind a list or dictionary; pass scalars".into())
        }
    })
}

fn quoted(v: &Value) -> Result<String, String> {
    to_sql_value(v).map(|s| s.as_sql(false))
}

/// Substitute the placeholders of `query`. With neither kind of argument
/// the query is returned as is (a bare `%` needs no doubling then).
pub fn bind(
    query: &str,
    positional: Option<&[Value]>,
    named: Option<&Map<String, Value>>,
) -> Result<String, String> {
    if positional.is_none() && named.is_none() {
        return Ok(query.to_string());
    }
    let mut out = String::with_capacity(query.len());
    let mut next = 0usize;
    let mut rest = query;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(r) = after.strip_prefix('%') {
            out.push('%');
            rest = r;
        } else if let Some(r) = after.strip_prefix('s') {
            let args = positional.ok_or("the query has %s but no positional_args were given")?;
            let v = args.get(next).ok_or_else(|| {
                format!(
                    "the query has more %s placeholders than the {} positional_args given",
                    args.len()
                )
            })?;
            out.push_str(&quoted(v)?);
            next += 1;
            rest = r;
        } else if let Some(r) = after.strip_prefix('(') {
            let (name, tail) = r
                .split_once(")s")
                .ok_or("a `%(` placeholder must read %(name)s")?;
            let args = named
                .ok_or_else(|| format!("the query has %({name})s but no named_args were given"))?;
            let v = args
                .get(name)
                .ok_or_else(|| format!("named_args has no `{name}`"))?;
            out.push_str(&quoted(v)?);
            rest = tail;
        } else {
            return Err(format!(
                "unsupported placeholder `%{}` (use %s, %(name)s, or %% for a literal %)",
                after.chars().next().map(String::from).unwrap_or_default()
            ));
        }
    }
    out.push_str(rest);
    if let Some(args) = positional {
        if next != args.len() {
            return Err(format!(
                "{} positional_args given but the query has {next} %s placeholders",
                args.len()
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binding_table() {
        let named = json!({"host": "fe1", "n": 3}).as_object().unwrap().clone();
        let cases: &[(&str, Option<Value>, bool, &str)] = &[
            (
                "SELECT %s, %s",
                Some(json!([1, "a"])),
                false,
                "SELECT 1, 'a'",
            ),
            ("SELECT %s", Some(json!(["it's"])), false, r"SELECT 'it\'s'"),
            (
                "SELECT %s",
                Some(json!(["x'; DROP TABLE t; --"])),
                false,
                r"SELECT 'x\'; DROP TABLE t; --'",
            ),
            (
                "SELECT %s",
                Some(json!(["a\\' OR 1=1 -- "])),
                false,
                r"SELECT 'a\\\' OR 1=1 -- '",
            ),
            (
                "SELECT %s, %s, %s",
                Some(json!([null, true, 1.5])),
                false,
                "SELECT NULL, 1, 1.5",
            ),
            (
                "SELECT '100%%', %s",
                Some(json!([1])),
                false,
                "SELECT '100%', 1",
            ),
            ("SELECT %(host)s, %(n)s", None, true, "SELECT 'fe1', 3"),
            ("SELECT '100%'", None, false, "SELECT '100%'"),
        ];
        for (q, pos, use_named, want) in cases {
            let p = pos.as_ref().map(|v| v.as_array().unwrap().clone());
            let got = bind(q, p.as_deref(), use_named.then_some(&named)).unwrap();
            assert_eq!(got, *want, "{q}");
        }
    }

    #[test]
    fn binding_errors_table() {
        let cases: &[(&str, Value, &str)] = &[
            (
                "SELECT %s, %s",
                json!([1]),
                "more %s placeholders than the 1 positional_args",
            ),
            (
                "SELECT %s",
                json!([1, 2]),
                "2 positional_args given but the query has 1 %s",
            ),
            ("SELECT '100%'", json!([1]), "unsupported placeholder `%'`"),
            ("SELECT %d", json!([1]), "unsupported placeholder `%d`"),
            ("SELECT %s", json!([[1, 2]]), "cannot bind a list"),
            ("SELECT %(x)s", json!([]), "no named_args were given"),
        ];
        for (q, args, want) in cases {
            let err = bind(q, Some(args.as_array().unwrap()), None).unwrap_err();
            assert!(err.contains(want), "{q}: {err}");
        }
    }
}
