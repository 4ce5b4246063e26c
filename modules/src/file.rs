//! `file`: make a path a file, directory, symlink or hard link with the
//! given owner/group/mode, touch it, or remove it. One round trip to look
//! (stat of the path, its link target and `src`), one to change and
//! re-stat for the returned facts.

use crate::util::{self, attrs, mode, stat};
use chrono::TimeZone;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Diff, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;
use stat::{RemoteStat, StatRequest};

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileOptions {
    pub path: String,
    pub state: Option<String>,
    pub recurse: Option<bool>,
    pub force: Option<bool>,
    pub follow: Option<bool>,
    pub src: Option<String>,
    pub mode: Option<String>,
    pub owner: Option<String>,
    pub group: Option<String>,
    pub modification_time: Option<String>,
    pub modification_time_format: Option<String>,
    pub access_time: Option<String>,
    pub access_time_format: Option<String>,
    pub attributes: Option<String>,
    pub seuser: Option<String>,
    pub serole: Option<String>,
    pub setype: Option<String>,
    pub selevel: Option<String>,
    pub unsafe_writes: Option<bool>,
    #[serde(rename = "_original_basename")]
    pub original_basename: Option<String>,
    #[serde(rename = "_diff_peek")]
    pub diff_peek: Option<bool>,
}

/// The owner/group/mode/SELinux options every file-writing module takes.
pub(crate) const FILE_COMMON: &[ArgSpec] = &[
    ArgSpec::new(
        "mode",
        ArgType::Mode,
        "Permissions: octal (`'0644'`) or symbolic (`u=rw,g=r,o=r`, `u+x`).",
    ),
    ArgSpec::new(
        "owner",
        ArgType::Str,
        "Name (or uid) of the user that should own the path.",
    ),
    ArgSpec::new(
        "group",
        ArgType::Str,
        "Name (or gid) of the group that should own the path.",
    ),
    ArgSpec::new(
        "attributes",
        ArgType::Str,
        "Accepted for compatibility; `chattr` attributes are not applied.",
    )
    .aliases(&["attr"]),
    ArgSpec::new(
        "seuser",
        ArgType::Str,
        "Accepted for compatibility; SELinux contexts are not applied.",
    ),
    ArgSpec::new(
        "serole",
        ArgType::Str,
        "Accepted for compatibility; SELinux contexts are not applied.",
    ),
    ArgSpec::new(
        "setype",
        ArgType::Str,
        "Accepted for compatibility; SELinux contexts are not applied.",
    ),
    ArgSpec::new(
        "selevel",
        ArgType::Str,
        "Accepted for compatibility; SELinux contexts are not applied.",
    ),
    ArgSpec::new(
        "unsafe_writes",
        ArgType::Bool,
        "Accepted for compatibility; writes are always atomic.",
    )
    .default("false"),
];

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("path", ArgType::Path, "Path to the file being managed.")
        .required()
        .aliases(&["dest", "name"]),
    ArgSpec::new("state", ArgType::Str, "`file`, `directory`, `link`, `hard`, `touch` or `absent`; default: the current state, or `file`.")
        .choices(&["absent", "directory", "file", "hard", "link", "touch"]),
    ArgSpec::new("recurse", ArgType::Bool, "Recursively set the attributes on directory contents (state=directory).").default("false"),
    ArgSpec::new("force", ArgType::Bool, "Create the link even if the source does not exist, or replace a file/empty directory by a link.").default("false"),
    ArgSpec::new("follow", ArgType::Bool, "Act on the target of a symlink rather than the link.").default("true"),
    ArgSpec::new("src", ArgType::Path, "Path of the file to link to (state=link/hard)."),
    ArgSpec::new("modification_time", ArgType::Str, "`preserve`, `now` or a time in `modification_time_format`."),
    ArgSpec::new("modification_time_format", ArgType::Str, "strftime format of `modification_time`.").default("%Y%m%d%H%M.%S"),
    ArgSpec::new("access_time", ArgType::Str, "`preserve`, `now` or a time in `access_time_format`."),
    ArgSpec::new("access_time_format", ArgType::Str, "strftime format of `access_time`.").default("%Y%m%d%H%M.%S"),
    FILE_COMMON[0], FILE_COMMON[1], FILE_COMMON[2], FILE_COMMON[3], FILE_COMMON[4],
    FILE_COMMON[5], FILE_COMMON[6], FILE_COMMON[7], FILE_COMMON[8],
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("path", "The path acted on (file, directory, absent)."),
        ("dest", "The path acted on (link, hard, touch)."),
        ("src", "The link source (link, hard)."),
        (
            "state",
            "What the path is now: file, directory, link, hard or absent.",
        ),
        ("mode", "Its permissions, e.g. `0644`."),
        ("owner", "Its owner's name."),
        ("group", "Its group's name."),
        ("uid", "Its owner's uid."),
        ("gid", "Its group's gid."),
        ("size", "Its size in bytes."),
        ("diff", "With `--diff`: the path's state before and after."),
    ],
    ..ModuleSpec::new("file", "Manage files and file properties.")
};

