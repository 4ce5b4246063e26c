//! Writing a file on the target the way every file module needs it:
//! optional backup (`f.PID.YYYY-MM-DD@HH:MM:SS~`), optional `validate`
//! command run on the new content before it replaces the old, then an
//! atomic replace (temp file in the same directory + rename) that keeps
//! or sets owner/group/mode.

use super::attrs::Wanted;
use super::stat::RemoteStat;
use srplay_engine::connection::{FileAttrs, PutSource};
use srplay_engine::module::{ModuleContext, ModuleError};
use srplay_engine::shell::quote;

/// The shell snippet that copies `$p` to an Ansible-named backup and
/// prints the backup's path. `$$` is the shell's PID, as Ansible uses
/// the module's PID.
pub fn backup_snippet(path: &str) -> String {
    format!(
        "p={}; b=\"$p.$$.$(date +%Y-%m-%d@%H:%M:%S)~\"; cp -p -- \"$p\" \"$b\" && printf '%s\\n' \"$b\"",
        quote(path)
    )
}

/// Back up `path` (which must exist); returns the backup's path.
pub async fn backup(ctx: &ModuleContext, path: &str) -> Result<String, ModuleError> {
    let out = ctx.exec(backup_snippet(path)).await?;
    if !out.success() {
        return Err(ModuleError::failed(format!(
            "could not back up {path}: {}",
            out.stderr_str().trim()
        )));
    }
    Ok(out.stdout_str().trim_end_matches('\n').to_string())
}

/// The temp-file marker of `Connection::put`: the next write to `dest`
/// removes leftovers carrying it.
const TEMP_MARKER: &str = ".srplay-tmp-";
const VALIDATED: &str = "@@srplay-validated@@";

/// Why a write did not happen.
#[derive(Debug)]
pub enum WriteError {
    /// `validate` returned non-zero: (exit status, stdout, stderr).
    Validate(i32, String, String),
    Module(ModuleError),
}

impl From<ModuleError> for WriteError {
    fn from(e: ModuleError) -> Self {
        WriteError::Module(e)
    }
}

/// What a write did.
#[derive(Debug, Default)]
pub struct Written {
    pub backup_file: Option<String>,
}

/// Write `content` to `dest`. `existing` is what is there now (a backup
/// is only made of an existing file); an existing file's POSIX ACL is
/// kept, as Ansible's `atomic_move` keeps it (stat it with
/// [`StatRequest::acl`](super::stat::StatRequest::acl) to know).
pub async fn write(
    ctx: &ModuleContext,
    src: PutSource,
    dest: &str,
    want: &Wanted,
    validate: Option<&str>,
    backup_wanted: bool,
    existing: Option<&RemoteStat>,
) -> Result<Written, WriteError> {
    let exists = existing.is_some();
    let keep_acl = existing.is_some_and(|s| s.acl);
    let attrs = FileAttrs {
        mode: want
            .mode
            .as_deref()
            .map(|m| {
                super::mode::resolve(m, super::mode::default_mode(false), false)
                    .map(|v| format!("{v:04o}"))
            })
            .transpose()
            .map_err(ModuleError::failed)?,
        owner: want.owner.clone(),
        group: want.group.clone(),
    };
    if validate.is_none() && !keep_acl {
        let backup_file = if backup_wanted && exists {
            Some(backup(ctx, dest).await?)
        } else {
            None
        };
        ctx.put(src, dest, &attrs)
            .await
            .map_err(ModuleError::from)?;
        return Ok(Written { backup_file });
    }
    // Validation, or copying an ACL, needs the new content on the target
    // under another name first; it is renamed over `dest` only when the
    // command accepts it and it carries the old file's ACL.
    let tmp = validate_temp_path(dest);
    ctx.put(src, &tmp, &attrs)
        .await
        .map_err(ModuleError::from)?;
    let mut script = format!("t={}; d={}; ", quote(&tmp), quote(dest));
    if let Some(validate) = validate {
        let check = validate.replace("%s", &quote(&tmp));
        script.push_str(&format!(
            "( {check} ); rc=$?; if [ $rc -ne 0 ]; then rm -f -- \"$t\"; exit $rc; fi; "
        ));
    }
    script.push_str(&format!("echo {VALIDATED}; "));
    if backup_wanted && exists {
        script.push_str(&format!("{{ {}; }} || exit 1; ", backup_snippet(dest)));
    }
    if attrs.mode.is_none() {
        script.push_str("[ -e \"$d\" ] && chmod --reference=\"$d\" \"$t\" 2>/dev/null; ");
    }
    if attrs.owner.is_none() && attrs.group.is_none() {
        script.push_str("[ -e \"$d\" ] && chown --reference=\"$d\" \"$t\" 2>/dev/null; ");
    }
    if keep_acl {
        script.push_str(&acl_copy_snippet(attrs.mode.as_deref()));
    }
    script.push_str("mv -f -- \"$t\" \"$d\" || exit 1");
    let out = ctx.exec(script).await.map_err(ModuleError::from)?;
    let stdout = out.stdout_str();
    let Some((_, after)) = stdout.split_once(VALIDATED) else {
        return Err(WriteError::Validate(out.rc, stdout, out.stderr_str()));
    };
    if !out.success() {
        return Err(WriteError::Module(ModuleError::failed(format!(
            "could not replace {dest}: {}",
            out.stderr_str().trim()
        ))));
    }
    let backup_file = after
        .lines()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_string);
    Ok(Written { backup_file })
}

/// Give `$t` the POSIX ACL of `$d` (getfacl/setfacl, package `acl`),
/// then the mode asked for, which (as Ansible's later chmod) rewrites the
/// owner, mask and other entries.
pub fn acl_copy_snippet(mode: Option<&str>) -> String {
    let mut s = String::from(
        "if ! command -v getfacl >/dev/null 2>&1 || ! command -v setfacl >/dev/null 2>&1; then \
         rm -f -- \"$t\"; echo \"$d has a POSIX ACL: install getfacl and setfacl (package acl) \
         on the target to keep it\" >&2; exit 1; fi; \
         getfacl -p -- \"$d\" | setfacl --set-file=- \"$t\" || { rm -f -- \"$t\"; exit 1; }; ",
    );
    if let Some(m) = mode {
        s.push_str(&format!("chmod {} \"$t\" || exit 1; ", quote(m)));
    }
    s
}

/// A temp name next to `dest`, carrying the put temp marker so an
/// interrupted run's leftovers are cleaned by the next write.
fn validate_temp_path(dest: &str) -> String {
    let (dir, base) = match dest.rsplit_once('/') {
        Some((d, b)) => (if d.is_empty() { "/" } else { d }, b),
        None => (".", dest),
    };
    let nonce = std::process::id()
        ^ (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0));
    format!(
        "{}/.{base}{}validate-{nonce:x}",
        dir.trim_end_matches('/'),
        TEMP_MARKER
    )
}

/// `validate` must reference the file under test.
pub fn check_validate(validate: Option<&str>) -> Result<(), ModuleError> {
    match validate {
        Some(v) if !v.contains("%s") => Err(ModuleError::failed(format!(
            "validate must contain %s: {v}"
        ))),
        _ => Ok(()),
    }
}
