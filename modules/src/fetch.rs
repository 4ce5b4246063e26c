//! `fetch`: copy a file from the target to the controller, by default to
//! `dest/<inventory_hostname>/<src path>`; skipped when the controller
//! copy already has the same sha1.

use crate::slurp::{self, Read};
use crate::util::{self, checksum, stat};
use serde::Deserialize;
use serde_json::Value;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchOptions {
    pub src: String,
    pub dest: String,
    pub flat: Option<bool>,
    pub fail_on_missing: Option<bool>,
    pub validate_checksum: Option<bool>,
}

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("src", ArgType::Str, "The file on the remote system to fetch (not a directory).").required(),
    ArgSpec::new("dest", ArgType::Str, "A directory on the controller to save the file into.").required(),
    ArgSpec::new("flat", ArgType::Bool, "Write to `dest` itself (or `dest/<basename>` when it ends in `/`), without the host name and path.").default("false"),
    ArgSpec::new("fail_on_missing", ArgType::Bool, "Fail when the remote file is missing.").default("true"),
    ArgSpec::new("validate_checksum", ArgType::Bool, "Verify the sha1 of the fetched file against the remote one.").default("true"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("dest", "Where the file was written on the controller."),
        ("checksum", "sha1 of the controller copy."),
        (
            "remote_checksum",
            "sha1 of the remote file (when transferred).",
        ),
        ("file", "The remote path, when nothing was transferred."),
        (
            "msg",
            "Why nothing was transferred, when the file is missing or a directory.",
        ),
    ],
    ..ModuleSpec::new("fetch", "Fetch files from remote nodes.")
};

pub struct Fetch;

#[async_trait::async_trait]
impl Module for Fetch {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: FetchOptions = util::options(&SPEC, args)?;
        if ctx.check_mode {
            let mut out = Outcome::ok().with_msg("check mode not (yet) supported for this module");
            out.skipped = true;
            return Ok(out);
        }
        let fail_on_missing = o.fail_on_missing.unwrap_or(true);
        let st = stat::stat_one(
            ctx,
            stat::StatRequest::new(&o.src).follow(true).checksum(true),
        )
        .await?;
        // Ansible words "missing" the same either way; a directory only
        // gets ", not transferring, ignored" when it is not an error.
        let missing = |msg: &str, suffix: &str| {
            let mut out = Outcome::ok().with("file", o.src.clone());
            out.failed = fail_on_missing;
            out.msg = Some(if fail_on_missing {
                msg.to_string()
            } else {
                format!("{msg}{suffix}")
            });
            out
        };
        const GONE: &str = "the remote file does not exist, not transferring, ignored";
        const DIR: &str = "remote file is a directory, fetch cannot work on directories";
        const IGNORED: &str = ", not transferring, ignored";
        let remote_sum = match &st {
            None => return Ok(missing(GONE, "")),
            Some(s) if s.is_dir() => return Ok(missing(DIR, IGNORED)),
            Some(s) => s.checksum.clone(),
        };
        let dest = match local_dest(ctx, &o) {
            Ok(d) => d,
            Err(msg) => return Ok(Outcome::failed(msg)),
        };
        let local_sum = checksum::sha1_file(&dest).ok();
        if remote_sum.is_some() && local_sum == remote_sum {
            return Ok(Outcome::ok()
                .with("file", o.src.clone())
                .with("dest", dest.to_string_lossy())
                .with(
                    "checksum",
                    local_sum.map(Value::from).unwrap_or(Value::Null),
                ));
        }
        let data = match slurp::read(ctx, &o.src).await? {
            Read::Data(d) => d,
            Read::Missing => return Ok(missing(GONE, "")),
            Read::Directory => return Ok(missing(DIR, IGNORED)),
            Read::Unreadable(e) => {
                return Ok(Outcome::failed(format!("could not read {}: {e}", o.src)))
            }
        };
        let remote_sum = remote_sum.unwrap_or_else(|| checksum::sha1_hex(&data));
        let new_sum = checksum::sha1_hex(&data);
        if o.validate_checksum.unwrap_or(true) && new_sum != remote_sum {
            return Ok(Outcome::failed("checksum mismatch")
                .with("file", o.src.clone())
                .with("dest", dest.to_string_lossy())
                .with("checksum", new_sum)
                .with("remote_checksum", remote_sum));
        }
        if local_sum.as_deref() == Some(new_sum.as_str()) {
            return Ok(Outcome::ok()
                .with("file", o.src.clone())
                .with("dest", dest.to_string_lossy())
                .with("checksum", new_sum));
        }
        write_local(&dest, &data).map_err(|e| {
            ModuleError::failed(format!("Failed to fetch the file: {}: {e}", dest.display()))
        })?;
        Ok(Outcome::changed(true)
            .with("dest", dest.to_string_lossy())
            .with("checksum", new_sum)
            .with("remote_checksum", remote_sum)
            .with("remote_md5sum", Value::Null))
    }
}

/// Where the file goes on the controller (Ansible's layout rules).
fn local_dest(ctx: &ModuleContext, o: &FetchOptions) -> Result<PathBuf, String> {
    let base = |d: &str| -> PathBuf {
        let p = PathBuf::from(d);
        if p.is_absolute() {
            p
        } else {
            ctx.search_paths.last().cloned().unwrap_or_default().join(p)
        }
    };
    let dest = if o.flat.unwrap_or(false) {
        let d = base(&o.dest);
        if d.is_dir() && !o.dest.ends_with('/') {
            return Err("dest is an existing directory, use a trailing slash if you want to fetch src into that directory".into());
        }
        if o.dest.ends_with('/') {
            let name = o.src.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            let full = d.join(name);
            if full.is_dir() {
                return Err(format!("calculated dest '{}' is an existing directory, use another path that does not point to an existing directory", full.display()));
            }
            full
        } else {
            d
        }
    } else {
        let host = ctx
            .var("inventory_hostname")
            .and_then(Value::as_str)
            .unwrap_or(&ctx.host)
            .to_string();
        base(&format!(
            "{}/{host}/{}",
            o.dest.trim_end_matches('/'),
            o.src.trim_start_matches('/')
        ))
    };
    let norm = normalize(&dest);
    if !norm.starts_with(normalize(&base(&o.dest))) && !o.flat.unwrap_or(false) {
        return Err(format!(
            "Detected directory traversal, expected to be contained in '{}' but got '{}'",
            o.dest,
            norm.display()
        ));
    }
    Ok(norm)
}

/// `os.path.normpath`: drop `.`, resolve `..` lexically.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Write atomically on the controller: temp file in the same dir, rename.
fn write_local(dest: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, data)?;
    // A new file gets the usual 0644, not the temp file's 0600.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dest)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o644);
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    tmp.persist(dest).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_table() {
        let cases = [
            ("/a/b/../c", "/a/c"),
            ("/a/./b", "/a/b"),
            ("/a/b/../../..", "/"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(Path::new(input)), PathBuf::from(want), "{input}");
        }
    }
}