pub struct File;

#[async_trait::async_trait]
impl Module for File {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let mut o: FileOptions = util::options(&SPEC, args)?;
        attrs::check_mode_syntax(o.mode.as_deref()).map_err(ModuleError::failed)?;
        let mut facts = query(ctx, &o).await?;
        if let Some(base) = rewrite_basename(&o, &facts) {
            o.path = format!("{}/{base}", o.path.trim_end_matches('/'));
            facts = query(ctx, &o).await?;
        }
        let plan = match plan(&o, &facts) {
            Ok(p) => p,
            Err(out) => return Ok(*out),
        };
        let mut out = Outcome::changed(plan.changed);
        if ctx.diff && plan.changed {
            out.diff.push(plan.diff.clone());
        }
        let info = if ctx.check_mode || plan.script.is_empty() {
            stat::path_info(facts.lst.as_ref(), facts.st.as_ref())
        } else {
            apply(ctx, &plan).await?
        };
        out.data = plan.result;
        for (k, v) in info {
            out.data.insert(k, v);
        }
        if plan.state == "absent" && !out.data.contains_key("state") {
            out.data.insert("state".into(), json!("absent"));
        }
        Ok(out)
    }
}

/// What the target looks like for this task.
#[derive(Debug, Default)]
pub struct Facts {
    /// The path itself (not following a final symlink).
    pub lst: Option<RemoteStat>,
    /// The path, following symlinks.
    pub st: Option<RemoteStat>,
    /// `src` as the link would resolve it (relative to the link's dir).
    pub src: Option<RemoteStat>,
    /// Entries under a directory for `recurse` (not links' targets).
    pub tree: Vec<RemoteStat>,
}

async fn query(ctx: &ModuleContext, o: &FileOptions) -> Result<Facts, ModuleError> {
    let mut reqs = vec![
        StatRequest::new(&o.path),
        StatRequest::new(&o.path).follow(true),
    ];
    if let Some(src) = &o.src {
        reqs.push(StatRequest::new(resolve_src(&o.path, src)).follow(true));
    }
    let mut script = stat::script(&reqs);
    if o.recurse.unwrap_or(false) {
        script.push_str(&format!(
            "; echo @@tree; find {} -mindepth 1 -printf '%p\\0' 2>/dev/null | xargs -0 -r stat --printf 'S\\t%F\\t%a\\t%u\\t%g\\t%U\\t%G\\t%s\\t%.9Y\\t%.9X\\t%.9Z\\t%i\\t%h\\t%d\\t%n\\n' --",
            quote(&o.path)
        ));
    }
    let out = ctx.exec(script).await?;
    let text = out.stdout_str();
    let (head, tree) = text.split_once("@@tree\n").unwrap_or((&text, ""));
    let mut s = stat::parse(&reqs, head).into_iter();
    Ok(Facts {
        lst: s.next().flatten(),
        st: s.next().flatten(),
        src: s.next().flatten(),
        tree: parse_tree(tree),
    })
}

fn parse_tree(out: &str) -> Vec<RemoteStat> {
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.splitn(15, '\t').collect();
            let path = f.get(14)?;
            let reqs = [StatRequest::new(*path)];
            let rec = format!("@@0\n{}\n", f[..14].join("\t"));
            stat::parse(&reqs, &rec).remove(0)
        })
        .collect()
}

