//! `include_vars`: load variables from a YAML/JSON file or a directory.

use super::ControlCtx;
use crate::module::{ArgSpec, ArgType, Args, ModuleError, ModuleSpec, Outcome};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[
        ArgSpec::new("file", ArgType::Path, "A vars file").aliases(&["_raw_params"]),
        ArgSpec::new("dir", ArgType::Path, "A directory of vars files"),
        ArgSpec::new("name", ArgType::Str, "Put the variables under this name"),
        ArgSpec::new(
            "files_matching",
            ArgType::Str,
            "Only files matching this regex (dir)",
        ),
        ArgSpec::new("ignore_files", ArgType::List, "Files to ignore (dir)"),
        ArgSpec::new("extensions", ArgType::List, "File extensions (dir)"),
        ArgSpec::new(
            "depth",
            ArgType::Int,
            "Recursion depth (dir), 0 = unlimited",
        )
        .default("0"),
        ArgSpec::new("hash_behaviour", ArgType::Str, "replace or merge"),
    ],
    free_form: Some("file"),
    mutually_exclusive: &[&["file", "dir"]],
    required_one_of: &[&["file", "dir"]],
    ..ModuleSpec::new(
        "include_vars",
        "Load variables from files, dynamically within a task",
    )
};

pub fn run(ctx: &ControlCtx<'_>, args: Args) -> Result<Outcome, ModuleError> {
    let s = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
    let mut vars = Map::new();
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(f) = s("file") {
        // As ansible-core, `file` expands `~` on the controller (`dir` does
        // not: ansible-core 2.19 joins it to the task's dir as written).
        let p = ctx
            .find_file("vars", &crate::template::filters::expanduser(&f))
            .ok_or_else(|| ModuleError::failed(format!("Could not find or access '{f}'")))?;
        files.push(p);
    }
    if let Some(d) = s("dir") {
        let dir = ctx
            .find_file("vars", &d)
            .ok_or_else(|| ModuleError::failed(format!("{d} directory does not exist")))?;
        let re = match s("files_matching") {
            Some(r) => Some(regex::Regex::new(&r).map_err(|e| ModuleError::failed(e.to_string()))?),
            None => None,
        };
        files.extend(dir_files(&dir, re.as_ref()));
    }
    let mut loaded = Vec::new();
    for f in &files {
        vars.extend(read(f)?);
        loaded.push(Value::String(f.display().to_string()));
    }
    let facts = match s("name") {
        Some(n) => Map::from_iter([(n, Value::Object(vars))]),
        None => vars,
    };
    Ok(Outcome::ok()
        .with("ansible_facts", Value::Object(facts))
        .with("ansible_included_var_files", Value::Array(loaded)))
}

fn dir_files(dir: &Path, re: Option<&regex::Regex>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        p.is_file()
            && ["yml", "yaml", "json"]
                .iter()
                .any(|e| name.ends_with(&format!(".{e}")))
            && re.is_none_or(|r| r.is_match(&name))
    });
    out.sort();
    out
}

fn read(path: &Path) -> Result<Map<String, Value>, ModuleError> {
    let docs = crate::yaml::load_file(path)
        .map_err(|e| ModuleError::failed(format!("{}: {}", e.pos, e.msg)))?;
    match docs.first().map(crate::yaml::Node::to_json) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(ModuleError::failed(format!(
            "{} must be stored as a dictionary/hash",
            path.display()
        ))),
    }
}
