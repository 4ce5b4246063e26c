//! `replace`: replace every match of a regexp (multiline mode) in a
//! file, optionally only between `after` and `before` matches.

use crate::file::FILE_COMMON;
use crate::util::pyregex::PyRegex;
use crate::util::{self, attrs, textfile, write};
use regex::Regex;
use serde::Deserialize;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Diff, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplaceOptions {
    pub path: String,
    pub regexp: String,
    pub replace: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
    pub backup: Option<bool>,
    pub validate: Option<String>,
    pub encoding: Option<String>,
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
    ArgSpec::new("path", ArgType::Path, "The file to modify.")
        .required()
        .aliases(&["dest", "destfile", "name"]),
    ArgSpec::new(
        "regexp",
        ArgType::Str,
        "The regular expression to look for (multiline: `^`/`$` match at every line).",
    )
    .required(),
    ArgSpec::new(
        "replace",
        ArgType::Str,
        "The replacement; may use backreferences `\\1`, `\\g<name>`.",
    )
    .default("\"\""),
    ArgSpec::new(
        "after",
        ArgType::Str,
        "Only replace in the text after the first match of this regexp.",
    ),
    ArgSpec::new(
        "before",
        ArgType::Str,
        "Only replace in the text before the last match of this regexp.",
    ),
    ArgSpec::new(
        "backup",
        ArgType::Bool,
        "Keep a timestamped backup of the original file.",
    )
    .default("false"),
    ArgSpec::new(
        "validate",
        ArgType::Str,
        "Command checking the new file (`%s` = its temp path) before it replaces the old.",
    ),
    ArgSpec::new("encoding", ArgType::Str, "Only utf-8 is supported.").default("utf-8"),
    ArgSpec::new(
        "others",
        ArgType::Str,
        "Accepted for compatibility (file module options).",
    ),
    FILE_COMMON[0],
    FILE_COMMON[1],
    FILE_COMMON[2],
    FILE_COMMON[3],
    FILE_COMMON[4],
    FILE_COMMON[5],
    FILE_COMMON[6],
    FILE_COMMON[7],
    FILE_COMMON[8],
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        (
            "msg",
            "`N replacements made` (with ` and ownership, perms or SE linux context changed`).",
        ),
        ("backup_file", "Name of the backup file, when one was made."),
        (
            "diff",
            "With `--diff`: the file's content before and after.",
        ),
    ],
    ..ModuleSpec::new(
        "replace",
        "Replace all instances of a pattern within a file.",
    )
};

pub struct Replace;

#[async_trait::async_trait]
impl Module for Replace {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: ReplaceOptions = util::options(&SPEC, args)?;
        write::check_validate(o.validate.as_deref())?;
        attrs::check_mode_syntax(o.mode.as_deref()).map_err(ModuleError::failed)?;
        let cur = textfile::read(ctx, &o.path).await?;
        if cur.is_dir() {
            return Ok(Outcome::failed(format!("Path {} is a directory !", o.path)).with("rc", 256));
        }
        if !cur.exists() {
            return Ok(Outcome::failed(format!("Path {} does not exist !", o.path)).with("rc", 257));
        }
        let contents = cur.text();
        let (new, count) = match substitute(&o, &contents) {
            Ok(Some(r)) => r,
            Ok(None) => {
                let pattern = section_pattern(&o);
                return Ok(Outcome::ok().with_msg(format!(
                    "Pattern for before/after params did not match the given file: {pattern}"
                )));
            }
            Err(e) => {
                return Ok(Outcome::failed(format!(
                    "Unable to process replace due to error: {e}"
                )))
            }
        };
        let changed = count > 0 && new != contents;
        let msg = if changed {
            format!("{count} replacements made")
        } else {
            String::new()
        };
        let mut out = Outcome::ok();
        if changed && ctx.diff {
            out.diff.push(Diff {
                before_header: o.path.clone(),
                after_header: o.path.clone(),
                before: contents.clone(),
                after: new.clone(),
            });
        }
        if changed && !ctx.check_mode {
            match textfile::save_or_fail(
                ctx,
                &o.path,
                new.into_bytes(),
                &cur,
                o.validate.as_deref(),
                o.backup.unwrap_or(false),
                false,
            )
            .await?
            {
                Ok(backup) => {
                    if let Some(b) = backup {
                        out = out.with("backup_file", b);
                    }
                }
                Err(failed) => return Ok(failed),
            }
        }
        let want = attrs::Wanted::new(o.mode.as_deref(), o.owner.as_deref(), o.group.as_deref());
        let attrs_changed = textfile::settle_attrs(ctx, &o.path, &cur, &want, changed).await?;
        let (msg, changed) = textfile::attrs_message(&msg, changed, attrs_changed);
        out.changed = changed;
        out.msg = Some(msg);
        Ok(out)
    }
}

fn section_pattern(o: &ReplaceOptions) -> String {
    match (o.after.as_deref(), o.before.as_deref()) {
        (Some(a), Some(b)) => format!("{a}(?P<subsection>.*?){b}"),
        (Some(a), None) => format!("{a}(?P<subsection>.*)"),
        (None, Some(b)) => format!("(?P<subsection>.*){b}"),
        (None, None) => String::new(),
    }
}

/// The new contents and the number of replacements; `None` when the
/// after/before section is not found.
pub fn substitute(o: &ReplaceOptions, contents: &str) -> Result<Option<(String, usize)>, String> {
    let pattern = section_pattern(o);
    let (start, end) = if pattern.is_empty() {
        (0, contents.len())
    } else {
        let re = Regex::new(&format!("(?s){pattern}")).map_err(|e| e.to_string())?;
        let Some(c) = re.captures(contents) else {
            return Ok(None);
        };
        let Some(m) = c.name("subsection") else {
            return Ok(None);
        };
        (m.start(), m.end())
    };
    let section = &contents[start..end];
    let re = PyRegex::new(&format!("(?m){}", o.regexp))?;
    let template = textfile::python_template(o.replace.as_deref().unwrap_or(""));
    let (replaced, count) = re.replace_all(section, template.as_str())?;
    Ok(Some((
        format!("{}{}{}", &contents[..start], replaced, &contents[end..]),
        count,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: serde_json::Value) -> ReplaceOptions {
        let mut m = json!({"path": "/f"});
        m.as_object_mut()
            .unwrap()
            .extend(v.as_object().unwrap().clone());
        serde_json::from_value(m).unwrap()
    }

    #[test]
    fn substitute_table() {
        let cases = [
            (
                json!({"regexp": "old", "replace": "new"}),
                "old old\nx\n",
                Some(("new new\nx\n", 2)),
            ),
            (
                json!({"regexp": "^#(\\w+)=(.*)$", "replace": "\\1=\\2"}),
                "#a=1\n#b=2\n",
                Some(("a=1\nb=2\n", 2)),
            ),
            (
                json!({"regexp": "x", "replace": "y", "after": "\\[s\\]"}),
                "x\n[s]\nx\n",
                Some(("x\n[s]\ny\n", 1)),
            ),
            (
                json!({"regexp": "x", "replace": "y", "before": "\\[s\\]"}),
                "x\n[s]\nx\n",
                Some(("y\n[s]\nx\n", 1)),
            ),
            (
                json!({"regexp": "x", "replace": "y", "after": "nomatch"}),
                "x\n",
                None,
            ),
            (json!({"regexp": "q"}), "abc", Some(("abc", 0))),
        ];
        for (o, before, want) in cases {
            let got = substitute(&opts(o.clone()), before).unwrap();
            assert_eq!(got.as_ref().map(|(s, n)| (s.as_str(), *n)), want, "{o}");
        }
    }
}