/// Where a symlink's `src` points: relative ones from the link's directory.
fn resolve_src(path: &str, src: &str) -> String {
    if src.starts_with('/') {
        return src.to_string();
    }
    let dir = match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) => "/",
        Some((d, _)) => d,
        None => ".",
    };
    format!("{dir}/{src}")
}

/// Ansible puts a file into an existing directory given as `path` (not for
/// link/absent) under the basename of `src`.
fn rewrite_basename(o: &FileOptions, f: &Facts) -> Option<String> {
    let state = o.state.as_deref().unwrap_or("");
    if state == "link" || state == "absent" || !f.st.as_ref().is_some_and(RemoteStat::is_dir) {
        return None;
    }
    let base = o.original_basename.clone().or_else(|| {
        o.src.as_ref().map(|s| {
            s.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string()
        })
    })?;
    (!base.is_empty()).then_some(base)
}

fn prev_state(lst: Option<&RemoteStat>) -> &'static str {
    match lst {
        None => "absent",
        Some(s) if s.is_link() => "link",
        Some(s) if s.is_dir() => "directory",
        Some(s) if s.nlink > 1 => "hard",
        Some(_) => "file",
    }
}

/// The changes to make, decided from the facts alone.
#[derive(Debug, Default)]
pub struct Plan {
    pub changed: bool,
    pub state: String,
    pub script: Vec<String>,
    /// The path whose facts are returned.
    pub info_path: String,
    pub result: Map<String, Value>,
    pub diff: Diff,
}

type Fail = Box<Outcome>;

fn fail(msg: impl Into<String>, path: &str) -> Fail {
    Box::new(Outcome::failed(msg).with("path", path))
}

pub fn plan(o: &FileOptions, f: &Facts) -> Result<Plan, Fail> {
    let path = o.path.as_str();
    let prev = prev_state(f.lst.as_ref());
    let recurse = o.recurse.unwrap_or(false);
    let state = match o.state.as_deref() {
        Some(s) => s,
        None if prev != "absent" => prev,
        None if recurse => "directory",
        None => "file",
    };
    if recurse && state != "directory" {
        return Err(fail(
            "recurse option requires state to be 'directory'",
            path,
        ));
    }
    if o.src.is_some() && state != "link" && state != "hard" {
        return Err(fail(
            "src option requires state to be 'link' or 'hard'",
            path,
        ));
    }
    let want = attrs::Wanted::new(o.mode.as_deref(), o.owner.as_deref(), o.group.as_deref());
    let mut p = Plan {
        state: state.to_string(),
        info_path: path.to_string(),
        diff: util::diff::state_diff(path, prev, state),
        ..Default::default()
    };
    if prev == state {
        p.diff = Diff {
            before_header: path.into(),
            after_header: path.into(),
            before: format!("path: {path}\n"),
            after: format!("path: {path}\n"),
        };
    }
    let times = Times::from_options(o, state).map_err(|m| fail(m, path))?;
    let follow = o.follow.unwrap_or(true);
    match state {
        "absent" => plan_absent(&mut p, f, prev),
        "file" => plan_file(&mut p, o, f, prev, &want, &times, follow)?,
        "directory" => plan_directory(&mut p, o, f, prev, &want, &times, follow)?,
        "touch" => plan_touch(&mut p, f, prev, &want, &times)?,
        "link" => plan_link(&mut p, o, f, prev, &want, &times, follow)?,
        "hard" => plan_hard(&mut p, o, f, prev, &want, &times)?,
        _ => return Err(fail(format!("unknown state {state}"), path)),
    }
    Ok(p)
}

fn plan_absent(p: &mut Plan, f: &Facts, prev: &str) {
    p.result.insert("path".into(), json!(p.info_path));
    if prev == "absent" {
        return;
    }
    p.changed = true;
    let q = quote(&p.info_path);
    p.script
        .push(match f.lst.as_ref().is_some_and(RemoteStat::is_dir) {
            true => format!("rm -rf -- {q}"),
            false => format!("rm -f -- {q}"),
        });
}

fn add_attrs(
    p: &mut Plan,
    path: &str,
    st: &RemoteStat,
    want: &attrs::Wanted,
    follow: bool,
) -> Result<(), Fail> {
    let a = attrs::plan(path, st, want, follow).map_err(|m| fail(m, path))?;
    if a.changed() {
        p.changed = true;
        p.script.extend(a.commands);
        p.diff.before.push_str(&yaml_lines(&a.before));
        p.diff.after.push_str(&yaml_lines(&a.after));
    }
    Ok(())
}

