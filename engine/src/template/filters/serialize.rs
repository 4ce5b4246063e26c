//! `to_json`, `to_nice_json`, `from_json`, `to_yaml`, `to_nice_yaml`,
//! `from_yaml`, `from_yaml_all`: the output matches Python's `json.dumps`
//! and PyYAML's `yaml.dump` as Ansible calls them.

use super::util::{filter_error, from_json, kwarg, python_float, to_json};
use super::yaml_emit;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error};
use serde_json::Value as Json;

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("to_json", to_json_filter);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("from_json", from_json_filter);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("from_yaml_all", from_yaml_all);
}

/// How to write JSON, as Python's `json.dumps` options.
#[derive(Debug, Clone)]
pub struct JsonStyle {
    pub indent: Option<usize>,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
    pub item_sep: String,
    pub key_sep: String,
}

impl JsonStyle {
    fn from_kwargs(kwargs: &Kwargs, indent: Option<usize>, sort_keys: bool) -> Result<Self, Error> {
        let indent = kwargs.get::<Option<usize>>("indent")?.or(indent);
        let default_item_sep = if indent.is_some() { "," } else { ", " };
        let (item_sep, key_sep) = match kwargs.get::<Option<Vec<String>>>("separators")? {
            Some(seps) if seps.len() == 2 => (seps[0].clone(), seps[1].clone()),
            Some(_) => return Err(filter_error("separators must be a pair of strings")),
            None => (default_item_sep.to_string(), ": ".to_string()),
        };
        let style = JsonStyle {
            indent,
            sort_keys: kwarg(kwargs, "sort_keys", sort_keys)?,
            ensure_ascii: kwarg(kwargs, "ensure_ascii", true)?,
            item_sep,
            key_sep,
        };
        // Options Ansible accepts that do not change the text.
        for ignored in [
            "vault_to_text",
            "preprocess_unsafe",
            "skipkeys",
            "allow_nan",
        ] {
            let _ = kwargs.get::<Option<Value>>(ignored)?;
        }
        kwargs.assert_all_used()?;
        Ok(style)
    }
}

fn to_json_filter(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let style = JsonStyle::from_kwargs(&kwargs, None, false)?;
    Ok(dumps(&to_json(&value)?, &style))
}

fn to_nice_json(value: Value, indent: Option<usize>, kwargs: Kwargs) -> Result<String, Error> {
    let mut style = JsonStyle::from_kwargs(&kwargs, Some(indent.unwrap_or(4)), true)?;
    if !kwargs.has("separators") {
        style.item_sep = ",".into();
    }
    Ok(dumps(&to_json(&value)?, &style))
}

fn from_json_filter(value: &Value) -> Result<Value, Error> {
    let text = value
        .as_str()
        .ok_or_else(|| filter_error(format!("from_json expects a string, got {}", value.kind())))?;
    let parsed: Json = serde_json::from_str(text)
        .map_err(|e| filter_error(format!("from_json: invalid JSON: {e}")))?;
    Ok(from_json(&parsed))
}

fn to_yaml(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent = kwarg(&kwargs, "indent", 2usize)?;
    let flow = kwargs.get::<Option<bool>>("default_flow_style")?;
    let sort_keys = kwarg(&kwargs, "sort_keys", true)?;
    let _ = kwargs.get::<Option<Value>>("allow_unicode")?;
    kwargs.assert_all_used()?;
    let style = yaml_emit::YamlStyle {
        indent,
        flow,
        sort_keys,
    };
    Ok(yaml_emit::dump(&to_json(&value)?, &style))
}

fn to_nice_yaml(value: Value, indent: Option<usize>, kwargs: Kwargs) -> Result<String, Error> {
    let indent = indent.unwrap_or(kwarg(&kwargs, "indent", 4usize)?);
    let sort_keys = kwarg(&kwargs, "sort_keys", true)?;
    let _ = kwargs.get::<Option<Value>>("allow_unicode")?;
    let _ = kwargs.get::<Option<Value>>("width")?;
    kwargs.assert_all_used()?;
    let style = yaml_emit::YamlStyle {
        indent,
        flow: Some(false),
        sort_keys,
    };
    Ok(yaml_emit::dump(&to_json(&value)?, &style))
}

fn from_yaml(value: &Value) -> Result<Value, Error> {
    let Some(text) = value.as_str() else {
        // Ansible passes non-strings through unchanged.
        return Ok(value.clone());
    };
    let parsed: serde_yaml::Value = serde_yaml::from_str(text)
        .map_err(|e| filter_error(format!("from_yaml: invalid YAML: {e}")))?;
    Ok(from_json(&yaml_to_json(parsed)?))
}

fn from_yaml_all(value: &Value) -> Result<Value, Error> {
    let Some(text) = value.as_str() else {
        return Ok(value.clone());
    };
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let parsed = serde::Deserialize::deserialize(doc).map_err(|e: serde_yaml::Error| {
            filter_error(format!("from_yaml_all: invalid YAML: {e}"))
        })?;
        docs.push(yaml_to_json(parsed)?);
    }
    Ok(from_json(&Json::Array(docs)))
}

