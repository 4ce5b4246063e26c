//! YAML loading with the semantics of ansible's loader (PyYAML, YAML 1.1):
//! `yes`/`no`/`on`/`off` are booleans, `0777` is octal, duplicate keys keep
//! the last value (at the first key's position), non-string keys are allowed.
//! Every node remembers its line so errors can point at it.

use crate::error::{InventoryError, Result};
use std::collections::HashMap;
use std::path::Path;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A loaded YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum YValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<YNode>),
    /// Entries in first-seen key order; a repeated key replaces the value.
    Map(Vec<(YNode, YNode)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct YNode {
    pub value: YValue,
    /// 1-based line of the node's start.
    pub line: usize,
    /// 1-based column of the node's start.
    pub col: usize,
}

impl YNode {
    /// The key as ansible would see it after `str()`-like use in names.
    pub fn key_string(&self) -> String {
        match &self.value {
            YValue::Str(s) => s.clone(),
            YValue::Int(i) => i.to_string(),
            YValue::Float(f) => crate::pyfmt::float_repr(*f),
            YValue::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            YValue::Null => "None".to_string(),
            _ => format!("{:?}", self.value),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
            YValue::Null => Value::Null,
            YValue::Bool(b) => Value::Bool(*b),
            YValue::Int(i) => Value::from(*i),
            YValue::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(crate::pyfmt::float_repr(*f))),
            YValue::Str(s) => Value::String(s.clone()),
            YValue::Seq(items) => Value::Array(items.iter().map(YNode::to_json).collect()),
            YValue::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    m.insert(json_key(k), v.to_json());
                }
                Value::Object(m)
            }
        }
    }
}

/// JSON object key for a YAML key, as Python's json module writes it.
fn json_key(k: &YNode) -> String {
    match &k.value {
        YValue::Bool(b) => b.to_string(),
        YValue::Null => "null".into(),
        _ => k.key_string(),
    }
}

/// Parses the first document of `text`; `Ok(None)` for an empty document.
pub fn load(text: &str, file: &Path) -> Result<Option<YNode>> {
    Ok(load_with_warnings(text, file)?.0)
}

/// Like `load`, also returning ansible's warnings (duplicate keys).
pub fn load_with_warnings(text: &str, file: &Path) -> Result<(Option<YNode>, Vec<String>)> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut b, false).map_err(|e| {
        InventoryError::parse(
            file,
            e.marker().line(),
            format!("YAML parsing failed: {}", e.info()),
        )
    })?;
    if let Some(msg) = b.error {
        return Err(InventoryError::parse(file, b.error_line, msg));
    }
    // PyYAML builds outer mappings before inner ones, so it reports
    // duplicates from the outside in.
    b.duplicates.sort_by_key(|d| d.0);
    let warnings = b
        .duplicates
        .iter()
        .map(|(_, key, line, col)| {
            format!(
                "Found duplicate mapping key {key}.\nOrigin: {}:{line}:{col}\n\nUsing last defined value only.\n",
                file.display()
            )
        })
        .collect();
    Ok((b.root, warnings))
}

/// How many nodes aliases may copy into one file. Each alias is a full
/// copy, so nested aliases grow exponentially ("billion laughs").
const MAX_ALIAS_NODES: usize = 100_000;

/// Deepest collection nesting accepted: deeper trees would overflow the
/// stack of the recursive code that reads them.
const MAX_DEPTH: usize = 128;

/// Nodes in a tree (the node itself included).
fn node_count(n: &YNode) -> usize {
    1 + match &n.value {
        YValue::Seq(items) => items.iter().map(node_count).sum(),
        YValue::Map(entries) => entries
            .iter()
            .map(|(k, v)| node_count(k) + node_count(v))
            .sum(),
        _ => 0,
    }
}

