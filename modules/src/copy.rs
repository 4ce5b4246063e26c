//! `copy`: put content, a controller file or a whole controller directory
//! tree on the target (or copy on the target with `remote_src`). Checksums
//! are compared before anything is transferred; writes are atomic.

use crate::util::{self, attrs, checksum, stat, write};
use serde::Deserialize;
use serde_json::{json, Value};
use srplay_engine::connection::PutSource;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;
use stat::{RemoteStat, StatRequest};
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct CopyOptions {
    pub src: Option<String>,
    pub content: Option<Value>,
    pub dest: String,
    pub backup: Option<bool>,
    pub force: Option<bool>,
    pub validate: Option<String>,
    pub directory_mode: Option<String>,
    pub remote_src: Option<bool>,
    pub local_follow: Option<bool>,
    pub follow: Option<bool>,
    pub checksum: Option<String>,
    pub decrypt: Option<bool>,
    pub mode: Option<String>,
    pub owner: Option<String>,
    pub group: Option<String>,
    pub attributes: Option<String>,
    pub seuser: Option<String>,
    pub serole: Option<String>,
    pub setype: Option<String>,
    pub selevel: Option<String>,
    pub unsafe_writes: Option<bool>,
    #[serde(rename = "_original_basename")]
    pub original_basename: Option<String>,
}

use crate::file::FILE_COMMON;

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("src", ArgType::Path, "Controller path of a file or directory to copy (a directory with a trailing `/` copies its contents); with `remote_src`, a path on the target."),
    ArgSpec::new("content", ArgType::Raw, "Write this text (dicts/lists as JSON) instead of `src`.").no_log(),
    ArgSpec::new("dest", ArgType::Path, "Remote absolute path; a directory (or a path ending in `/`) receives the file under its basename.").required(),
    ArgSpec::new("backup", ArgType::Bool, "Keep a timestamped backup of the file it replaces.").default("false"),
    ArgSpec::new("force", ArgType::Bool, "Replace a file whose content differs; `false` only writes when the destination is missing.").default("true").aliases(&["thirsty"]),
    ArgSpec::new("validate", ArgType::Str, "Command that checks the new file (`%s` = its temp path) before it replaces the destination."),
    ArgSpec::new("directory_mode", ArgType::Mode, "Mode for directories created by a recursive copy."),
    ArgSpec::new("remote_src", ArgType::Bool, "`src` is on the target, not the controller.").default("false"),
    ArgSpec::new("local_follow", ArgType::Bool, "Follow symlinks in the controller source tree.").default("true"),
    ArgSpec::new("follow", ArgType::Bool, "Follow a symlink at the destination.").default("false"),
    ArgSpec::new("checksum", ArgType::Str, "Expected sha1 of the source; the copy fails if it differs."),
    ArgSpec::new("decrypt", ArgType::Bool, "Accepted for compatibility (vault files are not decrypted).").default("true"),
    FILE_COMMON[0], FILE_COMMON[1], FILE_COMMON[2], FILE_COMMON[3], FILE_COMMON[4],
    FILE_COMMON[5], FILE_COMMON[6], FILE_COMMON[7], FILE_COMMON[8],
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    mutually_exclusive: &[&["src", "content"]],
    required_one_of: &[&["src", "content"]],
    returns: &[
        ("dest", "Destination file/path."),
        ("src", "Source file used for the copy."),
        ("checksum", "sha1 of the file after the copy."),
        ("backup_file", "Name of the backup file created."),
        ("mode", "Permissions of the target, e.g. `0644`."),
        ("owner", "Owner's name."),
        ("group", "Group's name."),
        ("uid", "Owner's uid."),
        ("gid", "Group's gid."),
        ("size", "Size in bytes."),
        ("state", "`file`, `directory`…"),
        (
            "msg",
            "`file already exists` when `force: false` left it alone.",
        ),
    ],
    ..ModuleSpec::new("copy", "Copy files to remote locations.")
};

pub struct Copy;

#[async_trait::async_trait]
impl Module for Copy {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: CopyOptions = util::options(&SPEC, args)?;
        write::check_validate(o.validate.as_deref())?;
        attrs::check_mode_syntax(o.mode.as_deref().filter(|m| *m != "preserve"))
            .map_err(ModuleError::failed)?;
        if let Some(content) = &o.content {
            if o.dest.ends_with('/') {
                return Ok(Outcome::failed("can not use content with a dir as dest"));
            }
            let text = match content {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let src = Source::bytes(text.into_bytes());
            return copy_file(ctx, &o, &src, &o.dest).await;
        }
        let src = o.src.clone().unwrap_or_default();
        if o.remote_src.unwrap_or(false) {
            return crate::copy_remote::copy_remote(ctx, &o, &src).await;
        }
        let Some(found) = ctx.find_file("files", &src) else {
            return Ok(Outcome::failed(format!(
                "Could not find or access '{src}' on the Ansible Controller."
            )));
        };
        if found.is_dir() {
            return copy_tree(ctx, &o, &found, src.ends_with('/')).await;
        }
        let mut source = Source::file(&found).map_err(|e| {
            ModuleError::failed(format!("Source {} not readable: {e}", found.display()))
        })?;
        if o.mode.as_deref() == Some("preserve") {
            source.mode = Some(local_mode(&found));
        }
        copy_file(ctx, &o, &source, &o.dest).await
    }
}

