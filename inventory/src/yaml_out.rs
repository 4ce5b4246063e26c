//! `ansible-inventory --list --yaml` / `--host H --yaml`: the YAML inventory
//! layout (groups nested under `children`, hosts with their variables under
//! the first group that lists them) written the way PyYAML's
//! `yaml.dump(default_flow_style=False)` writes it: sorted keys, two-space
//! indentation, sequences not indented under their key.

use crate::list_json::plain_host_output_vars;
use crate::literal::unwrap_unsafe_map;
use crate::vars::{group_vars, remove_internal};
use crate::Inventory;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// The YAML document for `--list --yaml`.
pub fn list_yaml(inv: &Inventory, available: &[String], export: bool) -> String {
    let avail: HashSet<&str> = available.iter().map(String::as_str).collect();
    let mut st = State {
        seen_hosts: HashSet::new(),
        seen_groups: HashSet::new(),
    };
    let doc = Node::Map(format_group(inv, "all", &avail, export, &mut st));
    let mut anchors = Anchors::default();
    anchors.scan(&doc);
    let mut out = String::new();
    match &doc {
        Node::Map(entries) if !entries.is_empty() => {
            write_node_map(entries, 0, &mut anchors, &mut out)
        }
        _ => out.push_str("{}\n"),
    }
    out
}

/// The YAML document for `--host H --yaml`.
pub fn host_yaml(inv: &Inventory, host: &str, export: bool) -> String {
    dump(&Value::Object(plain_host_output_vars(inv, host, export)))
}

struct State {
    seen_hosts: HashSet<String>,
    seen_groups: HashSet<String>,
}

/// The document tree. Group variables are one shared object per group in
/// ansible, so PyYAML writes their second and later occurrences as aliases.
enum Node {
    Leaf(Value),
    Shared(String, Value),
    Map(Vec<(String, Node)>),
}

fn is_empty(n: &Node) -> bool {
    matches!(n, Node::Map(e) if e.is_empty())
}

fn format_group(
    inv: &Inventory,
    name: &str,
    avail: &HashSet<&str>,
    export: bool,
    st: &mut State,
) -> Vec<(String, Node)> {
    let g = inv.group(name).expect("known group");
    let mut children = Vec::new();
    for c in &g.children {
        if st.seen_groups.contains(c) {
            children.push((c.clone(), Node::Map(vec![])));
        } else {
            children.extend(format_group(inv, c, avail, export, st));
            st.seen_groups.insert(c.clone());
        }
    }
    let mut hosts = Vec::new();
    if name != "all" {
        for h in g.hosts.iter().filter(|h| avail.contains(h.as_str())) {
            let vars = if st.seen_hosts.insert(h.clone()) {
                host_node(inv, h, export)
            } else {
                vec![]
            };
            hosts.push((h.clone(), Node::Map(vars)));
        }
    }
    let mut entry = vec![
        ("children".to_string(), Node::Map(children)),
        ("hosts".to_string(), Node::Map(hosts)),
    ];
    if export {
        let gv = unwrap_unsafe_map(remove_internal(
            group_vars(inv.data(), name).unwrap_or_default(),
        ));
        let leaves = gv.into_iter().map(|(k, v)| (k, Node::Leaf(v))).collect();
        entry.push(("vars".to_string(), Node::Map(leaves)));
    }
    entry.retain(|(_, n)| !is_empty(n));
    if entry.is_empty() {
        return vec![];
    }
    vec![(name.to_string(), Node::Map(entry))]
}

fn host_node(inv: &Inventory, host: &str, export: bool) -> Vec<(String, Node)> {
    if export {
        return plain_host_output_vars(inv, host, true)
            .into_iter()
            .map(|(k, v)| (k, Node::Leaf(v)))
            .collect();
    }
    let shown = plain_host_output_vars(inv, host, false);
    let origins = crate::vars::host_vars_with_origin(inv.data(), host).unwrap_or_default();
    shown
        .into_iter()
        .map(|(k, v)| {
            let origin = origins.get(&k).and_then(|(_, o)| o.clone());
            let node = match origin {
                Some(id) if is_object(&v) => Node::Shared(id, v),
                _ => Node::Leaf(v),
            };
            (k, node)
        })
        .collect()
}

/// Whether PyYAML writes this value as an object that can be anchored:
/// lists, dicts, and `!vault` values (not `str`s in Python).
fn is_object(v: &Value) -> bool {
    match v {
        Value::Array(_) | Value::Object(_) => true,
        Value::String(s) => crate::vault_values::is_vault_value(s),
        _ => false,
    }
}

/// PyYAML anchor numbering: `idNNN` in the order nodes are met a second
/// time while walking the document in output order.
#[derive(Default)]
struct Anchors {
    seen: HashSet<String>,
    ids: std::collections::HashMap<String, usize>,
    written: HashSet<String>,
}

impl Anchors {
    fn scan(&mut self, n: &Node) {
        match n {
            Node::Leaf(_) => {}
            Node::Shared(id, _) => {
                if !self.seen.insert(id.clone()) && !self.ids.contains_key(id) {
                    let next = self.ids.len() + 1;
                    self.ids.insert(id.clone(), next);
                }
            }
            Node::Map(entries) => {
                for (_, child) in sorted(entries) {
                    self.scan(child);
                }
            }
        }
    }
}

