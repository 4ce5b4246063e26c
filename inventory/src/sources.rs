//! Inventory sources (`-i`): a comma-separated host list, a file, or a
//! directory of inventory files, tried with the same rules as ansible:
//! host list when the string has a comma and is not an existing path; in a
//! directory every entry in sorted order except hidden files, `group_vars`,
//! `host_vars`, `vars_plugins` and ignored extensions; a file is YAML when
//! its extension is .yml/.yaml/.json (or it has none and parses as a YAML
//! mapping), INI otherwise.

use crate::error::{InventoryError, Result};
use crate::model::InventoryData;
use crate::{address, ini, yaml, yaml_load};
use std::path::{Path, PathBuf};

/// ansible's INVENTORY_IGNORE_EXTS default.
const IGNORED_EXTS: [&str; 12] = [
    ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry",
];
const IGNORED_NAMES: [&str; 3] = ["host_vars", "group_vars", "vars_plugins"];
const YAML_EXTS: [&str; 3] = ["yml", "yaml", "json"];

/// Outcome of parsing one source.
pub enum Parsed {
    Yes,
    /// Nothing usable there (missing path, empty directory): ansible warns.
    No,
}

/// Is this source string a host list rather than a path?
pub fn is_host_list(source: &str) -> bool {
    source.contains(',') && !Path::new(source).exists()
}

/// Parses one `-i` value into `inv`. A source that fails leaves `inv`
/// untouched (parsing works on a copy) and reports the error; failures
/// inside a directory are collected and the other files still load.
pub fn parse_source(
    inv: &mut InventoryData,
    source: &str,
    failures: &mut Vec<InventoryError>,
) -> Parsed {
    if is_host_list(source) {
        parse_host_list(inv, source);
        return Parsed::Yes;
    }
    let path = absolute(Path::new(source));
    if path.is_dir() {
        return parse_dir(inv, &path, failures);
    }
    if !path.exists() {
        return Parsed::No;
    }
    match parse_file(inv, &path) {
        Ok(()) => Parsed::Yes,
        Err(e) => {
            failures.push(e);
            Parsed::No
        }
    }
}

fn parse_dir(inv: &mut InventoryData, dir: &Path, failures: &mut Vec<InventoryError>) -> Parsed {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => return Parsed::No,
    };
    names.sort();
    let mut parsed = Parsed::No;
    for n in names.iter().filter(|n| !is_ignored(n)) {
        let full = dir.join(n);
        if let Parsed::Yes = parse_source(inv, &full.to_string_lossy(), failures) {
            parsed = Parsed::Yes;
        }
    }
    parsed
}

fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || IGNORED_NAMES.contains(&name)
        || IGNORED_EXTS.iter().any(|e| name.ends_with(e))
}

fn parse_host_list(inv: &mut InventoryData, list: &str) {
    inv.current_source = None;
    for h in list.split(',').map(str::trim).filter(|h| !h.is_empty()) {
        let (host, port) = match address::parse_address(h) {
            Ok((host, port)) if !host.contains('[') => (host, port),
            _ => (h.to_string(), None),
        };
        if !inv.hosts.contains_key(&host) {
            inv.add_host(&host, Some("ungrouped"), port);
        }
    }
}

/// Parses one inventory file on a copy of `inv`, committing only on success.
fn parse_file(inv: &mut InventoryData, path: &Path) -> Result<()> {
    let bytes =
        std::fs::read(path).map_err(|e| InventoryError::file(path, format!("cannot read: {e}")))?;
    parse_bytes(inv, path, &bytes)
}

/// Parses the content of an inventory file named `path` (its extension
/// picks YAML or INI) on a copy of `inv`, committing only on success.
pub fn parse_bytes(inv: &mut InventoryData, path: &Path, bytes: &[u8]) -> Result<()> {
    if bytes.starts_with(b"#!") {
        return Err(InventoryError::file(
            path,
            "inventory scripts (executable files with a shebang) are not supported",
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| InventoryError::file(path, "inventory file is not valid UTF-8"))?;
    let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
    let yaml_candidate = match &ext {
        None => true,
        Some(e) => YAML_EXTS.contains(&e.as_str()),
    };
    let mut yaml_err = None;
    if yaml_candidate {
        match try_yaml(inv, path, text) {
            Ok(()) => return Ok(()),
            // Extension-less files that are not YAML mappings are plain INI:
            // report the INI error then, the YAML one otherwise.
            Err(YamlAttempt::NotYaml(e)) => yaml_err = ext.is_some().then_some(e),
            Err(YamlAttempt::Invalid(e)) => yaml_err = Some(e),
        }
    }
    let mut staged = inv.clone();
    staged.current_source = Some(path.to_path_buf());
    match ini::parse(&mut staged, path, text) {
        Ok(()) => {
            staged.current_source = None;
            *inv = staged;
            Ok(())
        }
        Err(ini_err) => {
            // Keep warnings emitted while trying (ansible prints them too).
            for w in staged
                .warnings
                .split_off(inv.warnings.len().min(staged.warnings.len()))
            {
                inv.warn(w);
            }
            Err(yaml_err.unwrap_or(ini_err))
        }
    }
}

enum YamlAttempt {
    /// Not YAML, or YAML that is not a mapping: the INI parser may try.
    NotYaml(InventoryError),
    /// A YAML mapping with an invalid inventory structure.
    Invalid(InventoryError),
}

fn try_yaml(
    inv: &mut InventoryData,
    path: &Path,
    text: &str,
) -> std::result::Result<(), YamlAttempt> {
    let (doc, yaml_warnings) =
        yaml_load::load_with_warnings(text, path).map_err(YamlAttempt::NotYaml)?;
    let is_map = matches!(
        doc.as_ref().map(|d| &d.value),
        Some(yaml_load::YValue::Map(_))
    );
    let mut staged = inv.clone();
    if is_map {
        for w in yaml_warnings {
            staged.warn(w);
        }
    }
    staged.current_source = Some(path.to_path_buf());
    match yaml::parse(&mut staged, path, doc) {
        Ok(()) => {
            staged.current_source = None;
            *inv = staged;
            Ok(())
        }
        Err(e) if is_map => {
            for w in staged
                .warnings
                .split_off(inv.warnings.len().min(staged.warnings.len()))
            {
                inv.warn(w);
            }
            Err(YamlAttempt::Invalid(e))
        }
        Err(e) => Err(YamlAttempt::NotYaml(e)),
    }
}

/// The directory whose `group_vars/`/`host_vars/` apply to a source
/// (none for host lists).
pub fn vars_base(source: &str) -> Option<PathBuf> {
    if is_host_list(source) {
        return None;
    }
    let p = absolute(Path::new(source));
    let base = if p.is_dir() {
        p
    } else {
        p.parent()?.to_path_buf()
    };
    Some(std::fs::canonicalize(&base).unwrap_or(base))
}

/// Absolute, lexically normalised path (ansible's `unfrackpath` without
/// following symlinks): `./a/../b` becomes `<cwd>/b`.
pub fn absolute(p: &Path) -> PathBuf {
    use std::path::Component;
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