/// A parsed YAML document as JSON, merge keys applied.
fn yaml_to_json(mut v: serde_yaml::Value) -> Result<Json, Error> {
    v.apply_merge()
        .map_err(|e| filter_error(format!("from_yaml: {e}")))?;
    serde_json::to_value(&v).map_err(|e| filter_error(format!("from_yaml: {e}")))
}

/// Python's `json.dumps` with the given options.
pub fn dumps(v: &Json, style: &JsonStyle) -> String {
    let mut out = String::new();
    write_json(&mut out, v, style, 0);
    out
}

fn write_json(out: &mut String, v: &Json, style: &JsonStyle, depth: usize) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) if n.is_f64() => {
            out.push_str(&json_float(n.as_f64().unwrap_or(0.0)));
        }
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => write_json_str(out, s, style.ensure_ascii),
        Json::Array(items) => {
            let items: Vec<&Json> = items.iter().collect();
            write_container(out, ('[', ']'), &items, style, depth, |out, item, d| {
                write_json(out, item, style, d)
            });
        }
        Json::Object(map) => {
            let mut entries: Vec<(&String, &Json)> = map.iter().collect();
            if style.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            write_container(out, ('{', '}'), &entries, style, depth, |out, (k, v), d| {
                write_json_str(out, k, style.ensure_ascii);
                out.push_str(&style.key_sep);
                write_json(out, v, style, d);
            });
        }
    }
}

fn write_container<T: Copy>(
    out: &mut String,
    brackets: (char, char),
    items: &[T],
    style: &JsonStyle,
    depth: usize,
    mut write_item: impl FnMut(&mut String, T, usize),
) {
    out.push(brackets.0);
    if items.is_empty() {
        out.push(brackets.1);
        return;
    }
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&style.item_sep);
        }
        if let Some(indent) = style.indent {
            out.push('\n');
            out.push_str(&" ".repeat(indent * (depth + 1)));
        }
        write_item(out, *item, depth + 1);
    }
    if let Some(indent) = style.indent {
        out.push('\n');
        out.push_str(&" ".repeat(indent * depth));
    }
    out.push(brackets.1);
}

fn json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f < 0.0 { "-Infinity" } else { "Infinity" }.into()
    } else {
        python_float(f)
    }
}

fn write_json_str(out: &mut String, s: &str, ensure_ascii: bool) {
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
            c if ensure_ascii && (c as u32) > 0x7f => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn style(indent: Option<usize>, sort_keys: bool, ensure_ascii: bool) -> JsonStyle {
        JsonStyle {
            indent,
            sort_keys,
            ensure_ascii,
            item_sep: if indent.is_some() { "," } else { ", " }.into(),
            key_sep: ": ".into(),
        }
    }

    #[test]
    fn dumps_table() {
        let cases = [
            (
                json!({"b": 1, "a": [1, 2.5]}),
                style(None, false, true),
                r#"{"b": 1, "a": [1, 2.5]}"#,
            ),
            (
                json!({"b": 1, "a": []}),
                style(None, true, true),
                r#"{"a": [], "b": 1}"#,
            ),
            (
                json!("München"),
                style(None, false, true),
                r#""M\u00fcnchen""#,
            ),
            (json!("München"), style(None, false, false), r#""München""#),
            (json!("😀"), style(None, false, true), r#""\ud83d\ude00""#),
            (
                json!({"a": {"x": 1}}),
                style(Some(2), true, true),
                "{\n  \"a\": {\n    \"x\": 1\n  }\n}",
            ),
            (
                json!([null, true, 1.0]),
                style(None, false, true),
                "[null, true, 1.0]",
            ),
        ];
        for (v, st, want) in cases {
            assert_eq!(dumps(&v, &st), want, "{v}");
        }
    }

    #[test]
    fn from_json_rejects_bad_input() {
        assert!(from_json_filter(&Value::from("{nope")).is_err());
        assert!(from_json_filter(&Value::from(3)).is_err());
        let ok = from_json_filter(&Value::from(r#"{"a": [1]}"#)).unwrap();
        assert_eq!(to_json(&ok).unwrap(), json!({"a": [1]}));
    }

    #[test]
    fn from_yaml_table() {
        let cases = [
            ("a: 1\nb: [x, y]\n", json!({"a": 1, "b": ["x", "y"]})),
            ("- 1\n- two\n", json!([1, "two"])),
            (
                "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n",
                json!({"base": {"x": 1}, "d": {"x": 1, "y": 2}}),
            ),
        ];
        for (text, want) in cases {
            let v = from_yaml(&Value::from(text)).unwrap();
            assert_eq!(to_json(&v).unwrap(), want, "{text}");
        }
        assert!(from_yaml(&Value::from("a: [")).is_err());
    }
}
