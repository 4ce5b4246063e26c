//! `include_vars`: load variables from a YAML/JSON file or a directory,
//! as ansible-core 2.19's action plugin does (its rules for walking a
//! directory, extensions, `ignore_files`, `hash_behaviour` and its result
//! shape on failure: `message` plus the partial result).

use super::set_fact::is_identifier;
use super::ControlCtx;
use crate::module::{ArgSpec, ArgType, Args, ModuleError, ModuleSpec, Outcome};
use crate::template::filters::{expanduser, merge_hash, splitext, ListMerge};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Options that only mean something with `dir` (ansible-core refuses
/// them next to `file`).
const DIR_ONLY: &[&str] = &[
    "dir",
    "depth",
    "files_matching",
    "ignore_files",
    "extensions",
    "ignore_unknown_extensions",
];
const DEFAULT_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[
        ArgSpec::new("file", ArgType::Path, "A vars file").aliases(&["_raw_params"]),
        ArgSpec::new(
            "dir",
            ArgType::Path,
            "A directory of vars files, walked recursively",
        ),
        ArgSpec::new("name", ArgType::Str, "Put the variables under this name"),
        ArgSpec::new(
            "files_matching",
            ArgType::Str,
            "Only files whose name this regex finds (dir)",
        ),
        ArgSpec::new(
            "ignore_files",
            ArgType::List,
            "Regexes of file names to skip, anchored at the end (dir)",
        ),
        ArgSpec::new(
            "extensions",
            ArgType::List,
            "Extensions a file must have (dir); default yaml, yml, json",
        ),
        ArgSpec::new(
            "ignore_unknown_extensions",
            ArgType::Bool,
            "Skip files with another extension instead of failing (dir)",
        ),
        ArgSpec::new(
            "depth",
            ArgType::Int,
            "How many directory levels to read (dir); 0 or unset: all",
        ),
        ArgSpec::new(
            "hash_behaviour",
            ArgType::Str,
            "`merge`: merge loaded dictionaries into the variables' current values",
        )
        .choices(&["replace", "merge"]),
    ],
    free_form: Some("file"),
    mutually_exclusive: &[&["file", "dir"]],
    required_one_of: &[&["file", "dir"]],
    returns: &[
        (
            "ansible_facts",
            "The variables loaded (under `name` when given).",
        ),
        ("ansible_included_var_files", "The files read."),
        (
            "message",
            "On failure: why (the file that did not load, a directory that does not exist…).",
        ),
    ],
    ..ModuleSpec::new(
        "include_vars",
        "Load variables from files, dynamically within a task",
    )
};

/// What was loaded so far, and the error that stopped loading.
#[derive(Default)]
struct Loaded {
    vars: Map<String, Value>,
    files: Vec<Value>,
    error: Option<String>,
}

pub fn run(ctx: &ControlCtx<'_>, args: Args) -> Result<Outcome, ModuleError> {
    let s = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
    if s("file").is_some() && DIR_ONLY.iter().any(|k| args.contains_key(*k)) {
        // ansible-core's words, raised (not a result) so "Task failed: " leads.
        return Err(ModuleError::failed(
            "Task failed: You are mixing file only and dir only arguments, these are incompatible",
        ));
    }
    let loaded = match (s("file"), s("dir")) {
        (Some(f), _) => load_file(ctx, &f),
        (None, Some(d)) => load_dir(ctx, &d, &args)?,
        (None, None) => Loaded::default(),
    };
    let mut facts = match s("name") {
        Some(n) => Map::from_iter([(n, Value::Object(loaded.vars))]),
        None => loaded.vars,
    };
    let mut o = Outcome::ok();
    match loaded.error {
        // ansible-core's result has `message`, and no `msg` (the
        // executor words it "Action failed: Unknown error.").
        Some(e) => {
            o.failed = true;
            o = o.with("message", e);
        }
        None if s("hash_behaviour").as_deref() == Some("merge") => {
            facts = merged_with_current(ctx, facts);
        }
        None => {}
    }
    Ok(o.with("ansible_facts", Value::Object(facts))
        .with("ansible_included_var_files", Value::Array(loaded.files)))
}

