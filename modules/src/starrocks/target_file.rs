//! Reading, backing up and rewriting a text file (a conf) on the target,
//! shared by `jvm_options` and `starrocks_config`: query, then apply only
//! when something changed and not in check mode.

use crate::util::attrs::Wanted;
use crate::util::stat::{self, StatRequest};
use crate::util::write;
use srplay_engine::connection::PutSource;
use srplay_engine::module::{Diff, ModuleContext, ModuleError, Outcome};
use srplay_engine::shell::quote;

/// The file's text; a missing or unreadable file is a clear failure.
pub async fn read_text(ctx: &ModuleContext, path: &str) -> Result<String, ModuleError> {
    let bytes = ctx.get(path).await.map_err(|e| {
        if e.is_unreachable() {
            ModuleError::Connection(e)
        } else {
            ModuleError::failed(format!("cannot read {path} on the target: {e}"))
        }
    })?;
    String::from_utf8(bytes)
        .map_err(|_| ModuleError::failed(format!("{path} is not a UTF-8 text file")))
}

/// Copy `path` next to itself the way Ansible's `backup: yes` names it
/// (`<path>.<pid>.<date>@<time>~`), keeping mode and owner; returns the
/// backup's path.
pub async fn backup(ctx: &ModuleContext, path: &str) -> Result<String, ModuleError> {
    let script = format!(
        "f={}; b=\"$f.$$.$(date +%Y-%m-%d@%H:%M:%S)~\"; cp -p -- \"$f\" \"$b\" && printf '%s' \"$b\"",
        quote(path)
    );
    let out = ctx.exec(script).await?;
    if !out.success() {
        return Err(ModuleError::failed(format!(
            "could not back up {path}: {}",
            out.stderr_str().trim()
        )));
    }
    Ok(out.stdout_str())
}

/// Report (and unless in check mode, write) the change from `before` to
/// `after`. The write is atomic and keeps the file's mode, owner and ACL.
pub async fn commit_edit(
    ctx: &ModuleContext,
    path: &str,
    before: &str,
    after: &str,
    make_backup: bool,
) -> Result<Outcome, ModuleError> {
    let changed = before != after;
    let mut outcome = Outcome::changed(changed).with("path", path);
    if changed && ctx.diff {
        outcome = outcome.with_diff(Diff {
            before_header: path.to_string(),
            after_header: path.to_string(),
            before: before.to_string(),
            after: after.to_string(),
        });
    }
    if !changed || ctx.check_mode {
        return Ok(outcome);
    }
    // The file's POSIX ACL, if any, is kept (see `util::write`).
    let existing = stat::stat_one(ctx, StatRequest::new(path).follow(true).acl(true)).await?;
    let written = write::write(
        ctx,
        PutSource::Bytes(after.as_bytes().to_vec()),
        path,
        &Wanted::default(),
        None,
        make_backup,
        existing.as_ref(),
    )
    .await
    .map_err(|e| match e {
        write::WriteError::Module(e) => e,
        write::WriteError::Validate(rc, _, stderr) => {
            ModuleError::failed(format!("could not write {path}: rc {rc}: {stderr}"))
        }
    })?;
    if let Some(b) = written.backup_file {
        outcome = outcome.with("backup_file", b);
    }
    Ok(outcome)
}
