//! `blockinfile`: keep a block of lines between marker lines in a file
//! (insert it, update it in place, or remove it with its markers).

use crate::file::FILE_COMMON;
use crate::util::{self, attrs, textfile, write};
use regex::Regex;
use serde::Deserialize;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Diff, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockinfileOptions {
    pub path: String,
    pub state: Option<String>,
    pub marker: Option<String>,
    pub block: Option<String>,
    pub insertafter: Option<String>,
    pub insertbefore: Option<String>,
    pub create: Option<bool>,
    pub backup: Option<bool>,
    pub marker_begin: Option<String>,
    pub marker_end: Option<String>,
    pub append_newline: Option<bool>,
    pub prepend_newline: Option<bool>,
    pub validate: Option<String>,
    pub encoding: Option<String>,
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
        "state",
        ArgType::Str,
        "Whether the block should be there or not.",
    )
    .choices(&["absent", "present"])
    .default("present"),
    ArgSpec::new(
        "marker",
        ArgType::Str,
        "The marker line template; `{mark}` becomes `marker_begin`/`marker_end`.",
    )
    .default("# {mark} ANSIBLE MANAGED BLOCK"),
    ArgSpec::new(
        "block",
        ArgType::Str,
        "The text to insert inside the marker lines (empty removes the block).",
    )
    .aliases(&["content"])
    .default("\"\""),
    ArgSpec::new(
        "insertafter",
        ArgType::Str,
        "Insert after the last line matching this regexp, or `EOF` (default).",
    ),
    ArgSpec::new(
        "insertbefore",
        ArgType::Str,
        "Insert before the last line matching this regexp, or `BOF`.",
    ),
    ArgSpec::new(
        "create",
        ArgType::Bool,
        "Create the file if it does not exist.",
    )
    .default("false"),
    ArgSpec::new(
        "backup",
        ArgType::Bool,
        "Keep a timestamped backup of the original file.",
    )
    .default("false"),
    ArgSpec::new(
        "marker_begin",
        ArgType::Str,
        "Replaces `{mark}` in the opening marker.",
    )
    .default("BEGIN"),
    ArgSpec::new(
        "marker_end",
        ArgType::Str,
        "Replaces `{mark}` in the closing marker.",
    )
    .default("END"),
    ArgSpec::new(
        "append_newline",
        ArgType::Bool,
        "Add a blank line after the block if the next line is not blank.",
    )
    .default("false"),
    ArgSpec::new(
        "prepend_newline",
        ArgType::Bool,
        "Add a blank line before the block if the previous line is not blank.",
    )
    .default("false"),
    ArgSpec::new(
        "validate",
        ArgType::Str,
        "Command checking the new file (`%s` = its temp path) before it replaces the old.",
    ),
    ArgSpec::new("encoding", ArgType::Str, "Only utf-8 is supported.").default("utf-8"),
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
    mutually_exclusive: &[&["insertbefore", "insertafter"]],
    returns: &[
        ("msg", "`Block inserted`, `Block removed`, `File created`, with ` and ownership, perms or SE linux context changed`."),
        ("backup_file", "Name of the backup file, when one was made."),
        ("diff", "With `--diff`: the file's content before and after."),
    ],
    ..ModuleSpec::new("blockinfile", "Insert/update/remove a text block surrounded by marker lines.")
};

pub struct Blockinfile;

