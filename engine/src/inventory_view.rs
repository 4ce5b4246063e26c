//! What the engine needs from an inventory. The real implementation is
//! `inventory-parser`'s; [`StaticInventory`] serves tests and the
//! `-i 'h1,h2,'` comma-list form.

use indexmap::IndexMap;
use serde_json::{Map, Value};

pub trait InventoryView: Send + Sync {
    /// All hosts, in inventory order.
    fn hosts(&self) -> Vec<String>;
    /// Ansible's `groups` magic variable (`all` and `ungrouped` included).
    fn groups(&self) -> IndexMap<String, Vec<String>>;
    /// Ansible's `group_names` for a host (never `all`; `ungrouped` when in no group).
    fn group_names(&self, host: &str) -> Vec<String>;
    /// The host's inventory variables, group/host precedence applied.
    fn host_vars(&self, host: &str) -> Map<String, Value>;
    /// Hosts matching a pattern (`all`, `web:&prod`, `!db1`, globs…), in inventory order.
    fn select(&self, pattern: &str) -> Result<Vec<String>, String>;
}

/// A small in-memory inventory: hosts with vars, and groups.
#[derive(Debug, Clone, Default)]
pub struct StaticInventory {
    hosts: IndexMap<String, Map<String, Value>>,
    groups: IndexMap<String, Vec<String>>,
}

impl StaticInventory {
    pub fn new() -> Self {
        Self::default()
    }

    /// `-i 'h1,h2,'`: hosts listed, no groups. `localhost` gets the
    /// implicit local connection only when it is not listed (Ansible).
    pub fn from_comma_list(list: &str) -> Self {
        let mut inv = StaticInventory::new();
        for h in list.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            inv.add_host(h, Map::new());
        }
        inv
    }

    pub fn add_host(&mut self, name: &str, vars: Map<String, Value>) {
        self.hosts.entry(name.to_string()).or_default().extend(vars);
    }

    pub fn add_to_group(&mut self, group: &str, host: &str) {
        self.hosts.entry(host.to_string()).or_default();
        let members = self.groups.entry(group.to_string()).or_default();
        if !members.iter().any(|m| m == host) {
            members.push(host.to_string());
        }
    }

    fn one(&self, pat: &str) -> Result<Vec<String>, String> {
        if pat == "all" || pat == "*" {
            return Ok(self.hosts.keys().cloned().collect());
        }
        if let Some(m) = self.groups.get(pat) {
            return Ok(m.clone());
        }
        if pat == "ungrouped" {
            return Ok(self.ungrouped());
        }
        if self.hosts.contains_key(pat) {
            return Ok(vec![pat.to_string()]);
        }
        if pat.contains('*') {
            let re = regex::Regex::new(&format!("^{}$", regex::escape(pat).replace("\\*", ".*")))
                .map_err(|e| e.to_string())?;
            return Ok(self
                .hosts
                .keys()
                .filter(|h| re.is_match(h))
                .cloned()
                .collect());
        }
        Ok(vec![])
    }

    fn ungrouped(&self) -> Vec<String> {
        self.hosts
            .keys()
            .filter(|h| !self.groups.values().any(|m| m.contains(h)))
            .cloned()
            .collect()
    }
}

impl InventoryView for StaticInventory {
    fn hosts(&self) -> Vec<String> {
        self.hosts.keys().cloned().collect()
    }

    fn groups(&self) -> IndexMap<String, Vec<String>> {
        let mut g = IndexMap::new();
        g.insert("all".to_string(), self.hosts());
        g.insert("ungrouped".to_string(), self.ungrouped());
        for (k, v) in &self.groups {
            g.insert(k.clone(), v.clone());
        }
        g
    }

    fn group_names(&self, host: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .groups
            .iter()
            .filter(|(_, m)| m.iter().any(|h| h == host))
            .map(|(g, _)| g.clone())
            .collect();
        names.sort();
        if names.is_empty() && self.hosts.contains_key(host) {
            names.push("ungrouped".to_string());
        }
        names
    }

    fn host_vars(&self, host: &str) -> Map<String, Value> {
        self.hosts.get(host).cloned().unwrap_or_default()
    }

    /// Unions (`a:b`, `a,b`), intersections (`&g`) and exclusions (`!h`).
    fn select(&self, pattern: &str) -> Result<Vec<String>, String> {
        let mut out: Vec<String> = Vec::new();
        let parts: Vec<&str> = pattern
            .split([':', ','])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        for p in &parts {
            if p.starts_with('&') || p.starts_with('!') {
                continue;
            }
            for h in self.one(p)? {
                if !out.contains(&h) {
                    out.push(h);
                }
            }
        }
        for p in &parts {
            if let Some(g) = p.strip_prefix('&') {
                let keep = self.one(g)?;
                out.retain(|h| keep.contains(h));
            } else if let Some(g) = p.strip_prefix('!') {
                let drop = self.one(g)?;
                out.retain(|h| !drop.contains(h));
            }
        }
        Ok(out)
    }
}

/// The real inventory: Ansible INI/YAML files, directories and comma lists
/// parsed by `inventory-parser`.
impl InventoryView for inventory_parser::Inventory {
    fn hosts(&self) -> Vec<String> {
        inventory_parser::Inventory::hosts(self)
    }

    fn groups(&self) -> IndexMap<String, Vec<String>> {
        inventory_parser::Inventory::groups(self)
    }

    fn group_names(&self, host: &str) -> Vec<String> {
        inventory_parser::Inventory::group_names(self, host)
    }

    fn host_vars(&self, host: &str) -> Map<String, Value> {
        let mut vars = inventory_parser::Inventory::host_vars(self, host).unwrap_or_default();
        decrypt_vault_values(&mut vars);
        vars
    }

    fn select(&self, pattern: &str) -> Result<Vec<String>, String> {
        inventory_parser::Inventory::select(self, pattern).map_err(|e| e.to_string())
    }
}

/// `!vault` values in inventory files and `group_vars/` reach us as their
/// ciphertext (inventory-parser knows no secrets): decrypt them with the
/// run's vault secrets, and mask them in output like every vault value.
/// A value that cannot be decrypted is left as is; using it shows the
/// ciphertext, never a secret.
fn decrypt_vault_values(vars: &mut Map<String, Value>) {
    fn walk(v: &mut Value) {
        match v {
            Value::String(s) if crate::vault::is_vault(s.as_bytes()) => {
                if let Ok(plain) = crate::vault::decrypt_str(s.as_bytes(), crate::vault::secrets())
                {
                    crate::vault::reveal(&plain);
                    *s = plain.to_string();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            Value::Object(m) => m.values_mut().for_each(walk),
            _ => {}
        }
    }
    vars.values_mut().for_each(walk);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_table() {
        let mut inv = StaticInventory::from_comma_list("a,b,c,");
        inv.add_to_group("web", "a");
        inv.add_to_group("web", "b");
        inv.add_to_group("db", "b");
        let cases = [
            ("all", vec!["a", "b", "c"]),
            ("web", vec!["a", "b"]),
            ("web:&db", vec!["b"]),
            ("all:!web", vec!["c"]),
            ("a,c", vec!["a", "c"]),
            ("ungrouped", vec!["c"]),
            ("x*", vec![]),
            ("nothere", vec![]),
        ];
        for (pat, want) in cases {
            assert_eq!(inv.select(pat).unwrap(), want, "{pat}");
        }
        assert_eq!(inv.group_names("b"), vec!["db", "web"]);
    }
}