fn yaml_lines(m: &Map<String, Value>) -> String {
    m.iter()
        .map(|(k, v)| {
            format!(
                "{k}: {}\n",
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            )
        })
        .collect()
}

fn plan_file(
    p: &mut Plan,
    o: &FileOptions,
    f: &Facts,
    prev: &str,
    want: &attrs::Wanted,
    t: &Times,
    follow: bool,
) -> Result<(), Fail> {
    let mut target = f.lst.as_ref();
    let mut prev = prev;
    if prev == "link" && follow {
        // Act on the link's target; its facts are reported under the
        // link's own path (see docs/modules/differences.md).
        target = f.st.as_ref();
        prev = prev_state(target);
    }
    p.result.insert("path".into(), json!(p.info_path));
    if prev != "file" && prev != "hard" {
        return Err(Box::new(
            Outcome::failed(format!("file ({}) is {prev}, cannot continue", o.path))
                .with("path", o.path.clone())
                .with("state", prev),
        ));
    }
    let st = target.cloned().unwrap_or_else(|| unreachable_stat(&o.path));
    let path = p.info_path.clone();
    add_attrs(p, &path, &st, want, true)?;
    t.plan(p, &path, Some(&st));
    Ok(())
}

/// A placeholder stat for a path the plan already knows is there (its
/// fields only feed comparisons that then all differ).
fn unreachable_stat(path: &str) -> RemoteStat {
    RemoteStat {
        path: path.into(),
        file_type: stat::FileType::Other,
        mode: 0,
        uid: 0,
        gid: 0,
        owner: String::new(),
        group: String::new(),
        size: 0,
        mtime: 0.0,
        atime: 0.0,
        ctime: 0.0,
        inode: 0,
        nlink: 0,
        dev: 0,
        link_target: None,
        checksum: None,
        readable: false,
        writeable: false,
        executable: false,
        acl: false,
    }
}

fn plan_directory(
    p: &mut Plan,
    o: &FileOptions,
    f: &Facts,
    prev: &str,
    want: &attrs::Wanted,
    t: &Times,
    follow: bool,
) -> Result<(), Fail> {
    let (mut prev, mut target) = (prev, f.lst.as_ref());
    if follow && prev == "link" {
        target = f.st.as_ref();
        prev = prev_state(target);
    }
    p.result.insert("path".into(), json!(o.path));
    match prev {
        "absent" => {
            p.changed = true;
            // Like `mkdir -p`, but each directory created gets the attrs.
            let mut cur = String::new();
            let abs = o.path.starts_with('/');
            let mut parts = Vec::new();
            for comp in o.path.split('/').filter(|c| !c.is_empty()) {
                if abs || !cur.is_empty() {
                    cur.push('/');
                }
                cur.push_str(comp);
                parts.push(cur.clone());
            }
            let mut s = String::new();
            for d in parts {
                let set = attrs::set_all(&d, want, true).map_err(|m| fail(m, &o.path))?;
                s.push_str(&format!(
                    "if [ ! -e {q} ]; then mkdir -- {q} || exit 1; {} fi; ",
                    set.iter()
                        .map(|c| format!("{c} || exit 1; "))
                        .collect::<String>(),
                    q = quote(&d)
                ));
            }
            p.script.push(s);
            t.plan(p, &o.path, None);
            Ok(())
        }
        "directory" => {
            let st = target.cloned().unwrap_or_else(|| unreachable_stat(&o.path));
            add_attrs(p, &o.path, &st, want, true)?;
            t.plan(p, &o.path, Some(&st));
            if o.recurse.unwrap_or(false) {
                for e in &f.tree {
                    add_attrs(p, &e.path.clone(), e, want, follow && !e.is_link())?;
                    t.plan(p, &e.path.clone(), Some(e));
                }
            }
            Ok(())
        }
        other => Err(fail(
            format!("{} already exists as a {other}", o.path),
            &o.path,
        )),
    }
}