#[async_trait::async_trait]
impl Module for Blockinfile {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: BlockinfileOptions = util::options(&SPEC, args)?;
        write::check_validate(o.validate.as_deref())?;
        attrs::check_mode_syntax(o.mode.as_deref()).map_err(ModuleError::failed)?;
        let cur = textfile::read(ctx, &o.path).await?;
        if cur.is_dir() {
            return Ok(Outcome::failed(format!("Path {} is a directory !", o.path)).with("rc", 256));
        }
        let present = o.state.as_deref() != Some("absent");
        if !cur.exists() {
            if !present {
                return Ok(Outcome::ok().with_msg(format!("File {} not present", o.path)));
            }
            if !o.create.unwrap_or(false) {
                return Ok(
                    Outcome::failed(format!("Path {} does not exist !", o.path)).with("rc", 257)
                );
            }
        }
        let original = cur.exists().then(|| cur.text());
        let result = edit(&o, original.as_deref().unwrap_or(""), present)
            .map_err(|e| ModuleError::failed(format!("insertafter/insertbefore: {e}")))?;
        let (msg, changed) = match (&original, result.as_str()) {
            (Some(orig), r) if orig == r => ("", false),
            (None, "") => ("", false),
            (None, _) => ("File created", true),
            _ if !present || o.block.as_deref().unwrap_or("").is_empty() => ("Block removed", true),
            _ => ("Block inserted", true),
        };
        let mut out = Outcome::ok();
        if ctx.diff {
            out.diff.push(Diff {
                before_header: format!("{} (content)", o.path),
                after_header: format!("{} (content)", o.path),
                before: original.clone().unwrap_or_default(),
                after: result.clone(),
            });
        }
        if changed && !ctx.check_mode {
            match textfile::save_or_fail(
                ctx,
                &o.path,
                result.into_bytes(),
                &cur,
                o.validate.as_deref(),
                o.backup.unwrap_or(false),
                true,
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
        if ctx.check_mode && !cur.exists() {
            out.changed = changed;
            out.msg = Some(msg.into());
            return Ok(out);
        }
        let want = attrs::Wanted::new(o.mode.as_deref(), o.owner.as_deref(), o.group.as_deref());
        let attrs_changed = textfile::settle_attrs(ctx, &o.path, &cur, &want, changed).await?;
        let (msg, changed) = textfile::attrs_message(msg, changed, attrs_changed);
        out.changed = changed;
        out.msg = Some(msg);
        Ok(out)
    }
}

/// The file's new text (Ansible's algorithm, line by line).
pub fn edit(o: &BlockinfileOptions, original: &str, present: bool) -> Result<String, regex::Error> {
    let mut lines = textfile::readlines(original);
    let marker = o
        .marker
        .as_deref()
        .unwrap_or("# {mark} ANSIBLE MANAGED BLOCK");
    let m0 = format!(
        "{}\n",
        marker.replace("{mark}", o.marker_begin.as_deref().unwrap_or("BEGIN"))
    );
    let m1 = format!(
        "{}\n",
        marker.replace("{mark}", o.marker_end.as_deref().unwrap_or("END"))
    );
    let mut block = o.block.clone().unwrap_or_default();
    let blocklines: Vec<String> = if present && !block.is_empty() {
        if !block.ends_with('\n') {
            block.push('\n');
        }
        let mut v = vec![m0.clone()];
        v.extend(textfile::readlines(&block));
        v.push(m1.clone());
        v
    } else {
        Vec::new()
    };
    let (insertafter, insertbefore) = match (o.insertafter.as_deref(), o.insertbefore.as_deref()) {
        (None, None) => (Some("EOF"), None),
        other => other,
    };
    let insertre = match (insertafter, insertbefore) {
        (Some(a), _) if a != "EOF" => Some(Regex::new(a)?),
        (None, Some(b)) if b != "BOF" => Some(Regex::new(b)?),
        _ => None,
    };
    let (mut n0, mut n1) = (None, None);
    for (i, l) in lines.iter().enumerate() {
        if *l == m0 {
            n0 = Some(i);
        }
        if *l == m1 {
            n1 = Some(i);
        }
    }
    let mut at = match (n0, n1) {
        (Some(a), Some(b)) => {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            lines.drain(lo..=hi);
            lo
        }
        _ => match &insertre {
            Some(r) => {
                let mut found = None;
                for (i, l) in lines.iter().enumerate() {
                    if r.is_match(l.strip_suffix('\n').unwrap_or(l)) {
                        found = Some(i);
                    }
                }
                match found {
                    None => lines.len(),
                    Some(i) if insertafter.is_some() => i + 1,
                    Some(i) => i,
                }
            }
            None if insertbefore.is_some() => 0,
            None => lines.len(),
        },
    };
    if at > 0 && !lines[at - 1].ends_with('\n') {
        lines[at - 1].push('\n');
    }
    if o.prepend_newline.unwrap_or(false) && present && at != 0 && lines[at - 1] != "\n" {
        lines.insert(at, "\n".into());
        at += 1;
    }
    let count = blocklines.len();
    for (k, l) in blocklines.into_iter().enumerate() {
        lines.insert(at + k, l);
    }
    if o.append_newline.unwrap_or(false) && present {
        let after = at + count;
        if after < lines.len() && lines[after] != "\n" {
            lines.insert(after, "\n".into());
        }
    }
    Ok(lines.concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: serde_json::Value) -> BlockinfileOptions {
        let mut m = json!({"path": "/f"});
        m.as_object_mut()
            .unwrap()
            .extend(v.as_object().unwrap().clone());
        serde_json::from_value(m).unwrap()
    }

    #[test]
    fn edit_table() {
        let b = "# BEGIN ANSIBLE MANAGED BLOCK\n";
        let e = "# END ANSIBLE MANAGED BLOCK\n";
        let cases = [
            (
                json!({"block": "x=1"}),
                "a\n",
                true,
                format!("a\n{b}x=1\n{e}"),
            ),
            (
                json!({"block": "x=2"}),
                &*format!("a\n{b}x=1\n{e}z\n"),
                true,
                format!("a\n{b}x=2\n{e}z\n"),
            ),
            (
                json!({}),
                &*format!("a\n{b}x=1\n{e}"),
                false,
                "a\n".to_string(),
            ),
            (
                json!({"block": "x", "insertbefore": "BOF"}),
                "a\n",
                true,
                format!("{b}x\n{e}a\n"),
            ),
            (
                json!({"block": "x", "insertafter": "^a"}),
                "a\nc\n",
                true,
                format!("a\n{b}x\n{e}c\n"),
            ),
            (
                json!({"block": "x", "marker": "// {mark}"}),
                "a",
                true,
                "a\n// BEGIN\nx\n// END\n".to_string(),
            ),
            (
                json!({"block": "x", "prepend_newline": true, "append_newline": true, "insertafter": "^a"}),
                "a\nc\n",
                true,
                format!("a\n\n{b}x\n{e}\nc\n"),
            ),
        ];
        for (o, before, present, after) in cases {
            assert_eq!(
                edit(&opts(o.clone()), before, present).unwrap(),
                after,
                "{o}"
            );
        }
    }
}
