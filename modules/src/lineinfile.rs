//! `lineinfile`: make sure one line is in a file (replacing the line a
//! regexp or search string finds, or inserting it after/before a match,
//! at BOF or EOF), or that matching lines are gone.

use crate::file::FILE_COMMON;
use crate::util::pyregex::PyRegex;
use crate::util::{self, attrs, textfile, write};
use serde::Deserialize;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineinfileOptions {
    pub path: String,
    pub state: Option<String>,
    pub regexp: Option<String>,
    pub search_string: Option<String>,
    pub line: Option<String>,
    pub backrefs: Option<bool>,
    pub insertafter: Option<String>,
    pub insertbefore: Option<String>,
    pub create: Option<bool>,
    pub backup: Option<bool>,
    pub firstmatch: Option<bool>,
    pub validate: Option<String>,
    pub others: Option<String>,
    pub mode: Option<String>,
    pub owner: Option<String>,
    pub group: Option<String>,
    pub attributes: Option<String>,
    pub seuser: Option<String>,
    pub serole: Option<String>,
    pub setype: Option<String>,
    pub selevel: Option<String>,
    pub unsafe_writes: Option<bool>,
}

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("path", ArgType::Path, "The file to modify.").required().aliases(&["dest", "destfile", "name"]),
    ArgSpec::new("state", ArgType::Str, "Whether the line should be there or not.").choices(&["absent", "present"]).default("present"),
    ArgSpec::new("regexp", ArgType::Str, "Regular expression to look for in every line; the last match is replaced (or removed with state=absent).").aliases(&["regex"]),
    ArgSpec::new("search_string", ArgType::Str, "Literal string to look for in every line (instead of `regexp`)."),
    ArgSpec::new("line", ArgType::Str, "The line to insert/replace into the file.").aliases(&["value"]),
    ArgSpec::new("backrefs", ArgType::Bool, "`line` may use backreferences of `regexp` (`\\1`); nothing is inserted when it does not match.").default("false"),
    ArgSpec::new("insertafter", ArgType::Str, "Insert after the last line matching this regexp, or `EOF` (default)."),
    ArgSpec::new("insertbefore", ArgType::Str, "Insert before the last line matching this regexp, or `BOF`."),
    ArgSpec::new("create", ArgType::Bool, "Create the file if it does not exist.").default("false"),
    ArgSpec::new("backup", ArgType::Bool, "Keep a timestamped backup of the original file.").default("false"),
    ArgSpec::new("firstmatch", ArgType::Bool, "Use the first line matching `insertafter`/`insertbefore`/`regexp` instead of the last.").default("false"),
    ArgSpec::new("validate", ArgType::Str, "Command checking the new file (`%s` = its temp path) before it replaces the old."),
    ArgSpec::new("others", ArgType::Str, "Accepted for compatibility (file module options)."),
    FILE_COMMON[0], FILE_COMMON[1], FILE_COMMON[2], FILE_COMMON[3], FILE_COMMON[4],
    FILE_COMMON[5], FILE_COMMON[6], FILE_COMMON[7], FILE_COMMON[8],
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    mutually_exclusive: &[&["insertbefore", "insertafter"], &["regexp", "search_string"], &["backrefs", "search_string"]],
    returns: &[
        ("msg", "`line added`, `line replaced`, `N line(s) removed`, with ` and ownership, perms or SE linux context changed`."),
        ("backup", "Name of the backup file, `\"\"` when none was made."),
        ("found", "state=absent: how many lines were removed."),
        ("diff", "With `--diff`: the file's content before and after."),
    ],
    ..ModuleSpec::new("lineinfile", "Manage lines in text files.")
};

pub struct Lineinfile;

