//! JSON as Python's `json.dumps(sort_keys=True, ensure_ascii=False)`
//! writes it, which is what `ansible-playbook` prints; and Python's
//! `repr()` for loop item labels (`(item={'k': 'v'})`).

use serde_json::Value;

/// `indent = None` -> `{"a": 1, "b": [1, 2]}`; `Some(4)` -> multi-line.
pub fn dumps(v: &Value, indent: Option<usize>) -> String {
    let mut out = String::new();
    write(&mut out, v, indent, 0);
    out
}

fn write(out: &mut String, v: &Value, indent: Option<usize>, level: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(&string(s)),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        Value::Object(m) if m.is_empty() => out.push_str("{}"),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                sep(out, i, indent, level + 1);
                write(out, x, indent, level + 1);
            }
            close(out, indent, level);
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for (i, k) in keys.iter().enumerate() {
                sep(out, i, indent, level + 1);
                out.push_str(&string(k));
                out.push_str(": ");
                write(out, &m[k.as_str()], indent, level + 1);
            }
            close(out, indent, level);
            out.push('}');
        }
    }
}

fn sep(out: &mut String, i: usize, indent: Option<usize>, level: usize) {
    match indent {
        Some(n) => {
            if i > 0 {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(n * level));
        }
        None if i > 0 => out.push_str(", "),
        None => {}
    }
}

fn close(out: &mut String, indent: Option<usize>, level: usize) {
    if let Some(n) = indent {
        out.push('\n');
        out.push_str(&" ".repeat(n * level));
    }
}

fn number(n: &serde_json::Number) -> String {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        if f.fract() == 0.0 && f.abs() < 1e16 {
            return format!("{f:.1}");
        }
    }
    n.to_string()
}

fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Python's `repr()` of a JSON-like value (dicts keep their order).
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Number(n) => number(n),
        Value::String(s) => py_str(s),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", py_str(k), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn py_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A loop item as the default callback labels it: strings bare, others repr'd.
pub fn item_label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dumps_table() {
        let v = json!({"b": 1, "a": [1, "x"], "c": {}, "d": 1.0});
        assert_eq!(
            dumps(&v, None),
            r#"{"a": [1, "x"], "b": 1, "c": {}, "d": 1.0}"#
        );
        assert_eq!(
            dumps(&v, Some(4)),
            "{\n    \"a\": [\n        1,\n        \"x\"\n    ],\n    \"b\": 1,\n    \"c\": {},\n    \"d\": 1.0\n}"
        );
        assert_eq!(dumps(&json!("é\n"), None), "\"é\\n\"");
    }

    #[test]
    fn repr_table() {
        let cases = [
            (json!("a"), "a"),
            (json!(1), "1"),
            (json!({"k": "v", "n": 2}), "{'k': 'v', 'n': 2}"),
            (json!([true, null, "it's"]), "[True, None, \"it's\"]"),
        ];
        for (v, want) in cases {
            assert_eq!(item_label(&v), want);
        }
    }
}
