//! Edit-in-place modules (lineinfile, blockinfile, replace): read the
//! file and its facts in one round trip, compute the new text on the
//! controller, write it back atomically (backup, validate) and settle
//! owner/group/mode, reporting like Ansible's `check_file_attrs`.

use super::attrs::{self, Wanted};
use super::stat::{self, RemoteStat, StatRequest};
use super::write::{self, WriteError};
use srplay_engine::connection::PutSource;
use srplay_engine::module::{ModuleContext, ModuleError};

/// A file as found: its facts (followed) and its bytes.
#[derive(Debug, Clone, Default)]
pub struct Current {
    pub stat: Option<RemoteStat>,
    pub content: Vec<u8>,
}

impl Current {
    pub fn exists(&self) -> bool {
        self.stat.is_some()
    }
    pub fn is_dir(&self) -> bool {
        self.stat.as_ref().is_some_and(RemoteStat::is_dir)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.content).into_owned()
    }
}

const CONTENT: &[u8] = b"@@srplay-content@@\n";

/// Stat `path` (following links) and read it, in one round trip.
pub async fn read(ctx: &ModuleContext, path: &str) -> Result<Current, ModuleError> {
    let reqs = [StatRequest::new(path).follow(true).acl(true)];
    let script = format!(
        "{}; echo '@@srplay-content@@'; [ -f {q} ] && cat -- {q}; true",
        stat::script(&reqs),
        q = srplay_engine::shell::quote(path)
    );
    let out = ctx.exec(script).await?;
    let pos = out
        .stdout
        .windows(CONTENT.len())
        .position(|w| w == CONTENT)
        .unwrap_or(out.stdout.len());
    let head = String::from_utf8_lossy(&out.stdout[..pos]).into_owned();
    let content = out
        .stdout
        .get(pos + CONTENT.len()..)
        .unwrap_or_default()
        .to_vec();
    let st = stat::parse(&reqs, &head).remove(0);
    Ok(Current { stat: st, content })
}

/// What a save did.
#[derive(Debug, Default)]
pub struct Saved {
    pub backup_file: Option<String>,
}

/// [`save`] as the line-editing modules report it: `Ok(Ok(backup_file))`
/// when written, `Ok(Err(outcome))` when `validate` refused the content —
/// a failed task with Ansible's message, not a module error.
#[allow(clippy::too_many_arguments)]
pub async fn save_or_fail(
    ctx: &ModuleContext,
    path: &str,
    content: Vec<u8>,
    cur: &Current,
    validate: Option<&str>,
    backup: bool,
    create_parent: bool,
) -> Result<Result<Option<String>, srplay_engine::module::Outcome>, ModuleError> {
    match save(ctx, path, content, cur, validate, backup, create_parent).await {
        Ok(saved) => Ok(Ok(saved.backup_file)),
        Err(WriteError::Validate(rc, _stdout, stderr)) => {
            Ok(Err(srplay_engine::module::Outcome::failed(format!(
                "failed to validate: rc:{rc} error:{stderr}"
            ))))
        }
        Err(WriteError::Module(e)) => Err(e),
    }
}

/// Write `content` over `path` (which `cur` describes); mkdir -p the
/// parent first when `create_parent`.
pub async fn save(
    ctx: &ModuleContext,
    path: &str,
    content: Vec<u8>,
    cur: &Current,
    validate: Option<&str>,
    backup: bool,
    create_parent: bool,
) -> Result<Saved, WriteError> {
    if create_parent && !cur.exists() {
        let dir = match path.rsplit_once('/') {
            Some(("", _)) | None => None,
            Some((d, _)) => Some(d.to_string()),
        };
        if let Some(d) = dir {
            let out = ctx
                .exec(format!("mkdir -p -- {}", srplay_engine::shell::quote(&d)))
                .await
                .map_err(ModuleError::from)?;
            if !out.success() {
                return Err(WriteError::Module(ModuleError::failed(format!(
                    "Error creating {d} ({})",
                    out.stderr_str().trim()
                ))));
            }
        }
    }
    let w = write::write(
        ctx,
        PutSource::Bytes(content),
        path,
        &Wanted::default(),
        validate,
        backup,
        cur.stat.as_ref(),
    )
    .await?;
    Ok(Saved {
        backup_file: w.backup_file,
    })
}

/// Settle owner/group/mode after a write; true if anything changed.
/// `written` says the file was just (re)written, so it is stat'ed again.
pub async fn settle_attrs(
    ctx: &ModuleContext,
    path: &str,
    cur: &Current,
    want: &Wanted,
    written: bool,
) -> Result<bool, ModuleError> {
    if want.is_empty() {
        return Ok(false);
    }
    let st = if written && !ctx.check_mode {
        stat::stat_one(ctx, StatRequest::new(path).follow(true)).await?
    } else {
        cur.stat.clone()
    };
    let Some(st) = st else {
        // Check mode on a file that would be created: attrs would be set.
        return Ok(true);
    };
    let plan = attrs::plan(path, &st, want, true).map_err(ModuleError::failed)?;
    if plan.changed() && !ctx.check_mode {
        let out = ctx
            .exec(format!("set -e; {}", plan.commands.join("; ")))
            .await?;
        if !out.success() {
            return Err(ModuleError::failed(out.stderr_str().trim().to_string()));
        }
    }
    Ok(plan.changed())
}

/// Ansible's `check_file_attrs` message joining.
pub fn attrs_message(msg: &str, changed: bool, attrs_changed: bool) -> (String, bool) {
    if !attrs_changed {
        return (msg.to_string(), changed);
    }
    let mut m = msg.to_string();
    if changed {
        m.push_str(" and ");
    }
    m.push_str("ownership, perms or SE linux context changed");
    (m, true)
}

/// Python's `str.splitlines(keepends=True)` for `\n`-style files (what
/// `readlines()` gives).
pub fn readlines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '\n' {
            out.push(text[start..=i].to_string());
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push(text[start..].to_string());
    }
    out
}

/// Python `re` replacement template (`\1`, `\g<name>`, `\g<1>`) to the
/// `regex` crate's (`${1}`, `${name}`), `$` made literal.
pub fn python_template(t: &str) -> String {
    let mut out = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut n = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        n.push(d);
                        chars.next();
                        if n.len() == 2 {
                            break;
                        }
                    }
                    out.push_str(&format!("${{{n}}}"));
                }
                Some('g') => {
                    chars.next();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                        out.push_str(&format!("${{{name}}}"));
                    } else {
                        out.push_str("\\g");
                    }
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('t') => {
                    chars.next();
                    out.push('\t');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readlines_table() {
        let cases: &[(&str, &[&str])] = &[
            ("a\nb\n", &["a\n", "b\n"]),
            ("a\nb", &["a\n", "b"]),
            ("", &[]),
            ("\n\n", &["\n", "\n"]),
        ];
        for (input, want) in cases {
            assert_eq!(readlines(input), *want, "{input:?}");
        }
    }

    #[test]
    fn python_template_table() {
        let cases = [
            (r"x=\1", "x=${1}"),
            (r"\g<name>-\g<2>", "${name}-${2}"),
            ("cost $5", "cost $$5"),
            (r"a\nb", "a\nb"),
            (r"\12", "${12}"),
        ];
        for (input, want) in cases {
            assert_eq!(python_template(input), want, "{input}");
        }
    }
}
