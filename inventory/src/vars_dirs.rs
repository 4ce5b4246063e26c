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

/// The extensions a vars file may have (besides none).
pub const EXTENSIONS: [&str; 3] = [".yml", ".yaml", ".json"];

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

/// The files holding the variables of host or group `name` under `dir`,
/// in load order: the first of `<name>`, `<name>.yml`, `<name>.yaml`,
/// `<name>.json` that exists — a file, or a directory whose vars files
/// (recursively, sorted) all count. The engine applies the same rule to
/// `group_vars/`/`host_vars/` next to a playbook.
pub fn find_vars_files(dir: &Path, name: &str) -> Vec<PathBuf> {
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

/// Inside an entity's directory: files without an extension or with a
/// vars one, and directories without an extension, recursively; hidden
/// files and editor backups (`~`) are skipped.
fn dir_vars_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in sorted_entries(dir) {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if is_hidden(name) {
            continue;
        }
        let ext = extension(name);
        if path.is_dir() {
            if ext.is_empty() {
                out.extend(dir_vars_files(&path));
            }
        } else if path.is_file() && (ext.is_empty() || EXTENSIONS.contains(&ext)) {
            out.push(path);
        }
    }
    out
}

/// The entries of `dir`, sorted; none when it cannot be read.
pub fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Hidden files and editor backups, which vars plugins skip.
pub fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~')
}

/// Python's `os.path.splitext(name)[1]`: from the last dot (`"a."` has
/// the extension `"."`), none for a name that only starts with dots.
pub fn extension(name: &str) -> &str {
    let body = name.trim_start_matches('.');
    match body.rfind('.') {
        Some(i) => &body[i..],
        None => "",
    }
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
