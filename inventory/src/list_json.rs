//! `ansible-inventory --list` / `--host` JSON, and Python's
//! `json.dumps(sort_keys=True, indent=4, ensure_ascii=False)` text form.

use crate::literal::unwrap_unsafe_map;
use crate::vars::{group_vars, own_host_vars, remove_internal};
use crate::Inventory;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// The `--list` document. `available` restricts hosts (`--limit`);
/// `export` adds group `vars` and shows hosts' own variables only.
pub fn list_json(inv: &Inventory, available: &[String], export: bool) -> Value {
    let avail: HashSet<&str> = available.iter().map(String::as_str).collect();
    let mut results = Map::new();
    let mut seen = HashSet::new();
    format_group(inv, "all", &avail, export, &mut seen, &mut results);
    let mut hostvars = Map::new();
    for h in available {
        let vars = host_output_vars(inv, h, export);
        if !vars.is_empty() {
            hostvars.insert(h.clone(), Value::Object(vars));
        }
    }
    let mut meta = Map::new();
    meta.insert("hostvars".into(), Value::Object(hostvars));
    meta.insert("profile".into(), Value::String("inventory_legacy".into()));
    results.insert("_meta".into(), Value::Object(meta));
    Value::Object(results)
}

fn format_group(
    inv: &Inventory,
    name: &str,
    avail: &HashSet<&str>,
    export: bool,
    seen: &mut HashSet<String>,
    results: &mut Map<String, Value>,
) {
    let g = inv.group(name).expect("known group");
    let mut entry = Map::new();
    if name != "all" {
        let hosts: Vec<Value> = g
            .hosts
            .iter()
            .filter(|h| avail.contains(h.as_str()))
            .map(|h| Value::String(h.clone()))
            .collect();
        entry.insert("hosts".into(), Value::Array(hosts));
    }
    let mut children = Vec::new();
    for c in &g.children {
        children.push(Value::String(c.clone()));
        if seen.insert(c.clone()) {
            format_group(inv, c, avail, export, seen, results);
        }
    }
    entry.insert("children".into(), Value::Array(children));
    if export {
        let vars = remove_internal(group_vars(inv.data(), name).unwrap_or_default());
        entry.insert("vars".into(), Value::Object(vars));
    }
    remove_empty_keys(&mut entry);
    if !entry.is_empty() {
        results.insert(name.to_string(), Value::Object(entry));
    }
}

pub(crate) fn remove_empty_keys(entry: &mut Map<String, Value>) {
    for k in ["hosts", "vars", "children"] {
        let empty = match entry.get(k) {
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
            Some(_) | None => false,
        };
        if empty {
            entry.remove(k);
        }
    }
}

/// Variables printed for a host: merged (default) or own (`--export`),
/// unsafe strings still marked (only JSON `--list` shows the marker).
pub(crate) fn host_output_vars(inv: &Inventory, host: &str, export: bool) -> Map<String, Value> {
    let vars = if export && inv.host(host).is_some() {
        own_host_vars(inv.data(), host)
    } else {
        crate::vars::host_vars(inv.data(), host).unwrap_or_default()
    };
    remove_internal(vars)
}

/// `host_output_vars` with unsafe strings as plain text (`--host`, YAML, graph).
pub(crate) fn plain_host_output_vars(
    inv: &Inventory,
    host: &str,
    export: bool,
) -> Map<String, Value> {
    unwrap_unsafe_map(host_output_vars(inv, host, export))
}

/// The `--host HOST` document.
pub fn host_json(inv: &Inventory, host: &str, export: bool) -> Value {
    Value::Object(plain_host_output_vars(inv, host, export))
}

/// Serialises like Python's `json.dumps(v, sort_keys=True, indent=4,
/// ensure_ascii=False)`, which is how ansible-inventory prints (`!vault`
/// values as `{"__ansible_vault": "<ciphertext>"}`).
pub fn to_python_json(v: &Value) -> String {
    let mut out = String::new();
    write_value(&crate::vault_values::mark_vault_values(v), 0, &mut out);
    out
}

fn write_value(v: &Value, level: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => write_str(s, out),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        Value::Object(o) if o.is_empty() => out.push_str("{}"),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(level + 1, out);
                write_value(item, level + 1, out);
            }
            out.push('\n');
            indent(level, out);
            out.push(']');
        }
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(level + 1, out);
                write_str(k, out);
                out.push_str(": ");
                write_value(&o[k.as_str()], level + 1, out);
            }
            out.push('\n');
            indent(level, out);
            out.push('}');
        }
    }
}

fn number_text(n: &serde_json::Number) -> String {
    if n.is_f64() {
        let f = n.as_f64().unwrap_or(f64::NAN);
        return crate::pyfmt::float_repr(f);
    }
    n.to_string()
}

fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
