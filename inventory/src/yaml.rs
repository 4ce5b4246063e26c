//! The YAML inventory format, as ansible's `yaml` inventory plugin reads it:
//! top-level keys are groups; each group may have `hosts`, `vars` and
//! `children` (recursively groups). A host may appear in many groups.

use crate::error::{InventoryError, Result};
use crate::host_entry::expand_host_entry;
use crate::model::{invalid_var_name_warning, is_valid_identifier, InventoryData};
use crate::yaml_load::{YNode, YValue};
use std::path::Path;

/// Populates `inv` from an already loaded YAML document.
pub fn parse(inv: &mut InventoryData, path: &Path, doc: Option<YNode>) -> Result<()> {
    let Some(doc) = doc else {
        return Err(InventoryError::file(path, "Parsed empty YAML file"));
    };
    let YValue::Map(entries) = doc.value else {
        return Err(InventoryError::parse(
            path,
            doc.line,
            format!(
                "YAML inventory has invalid structure, it should be a dictionary, got: {}",
                py_type(&doc.value)
            ),
        ));
    };
    if entries.is_empty() {
        return Err(InventoryError::file(path, "Parsed empty YAML file"));
    }
    if entries
        .iter()
        .any(|(k, v)| k.key_string() == "plugin" && truthy(&v.value))
    {
        return Err(InventoryError::file(
            path,
            "Plugin configuration YAML file, not YAML inventory (inventory plugins are not supported)",
        ));
    }
    let mut p = YamlParser { inv, path };
    for (name, body) in &entries {
        p.group(name, body)?;
    }
    Ok(())
}

struct YamlParser<'a> {
    inv: &'a mut InventoryData,
    path: &'a Path,
}

impl YamlParser<'_> {
    fn err(&self, line: usize, msg: impl Into<String>) -> InventoryError {
        InventoryError::parse(self.path, line, msg)
    }

    /// Parses one group body; returns the group name (used by the parent).
    fn group(&mut self, name_node: &YNode, body: &YNode) -> Result<String> {
        let YValue::Str(name) = &name_node.value else {
            return Err(self.err(
                name_node.line,
                format!(
                    "Invalid group name supplied, expected a string but got {}",
                    py_type(&name_node.value)
                ),
            ));
        };
        let entries = match &body.value {
            YValue::Null => {
                self.inv.add_group(name);
                return Ok(name.clone());
            }
            YValue::Map(e) => e,
            _ => {
                self.inv.warn(format!(
                    "Skipping '{name}' as this is not a valid group definition"
                ));
                return Ok(name.clone());
            }
        };
        self.inv.add_group(name);
        for (key, section) in entries {
            self.section(name, key, section)?;
        }
        Ok(name.clone())
    }

    fn section(&mut self, group: &str, key: &YNode, section: &YNode) -> Result<()> {
        let key = key.key_string();
        let known = matches!(key.as_str(), "vars" | "children" | "hosts");
        // A bare string is accepted as a one-entry mapping ("hosts: web1").
        let entries: Vec<(YNode, YNode)> = match &section.value {
            YValue::Str(_) if known => {
                vec![(section.clone(), YNode { value: YValue::Null, line: section.line, col: section.col })]
            }
            YValue::Map(e) => e.clone(),
            YValue::Null => return Ok(()),
            other if known => {
                return Err(self.err(
                    section.line,
                    format!(
                        "Invalid \"{key}\" entry for \"{group}\" group, requires a dictionary, found \"{}\" instead.",
                        py_type(other)
                    ),
                ))
            }
            other => {
                self.inv.warn(format!(
                    "Skipping key ({key}) in group ({group}) as it is not a mapping, it is a {}",
                    py_type(other)
                ));
                return Ok(());
            }
        };
        match key.as_str() {
            "vars" => self.vars(group, &entries),
            "children" => self.children(group, &entries),
            "hosts" => self.hosts(group, &entries),
            _ => {
                self.inv.warn(format!(
                    "Skipping unexpected key ({key}) in group ({group}), only \"vars\", \"children\" and \"hosts\" are valid"
                ));
                Ok(())
            }
        }
    }

    fn vars(&mut self, group: &str, entries: &[(YNode, YNode)]) -> Result<()> {
        for (k, v) in entries {
            let name = self.var_name(k);
            self.inv
                .set_group_var(group, &name, v.to_json())
                .map_err(|e| self.err(k.line, e))?;
        }
        Ok(())
    }

    fn children(&mut self, group: &str, entries: &[(YNode, YNode)]) -> Result<()> {
        for (k, v) in entries {
            let child = self.group(k, v)?;
            if self.inv.groups.contains_key(&child) {
                self.inv
                    .add_child(group, &child)
                    .map_err(|e| self.err(k.line, e.to_string()))?;
            } else if self.inv.hosts.contains_key(&child) {
                self.inv.add_host(&child, Some(group), None);
            } else {
                return Err(self.err(k.line, format!("{child} is not a known host nor group")));
            }
        }
        Ok(())
    }

    fn hosts(&mut self, group: &str, entries: &[(YNode, YNode)]) -> Result<()> {
        for (k, v) in entries {
            let YValue::Str(pattern) = &k.value else {
                return Err(self.err(
                    k.line,
                    format!(
                        "Host pattern {} must be a string. Enclose integers/floats in quotation marks.",
                        k.key_string()
                    ),
                ));
            };
            let (names, port) = expand_host_entry(pattern).map_err(|e| self.err(k.line, e))?;
            let vars = match &v.value {
                YValue::Null => vec![],
                YValue::Map(e) => e.clone(),
                YValue::Bool(false) => vec![],
                _ => {
                    return Err(self.err(
                        v.line,
                        format!(
                            "Invalid data from file, expected dictionary and got:\n\n{}",
                            v.key_string()
                        ),
                    ))
                }
            };
            for h in &names {
                self.inv.add_host(h, Some(group), port);
                for (vk, vv) in &vars {
                    let name = self.var_name(vk);
                    self.inv.set_host_var(h, &name, vv.to_json());
                }
            }
        }
        Ok(())
    }

    /// Variable names are taken as text; invalid ones are accepted with
    /// ansible's deprecation warning.
    fn var_name(&mut self, k: &YNode) -> String {
        let name = k.key_string();
        if !is_valid_identifier(&name) || !matches!(k.value, YValue::Str(_)) {
            let repr = match k.value {
                YValue::Str(_) => crate::pyfmt::str_repr(&name),
                _ => name.clone(),
            };
            self.inv
                .warn(invalid_var_name_warning(&repr, self.path, k.line));
        }
        name
    }
}

fn truthy(v: &YValue) -> bool {
    match v {
        YValue::Null => false,
        YValue::Bool(b) => *b,
        YValue::Int(i) => *i != 0,
        YValue::Float(f) => *f != 0.0,
        YValue::Str(s) => !s.is_empty(),
        YValue::Seq(s) => !s.is_empty(),
        YValue::Map(m) => !m.is_empty(),
    }
}

/// Python's `type(x)` text, used in ansible's messages.
fn py_type(v: &YValue) -> &'static str {
    match v {
        YValue::Null => "<class 'NoneType'>",
        YValue::Bool(_) => "<class 'bool'>",
        YValue::Int(_) => "<class 'int'>",
        YValue::Float(_) => "<class 'float'>",
        YValue::Str(_) => "<class 'str'>",
        YValue::Seq(_) => "<class 'list'>",
        YValue::Map(_) => "<class 'dict'>",
    }
}