/// A controller file's permission bits as `0NNN` (`mode: preserve`).
pub fn local_mode(p: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let m = std::fs::metadata(p)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o644);
    format!("0{m:03o}")
}

/// What to write: bytes or a controller file, with its sha1 and name.
pub struct Source {
    pub data: PutSource,
    pub sha1: String,
    pub basename: String,
    pub display: String,
    /// `mode: preserve`: the source's own mode.
    pub mode: Option<String>,
}

impl Source {
    pub fn bytes(b: Vec<u8>) -> Self {
        Source {
            sha1: checksum::sha1_hex(&b),
            data: PutSource::Bytes(b),
            basename: "source".into(),
            display: "source".into(),
            mode: None,
        }
    }

    pub fn file(p: &Path) -> std::io::Result<Self> {
        Ok(Source {
            sha1: checksum::sha1_file(p)?,
            data: PutSource::File(p.to_path_buf()),
            basename: p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            display: p.to_string_lossy().into_owned(),
            mode: None,
        })
    }

    fn text(&self) -> Option<String> {
        let b = match &self.data {
            PutSource::Bytes(b) => b.clone(),
            PutSource::File(p) => std::fs::read(p).ok()?,
        };
        if b.len() > 100 * 1024 || b.contains(&0) {
            return None;
        }
        String::from_utf8(b).ok()
    }
}

fn parent_dir(path: &str) -> String {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) => "/".into(),
        Some((d, _)) => d.into(),
        None => ".".into(),
    }
}

/// Where a symlink finally points (`readlink -f`, like Ansible's
/// `realpath`); the path itself when even that fails.
async fn real_path(ctx: &ModuleContext, path: &str) -> Result<String, ModuleError> {
    let out = ctx.exec(format!("readlink -f -- {}", quote(path))).await?;
    let real = out.stdout_str().trim_end_matches('\n').to_string();
    Ok(if out.success() && !real.is_empty() {
        real
    } else {
        path.to_string()
    })
}

