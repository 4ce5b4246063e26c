//! `lookup()` / `query()` / `q()`: env, file, template, pipe, vars,
//! first_found, items, list, sequence-free basics.

use minijinja::value::{Kwargs, Rest, Value as JValue};
use minijinja::{Environment, Error, ErrorKind, State};
use std::path::PathBuf;

pub fn register(env: &mut Environment<'static>) {
    env.add_function(
        "lookup",
        |state: &State, name: String, terms: Rest<JValue>, kw: Kwargs| {
            let wantlist: Option<bool> = kw.get("wantlist")?;
            let values = run(state, &name, &terms, &kw)?;
            if wantlist == Some(true) {
                return Ok(JValue::from(values));
            }
            Ok(match values.len() {
                1 => values.into_iter().next().unwrap_or_default(),
                _ if values.iter().all(|v| v.as_str().is_some()) => JValue::from(
                    values
                        .iter()
                        .map(|v| v.as_str().unwrap_or_default().to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                _ => JValue::from(values),
            })
        },
    );
    for q in ["query", "q"] {
        env.add_function(
            q,
            |state: &State, name: String, terms: Rest<JValue>, kw: Kwargs| {
                let _: Option<bool> = kw.get("wantlist")?;
                run(state, &name, &terms, &kw).map(JValue::from)
            },
        );
    }
}

fn err(msg: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg)
}

fn text(v: &JValue) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// Terms flattened one level (`lookup('x', ['a', 'b'])` == `lookup('x', 'a', 'b')`).
fn flat_terms(terms: &[JValue]) -> Vec<JValue> {
    let mut out = Vec::new();
    for t in terms {
        match t.try_iter() {
            Ok(it) if t.as_str().is_none() && t.kind() == minijinja::value::ValueKind::Seq => {
                out.extend(it)
            }
            _ => out.push(t.clone()),
        }
    }
    out
}

/// Directories a controller-side file is searched in: the role's, then the playbook's.
fn search_dirs(state: &State, sub: &str) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for var in ["role_path", "playbook_dir"] {
        if let Some(d) = state
            .lookup(var)
            .and_then(|v| v.as_str().map(PathBuf::from))
        {
            dirs.push(d.join(sub));
            dirs.push(d);
        }
    }
    dirs
}

fn find(state: &State, sub: &str, name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(name);
    if p.is_absolute() {
        return p.exists().then_some(p);
    }
    search_dirs(state, sub)
        .into_iter()
        .map(|d| d.join(&p))
        .find(|c| c.exists())
}

fn run(state: &State, name: &str, terms: &[JValue], kw: &Kwargs) -> Result<Vec<JValue>, Error> {
    let name = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    let terms = flat_terms(terms);
    let values = match name {
        "env" => {
            let default: Option<String> = kw.get("default")?;
            terms
                .iter()
                .map(|t| {
                    JValue::from(
                        std::env::var(text(t))
                            .ok()
                            .or(default.clone())
                            .unwrap_or_default(),
                    )
                })
                .collect()
        }
        "file" => {
            let rstrip: Option<bool> = kw.get("rstrip")?;
            let lstrip: Option<bool> = kw.get("lstrip")?;
            let mut out = Vec::new();
            for t in &terms {
                let path = find(state, "files", &text(t))
                    .ok_or_else(|| err(format!("could not locate file in lookup: {}", text(t))))?;
                let mut s = std::fs::read_to_string(&path)
                    .map_err(|e| err(format!("{}: {e}", path.display())))?;
                if rstrip.unwrap_or(true) {
                    s.truncate(s.trim_end().len());
                }
                if lstrip.unwrap_or(false) {
                    s = s.trim_start().to_string();
                }
                out.push(JValue::from(s));
            }
            out
        }
        "template" => {
            let mut out = Vec::new();
            for t in &terms {
                let path = find(state, "templates", &text(t)).ok_or_else(|| {
                    err(format!(
                        "the template file {} could not be found for the lookup",
                        text(t)
                    ))
                })?;
                let src = std::fs::read_to_string(&path)
                    .map_err(|e| err(format!("{}: {e}", path.display())))?;
                let tpl = state.env().template_from_str(&src)?;
                let rendered = tpl.render(state.lookup("vars").unwrap_or_default())?;
                out.push(JValue::from(rendered));
            }
            out
        }
        "pipe" => {
            let mut out = Vec::new();
            for t in &terms {
                let o = std::process::Command::new("/bin/sh")
                    .arg("-c")
                    .arg(text(t))
                    .output()
                    .map_err(|e| err(format!("pipe lookup: {e}")))?;
                if !o.status.success() {
                    return Err(err(format!(
                        "lookup_plugin.pipe({}) returned {}",
                        text(t),
                        o.status.code().unwrap_or(-1)
                    )));
                }
                let s = String::from_utf8_lossy(&o.stdout);
                out.push(JValue::from(s.trim_end_matches('\n').to_string()));
            }
            out
        }
        "vars" => {
            let default: Option<JValue> = kw.get("default")?;
            let mut out = Vec::new();
            for t in &terms {
                let v = state
                    .lookup(&text(t))
                    .filter(|v| !v.is_undefined())
                    .or_else(|| default.clone());
                out.push(v.ok_or_else(|| {
                    Error::new(
                        ErrorKind::UndefinedError,
                        format!("No variable found with this name: {}", text(t)),
                    )
                })?);
            }
            out
        }
        "first_found" => {
            let mut names: Vec<String> = Vec::new();
            let mut paths: Vec<String> = Vec::new();
            for t in &terms {
                if t.kind() == minijinja::value::ValueKind::Map {
                    if let Ok(f) = t.get_attr("files") {
                        names.extend(flat_terms(&[f]).iter().map(text));
                    }
                    if let Ok(p) = t.get_attr("paths") {
                        paths.extend(flat_terms(&[p]).iter().map(text));
                    }
                } else {
                    names.push(text(t));
                }
            }
            let skip: Option<bool> = kw.get("skip")?;
            let found = names.iter().find_map(|n| {
                if paths.is_empty() {
                    find(state, "files", n)
                } else {
                    paths
                        .iter()
                        .map(|p| PathBuf::from(p).join(n))
                        .find(|c| c.exists())
                }
            });
            match found {
                Some(p) => vec![JValue::from(p.display().to_string())],
                None if skip == Some(true) => vec![],
                None => return Err(err("No file was found when using first_found.".into())),
            }
        }
        "items" | "list" | "flattened" => terms,
        "indexed_items" => terms
            .into_iter()
            .enumerate()
            .map(|(i, v)| JValue::from(vec![JValue::from(i), v]))
            .collect(),
        _ => return Err(err(format!("lookup plugin '{name}' not found"))),
    };
    kw.assert_all_used()?;
    Ok(values)
}