enum Frame {
    Seq(YNode, usize),
    Map(YNode, Option<YNode>, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<YNode>,
    /// Anchored nodes and how many nodes each holds.
    anchors: HashMap<usize, (YNode, usize)>,
    /// Nodes copied in by aliases so far (bounded: see [`MAX_ALIAS_NODES`]).
    expanded: usize,
    /// Collections open beyond [`MAX_DEPTH`] (not built).
    skipped_depth: usize,
    error: Option<String>,
    error_line: usize,
    /// Repeated keys: (nesting depth, Python repr of the key, line, column).
    duplicates: Vec<(usize, String, usize, usize)>,
    /// Column of the last scalar/collection start (for duplicate-key origins).
    last_col: usize,
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        self.last_col = mark.col() + 1;
        if self.too_deep(&ev, line) {
            return;
        }
        match ev {
            Event::Scalar(s, style, anchor, tag) => {
                let node = YNode {
                    value: resolve_scalar(s, style, tag.as_ref()),
                    line,
                    col: self.last_col,
                };
                self.push(node, anchor);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq(
                YNode {
                    value: YValue::Seq(vec![]),
                    line,
                    col: self.last_col,
                },
                anchor,
            )),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map(
                YNode {
                    value: YValue::Map(vec![]),
                    line,
                    col: self.last_col,
                },
                None,
                anchor,
            )),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(Frame::Seq(n, a) | Frame::Map(n, _, a)) = self.stack.pop() {
                    self.push(n, a);
                }
            }
            Event::Alias(id) => self.alias(id, line),
            _ => {}
        }
    }
}

impl Builder {
    fn fail(&mut self, line: usize, msg: &str) {
        if self.error.is_none() {
            self.error = Some(msg.to_string());
            self.error_line = line;
        }
    }

    /// Past [`MAX_DEPTH`] nothing more is built (the file is refused):
    /// true for the events of those inner collections.
    fn too_deep(&mut self, ev: &Event, line: usize) -> bool {
        let opens = matches!(ev, Event::SequenceStart(..) | Event::MappingStart(..));
        let closes = matches!(ev, Event::SequenceEnd | Event::MappingEnd);
        if self.skipped_depth > 0 {
            if opens {
                self.skipped_depth += 1;
            } else if closes {
                self.skipped_depth -= 1;
            }
            return true;
        }
        if opens && self.stack.len() >= MAX_DEPTH {
            self.fail(
                line,
                &format!("YAML nested more than {MAX_DEPTH} levels deep"),
            );
            self.skipped_depth = 1;
            return true;
        }
        false
    }

    /// Copies an anchored node, within the expansion budget.
    fn alias(&mut self, id: usize, line: usize) {
        if self.error.is_some() {
            return;
        }
        let Some((node, size)) = self.anchors.get(&id) else {
            return self.fail(line, "found undefined alias");
        };
        self.expanded += size;
        if self.expanded > MAX_ALIAS_NODES {
            let msg =
                format!("aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)");
            return self.fail(line, &msg);
        }
        let node = node.clone();
        self.push(node, 0);
    }

    fn push(&mut self, node: YNode, anchor: usize) {
        if anchor > 0 {
            self.anchors
                .insert(anchor, (node.clone(), node_count(&node)));
        }
        let depth = self.stack.len();
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq(seq, _)) => {
                if let YValue::Seq(items) = &mut seq.value {
                    items.push(node);
                }
            }
            Some(Frame::Map(map, pending, _)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let YValue::Map(entries) = &mut map.value {
                        if entries.iter().any(|(k, _)| k.value == key.value) {
                            let repr = match &key.value {
                                YValue::Str(s) => crate::pyfmt::str_repr(s),
                                _ => key.key_string(),
                            };
                            self.duplicates.push((depth, repr, key.line, key_col(&key)));
                        }
                        insert_entry(entries, key, node);
                    }
                }
            },
        }
    }
}

fn key_col(k: &YNode) -> usize {
    k.col
}

/// Inserts a mapping entry; `<<` merge keys copy missing keys, a duplicate
/// key replaces the earlier value in place (Python dict semantics).
fn insert_entry(entries: &mut Vec<(YNode, YNode)>, key: YNode, value: YNode) {
    if key.value == YValue::Str("<<".into()) {
        let sources = match value.value {
            YValue::Seq(items) => items,
            _ => vec![value],
        };
        for src in sources {
            if let YValue::Map(src_entries) = src.value {
                for (k, v) in src_entries {
                    if !entries.iter().any(|(ek, _)| ek.value == k.value) {
                        entries.push((k, v));
                    }
                }
            }
        }
        return;
    }
    match entries.iter_mut().find(|(k, _)| k.value == key.value) {
        Some(slot) => slot.1 = value,
        None => entries.push((key, value)),
    }
}

