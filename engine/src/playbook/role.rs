//! Finding a role on disk and reading its parts.

use super::model::Role;
use super::Diagnostic;
use crate::yaml::{self, Node, Pos};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Where to look for a role named `name`: `roles/` next to the playbook
/// and the including file, the configured roles paths, then the dirs
/// themselves (Ansible's order).
pub fn find_role(name: &str, dirs: &[PathBuf], roles_path: &[PathBuf]) -> Option<PathBuf> {
    let direct = PathBuf::from(name);
    if direct.is_absolute() {
        return direct.is_dir().then_some(direct);
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    for d in dirs {
        candidates.push(d.join("roles").join(name));
    }
    for r in roles_path {
        candidates.push(r.join(name));
    }
    for d in dirs {
        candidates.push(d.join(name));
    }
    candidates.into_iter().find(|c| c.is_dir())
}

/// `<dir>/<part>/<base>.yml` (or `.yaml`, or no extension).
pub fn role_file(role_dir: &Path, part: &str, base: &str) -> Option<PathBuf> {
    let dir = role_dir.join(part);
    ["", ".yml", ".yaml", ".json"]
        .iter()
        .map(|ext| dir.join(format!("{base}{ext}")))
        .find(|p| p.is_file())
}

/// Read a vars-like file (defaults, vars, vars_files) into a mapping.
pub fn read_vars_file(path: &Path) -> Result<Map<String, Value>, Diagnostic> {
    let docs = yaml::load_file(path).map_err(Diagnostic::from)?;
    let Some(doc) = docs.first() else {
        return Ok(Map::new());
    };
    // Ansible also takes a list of mappings, merged in order.
    let invalid = |at: &Pos| {
        Diagnostic::new("Invalid variable file contents.", at).hint(Some(
            "Variable files must contain either a dictionary of variables, or a list of dictionaries."
                .into(),
        ))
    };
    match doc.to_json() {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => Ok(m),
        Value::Array(items) => {
            let mut out = Map::new();
            for (item, node) in items.into_iter().zip(doc.as_seq().unwrap_or(&[])) {
                match item {
                    Value::Object(m) => out.extend(m),
                    Value::Null => {}
                    _ => return Err(invalid(&node.pos)),
                }
            }
            Ok(out)
        }
        _ => Err(invalid(&doc.pos)),
    }
}

/// Load a role's defaults and vars.
pub fn load_role_vars(
    name: &str,
    path: &Path,
    defaults_from: &str,
    vars_from: &str,
) -> Result<Role, Diagnostic> {
    let read = |part: &str, base: &str| -> Result<Map<String, Value>, Diagnostic> {
        match role_file(path, part, base) {
            Some(f) => read_vars_file(&f),
            None => Ok(Map::new()),
        }
    };
    Ok(Role {
        name: name.to_string(),
        path: path.to_path_buf(),
        defaults: read("defaults", defaults_from)?,
        vars: read("vars", vars_from)?,
        params: Map::new(),
    })
}

/// A role's `meta/main.yml`, if it has one.
fn role_meta(path: &Path) -> Result<Option<Node>, Diagnostic> {
    let Some(meta) = role_file(path, "meta", "main") else {
        return Ok(None);
    };
    let docs = yaml::load_file(&meta).map_err(Diagnostic::from)?;
    Ok(docs.into_iter().next())
}

/// The `dependencies:` of a role's `meta/main.yml`, as role entries.
pub fn role_dependencies(path: &Path) -> Result<Vec<Node>, Diagnostic> {
    Ok(role_meta(path)?
        .as_ref()
        .and_then(|d| d.get("dependencies"))
        .and_then(Node::as_seq)
        .map(<[Node]>::to_vec)
        .unwrap_or_default())
}

/// `allow_duplicates:` of a role's `meta/main.yml` (a yes/no value).
pub fn role_allows_duplicates(path: &Path) -> Result<bool, Diagnostic> {
    let Some(meta) = role_meta(path)? else {
        return Ok(false);
    };
    let Some(v) = meta.get("allow_duplicates") else {
        return Ok(false);
    };
    match v.to_json() {
        Value::Bool(b) => Ok(b),
        Value::String(s) if ["yes", "true", "on"].contains(&s.to_ascii_lowercase().as_str()) => {
            Ok(true)
        }
        Value::String(s) if ["no", "false", "off"].contains(&s.to_ascii_lowercase().as_str()) => {
            Ok(false)
        }
        other => Err(Diagnostic::new(
            format!("`allow_duplicates` must be a boolean, got {other}"),
            &v.pos,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vars_file_contents_table() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("a: 1\n", Ok(json!({"a": 1}))),
            ("", Ok(json!({}))),
            ("- a: 1\n  b: x\n- b: y\n", Ok(json!({"a": 1, "b": "y"}))),
            ("- a\n- b\n", Err((1, 3))),
            ("- a: 1\n- [2]\n", Err((2, 3))),
            ("just text\n", Err((1, 1))),
        ];
        for (i, (text, want)) in cases.into_iter().enumerate() {
            let path = dir.path().join(format!("v{i}.yml"));
            std::fs::write(&path, text).unwrap();
            match (read_vars_file(&path), want) {
                (Ok(got), Ok(want)) => assert_eq!(Value::Object(got), want, "{text:?}"),
                (Err(d), Err((line, col))) => {
                    assert_eq!(d.msg, "Invalid variable file contents.", "{text:?}");
                    assert_eq!((d.pos.line, d.pos.col), (line, col), "{text:?}");
                    assert!(d.render_origin().contains("or a list of dictionaries"));
                }
                (got, want) => panic!("{text:?}: got {got:?}, want {want:?}"),
            }
        }
    }
}
