//! A YAML writer that produces what PyYAML's `yaml.dump` produces for
//! plain data (what Ansible's `to_yaml` / `to_nice_yaml` print): sorted
//! keys, indentless sequences inside mappings, leaf collections in flow
//! style unless `default_flow_style=False`, YAML 1.1 quoting of strings
//! that would read back as another type, and folding at 80 columns.

use super::util::python_float;
use regex::Regex;
use serde_json::Value as Json;
use std::sync::OnceLock;

/// PyYAML's `best_width`.
const WIDTH: usize = 80;

#[derive(Debug, Clone)]
pub struct YamlStyle {
    /// Spaces per nesting level (`indent=`).
    pub indent: usize,
    /// `default_flow_style`: `None` writes leaf collections in flow style.
    pub flow: Option<bool>,
    pub sort_keys: bool,
}

/// `yaml.dump(value)` with the given style.
pub fn dump(v: &Json, style: &YamlStyle) -> String {
    let mut w = Writer {
        out: String::new(),
        style,
    };
    w.root(v);
    w.out
}

struct Writer<'a> {
    out: String,
    style: &'a YamlStyle,
}

impl Writer<'_> {
    fn root(&mut self, v: &Json) {
        if self.is_block(v) {
            self.block(v, 0);
            return;
        }
        if is_collection(v) {
            let text = self.flow(v);
            self.out.push_str(&text);
            self.out.push('\n');
            return;
        }
        // Ansible's dumper writes no `...` document end after a scalar.
        let (text, _) = self.scalar(v, 0, self.style.indent, false);
        self.out.push_str(&text);
        self.out.push('\n');
    }

    fn is_block(&self, v: &Json) -> bool {
        let non_empty = match v {
            Json::Array(a) => !a.is_empty(),
            Json::Object(o) => !o.is_empty(),
            _ => false,
        };
        non_empty
            && match self.style.flow {
                Some(flow) => !flow,
                None => !children(v).iter().all(|c| !is_collection(c)),
            }
    }

    /// A block collection whose lines start at column `indent`. The first
    /// line's indentation is already written when `inline` is set.
    fn block(&mut self, v: &Json, indent: usize) {
        self.block_at(v, indent, false);
    }

    fn block_at(&mut self, v: &Json, indent: usize, inline: bool) {
        match v {
            Json::Object(map) => {
                for (i, (k, val)) in self.entries(map).into_iter().enumerate() {
                    if i > 0 || !inline {
                        self.out.push_str(&" ".repeat(indent));
                    }
                    let key = self.key(k);
                    self.out.push_str(&key);
                    self.out.push(':');
                    self.mapping_value(val, indent);
                }
            }
            Json::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 || !inline {
                        self.out.push_str(&" ".repeat(indent));
                    }
                    self.out.push('-');
                    self.sequence_item(item, indent);
                }
            }
            _ => {}
        }
    }

    fn mapping_value(&mut self, val: &Json, indent: usize) {
        let step = self.style.indent;
        if self.is_block(val) {
            self.out.push('\n');
            // Sequences inside a mapping are not indented (PyYAML's
            // "indentless" sequences); mappings are.
            let child = if val.is_array() {
                indent
            } else {
                indent + step
            };
            self.block(val, child);
        } else {
            self.out.push(' ');
            let text = self.inline(val, indent + step);
            self.out.push_str(&text);
            self.out.push('\n');
        }
    }

    fn sequence_item(&mut self, item: &Json, indent: usize) {
        let step = self.style.indent;
        if self.is_block(item) {
            // `-` then padding up to the nested collection's column.
            self.out
                .push_str(&" ".repeat(step.saturating_sub(1).max(1)));
            self.block_at(item, indent + step, true);
        } else {
            self.out.push(' ');
            let text = self.inline(item, indent + step);
            self.out.push_str(&text);
            self.out.push('\n');
        }
    }

    /// A scalar or a flow collection written after `key: ` or `- `.
    fn inline(&self, v: &Json, indent: usize) -> String {
        if is_collection(v) {
            return self.flow(v);
        }
        let column = self.out.len() - self.out.rfind('\n').map_or(0, |i| i + 1);
        self.scalar(v, column, indent, false).0
    }

    fn key(&self, k: &str) -> String {
        self.scalar(&Json::String(k.to_string()), 0, 0, true).0
    }

    fn entries<'m>(&self, map: &'m serde_json::Map<String, Json>) -> Vec<(&'m String, &'m Json)> {
        let mut entries: Vec<_> = map.iter().collect();
        if self.style.sort_keys {
            entries.sort_by(|a, b| a.0.cmp(b.0));
        }
        entries
    }

    fn flow(&self, v: &Json) -> String {
        match v {
            Json::Array(items) => {
                let parts: Vec<String> = items.iter().map(|i| self.flow_item(i)).collect();
                format!("[{}]", parts.join(", "))
            }
            Json::Object(map) => {
                let parts: Vec<String> = self
                    .entries(map)
                    .into_iter()
                    .map(|(k, val)| {
                        let key = flow_scalar(&Json::String(k.clone()));
                        format!("{key}: {}", self.flow_item(val))
                    })
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
            other => flow_scalar(other),
        }
    }

    fn flow_item(&self, v: &Json) -> String {
        if is_collection(v) {
            self.flow(v)
        } else {
            flow_scalar(v)
        }
    }

    /// A block-context scalar starting at `column`; continuation lines
    /// are indented to `indent`. Also says whether it was written plain.
    fn scalar(&self, v: &Json, column: usize, indent: usize, simple_key: bool) -> (String, bool) {
        let text = match v {
            Json::String(s) => s,
            other => return (non_string_scalar(other), true),
        };
        match choose_style(text, false) {
            Style::Plain => (fold(text, column, indent, simple_key), true),
            Style::Single => (single_quoted(text, column, indent, simple_key), false),
            Style::Double => (double_quoted(text), false),
        }
    }
}