/// YAML 1.1 implicit typing of plain scalars (PyYAML's SafeLoader resolver).
fn resolve_scalar(s: String, style: TScalarStyle, tag: Option<&Tag>) -> YValue {
    if let Some(t) = tag {
        return match t.suffix.as_str() {
            "str" => YValue::Str(s),
            "int" => int_1_1(&s).map_or(YValue::Str(s), YValue::Int),
            "float" => float_1_1(&s).map_or(YValue::Str(s), YValue::Float),
            "bool" => bool_1_1(&s).map_or(YValue::Str(s), YValue::Bool),
            "null" => YValue::Null,
            _ => YValue::Str(s), // e.g. !unsafe, !vault: keep the text
        };
    }
    if style != TScalarStyle::Plain {
        return YValue::Str(s);
    }
    if matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL") {
        return YValue::Null;
    }
    if let Some(b) = bool_1_1(&s) {
        return YValue::Bool(b);
    }
    if let Some(i) = int_1_1(&s) {
        return YValue::Int(i);
    }
    if let Some(f) = float_1_1(&s) {
        return YValue::Float(f);
    }
    YValue::Str(s)
}

fn bool_1_1(s: &str) -> Option<bool> {
    match s {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" | "y" | "Y" => {
            // PyYAML's resolver does not include the single-letter forms.
            if s == "y" || s == "Y" {
                None
            } else {
                Some(true)
            }
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn int_1_1(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() || body.starts_with('_') {
        return None;
    }
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    let v: i64 = if let Some(b) = clean.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if let Some(h) = clean.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if clean.len() > 1 && clean.starts_with('0') {
        i64::from_str_radix(&clean[1..], 8).ok()?
    } else if clean.contains(':') {
        sexagesimal(&clean)?.round() as i64
    } else if clean.bytes().all(|c| c.is_ascii_digit()) {
        clean.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn sexagesimal(s: &str) -> Option<f64> {
    let mut v = 0f64;
    for (i, part) in s.split(':').enumerate() {
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
            return None;
        }
        if i > 0 && part.parse::<f64>().ok()? >= 60.0 {
            return None;
        }
        v = v * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(v)
}

fn float_1_1(s: &str) -> Option<f64> {
    let re = crate::yaml_load::float_re();
    if !re.is_match(s) {
        return match s.to_ascii_lowercase().as_str() {
            ".inf" | "+.inf" => Some(f64::INFINITY),
            "-.inf" => Some(f64::NEG_INFINITY),
            ".nan" => Some(f64::NAN),
            _ => None,
        };
    }
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    if clean.contains(':') {
        let (neg, body) = match clean.strip_prefix('-') {
            Some(b) => (true, b.to_string()),
            None => (false, clean.trim_start_matches('+').to_string()),
        };
        let v = sexagesimal(&body)?;
        return Some(if neg { -v } else { v });
    }
    clean.parse().ok()
}

fn float_re() -> &'static regex::Regex {
    static R: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    // PyYAML's float resolver: requires a '.', optional exponent with sign.
    R.get_or_init(|| {
        regex::Regex::new(
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)$",
        )
        .expect("static regex")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(s: &str) -> YValue {
        load(&format!("k: {s}\n"), Path::new("t"))
            .unwrap()
            .map(|n| match n.value {
                YValue::Map(mut e) => e.remove(0).1.value,
                _ => unreachable!(),
            })
            .unwrap()
    }

    #[test]
    fn yaml_1_1_scalars() {
        let cases = [
            ("yes", YValue::Bool(true)),
            ("Off", YValue::Bool(false)),
            ("'yes'", YValue::Str("yes".into())),
            ("0777", YValue::Int(511)),
            ("0x1F", YValue::Int(31)),
            ("1_000", YValue::Int(1000)),
            ("1.5", YValue::Float(1.5)),
            ("1e3", YValue::Str("1e3".into())),
            ("1.0e+3", YValue::Float(1000.0)),
            ("~", YValue::Null),
            ("", YValue::Null),
            ("7.2", YValue::Float(7.2)),
            ("1:30", YValue::Int(90)),
            ("abc", YValue::Str("abc".into())),
        ];
        for (src, want) in cases {
            assert_eq!(scalar(src), want, "{src}");
        }
    }

    #[test]
    fn duplicate_keys_keep_last_value_first_position() {
        let n = load("a: 1\nb: 2\na: 3\n", Path::new("t")).unwrap().unwrap();
        let YValue::Map(e) = n.value else {
            unreachable!()
        };
        let got: Vec<(String, YValue)> = e
            .into_iter()
            .map(|(k, v)| (k.key_string(), v.value))
            .collect();
        assert_eq!(
            got,
            vec![("a".into(), YValue::Int(3)), ("b".into(), YValue::Int(2))]
        );
    }
}