#[async_trait::async_trait]
impl Module for Lineinfile {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: LineinfileOptions = util::options(&SPEC, args)?;
        write::check_validate(o.validate.as_deref())?;
        attrs::check_mode_syntax(o.mode.as_deref()).map_err(ModuleError::failed)?;
        let present = o.state.as_deref() != Some("absent");
        if o.backrefs.unwrap_or(false) && o.regexp.is_none() {
            return Ok(Outcome::failed("regexp is required with backrefs=true"));
        }
        if present && o.line.is_none() {
            return Ok(Outcome::failed("line is required with state=present"));
        }
        if !present && o.line.is_none() && o.regexp.is_none() && o.search_string.is_none() {
            return Ok(Outcome::failed(
                "one of line, regexp or search_string is required with state=absent",
            ));
        }
        let regexp = o
            .regexp
            .as_deref()
            .map(PyRegex::new)
            .transpose()
            .map_err(|e| ModuleError::failed(format!("regexp: {e}")))?;
        let cur = textfile::read(ctx, &o.path).await?;
        if cur.is_dir() {
            return Ok(Outcome::failed(format!("Path {} is a directory !", o.path)).with("rc", 256));
        }
        let edit = if present {
            if !cur.exists() && !o.create.unwrap_or(false) {
                return Ok(
                    Outcome::failed(format!("Destination {} does not exist !", o.path))
                        .with("rc", 257),
                );
            }
            present_edit(&o, regexp.as_ref(), &cur.text())?
        } else {
            if !cur.exists() {
                return Ok(Outcome::ok().with_msg("file not present"));
            }
            absent_edit(&o, regexp.as_ref(), &cur.text())
        };
        let mut out = finish(ctx, &o, &cur, edit, present).await?;
        out.warnings.extend(empty_pattern_warnings(&o));
        Ok(out)
    }
}

/// Where a write of `path` lands: its symlinks resolved when it exists
/// and is one (one round trip only for links, told by `readlink`).
async fn real_path(
    ctx: &ModuleContext,
    path: &str,
    cur: &textfile::Current,
) -> Result<String, ModuleError> {
    if !cur.exists() {
        return Ok(path.to_string());
    }
    let q = srplay_engine::shell::quote(path);
    let out = ctx
        .exec(format!("[ -L {q} ] && readlink -f -- {q}; true"))
        .await?;
    let real = out.stdout_str().trim_end_matches('\n').to_string();
    Ok(if real.is_empty() {
        path.to_string()
    } else {
        real
    })
}

/// Ansible's warnings for an empty `regexp`/`search_string`, which match
/// every line.
fn empty_pattern_warnings(o: &LineinfileOptions) -> Vec<String> {
    const EVERY: &str = "which will match every line in the file. This may have unintended \
        consequences, such as replacing the last line in the file rather than appending.";
    let mut w = Vec::new();
    if o.regexp.as_deref() == Some("") {
        w.push(format!(
            "The regular expression is an empty string, {EVERY} If this is desired, use '^' to \
             match every line in the file and avoid this warning."
        ));
    }
    if o.search_string.as_deref() == Some("") {
        w.push(format!("The search string is an empty string, {EVERY}"));
    }
    w
}

/// The new text and what to say about it.
pub struct Edit {
    pub text: String,
    pub changed: bool,
    pub msg: String,
    pub found: usize,
}

/// A line without its newline: Python's `$` also matches before a final
/// `\n`, which the regex crate's does not.
fn body(line: &str) -> &str {
    line.strip_suffix('\n').unwrap_or(line)
}

fn is_match(re: Option<&PyRegex>, search: Option<&str>, line: &str) -> bool {
    match (re, search) {
        (Some(r), _) => r.is_match(body(line)),
        (None, Some(s)) => line.contains(s),
        _ => false,
    }
}