fn is_collection(v: &Json) -> bool {
    v.is_array() || v.is_object()
}

fn children(v: &Json) -> Vec<&Json> {
    match v {
        Json::Array(a) => a.iter().collect(),
        Json::Object(o) => o.values().collect(),
        _ => Vec::new(),
    }
}

fn non_string_scalar(v: &Json) -> String {
    match v {
        Json::Null => "null".into(),
        Json::Bool(b) => if *b { "true" } else { "false" }.into(),
        Json::Number(n) if n.is_f64() => yaml_float(n.as_f64().unwrap_or(0.0)),
        Json::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-.inf" } else { ".inf" }.into();
    }
    let s = python_float(f).to_lowercase();
    if !s.contains('.') && s.contains('e') {
        s.replacen('e', ".0e", 1)
    } else {
        s
    }
}

fn flow_scalar(v: &Json) -> String {
    match v {
        Json::String(s) => match choose_style(s, true) {
            Style::Plain => s.clone(),
            Style::Single => single_quoted(s, 0, 0, true),
            Style::Double => double_quoted(s),
        },
        other => non_string_scalar(other),
    }
}

#[derive(Debug, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
}

/// PyYAML's `analyze_scalar` + `choose_scalar_style` for a string.
fn choose_style(s: &str, flow: bool) -> Style {
    if s.is_empty() {
        return Style::Single;
    }
    let special = s.chars().any(|c| {
        c != '\n'
            && (c < ' ' || c == '\u{7f}' || c == '\u{feff}' || ('\u{80}'..'\u{a0}').contains(&c))
    });
    if special {
        return Style::Double;
    }
    let multiline = s.contains('\n');
    if multiline {
        // Single quotes cannot keep blanks next to a line break.
        if s.contains(" \n") || s.contains("\n ") || s.starts_with('\n') || s.ends_with('\n') {
            return Style::Double;
        }
        return Style::Single;
    }
    if resolves_to_other_type(s) || has_indicators(s, flow) {
        return Style::Single;
    }
    Style::Plain
}

fn is_blank(c: Option<char>) -> bool {
    matches!(c, None | Some(' ' | '\t' | '\r' | '\n'))
}

/// Characters that stop a string from being written plain.
fn has_indicators(s: &str, flow: bool) -> bool {
    if s.starts_with(' ') || s.ends_with(' ') || s.starts_with("---") || s.starts_with("...") {
        return true;
    }
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_blank = is_blank(chars.get(i + 1).copied());
        let prev_blank = i == 0 || is_blank(chars.get(i - 1).copied());
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                return true;
            }
            if (c == '?' || c == ':') && (flow || next_blank) {
                return true;
            }
            if c == '-' && next_blank {
                return true;
            }
            continue;
        }
        if flow && ",?[]{}".contains(c) {
            return true;
        }
        if c == ':' && (flow || next_blank) {
            return true;
        }
        if c == '#' && prev_blank {
            return true;
        }
    }
    false
}

/// Would PyYAML's YAML 1.1 resolver read this plain text as a non-string?
fn resolves_to_other_type(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        let bool_ = "yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF";
        let float = r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)";
        let int = r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+";
        let null = "~|null|Null|NULL";
        let ts = r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?";
        Regex::new(&format!("^(?:{bool_}|{float}|{int}|{null}|{ts}|<<|=)$"))
            .expect("the YAML 1.1 resolver patterns are valid")
    });
    re.is_match(s)
}

