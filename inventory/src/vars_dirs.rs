//! `group_vars/` and `host_vars/` next to inventory sources, as ansible's
//! `host_group_vars` vars plugin finds them: for an entity `name`, the first
//! of `name` (file or directory), `name.yml`, `name.yaml`, `name.json` that
//! exists; a directory contributes all its files (no extension or one of
//! those), recursively, in sorted order, skipping hidden and `~` files.
//! Later files override earlier ones key by key (no deep merge).

use crate::error::{InventoryError, Result};
use crate::yaml_load::{self, YValue};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

const EXTENSIONS: [&str; 3] = [".yml", ".yaml", ".json"];

/// Variables for `name` from `<base>/<subdir>/` (`subdir` is `group_vars`
/// or `host_vars`), merged in file order.
pub fn load_entity_vars(base: &Path, subdir: &str, name: &str) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    // Names that look like absolute paths (chroot hosts) are never looked up.
    if name.starts_with('/') {
        return Ok(out);
    }
    for file in find_vars_files(&base.join(subdir), name) {
        for (k, v) in load_vars_file(&file)? {
            out.insert(k, v);
        }
    }
    Ok(out)
}

fn find_vars_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    if !dir.is_dir() {
        return vec![];
    }
    for ext in std::iter::once("").chain(EXTENSIONS) {
        let candidate = dir.join(format!("{name}{ext}"));
        if candidate.is_dir() {
            return dir_vars_files(&candidate);
        }
        if candidate.exists() {
            return vec![candidate];
        }
    }
    vec![]
}

fn dir_vars_files(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => return vec![],
    };
    names.sort();
    let mut out = Vec::new();
    for n in names {
        if n.starts_with('.') || n.ends_with('~') {
            continue;
        }
        let full = dir.join(&n);
        let ext = Path::new(&n)
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        if full.is_dir() && ext.is_empty() {
            out.extend(dir_vars_files(&full));
        } else if full.is_file() && (ext.is_empty() || EXTENSIONS.contains(&ext.as_str())) {
            out.push(full);
        }
    }
    out
}

/// Loads one vars file (YAML or JSON, possibly vault-encrypted as a
/// whole); empty files give no variables.
pub fn load_vars_file(file: &Path) -> Result<Map<String, Value>> {
    let mut text = std::fs::read_to_string(file)
        .map_err(|e| InventoryError::file(file, format!("cannot read vars file: {e}")))?;
    if crate::vault_files::is_vault_file(&text) {
        text = crate::vault_files::decrypt_file(&text, file)?;
    }
    let Some(doc) = yaml_load::load(&text, file)? else {
        return Ok(Map::new());
    };
    match (&doc.value, doc.to_json()) {
        (_, Value::Object(m)) => Ok(m),
        (YValue::Null, _) => Ok(Map::new()),
        (_, other) => Err(InventoryError::parse(
            file,
            doc.line,
            format!(
                "failed to combine variables, expected dicts but got a '{}' and a 'dict'",
                json_type(&other)
            ),
        )),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "list",
        Value::String(_) => "str",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::Null => "NoneType",
        Value::Object(_) => "dict",
    }
}
