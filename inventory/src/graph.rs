//! `ansible-inventory --graph [GROUP] [--vars]`: the group tree, children
//! before hosts, each level indented with `  |`.

use crate::error::{InventoryError, Result};
use crate::list_json::plain_host_output_vars;
use crate::literal::unwrap_unsafe_map;
use crate::pyfmt::py_str;
use crate::vars::{group_vars, remove_internal};
use crate::vault_values::{decrypt_value, is_vault_value};
use crate::Inventory;
use serde_json::{Map, Value};

/// The tree rooted at `group`, one line per entry, without a trailing newline.
pub fn graph(inv: &Inventory, group: &str, show_vars: bool) -> Result<String> {
    if inv.group(group).is_none() {
        return Err(InventoryError::Pattern(
            "Pattern must be valid group name when using --graph".into(),
        ));
    }
    let mut lines = Vec::new();
    graph_group(inv, group, 0, show_vars, &mut lines)?;
    Ok(lines.join("\n"))
}

fn graph_name(name: &str, depth: usize) -> String {
    if depth == 0 {
        return name.to_string();
    }
    format!("{}--{name}", "  |".repeat(depth))
}

fn graph_group(
    inv: &Inventory,
    name: &str,
    depth: usize,
    show_vars: bool,
    out: &mut Vec<String>,
) -> Result<()> {
    out.push(graph_name(&format!("@{name}:"), depth));
    let g = inv.group(name).expect("known group");
    for kid in &g.children {
        graph_group(inv, kid, depth + 1, show_vars, out)?;
    }
    if name != "all" {
        for h in &g.hosts {
            out.push(graph_name(h, depth + 1));
            if show_vars {
                show(&plain_host_output_vars(inv, h, false), depth + 2, out)?;
            }
        }
    }
    if show_vars {
        let vars = unwrap_unsafe_map(remove_internal(
            group_vars(inv.data(), name).unwrap_or_default(),
        ));
        show(&vars, depth + 1, out)?;
    }
    Ok(())
}

/// One `{name = value}` line per variable; `!vault` values decrypted, as
/// ansible-inventory prints them.
fn show(vars: &Map<String, Value>, depth: usize, out: &mut Vec<String>) -> Result<()> {
    let mut keys: Vec<&String> = vars.keys().collect();
    keys.sort();
    for k in keys {
        let text = match &vars[k.as_str()] {
            Value::String(s) if is_vault_value(s) => decrypt_value(s)?,
            v => py_str(v),
        };
        out.push(graph_name(&format!("{{{k} = {text}}}"), depth));
    }
    Ok(())
}