/// Copy one source to `dest` (a file path, a directory, or `dir/`).
pub async fn copy_file(
    ctx: &ModuleContext,
    o: &CopyOptions,
    src: &Source,
    dest: &str,
) -> Result<Outcome, ModuleError> {
    if let Some(want) = &o.checksum {
        if want != &src.sha1 {
            return Ok(Outcome::failed(
                "Copied file does not match the expected checksum. Transfer failed.",
            )
            .with("checksum", src.sha1.clone())
            .with("expected_checksum", want.clone()));
        }
    }
    let basename = o.original_basename.clone().unwrap_or(src.basename.clone());
    let trailing = dest.ends_with('/');
    let dest_in_dir = format!("{}/{basename}", dest.trim_end_matches('/'));
    let reqs = [
        StatRequest::new(dest).follow(true).checksum(true).acl(true),
        StatRequest::new(&dest_in_dir).checksum(true).acl(true),
        StatRequest::new(parent_dir(dest)).follow(true),
        StatRequest::new(dest).acl(true),
    ];
    let s = stat::stat_many(ctx, &reqs).await?;
    let mut created_dir = false;
    let (final_dest, cur) = if trailing || s[0].as_ref().is_some_and(RemoteStat::is_dir) {
        if s[0].is_none() {
            created_dir = true;
        }
        (dest_in_dir.clone(), s[1].clone())
    } else {
        let follow = o.follow.unwrap_or(false);
        // A symlink at dest is replaced by a file unless `follow`, which
        // writes into the link's final target and reports that as `dest`.
        let is_link = s[3].as_ref().is_some_and(RemoteStat::is_link);
        match (is_link, follow) {
            (true, false) => (dest.to_string(), s[3].clone()),
            (true, true) => (real_path(ctx, dest).await?, s[0].clone()),
            (false, _) => (dest.to_string(), s[0].clone()),
        }
    };
    let mut out = Outcome::ok()
        .with("dest", final_dest.clone())
        .with("src", src.display.clone());
    if cur.is_some() && !o.force.unwrap_or(true) {
        out.msg = Some("file already exists".into());
        return Ok(out);
    }
    let mut want = attrs::Wanted::new(
        src.mode.as_deref().or(o.mode.as_deref()),
        o.owner.as_deref(),
        o.group.as_deref(),
    );
    if want.mode.as_deref() == Some("preserve") {
        want.mode = None;
    }
    let same = cur
        .as_ref()
        .filter(|c| c.is_file() && c.checksum.as_deref() == Some(src.sha1.as_str()));
    out.data.insert("checksum".into(), json!(src.sha1));
    if let Some(existing) = same {
        let plan = attrs::plan(&final_dest, existing, &want, true).map_err(ModuleError::failed)?;
        out.changed = plan.changed();
        if plan.changed() && !ctx.check_mode {
            run_all(ctx, &plan.commands).await?;
        }
        // Nothing written: the facts found by the query are still true.
        let known = if out.changed && !ctx.check_mode {
            None
        } else {
            cur.as_ref()
        };
        return finish(ctx, out, &final_dest, known).await;
    }
    out.changed = true;
    if ctx.diff {
        let before = match &cur {
            Some(c) if c.is_file() && c.size <= 100 * 1024 => ctx
                .get(&final_dest)
                .await
                .ok()
                .and_then(|b| String::from_utf8(b).ok()),
            _ => None,
        };
        if let Some(after) = src.text() {
            out.diff.push(util::diff::file_diff(
                &final_dest,
                Some(before.as_deref().unwrap_or("")),
                Some(&after),
            ));
        }
    }
    if ctx.check_mode {
        // Ansible's action plugin answers for the module here: a transfer
        // would happen, nothing else is known.
        let mut o = Outcome::changed(true);
        o.diff = out.diff;
        return Ok(o);
    }
    if !created_dir && final_dest == dest && s[2].is_none() {
        return Ok(Outcome::failed(format!(
            "Destination directory {} does not exist",
            parent_dir(dest)
        )));
    }
    if created_dir {
        let mut cmd = format!("mkdir -p -- {}", quote(dest.trim_end_matches('/')));
        if let Some(dm) = &o.directory_mode {
            let m = crate::file::new_dir_mode(dm).map_err(ModuleError::failed)?;
            cmd.push_str(&format!(
                " && chmod {m:04o} -- {}",
                quote(dest.trim_end_matches('/'))
            ));
        }
        run_all(ctx, &[cmd]).await?;
    }
    let written = match write::write(
        ctx,
        src.data.clone(),
        &final_dest,
        &want,
        o.validate.as_deref(),
        o.backup.unwrap_or(false),
        cur.as_ref(),
    )
    .await
    {
        Ok(w) => w,
        Err(write::WriteError::Validate(rc, so, se)) => {
            return Ok(Outcome::failed("failed to validate")
                .with("exit_status", rc)
                .with("stdout", so)
                .with("stderr", se));
        }
        Err(write::WriteError::Module(e)) => return Err(e),
    };
    if let Some(b) = written.backup_file {
        out.data.insert("backup_file".into(), json!(b));
    }
    finish(ctx, out, &final_dest, None).await
}

/// Add the file facts of `dest`: from `known` (still true), or a fresh
/// stat after a write (none in check mode, where nothing was written).
async fn finish(
    ctx: &ModuleContext,
    mut out: Outcome,
    dest: &str,
    known: Option<&RemoteStat>,
) -> Result<Outcome, ModuleError> {
    let info = match (known, ctx.check_mode) {
        (Some(k), _) => stat::path_info(Some(k), Some(k)),
        (None, true) => Default::default(),
        (None, false) => stat::path_info_of(ctx, dest).await?,
    };
    for (k, v) in info {
        out.data.insert(k, v);
    }
    Ok(out)
}

/// Run commands in one round trip, failing on the first error.
pub async fn run_all(ctx: &ModuleContext, cmds: &[String]) -> Result<(), ModuleError> {
    if cmds.is_empty() {
        return Ok(());
    }
    let out = ctx.exec(format!("set -e; {}", cmds.join("; "))).await?;
    if out.success() {
        Ok(())
    } else {
        Err(ModuleError::failed(out.stderr_str().trim().to_string()))
    }
}

/// One entry of a controller source tree.
struct LocalEntry {
    rel: String,
    path: PathBuf,
    is_dir: bool,
    link: Option<String>,
}

fn walk_local(root: &Path, follow: bool) -> std::io::Result<Vec<LocalEntry>> {
    let mut out = Vec::new();
    walk_into(root, root, follow, &mut out)?;
    Ok(out)
}

