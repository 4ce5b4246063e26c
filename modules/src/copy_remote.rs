//! `copy` with `remote_src: true`: source and destination both on the
//! target. A file is copied to a temp name next to the destination and
//! renamed over it; a directory tree is compared by sha1 listing first.

use crate::copy::{run_all, CopyOptions};
use crate::util::{attrs, stat, write};
use serde_json::json;
use srplay_engine::module::{ModuleContext, ModuleError, Outcome};
use srplay_engine::shell::quote;
use stat::{RemoteStat, StatRequest};
use std::collections::BTreeMap;

fn basename(p: &str) -> String {
    p.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

fn parent(p: &str) -> String {
    match p.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) => "/".into(),
        Some((d, _)) => d.into(),
        None => ".".into(),
    }
}

pub async fn copy_remote(
    ctx: &ModuleContext,
    o: &CopyOptions,
    src: &str,
) -> Result<Outcome, ModuleError> {
    let dest = o.dest.as_str();
    let in_dir = format!("{}/{}", dest.trim_end_matches('/'), basename(src));
    let reqs = [
        StatRequest::new(src).follow(true).checksum(true),
        StatRequest::new(dest).follow(true).checksum(true),
        StatRequest::new(&in_dir).follow(true).checksum(true),
        StatRequest::new(parent(dest)).follow(true),
    ];
    let s = stat::stat_many(ctx, &reqs).await?;
    let Some(src_st) = s[0].clone() else {
        return Ok(Outcome::failed(format!("Source {src} not found")));
    };
    if src_st.is_dir() {
        return copy_remote_tree(ctx, o, src).await;
    }
    if !src_st.is_file() {
        return Ok(Outcome::failed(format!(
            "Cannot copy invalid source '{src}': not a file"
        )));
    }
    let into_dir = dest.ends_with('/') || s[1].as_ref().is_some_and(RemoteStat::is_dir);
    let (final_dest, cur) = if into_dir {
        (in_dir, s[2].clone())
    } else {
        (dest.to_string(), s[1].clone())
    };
    if !into_dir && s[3].is_none() {
        return Ok(Outcome::failed(format!(
            "Destination directory {} does not exist",
            parent(dest)
        )));
    }
    let sha = src_st.checksum.clone().unwrap_or_default();
    let mut out = Outcome::ok()
        .with("dest", final_dest.clone())
        .with("src", src)
        .with("checksum", sha.clone());
    if cur.is_some() && !o.force.unwrap_or(true) {
        out.msg = Some("file already exists".into());
        return Ok(out);
    }
    let want = attrs::Wanted::new(o.mode.as_deref(), o.owner.as_deref(), o.group.as_deref());
    let same = cur
        .as_ref()
        .is_some_and(|c| c.checksum.as_deref() == Some(sha.as_str()));
    if same {
        let c = cur.clone().unwrap_or(src_st);
        let plan = attrs::plan(&final_dest, &c, &want, true).map_err(ModuleError::failed)?;
        out.changed = plan.changed();
        if out.changed && !ctx.check_mode {
            run_all(ctx, &plan.commands).await?;
        }
    } else {
        out.changed = true;
        if !ctx.check_mode {
            if o.backup.unwrap_or(false) && cur.is_some() {
                out.data.insert(
                    "backup_file".into(),
                    json!(write::backup(ctx, &final_dest).await?),
                );
            }
            let mut script = format!(
                "set -e; d={}; t=$(mktemp \"$(dirname -- \"$d\")/.$(basename -- \"$d\").srplay-tmp-XXXXXX\"); \
                 trap 'rm -f -- \"$t\"' EXIT; cp --preserve=timestamps -- {} \"$t\"; \
                 chmod \"$(printf '%o' $((0666 & ~$(umask))))\" \"$t\"; ",
                quote(&final_dest),
                quote(src)
            );
            for c in attrs::set_all("@T@", &want, false).map_err(ModuleError::failed)? {
                script.push_str(&c.replace("@T@", "\"$t\""));
                script.push_str("; ");
            }
            if let Some(v) = &o.validate {
                script.push_str(&format!(
                    "( {} ) || {{ echo @@validate; exit 97; }}; ",
                    v.replace("%s", "\"$t\"")
                ));
            }
            script.push_str("mv -f -- \"$t\" \"$d\"; trap - EXIT");
            let r = ctx.exec(script).await?;
            if r.rc == 97 && r.stdout_str().contains("@@validate") {
                return Ok(Outcome::failed("failed to validate")
                    .with("stdout", r.stdout_str().replace("@@validate\n", ""))
                    .with("stderr", r.stderr_str()));
            }
            if !r.success() {
                return Err(ModuleError::failed(format!(
                    "Failed to copy '{src}' to '{final_dest}': {}",
                    r.stderr_str().trim()
                )));
            }
        }
    }
    let info = if ctx.check_mode {
        stat::path_info(cur.as_ref(), cur.as_ref())
    } else {
        stat::path_info_of(ctx, &final_dest).await?
    };
    for (k, v) in info {
        out.data.insert(k, v);
    }
    Ok(out)
}