/// A plain scalar, folded at single spaces past column 80 as PyYAML does.
fn fold(text: &str, column: usize, indent: usize, simple_key: bool) -> String {
    fold_words(text, column, indent, simple_key)
}

fn fold_words(text: &str, mut column: usize, indent: usize, simple_key: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let single_space =
            c == ' ' && chars.get(i + 1) != Some(&' ') && (i == 0 || chars[i - 1] != ' ');
        if single_space && !simple_key && column > WIDTH && i + 1 < chars.len() {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            column = indent;
        } else {
            out.push(c);
            column += 1;
        }
        i += 1;
    }
    out
}

fn single_quoted(text: &str, column: usize, indent: usize, simple_key: bool) -> String {
    let escaped = text.replace('\'', "''");
    let mut out = String::from("'");
    let lines: Vec<&str> = escaped.split('\n').collect();
    for (n, line) in lines.iter().enumerate() {
        if n > 0 {
            // A line break inside single quotes is written as an empty line.
            out.push_str("\n\n");
            out.push_str(&" ".repeat(indent));
            out.push_str(&fold_words(line, indent, indent, simple_key));
        } else {
            out.push_str(&fold_words(line, column + 1, indent, simple_key));
        }
    }
    out.push('\'');
    out
}

fn double_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            c if c < ' ' || c == '\u{7f}' || ('\u{80}'..'\u{a0}').contains(&c) => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            '\u{feff}' => out.push_str("\\uFEFF"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nice() -> YamlStyle {
        YamlStyle {
            indent: 4,
            flow: Some(false),
            sort_keys: true,
        }
    }

    fn plain() -> YamlStyle {
        YamlStyle {
            indent: 2,
            flow: None,
            sort_keys: true,
        }
    }

    #[test]
    fn dump_table() {
        let cases = [
            (
                json!({"b": 1, "a": {"y": "x"}}),
                nice(),
                "a:\n    y: x\nb: 1\n",
            ),
            (
                json!({"c": [1, {"k": "v", "j": [true]}]}),
                nice(),
                "c:\n- 1\n-   j:\n    - true\n    k: v\n",
            ),
            (json!([[1, 2]]), nice(), "-   - 1\n    - 2\n"),
            (
                json!({"a": [1, 2], "b": {"c": null}}),
                plain(),
                "a: [1, 2]\nb: {c: null}\n",
            ),
            (json!({"a": 1}), plain(), "{a: 1}\n"),
            (
                json!([{"a": 1}, {"b": [1]}]),
                plain(),
                "- {a: 1}\n- b: [1]\n",
            ),
            (json!("abc"), plain(), "abc\n"),
            (json!("yes"), plain(), "'yes'\n"),
            (json!(3), plain(), "3\n"),
            (json!({}), nice(), "{}\n"),
            (json!({"e": [], "f": {}}), nice(), "e: []\nf: {}\n"),
        ];
        for (v, style, want) in cases {
            assert_eq!(dump(&v, &style), want, "{v}");
        }
    }

    #[test]
    fn string_style_table() {
        let cases = [
            ("hello world", "hello world"),
            ("", "''"),
            ("yes", "'yes'"),
            ("No", "'No'"),
            ("y", "y"),
            ("123", "'123'"),
            ("0644", "'0644'"),
            ("1.5", "'1.5'"),
            ("1e3", "1e3"),
            ("null", "'null'"),
            ("~", "'~'"),
            ("2024-01-02", "'2024-01-02'"),
            ("a: b", "'a: b'"),
            ("a:b", "a:b"),
            ("- x", "'- x'"),
            ("#c", "'#c'"),
            ("a #c", "'a #c'"),
            ("it's", "it's"),
            ("'q'", "'''q'''"),
            (" lead", "' lead'"),
            ("tab\there", "\"tab\\there\""),
            ("a\nb", "'a\n\n  b'"),
            ("München", "München"),
            ("{{ x }}", "'{{ x }}'"),
            ("25.122 GB", "25.122 GB"),
        ];
        for (s, want) in cases {
            let block = YamlStyle {
                flow: Some(false),
                ..plain()
            };
            let got = dump(&json!({ "k": s }), &block);
            assert_eq!(got, format!("k: {want}\n"), "{s:?}");
        }
    }

    #[test]
    fn long_plain_strings_fold_at_80_columns() {
        let words = vec!["word"; 30].join(" ");
        let got = dump(&json!({ "k": words }), &nice());
        let first = got.lines().next().unwrap();
        assert!(first.len() > WIDTH && first.len() <= WIDTH + 5, "{got}");
        assert!(got.lines().nth(1).unwrap().starts_with("    word"), "{got}");
    }
}