pub fn present_edit(
    o: &LineinfileOptions,
    re: Option<&PyRegex>,
    text: &str,
) -> Result<Edit, ModuleError> {
    let mut lines = textfile::readlines(text);
    let line = o.line.clone().unwrap_or_default();
    let firstmatch = o.firstmatch.unwrap_or(false);
    let ins_re = match (o.insertafter.as_deref(), o.insertbefore.as_deref()) {
        (Some(a), _) if a != "BOF" && a != "EOF" => Some(a),
        (None, Some(b)) if b != "BOF" => Some(b),
        _ => None,
    }
    .map(PyRegex::new)
    .transpose()
    .map_err(|e| ModuleError::failed(format!("insertafter/insertbefore: {e}")))?;
    let (mut idx0, mut idx1): (isize, isize) = (-1, -1);
    let mut found_match: Option<usize> = None;
    if re.is_some() || o.search_string.is_some() {
        for (n, l) in lines.iter().enumerate() {
            if is_match(re, o.search_string.as_deref(), l) {
                idx0 = n as isize;
                found_match = Some(n);
                if firstmatch {
                    break;
                }
            }
        }
    }
    if found_match.is_none() {
        for (n, l) in lines.iter().enumerate() {
            if line == l.trim_end_matches(['\r', '\n']) {
                idx0 = n as isize;
            } else if ins_re.as_ref().is_some_and(|r| r.is_match(body(l))) {
                idx1 = if o.insertafter.is_some() {
                    n as isize + 1
                } else {
                    n as isize
                };
                if firstmatch {
                    break;
                }
            }
        }
    }
    let mut msg = String::new();
    let mut changed = false;
    let backrefs = o.backrefs.unwrap_or(false);
    let strip = |s: &str| s.trim_end_matches(['\r', '\n']).to_string();
    let mut add = |lines: &mut Vec<String>, at: usize| {
        lines.insert(at, format!("{line}\n"));
        msg = "line added".into();
        changed = true;
    };
    if idx0 != -1 {
        let i = idx0 as usize;
        let mut new_line = match (backrefs, found_match, re) {
            (true, Some(_), Some(r)) => {
                let template = textfile::python_template(&line);
                r.expand_first(body(&lines[i]), &template)
                    .unwrap_or_default()
            }
            _ => line.clone(),
        };
        if !new_line.ends_with('\n') {
            new_line.push('\n');
        }
        // (Ansible's extra branch for "no regexp and no exact match" cannot
        // be reached: without a regexp idx0 is only set by an exact match.)
        if lines[i] != new_line {
            lines[i] = new_line;
            msg = "line replaced".into();
            changed = true;
        }
    } else if backrefs {
        // A backrefs line is only ever a replacement.
    } else if o.insertbefore.as_deref() == Some("BOF") || o.insertafter.as_deref() == Some("BOF") {
        add(&mut lines, 0);
    } else if o.insertafter.as_deref() == Some("EOF") || idx1 == -1 {
        if lines
            .last()
            .is_some_and(|l| !l.ends_with('\n') && !l.ends_with('\r'))
        {
            lines.push("\n".into());
        }
        let n = lines.len();
        add(&mut lines, n);
    } else if o.insertafter.is_some() && idx1 != -1 {
        let i = idx1 as usize;
        if lines.len() == i {
            if strip(&lines[i - 1]) != line {
                add(&mut lines, i);
            }
        } else if strip(&lines[i]) != line {
            add(&mut lines, i);
        }
    } else {
        add(&mut lines, idx1 as usize);
    }
    Ok(Edit {
        text: lines.concat(),
        changed,
        msg,
        found: 0,
    })
}

pub fn absent_edit(o: &LineinfileOptions, re: Option<&PyRegex>, text: &str) -> Edit {
    let lines = textfile::readlines(text);
    let line = o.line.clone().unwrap_or_default();
    let mut found = 0;
    let kept: Vec<String> = lines
        .into_iter()
        .filter(|l| {
            let m = if re.is_some() || o.search_string.is_some() {
                is_match(re, o.search_string.as_deref(), l)
            } else {
                line == l.trim_end_matches(['\r', '\n'])
            };
            if m {
                found += 1;
            }
            !m
        })
        .collect();
    Edit {
        text: kept.concat(),
        changed: found > 0,
        msg: if found > 0 {
            format!("{found} line(s) removed")
        } else {
            String::new()
        },
        found,
    }
}