/// `file`: found in the role's `vars/`, next to the task file or the
/// playbook (`~` expanded on the controller, as ansible-core does).
fn load_file(ctx: &ControlCtx<'_>, f: &str) -> Loaded {
    let mut loaded = Loaded::default();
    match ctx.find_file("vars", &expanduser(f)) {
        Some(p) => load_one(&p, &mut loaded),
        None => loaded.error = Some(format!("Could not find or access '{f}'")),
    }
    loaded
}

/// `dir`: every file of the directory tree, directories in the order of
/// their paths as text, files by name within each, up to `depth` levels.
fn load_dir(ctx: &ControlCtx<'_>, d: &str, args: &Args) -> Result<Loaded, ModuleError> {
    let mut loaded = Loaded::default();
    let root = dir_root(ctx, d);
    if !root.exists() {
        loaded.error = Some(format!("{} directory does not exist", root.display()));
        return Ok(loaded);
    }
    if !root.is_dir() {
        loaded.error = Some(format!("{} is not a directory", root.display()));
        return Ok(loaded);
    }
    let select = Selection::from_args(args)?;
    let depth = args.get("depth").and_then(Value::as_u64).unwrap_or(0) as usize;
    for (dir, names) in walk_sorted(&root) {
        let level = dir
            .strip_prefix(&root)
            .map_or(0, |r| r.components().count())
            + 1;
        if depth != 0 && level > depth {
            continue;
        }
        // A directory's variables count only if all its files loaded
        // (ansible-core drops that directory's part on an error, keeping
        // the earlier directories' and the list of files read).
        let mut here = Loaded::default();
        for name in names {
            match select.judge(&name) {
                Judged::Skip => continue,
                Judged::Load => load_one(&dir.join(&name), &mut here),
                Judged::BadExtension => {
                    here.error = Some(format!(
                        "{} does not have a valid extension: {}",
                        dir.join(&name).display(),
                        select.extensions.join(", ")
                    ))
                }
            }
            if here.error.is_some() {
                break;
            }
        }
        loaded.files.append(&mut here.files);
        if here.error.is_some() {
            loaded.error = here.error;
            return Ok(loaded);
        }
        loaded.vars.extend(here.vars);
    }
    Ok(loaded)
}

/// ansible-core's `_set_root_dir`: in a role, `vars/x` inside the role
/// when it exists, else the role's `vars/` joined with `dir`; outside a
/// role, relative to the task's file.
fn dir_root(ctx: &ControlCtx<'_>, d: &str) -> PathBuf {
    match &ctx.role_path {
        Some(role) if d.split('/').next() == Some("vars") => {
            let in_role = role.join(d);
            if in_role.exists() {
                in_role
            } else {
                PathBuf::from(d)
            }
        }
        Some(role) => role.join("vars").join(d),
        None => ctx.task_dir.join(d),
    }
}

/// Which files of a directory load.
struct Selection {
    matching: Option<regex::Regex>,
    ignore: Vec<regex::Regex>,
    extensions: Vec<String>,
    ignore_unknown: bool,
}

enum Judged {
    Load,
    Skip,
    BadExtension,
}

impl Selection {
    fn from_args(args: &Args) -> Result<Selection, ModuleError> {
        let regex = |r: &str| {
            regex::Regex::new(r)
                .map_err(|_| ModuleError::failed(format!("Invalid regular expression: {r}")))
        };
        let matching = match args.get("files_matching").and_then(Value::as_str) {
            Some(r) => Some(regex(r)?),
            None => None,
        };
        let ignore = strings(args.get("ignore_files"))
            .iter()
            .map(|p| regex(&format!("(?:{p})$")))
            .collect::<Result<_, _>>()?;
        let extensions = match args.get("extensions") {
            Some(v) => strings(Some(v)),
            None => DEFAULT_EXTENSIONS.iter().map(|e| e.to_string()).collect(),
        };
        let ignore_unknown = args
            .get("ignore_unknown_extensions")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok(Selection {
            matching,
            ignore,
            extensions,
            ignore_unknown,
        })
    }