fn walk_into(
    root: &Path,
    dir: &Path,
    follow: bool,
    out: &mut Vec<LocalEntry>,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let rel = p
            .strip_prefix(root)
            .unwrap_or(&p)
            .to_string_lossy()
            .into_owned();
        let lmd = std::fs::symlink_metadata(&p)?;
        if lmd.file_type().is_symlink() && !follow {
            let target = std::fs::read_link(&p)?.to_string_lossy().into_owned();
            out.push(LocalEntry {
                rel,
                path: p,
                is_dir: false,
                link: Some(target),
            });
            continue;
        }
        let md = std::fs::metadata(&p)?;
        out.push(LocalEntry {
            rel,
            path: p.clone(),
            is_dir: md.is_dir(),
            link: None,
        });
        if md.is_dir() {
            walk_into(root, &p, follow, out)?;
        }
    }
    Ok(())
}

/// Copy a controller directory: `src/` copies its contents into `dest`,
/// `src` copies the directory itself into `dest/`.
async fn copy_tree(
    ctx: &ModuleContext,
    o: &CopyOptions,
    root: &Path,
    contents_only: bool,
) -> Result<Outcome, ModuleError> {
    let entries = walk_local(root, o.local_follow.unwrap_or(true))
        .map_err(|e| ModuleError::failed(format!("could not read {}: {e}", root.display())))?;
    let base = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dest_root = if contents_only {
        o.dest.trim_end_matches('/').to_string()
    } else {
        format!("{}/{base}", o.dest.trim_end_matches('/'))
    };
    let target = |rel: &str| format!("{dest_root}/{rel}");
    let mut reqs = vec![StatRequest::new(&dest_root).follow(true)];
    reqs.extend(
        entries
            .iter()
            .map(|e| StatRequest::new(target(&e.rel)).checksum(!e.is_dir)),
    );
    let cur = stat::stat_many(ctx, &reqs).await?;
    let want_file = attrs::Wanted::new(
        o.mode.as_deref().filter(|m| *m != "preserve"),
        o.owner.as_deref(),
        o.group.as_deref(),
    );
    let want_dir = attrs::Wanted::new(
        o.directory_mode.as_deref(),
        o.owner.as_deref(),
        o.group.as_deref(),
    );
    let mut pre = Vec::new();
    let mut puts = Vec::new();
    let mut post = Vec::new();
    if cur[0].is_none() {
        pre.push(format!("mkdir -p -- {}", quote(&dest_root)));
        pre.extend(attrs::set_all(&dest_root, &want_dir, true).map_err(ModuleError::failed)?);
    }
    for (e, st) in entries.iter().zip(&cur[1..]) {
        let t = target(&e.rel);
        match (&e.link, e.is_dir, st) {
            (Some(l), _, Some(s)) if s.link_target.as_deref() == Some(l.as_str()) => {}
            (Some(l), _, _) => pre.push(format!("ln -sfn -- {} {}", quote(l), quote(&t))),
            (None, true, None) => {
                pre.push(format!("mkdir -- {}", quote(&t)));
                pre.extend(attrs::set_all(&t, &want_dir, true).map_err(ModuleError::failed)?);
            }
            (None, true, Some(s)) => {
                post.extend(
                    attrs::plan(&t, s, &want_dir, true)
                        .map_err(ModuleError::failed)?
                        .commands,
                );
            }
            (None, false, st) => {
                let sha = checksum::sha1_file(&e.path)
                    .map_err(|err| ModuleError::failed(format!("{}: {err}", e.path.display())))?;
                match st {
                    Some(s)
                        if s.checksum.as_deref() == Some(sha.as_str())
                            || !o.force.unwrap_or(true) =>
                    {
                        post.extend(
                            attrs::plan(&t, s, &want_file, true)
                                .map_err(ModuleError::failed)?
                                .commands,
                        );
                    }
                    _ => puts.push((e.path.clone(), t)),
                }
            }
        }
    }
    let changed = !pre.is_empty() || !puts.is_empty() || !post.is_empty();
    let shown_src = format!("{}{}", root.display(), if contents_only { "/" } else { "" });
    let out = Outcome::changed(changed)
        .with("dest", format!("{}/", o.dest.trim_end_matches('/')))
        .with("src", shown_src);
    if ctx.check_mode || !changed {
        return Ok(out);
    }
    run_all(ctx, &pre).await?;
    let file_attrs = srplay_engine::connection::FileAttrs {
        mode: want_file
            .mode
            .as_deref()
            .map(|m| {
                util::mode::resolve(m, util::mode::default_mode(false), false)
                    .map(|v| format!("{v:04o}"))
            })
            .transpose()
            .map_err(ModuleError::failed)?,
        owner: want_file.owner.clone(),
        group: want_file.group.clone(),
    };
    for (local, remote) in puts {
        ctx.put(PutSource::File(local), &remote, &file_attrs)
            .await?;
    }
    run_all(ctx, &post).await?;
    Ok(out)
}
