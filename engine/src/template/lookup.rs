//! `lookup()` / `query()` / `q()`: env, file, template, pipe, lines, vars,
//! first_found, items, list, sequence-free basics.

use super::filters::Delimiters;
use super::TemplateSyntax;
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

/// The template lookup's syntax options (Ansible's defaults otherwise).
fn lookup_syntax(kw: &Kwargs) -> Result<TemplateSyntax, Error> {
    let mut syntax = TemplateSyntax::default();
    let pairs = [
        ("variable_start_string", &mut syntax.variable.0),
        ("variable_end_string", &mut syntax.variable.1),
        ("comment_start_string", &mut syntax.comment.0),
        ("comment_end_string", &mut syntax.comment.1),
    ];
    for (key, slot) in pairs {
        if let Some(v) = kw.get::<Option<String>>(key)? {
            *slot = v;
        }
    }
    if let Some(t) = kw.get::<Option<bool>>("trim_blocks")? {
        syntax.trim_blocks = t;
    }
    Ok(syntax)
}

/// `lookup('template', f)` as ansible-core 2.19 renders it: natively, so
/// a template whose only output is one expression gives that value
/// (`{{ {'a': 1} }}` is a dict), anything else a string, which gets the
/// template's trailing newlines (Jinja drops one, Ansible puts it back).
/// String literals are Jinja's, as in any template file.
fn render_template_file(
    state: &State,
    src: &str,
    syntax: &TemplateSyntax,
) -> Result<JValue, Error> {
    let vars = state.lookup("vars").unwrap_or_default();
    let (src, syntax) = super::overrides::extract(src, syntax).map_err(err)?;
    let env = super::templar::file_environment(&syntax).map_err(err)?;
    let delims = syntax.syntax.delimiters();
    let body = src.strip_suffix('\n').unwrap_or(src);
    if delims == Delimiters::default() {
        if let Some(expr) = super::lone_expression(body) {
            let wrapped = format!("{{{{ {expr} }}}}");
            let text = super::filters::template_source(&wrapped, &delims, false);
            let compiled = env.compile_expression_owned(text[3..text.len() - 3].to_string())?;
            let v = compiled.eval(&vars)?;
            if v.as_str().is_none() && !v.is_undefined() {
                return Ok(v);
            }
        }
    }
    let text = env.render_str(&super::filters::template_source(src, &delims, false), &vars)?;
    if let Some(v) = native_macro_output(body, &text) {
        return Ok(v);
    }
    Ok(JValue::from(super::overrides::restore_trailing_newlines(
        src, text,
    )))
}

/// A template that only defines macros (or sets and imports) and then
/// outputs one `{{ expression }}` whose text is a Python dict or list repr
/// (a macro's native output, in Ansible): that container.
fn native_macro_output(body: &str, text: &str) -> Option<JValue> {
    static DEFS: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let defs = DEFS.get_or_init(|| {
        regex::Regex::new(
            r"(?s)\{%-?\s*macro\b.*?\{%-?\s*endmacro\s*-?%\}\n?|\{%-?\s*(?:set|import|from)\b[^%]*-?%\}\n?",
        )
        .expect("valid regex")
    });
    let rest = defs.replace_all(body, "");
    super::lone_expression(rest.trim_end_matches('\n'))?;
    let t = text.trim();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let v: serde_json::Value = serde_yaml::from_str(t).ok()?;
    Some(JValue::from(minijinja::value::Serde(v)))
}

/// The standard output of `/bin/sh -c cmd` on the controller; a
/// non-zero exit is an error, as in Ansible's `pipe` and `lines`.
fn shell_output(lookup: &str, cmd: &str) -> Result<String, Error> {
    let o = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .map_err(|e| err(format!("{lookup} lookup: {e}")))?;
    if !o.status.success() {
        return Err(err(format!(
            "lookup_plugin.{lookup}({cmd}) returned {}",
            o.status.code().unwrap_or(-1)
        )));
    }
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
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
            let syntax = lookup_syntax(kw)?;
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
                out.push(render_template_file(state, &src, &syntax)?);
            }
            out
        }
        "pipe" => {
            let mut out = Vec::new();
            for t in &terms {
                let s = shell_output("pipe", &text(t))?;
                out.push(JValue::from(s.trim_end_matches('\n').to_string()));
            }
            out
        }
        // One value per line of each command's output.
        "lines" => {
            let mut out = Vec::new();
            for t in &terms {
                let s = shell_output("lines", &text(t))?;
                out.extend(s.lines().map(JValue::from));
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