    fn judge(&self, name: &str) -> Judged {
        let unmatched = self.matching.as_ref().is_some_and(|r| !r.is_match(name));
        if unmatched || self.ignore.iter().any(|r| r.is_match(name)) {
            return Judged::Skip;
        }
        let known = python_extension(name).is_some_and(|e| self.extensions.iter().any(|x| x == e));
        match (known, self.ignore_unknown) {
            (true, _) => Judged::Load,
            (false, true) => Judged::Skip,
            (false, false) => Judged::BadExtension,
        }
    }
}

/// A list option's strings; a string is split on blanks (ansible-core
/// takes `ignore_files: "a b"` so).
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// The extension as Python's `os.path.splitext` sees it, without its dot
/// (`.bashrc` has none, `a.` an empty one).
fn python_extension(name: &str) -> Option<&str> {
    splitext(name).1.strip_prefix('.')
}

/// Every directory under `root` (symlinks followed, as `os.walk` with
/// `followlinks`; a directory reached twice, through a link cycle, is
/// read once) with its file names sorted, in the order of the
/// directories' paths as text.
fn walk_sorted(root: &Path) -> Vec<(PathBuf, Vec<String>)> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        if !seen.insert(dir.canonicalize().unwrap_or_else(|_| dir.clone())) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names = Vec::new();
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                names.push(e.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        out.push((dir, names));
    }
    out.sort_by(|a, b| a.0.to_string_lossy().cmp(&b.0.to_string_lossy()));
    out
}

/// One file into `loaded`: a mapping (or nothing) is merged over what is
/// there; anything else stops the loading.
fn load_one(path: &Path, loaded: &mut Loaded) {
    match read(path) {
        Ok(vars) => {
            loaded.vars.extend(vars);
            loaded.files.push(Value::String(path.display().to_string()));
        }
        Err(e) => loaded.error = Some(e),
    }
}

fn read(path: &Path) -> Result<Map<String, Value>, String> {
    let docs = crate::yaml::load_file(path).map_err(|e| format!("{}: {}", e.pos, e.msg))?;
    match docs.first().map(crate::yaml::Node::to_json) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(format!(
            "{} must be stored as a dictionary/hash",
            path.display()
        )),
    }
}

/// `hash_behaviour: merge`: each loaded variable merged recursively into
/// the value the host has now (lists replaced), as ansible-core's
/// `combine_vars(existing, loaded, merge=True)`.
fn merged_with_current(ctx: &ControlCtx<'_>, facts: Map<String, Value>) -> Map<String, Value> {
    facts
        .into_iter()
        .map(|(k, v)| {
            let current = is_identifier(&k)
                .then(|| {
                    ctx.eval
                        .render(&Value::String(format!("{{{{ {k} }}}}")))
                        .ok()
                })
                .flatten();
            let merged = match current {
                Some(cur @ Value::Object(_)) if v.is_object() => {
                    merge_hash(cur, v.clone(), true, ListMerge::Replace).unwrap_or(v)
                }
                _ => v,
            };
            (k, merged)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_extension_table() {
        let cases = [
            ("a.yml", Some("yml")),
            ("a.tar.gz", Some("gz")),
            (".bashrc", None),
            ("..x", None),
            ("..x.yml", Some("yml")),
            ("README", None),
            ("a.", Some("")),
        ];
        for (name, want) in cases {
            assert_eq!(python_extension(name), want, "{name}");
        }
    }
}