fn sorted(entries: &[(String, Node)]) -> Vec<&(String, Node)> {
    let mut v: Vec<&(String, Node)> = entries.iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn write_node_map(
    entries: &[(String, Node)],
    indent: usize,
    anchors: &mut Anchors,
    out: &mut String,
) {
    for (k, n) in sorted(entries) {
        pad(indent, out);
        out.push_str(&scalar(&Value::String(k.clone())));
        out.push(':');
        match n {
            Node::Leaf(v) => write_child(v, indent, out),
            Node::Map(e) if e.is_empty() => out.push_str(" {}\n"),
            Node::Map(e) => {
                out.push('\n');
                write_node_map(e, indent + 2, anchors, out);
            }
            Node::Shared(id, v) => match anchors.ids.get(id).copied() {
                None => write_child(v, indent, out),
                Some(num) if anchors.written.contains(id) => {
                    out.push_str(&format!(" *id{num:03}\n"))
                }
                Some(num) => {
                    anchors.written.insert(id.clone());
                    out.push_str(&format!(" &id{num:03}"));
                    write_child(v, indent, out);
                }
            },
        }
    }
}

/// PyYAML-style block YAML for a JSON value.
pub fn dump(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => write_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => write_seq(a, 0, &mut out),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

fn write_map(m: &Map<String, Value>, indent: usize, out: &mut String) {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 || !out.ends_with("- ") {
            pad(indent, out);
        }
        out.push_str(&scalar(&Value::String(k.clone())));
        out.push(':');
        write_child(&m[k.as_str()], indent, out);
    }
}

/// A mapping value: nested maps indent by two, sequences stay at the key's
/// column (PyYAML's indentless sequences), scalars follow on the same line.
fn write_child(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(a, indent, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar_at(other, indent + 2));
            out.push('\n');
        }
    }
}

fn write_seq(a: &[Value], indent: usize, out: &mut String) {
    for (i, item) in a.iter().enumerate() {
        // A nested sequence starts on its parent's "- " line: "- - 1".
        if i > 0 || !out.ends_with("- ") {
            pad(indent, out);
        }
        out.push_str("- ");
        match item {
            Value::Object(m) if is_block(item) => write_map(m, indent + 2, out),
            Value::Array(inner) if is_block(item) => write_seq(inner, indent + 2, out),
            other => {
                out.push_str(&scalar_at(other, indent + 2));
                out.push('\n');
            }
        }
    }
}

fn pad(n: usize, out: &mut String) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn scalar(v: &Value) -> String {
    scalar_at(v, 0)
}

/// A scalar whose continuation lines (multi-line strings) are indented by
/// `cont` spaces.
fn scalar_at(v: &Value, cont: usize) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.is_infinite() {
                return if f > 0.0 { ".inf" } else { "-.inf" }.into();
            }
            crate::pyfmt::float_repr(f).to_lowercase()
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_scalar(s, cont),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn string_scalar(s: &str, cont: usize) -> String {
    if crate::vault_values::is_vault_value(s) {
        return crate::vault_values::vault_yaml(s, cont);
    }
    if s.chars()
        .any(|c| (c as u32) < 0x20 && c != '\n' || c == '\x7f')
    {
        return double_quoted(s);
    }
    if plain_allowed(s) {
        return s.to_string();
    }
    // In single quotes a line break is written as an empty line.
    let brk = format!("\n\n{}", " ".repeat(cont));
    format!("'{}'", s.replace('\'', "''").replace('\n', &brk))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// PyYAML's plain-scalar test (block context) plus its implicit resolvers:
/// text that would read back as another type must be quoted.
fn plain_allowed(s: &str) -> bool {
    if s.is_empty() || s.starts_with([' ', '\t']) || s.ends_with([' ', '\t']) || s.contains('\n') {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    let chars: Vec<char> = s.chars().collect();
    let first = chars[0];
    let followed_by_space = |i: usize| chars.get(i + 1).is_none_or(|c| *c == ' ' || *c == '\t');
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return false;
    }
    if "-?:".contains(first) && followed_by_space(0) {
        return false;
    }
    for i in 1..chars.len() {
        let c = chars[i];
        if c == ':' && followed_by_space(i) {
            return false;
        }
        if c == '#' && (chars[i - 1] == ' ' || chars[i - 1] == '\t') {
            return false;
        }
    }
    !resolves_to_non_string(s)
}

fn resolves_to_non_string(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "yes" | "no" | "true" | "false" | "on" | "off" | "null" | "~" | "=" | "<<"
    ) {
        return true;
    }
    if matches!(
        s,
        ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
            | ".Inf"
            | ".NaN"
            | ".INF"
            | ".NAN"
            | "-.Inf"
            | "-.INF"
            | "+.Inf"
            | "+.INF"
    ) {
        return true;
    }
    let wrapped = format!("k: {s}\n");
    if let Ok(Some(doc)) = crate::yaml_load::load(&wrapped, std::path::Path::new("-")) {
        if let crate::yaml_load::YValue::Map(e) = doc.value {
            if let Some((_, v)) = e.first() {
                if !matches!(v.value, crate::yaml_load::YValue::Str(_)) {
                    return true;
                }
            }
        }
    }
    looks_like_timestamp(s)
}

/// PyYAML's timestamp resolver (such text would load back as a date).
fn looks_like_timestamp(s: &str) -> bool {
    static R: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    R.get_or_init(|| {
        regex::Regex::new(
            r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$",
        )
        .expect("static regex")
    })
    .is_match(s)
}