async fn finish(
    ctx: &ModuleContext,
    o: &LineinfileOptions,
    cur: &textfile::Current,
    edit: Edit,
    present: bool,
) -> Result<Outcome, ModuleError> {
    let mut out = Outcome::ok();
    if ctx.diff {
        out.diff.push(srplay_engine::module::Diff {
            before_header: format!("{} (content)", o.path),
            after_header: format!("{} (content)", o.path),
            before: cur.text(),
            after: edit.text.clone(),
        });
    }
    let mut backup = String::new();
    if edit.changed && !ctx.check_mode {
        // Like Ansible: the backup is named after `path`, the new content
        // goes to its real path, so a symlink stays a link.
        let target = real_path(ctx, &o.path, cur).await?;
        let mut want_backup = o.backup.unwrap_or(false);
        if want_backup && target != o.path {
            backup = crate::util::write::backup(ctx, &o.path).await?;
            want_backup = false;
        }
        match textfile::save_or_fail(
            ctx,
            &target,
            edit.text.clone().into_bytes(),
            cur,
            o.validate.as_deref(),
            want_backup,
            true,
        )
        .await?
        {
            Ok(Some(b)) => backup = b,
            Ok(None) => {}
            Err(failed) => return Ok(failed),
        }
    }
    if ctx.check_mode && !cur.exists() {
        out.changed = edit.changed;
        out.msg = Some(edit.msg);
        return Ok(out.with("backup", backup));
    }
    let want = attrs::Wanted::new(o.mode.as_deref(), o.owner.as_deref(), o.group.as_deref());
    let attrs_changed = textfile::settle_attrs(ctx, &o.path, cur, &want, edit.changed).await?;
    let (msg, changed) = textfile::attrs_message(&edit.msg, edit.changed, attrs_changed);
    out.changed = changed;
    out.msg = Some(msg);
    out = out.with("backup", backup);
    if !present {
        out = out.with("found", edit.found);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: serde_json::Value) -> LineinfileOptions {
        let mut m = json!({"path": "/f"});
        m.as_object_mut()
            .unwrap()
            .extend(v.as_object().unwrap().clone());
        serde_json::from_value(m).unwrap()
    }

    #[test]
    fn present_table() {
        // (options, file before, file after, msg)
        let cases = [
            (json!({"line": "c"}), "a\nb\n", "a\nb\nc\n", "line added"),
            (json!({"line": "b"}), "a\nb\n", "a\nb\n", ""),
            (json!({"line": "c"}), "a\nb", "a\nb\nc\n", "line added"),
            (
                json!({"line": "x=2", "regexp": "^x="}),
                "x=1\ny\n",
                "x=2\ny\n",
                "line replaced",
            ),
            (
                json!({"line": "x=2", "regexp": "^x="}),
                "x=1\nx=3\n",
                "x=1\nx=2\n",
                "line replaced",
            ),
            (
                json!({"line": "x=2", "regexp": "^x=", "firstmatch": true}),
                "x=1\nx=3\n",
                "x=2\nx=3\n",
                "line replaced",
            ),
            (
                json!({"line": "z", "insertbefore": "BOF"}),
                "a\n",
                "z\na\n",
                "line added",
            ),
            (
                json!({"line": "z", "insertafter": "^a"}),
                "a\nb\n",
                "a\nz\nb\n",
                "line added",
            ),
            (
                json!({"line": "z", "insertbefore": "^b"}),
                "a\nb\n",
                "a\nz\nb\n",
                "line added",
            ),
            (
                json!({"line": "port=\\1", "regexp": "^#port=(\\d+)", "backrefs": true}),
                "#port=80\n",
                "port=80\n",
                "line replaced",
            ),
            (
                json!({"line": "port=\\1", "regexp": "^nope(\\d)", "backrefs": true}),
                "a\n",
                "a\n",
                "",
            ),
            (
                json!({"line": "k=v", "search_string": "k="}),
                "k=old\n",
                "k=v\n",
                "line replaced",
            ),
            (json!({"line": "new"}), "", "new\n", "line added"),
        ];
        for (o, before, after, msg) in cases {
            let o2 = opts(o.clone());
            let re = o2.regexp.as_deref().map(|r| PyRegex::new(r).unwrap());
            let e = present_edit(&o2, re.as_ref(), before).unwrap();
            assert_eq!((e.text.as_str(), e.msg.as_str()), (after, msg), "{o}");
        }
    }

    #[test]
    fn absent_table() {
        let cases = [
            (json!({"line": "b"}), "a\nb\nb\n", "a\n", 2),
            (json!({"regexp": "^#"}), "#x\ny\n#z\n", "y\n", 2),
            (json!({"search_string": "q"}), "a\n", "a\n", 0),
        ];
        for (o, before, after, n) in cases {
            let o2 = opts(o.clone());
            let re = o2.regexp.as_deref().map(|r| PyRegex::new(r).unwrap());
            let e = absent_edit(&o2, re.as_ref(), before);
            assert_eq!((e.text.as_str(), e.found), (after, n), "{o}");
        }
    }
}