fn plan_touch(
    p: &mut Plan,
    f: &Facts,
    prev: &str,
    want: &attrs::Wanted,
    t: &Times,
) -> Result<(), Fail> {
    let path = p.info_path.clone();
    p.result.insert("dest".into(), json!(path));
    if prev == "absent" {
        p.changed = true;
        p.script.push(format!(": >> {}", quote(&path)));
        p.script
            .extend(attrs::set_all(&path, want, false).map_err(|m| fail(m, &path))?);
        t.plan(p, &path, None);
        return Ok(());
    }
    let st =
        f.st.clone()
            .or_else(|| f.lst.clone())
            .unwrap_or_else(|| unreachable_stat(&path));
    add_attrs(p, &path, &st, want, true)?;
    t.plan(p, &path, Some(&st));
    Ok(())
}

fn plan_link(
    p: &mut Plan,
    o: &FileOptions,
    f: &Facts,
    prev: &str,
    want: &attrs::Wanted,
    t: &Times,
    follow: bool,
) -> Result<(), Fail> {
    let path = o.path.clone();
    let force = o.force.unwrap_or(false);
    let src = match (&o.src, &f.lst) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(l)) if follow && l.is_link() => l.link_target.clone(),
        _ => None,
    };
    p.result.insert("dest".into(), json!(path));
    p.result.insert("src".into(), json!(src));
    if let Some(s) = &src {
        if !force && o.src.is_some() && f.src.is_none() {
            return Err(Box::new(
                Outcome::failed(format!(
                    "src file does not exist, use 'force=yes' if you really want to create the link: {}",
                    resolve_src(&path, s)
                ))
                .with("path", path.clone())
                .with("src", s.clone()),
            ));
        }
    }
    match prev {
        "directory" if !force => {
            return Err(fail(
                format!("refusing to convert from {prev} to symlink for {path}"),
                &path,
            ))
        }
        "file" | "hard" if !force => {
            return Err(fail(
                format!("refusing to convert from {prev} to symlink for {path}"),
                &path,
            ))
        }
        _ => {}
    }
    let q = quote(&path);
    match prev {
        "link" => {
            let old = f.lst.as_ref().and_then(|l| l.link_target.clone());
            if let Some(s) = &src {
                if old.as_deref() != Some(s.as_str()) {
                    p.changed = true;
                    p.diff
                        .before
                        .push_str(&format!("src: {}\n", old.unwrap_or_default()));
                    p.diff.after.push_str(&format!("src: {s}\n"));
                    p.script.push(replace_with(
                        &path,
                        &format!("ln -s -- {} \"$t\"", quote(s)),
                    ));
                }
            }
        }
        _ => {
            let Some(s) = &src else {
                return Err(Box::new(Outcome::failed(
                    "src is required for creating new symlinks",
                )));
            };
            p.changed = true;
            match prev {
                "absent" => p.script.push(format!("ln -s -- {} {q}", quote(s))),
                "directory" => p.script.push(format!(
                    "rmdir -- {q} 2>/dev/null || {{ echo 'the directory {path} is not empty, refusing to convert it' >&2; exit 1; }}; ln -s -- {} {q}",
                    quote(s)
                )),
                _ => p.script.push(replace_with(&path, &format!("ln -s -- {} \"$t\"", quote(s)))),
            }
        }
    }
    // Attributes apply to the link's target when following (if it exists),
    // else to the link itself.
    if !want.is_empty() || t.any() {
        // Without `src` the link's own final target (`path` followed).
        let target = match (follow, &o.src) {
            (false, _) => None,
            (true, Some(_)) => f.src.as_ref(),
            (true, None) => f.src.as_ref().or(f.st.as_ref()),
        };
        match (follow, target, prev) {
            (true, Some(st), _) => {
                add_attrs(
                    p,
                    &resolve_src(&path, src.as_deref().unwrap_or("")),
                    st,
                    want,
                    true,
                )?;
            }
            (false, _, "link") => {
                if let Some(l) = &f.lst {
                    let w = attrs::Wanted {
                        mode: None,
                        ..want.clone()
                    };
                    add_attrs(p, &path, l, &w, false)?;
                }
            }
            (false, _, _) if p.changed => {
                let w = attrs::Wanted {
                    mode: None,
                    ..want.clone()
                };
                for c in attrs::set_all(&path, &w, false).map_err(|m| fail(m, &path))? {
                    p.script.push(c.replacen("chown ", "chown -h ", 1).replacen(
                        "chgrp ",
                        "chgrp -h ",
                        1,
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Replace `path` atomically by what `make` creates at `$t` (a temp name
/// in the same directory), as Ansible does with a rename.
fn replace_with(path: &str, make: &str) -> String {
    let dir = match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) => "/".to_string(),
        Some((d, _)) => d.to_string(),
        None => ".".to_string(),
    };
    format!(
        "t={}/.srplay-link.$$; rm -f -- \"$t\"; {make} && mv -Tf -- \"$t\" {}",
        quote(&dir).trim_end_matches('/'),
        quote(path)
    )
}

fn plan_hard(
    p: &mut Plan,
    o: &FileOptions,
    f: &Facts,
    prev: &str,
    want: &attrs::Wanted,
    t: &Times,
) -> Result<(), Fail> {
    let path = o.path.clone();
    let force = o.force.unwrap_or(false);
    p.result.insert("dest".into(), json!(path));
    p.result.insert("src".into(), json!(o.src));
    let Some(src) = o.src.clone() else {
        if prev != "hard" {
            return Err(Box::new(Outcome::failed(
                "src is required for creating new hardlinks",
            )));
        }
        let st = f.lst.clone().unwrap_or_else(|| unreachable_stat(&path));
        add_attrs(p, &path, &st, want, true)?;
        t.plan(p, &path, Some(&st));
        return Ok(());
    };
    let Some(src_st) = f.src.clone() else {
        return Err(Box::new(
            Outcome::failed("src does not exist")
                .with("dest", path)
                .with("src", src),
        ));
    };
    let same = |s: &RemoteStat| s.inode == src_st.inode && s.dev == src_st.dev;
    let q = quote(&path);
    let link_cmd = format!("ln -- {} \"$t\"", quote(&src));
    match prev {
        "absent" => {
            p.changed = true;
            p.script.push(format!("ln -- {} {q}", quote(&src)));
        }
        "link" => {
            let old = f.lst.as_ref().and_then(|l| l.link_target.clone());
            if old.as_deref() != Some(src.as_str()) {
                p.changed = true;
                p.script.push(replace_with(&path, &link_cmd));
            }
        }
        "hard" | "file" => {
            if !f.st.as_ref().is_some_and(same) {
                if !force {
                    let msg = if prev == "hard" {
                        "Cannot link, different hard link exists at destination".to_string()
                    } else {
                        format!("Cannot link, {prev} exists at destination")
                    };
                    return Err(Box::new(
                        Outcome::failed(msg).with("dest", path).with("src", src),
                    ));
                }
                p.changed = true;
                p.script.push(replace_with(&path, &link_cmd));
            }
        }
        _ => {
            return Err(Box::new(
                Outcome::failed(format!("Cannot link, {prev} exists at destination"))
                    .with("dest", path)
                    .with("src", src),
            ))
        }
    }
    let st = if p.changed {
        src_st.clone()
    } else {
        f.st.clone().unwrap_or(src_st)
    };
    add_attrs(p, &path, &st, want, true)?;
    t.plan(p, &path, Some(&st));
    Ok(())
}

/// `modification_time` / `access_time`: preserve, now, or an instant.
#[derive(Debug, Clone, Copy, PartialEq)]
enum When {
    Preserve,
    Now,
    At(f64),
}

#[derive(Debug, Clone, Copy)]
struct Times {
    mtime: When,
    atime: When,
}

impl Times {
    fn from_options(o: &FileOptions, state: &str) -> Result<Times, String> {
        let default = if state == "touch" {
            When::Now
        } else {
            When::Preserve
        };
        let one = |v: &Option<String>, fmt: &Option<String>| -> Result<When, String> {
            match v.as_deref() {
                None => Ok(default),
                Some("preserve") => Ok(When::Preserve),
                Some("now") => Ok(When::Now),
                Some(t) => parse_time(t, fmt.as_deref().unwrap_or("%Y%m%d%H%M.%S")).map(When::At),
            }
        };
        Ok(Times {
            mtime: one(&o.modification_time, &o.modification_time_format)?,
            atime: one(&o.access_time, &o.access_time_format)?,
        })
    }

    fn any(&self) -> bool {
        self.mtime != When::Preserve || self.atime != When::Preserve
    }

    /// Add the `touch` commands needed; `current` None = just created.
    fn plan(&self, p: &mut Plan, path: &str, current: Option<&RemoteStat>) {
        let q = quote(path);
        let mut cmds = Vec::new();
        let mut changed = false;
        if self.mtime == When::Now && self.atime == When::Now {
            cmds.push(format!("touch -c -- {q}"));
            changed = true;
        } else {
            for (w, flag, cur) in [
                (self.mtime, "-m", current.map(|c| c.mtime)),
                (self.atime, "-a", current.map(|c| c.atime)),
            ] {
                match w {
                    When::Preserve => {}
                    When::Now => {
                        cmds.push(format!("touch -c {flag} -- {q}"));
                        changed = true;
                    }
                    When::At(t) => {
                        if cur != Some(t) {
                            cmds.push(format!("touch -c {flag} -d @{t} -- {q}"));
                            changed = true;
                        }
                    }
                }
            }
        }
        if changed {
            p.changed = true;
            p.script.extend(cmds);
        }
    }
}

/// Python `time.strptime` + `mktime` (local time) for the formats people
/// use; the default `%Y%m%d%H%M.%S` is read by position, as chrono's `%Y`
/// would swallow the following digits.
fn parse_time(t: &str, fmt: &str) -> Result<f64, String> {
    let err = || {
        format!("Error while obtaining timestamp for time {t} using format {fmt}: time data '{t}' does not match format '{fmt}'")
    };
    let naive = if fmt == "%Y%m%d%H%M.%S" {
        if t.len() != 15 || t.as_bytes()[12] != b'.' {
            return Err(err());
        }
        let s = format!(
            "{}-{}-{} {}:{}:{}",
            &t[0..4],
            &t[4..6],
            &t[6..8],
            &t[8..10],
            &t[10..12],
            &t[13..15]
        );
        chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S").map_err(|_| err())?
    } else {
        chrono::NaiveDateTime::parse_from_str(t, fmt).map_err(|_| err())?
    };
    chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|d| d.timestamp() as f64)
        .ok_or_else(err)
}

async fn apply(ctx: &ModuleContext, p: &Plan) -> Result<Map<String, Value>, ModuleError> {
    let reqs = [
        StatRequest::new(&p.info_path),
        StatRequest::new(&p.info_path).follow(true),
    ];
    let script = format!(
        "( set -e; {} ) || exit 1; {}",
        p.script.join("; "),
        stat::script(&reqs)
    );
    let out = ctx.exec(script).await?;
    if !out.success() {
        return Err(ModuleError::failed(format!(
            "{}: {}",
            p.info_path,
            out.stderr_str().trim()
        )));
    }
    let s = stat::parse(&reqs, &out.stdout_str());
    Ok(stat::path_info(s[0].as_ref(), s[1].as_ref()))
}

/// The mode a symbolic spec gives a new directory (exposed for copy).
pub fn new_dir_mode(spec: &str) -> Result<u32, String> {
    mode::resolve(spec, mode::default_mode(true), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_time_table() {
        let ok = [
            ("202001011200.00", "%Y%m%d%H%M.%S"),
            ("2020-01-01 12:00:00", "%Y-%m-%d %H:%M:%S"),
        ];
        let base = parse_time(ok[0].0, ok[0].1).unwrap();
        for (t, f) in ok {
            assert_eq!(parse_time(t, f).unwrap(), base, "{t}");
        }
        for (t, f) in [("2020", "%Y%m%d%H%M.%S"), ("x", "%Y-%m-%d")] {
            assert!(parse_time(t, f).is_err(), "{t}");
        }
    }

    #[test]
    fn resolve_src_table() {
        let cases = [
            ("/d/link", "target", "/d/target"),
            ("/d/link", "/abs", "/abs"),
            ("/link", "t", "//t"),
            ("rel", "t", "./t"),
        ];
        for (path, src, want) in cases {
            let got = resolve_src(path, src);
            assert_eq!(
                got.replace("//", "/"),
                want.replace("//", "/"),
                "{path} {src}"
            );
        }
    }
}