/// `type sha1 path` lines for every entry under a directory.
fn listing_script(dir: &str) -> String {
    format!(
        "if [ -d {q} ]; then cd {q} && find . -mindepth 1 -printf '%y %p\\n' | while IFS= read -r l; do \
         t=${{l%% *}}; p=${{l#* }}; if [ \"$t\" = f ]; then printf 'f %s %s\\n' \"$(sha1sum < \"$p\" | cut -c1-40)\" \"$p\"; \
         else printf '%s - %s\\n' \"$t\" \"$p\"; fi; done; fi",
        q = quote(dir)
    )
}

fn parse_listing(s: &str) -> BTreeMap<String, (String, String)> {
    s.lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, ' ');
            Some((
                it.nth(2)?.to_string(),
                (l[..1].to_string(), l.split(' ').nth(1)?.to_string()),
            ))
        })
        .collect()
}

async fn copy_remote_tree(
    ctx: &ModuleContext,
    o: &CopyOptions,
    src: &str,
) -> Result<Outcome, ModuleError> {
    let dest_root = if src.ends_with('/') {
        o.dest.trim_end_matches('/').to_string()
    } else {
        format!("{}/{}", o.dest.trim_end_matches('/'), basename(src))
    };
    let dest_req = [StatRequest::new(&o.dest).follow(true)];
    let script = format!(
        "( {} ); echo @@dest; ( {} ); echo @@stat; {}",
        listing_script(src),
        listing_script(&dest_root),
        stat::script(&dest_req)
    );
    let out = ctx.exec(script).await?;
    let text = out.stdout_str();
    let (text, dest_stat) = text.split_once("@@stat\n").unwrap_or((&text, ""));
    let dest_st = stat::parse(&dest_req, dest_stat).remove(0);
    let (a, b) = text.split_once("@@dest\n").unwrap_or((text, ""));
    let (src_list, dest_list) = (parse_listing(a), parse_listing(b));
    let force = o.force.unwrap_or(true);
    let changed =
        src_list.iter().any(|(p, v)| match dest_list.get(p) {
            None => true,
            Some(d) => force && d != v,
        }) || dest_list.is_empty() && src_list.is_empty() && b.is_empty() && !a.is_empty();
    let mut res = Outcome::changed(changed)
        .with("dest", o.dest.clone())
        .with("src", src);
    if changed && !ctx.check_mode {
        let cp = if force {
            "cp -R --remove-destination --preserve=mode,timestamps"
        } else {
            "cp -R -n --preserve=mode,timestamps"
        };
        let mut cmd = format!(
            "mkdir -p -- {d} && {cp} -- {s}/. {d}/",
            d = quote(&dest_root),
            s = quote(src.trim_end_matches('/'))
        );
        // Like Ansible's chown_recursive: a copied tree gets owner and
        // group throughout (modes stay as copied).
        if let Some(chown) = recursive_chown(o, &dest_root) {
            cmd.push_str(" && ");
            cmd.push_str(&chown);
        }
        run_all(ctx, &[cmd]).await?;
    }
    // `cp` may have changed `dest` itself (it copies `src/.` onto it).
    let known = if changed && !ctx.check_mode {
        None
    } else {
        dest_st
    };
    if dest_attrs_changed(ctx, o, known).await? {
        res.changed = true;
    }
    Ok(res)
}

/// Ansible's last step for every `copy`: `mode`, `owner` and `group` on
/// `dest` itself (the directory the tree went into). `before` is `dest`
/// as it is now, if known; otherwise it is stat'ed anew.
async fn dest_attrs_changed(
    ctx: &ModuleContext,
    o: &CopyOptions,
    before: Option<RemoteStat>,
) -> Result<bool, ModuleError> {
    let mut want = attrs::Wanted::new(o.mode.as_deref(), o.owner.as_deref(), o.group.as_deref());
    if want.mode.as_deref() == Some("preserve") {
        want.mode = None;
    }
    if want.is_empty() {
        return Ok(false);
    }
    let st = match before {
        Some(st) => st,
        // Check mode: the copy would create it, and set its attributes.
        None if ctx.check_mode => return Ok(true),
        None => match stat::stat_one(ctx, StatRequest::new(&o.dest).follow(true)).await? {
            Some(st) => st,
            None => return Ok(false),
        },
    };
    let plan = attrs::plan(&o.dest, &st, &want, true).map_err(ModuleError::failed)?;
    if plan.changed() && !ctx.check_mode {
        run_all(ctx, &plan.commands).await?;
    }
    Ok(plan.changed())
}

/// `chown -R owner[:group]` (or `chgrp -R group`) of a copied tree.
fn recursive_chown(o: &CopyOptions, root: &str) -> Option<String> {
    let root = quote(root);
    match (o.owner.as_deref(), o.group.as_deref()) {
        (Some(u), Some(g)) => Some(format!("chown -R -- {} {root}", quote(&format!("{u}:{g}")))),
        (Some(u), None) => Some(format!("chown -R -- {} {root}", quote(u))),
        (None, Some(g)) => Some(format!("chgrp -R -- {} {root}", quote(g))),
        (None, None) => None,
    }
}
