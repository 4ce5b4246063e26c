//! `unarchive`: unpack a .tar/.tar.gz/.tgz/.tar.bz2/.tar.xz/.zip archive
//! (from the controller, or already on the target with `remote_src`) into
//! an existing directory. The archive is unpacked into a scratch dir next
//! to `dest` first and compared by sha1, type and mode with what `dest`
//! holds, so an unchanged archive reports `changed=false`.

use crate::file::FILE_COMMON;
use crate::util::{self, attrs, stat};
use serde::Deserialize;
use serde_json::{json, Value};
use srplay_engine::connection::{FileAttrs, PutSource};
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnarchiveOptions {
    pub src: String,
    pub dest: String,
    pub remote_src: Option<bool>,
    pub copy: Option<bool>,
    pub creates: Option<String>,
    pub list_files: Option<bool>,
    pub keep_newer: Option<bool>,
    pub exclude: Option<Vec<String>>,
    pub include: Option<Vec<String>>,
    pub extra_opts: Option<Vec<String>>,
    pub io_buffer_size: Option<i64>,
    pub validate_certs: Option<bool>,
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
}

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("src", ArgType::Path, "The archive: a controller path (looked up in `files/`), or a target path with `remote_src`.").required(),
    ArgSpec::new("dest", ArgType::Path, "Existing remote directory to unpack into.").required(),
    ArgSpec::new("remote_src", ArgType::Bool, "The archive is already on the target.").default("false"),
    ArgSpec::new("copy", ArgType::Bool, "Deprecated inverse of `remote_src`.").default("true"),
    ArgSpec::new("creates", ArgType::Path, "If this path exists, nothing is unpacked."),
    ArgSpec::new("list_files", ArgType::Bool, "Return the archive's file list in `files`.").default("false"),
    ArgSpec::new("keep_newer", ArgType::Bool, "Do not replace existing files newer than the archive's.").default("false"),
    ArgSpec::new("exclude", ArgType::List, "Archive members not to unpack.").default("[]"),
    ArgSpec::new("include", ArgType::List, "Only unpack these archive members.").default("[]"),
    ArgSpec::new("extra_opts", ArgType::List, "Extra options for `tar`/`unzip` (e.g. `--strip-components=1`).").default("[]"),
    ArgSpec::new("io_buffer_size", ArgType::Int, "Accepted for compatibility.").default("65536"),
    ArgSpec::new("validate_certs", ArgType::Bool, "Accepted for compatibility (URLs are not downloaded).").default("true"),
    ArgSpec::new("decrypt", ArgType::Bool, "Accepted for compatibility (vault files are not decrypted).").default("true"),
    FILE_COMMON[0], FILE_COMMON[1], FILE_COMMON[2], FILE_COMMON[3], FILE_COMMON[4],
    FILE_COMMON[5], FILE_COMMON[6], FILE_COMMON[7], FILE_COMMON[8],
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("dest", "Path to the destination directory."),
        ("src", "The archive used."),
        ("handler", "Archive handler used: `TgzArchive`, `TarArchive`, `TarBzipArchive`, `TarXzArchive`, `ZipArchive`."),
        ("files", "With `list_files`: the archive's members."),
        ("extract_results", "`cmd`, `rc`, `out`, `err` of the unpacking command."),
        ("mode", "Mode of `dest`."),
        ("owner", "Owner of `dest`."),
        ("group", "Group of `dest`."),
        ("uid", "uid of `dest`."),
        ("gid", "gid of `dest`."),
        ("size", "Size of `dest`."),
        ("state", "`directory`."),
    ],
    ..ModuleSpec::new("unarchive", "Unpacks an archive after (optionally) copying it from the local machine.")
};

pub struct Unarchive;

/// The archive formats, by what `tar`/`unzip` accept.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Handler {
    Zip,
    Tgz,
    Tar,
    Bzip,
    Xz,
}

impl Handler {
    fn name(self) -> &'static str {
        match self {
            Handler::Zip => "ZipArchive",
            Handler::Tgz => "TgzArchive",
            Handler::Tar => "TarArchive",
            Handler::Bzip => "TarBzipArchive",
            Handler::Xz => "TarXzArchive",
        }
    }

    fn tar_flag(self) -> &'static str {
        match self {
            Handler::Tgz => "z",
            Handler::Bzip => "j",
            Handler::Xz => "J",
            _ => "",
        }
    }

    /// The command listing members (one per line).
    fn list_cmd(self, archive: &str) -> String {
        match self {
            Handler::Zip => format!("unzip -Z1 -- {}", quote(archive)),
            h => format!("tar -t{}f {}", h.tar_flag(), quote(archive)),
        }
    }

    fn extract_cmd(self, archive: &str, into: &str, o: &UnarchiveOptions) -> String {
        let extra: Vec<String> = o.extra_opts.iter().flatten().map(|x| quote(x)).collect();
        let include: Vec<String> = o.include.iter().flatten().map(|x| quote(x)).collect();
        let exclude = o.exclude.iter().flatten();
        match self {
            Handler::Zip => {
                let mut c = format!(
                    "unzip -o {} {} -d {}",
                    extra.join(" "),
                    quote(archive),
                    quote(into)
                );
                if !include.is_empty() {
                    c.push(' ');
                    c.push_str(&include.join(" "));
                }
                let ex: Vec<String> = exclude.map(|x| quote(x)).collect();
                if !ex.is_empty() {
                    c.push_str(&format!(" -x {}", ex.join(" ")));
                }
                c
            }
            h => {
                let mut c = format!(
                    "tar --extract -C {} -{}f {} {}",
                    quote(into),
                    h.tar_flag(),
                    quote(archive),
                    extra.join(" ")
                );
                for x in exclude {
                    c.push_str(&format!(" --exclude={}", quote(x)));
                }
                if o.keep_newer.unwrap_or(false) {
                    c.push_str(" --keep-newer-files");
                }
                if !include.is_empty() {
                    c.push(' ');
                    c.push_str(&include.join(" "));
                }
                c
            }
        }
    }
}

#[async_trait::async_trait]
impl Module for Unarchive {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: UnarchiveOptions = util::options(&SPEC, args)?;
        attrs::check_mode_syntax(o.mode.as_deref()).map_err(ModuleError::failed)?;
        let remote_src = o.remote_src.unwrap_or(false) || o.copy == Some(false);
        if let Some(c) = &o.creates {
            let st = stat::stat_one(ctx, stat::StatRequest::new(c)).await?;
            if st.is_some() {
                let mut out = Outcome::ok().with_msg(format!("skipped, since {c} exists"));
                out.skipped = true;
                return Ok(out);
            }
        }
        let dest_st = stat::stat_one(ctx, stat::StatRequest::new(&o.dest).follow(true)).await?;
        if !dest_st.as_ref().is_some_and(stat::RemoteStat::is_dir) {
            return Ok(Outcome::failed(format!(
                "dest '{}' must be an existing dir",
                o.dest
            )));
        }
        // A scratch dir next to dest: same filesystem, so copying is cheap.
        let mk = ctx
            .exec(format!(
                "mktemp -d {}/.srplay-unarchive-XXXXXX",
                quote(o.dest.trim_end_matches('/'))
            ))
            .await?;
        if !mk.success() {
            return Err(ModuleError::failed(format!(
                "could not make a scratch dir in {}: {}",
                o.dest,
                mk.stderr_str().trim()
            )));
        }
        let scratch = mk.stdout_str().trim().to_string();
        let result = unpack(ctx, &o, remote_src, &scratch).await;
        let _ = ctx.exec(format!("rm -rf -- {}", quote(&scratch))).await;
        result
    }
}

async fn unpack(
    ctx: &ModuleContext,
    o: &UnarchiveOptions,
    remote_src: bool,
    scratch: &str,
) -> Result<Outcome, ModuleError> {
    let archive = if remote_src {
        o.src.clone()
    } else {
        let Some(local) = ctx.find_file("files", &o.src) else {
            return Ok(Outcome::failed(format!(
                "Could not find or access '{}' on the Ansible Controller.",
                o.src
            )));
        };
        let remote = format!("{scratch}/archive");
        ctx.put(PutSource::File(local), &remote, &FileAttrs::default())
            .await?;
        remote
    };
    let tree = format!("{scratch}/tree");
    // Pick the handler, list members, unpack into the scratch tree and
    // describe both trees, all in one round trip.
    let mut s = format!(
        "a={}; if ! [ -r \"$a\" ]; then echo '@@missing'; exit 0; fi; if ! [ -s \"$a\" ]; then echo '@@empty'; exit 0; fi; \
         if unzip -Z1 -- \"$a\" >/dev/null 2>&1; then h=zip; \
         elif tar -tzf \"$a\" >/dev/null 2>&1; then h=tgz; \
         elif tar -tf \"$a\" >/dev/null 2>&1 && ! tar -tjf \"$a\" >/dev/null 2>&1 && ! tar -tJf \"$a\" >/dev/null 2>&1; then h=tar; \
         elif tar -tjf \"$a\" >/dev/null 2>&1; then h=bz2; elif tar -tJf \"$a\" >/dev/null 2>&1; then h=xz; else echo '@@unknown'; exit 0; fi; \
         echo \"@@handler $h\"; mkdir -p {t}; ",
        quote(&archive),
        t = quote(&tree)
    );
    for h in [
        Handler::Zip,
        Handler::Tgz,
        Handler::Tar,
        Handler::Bzip,
        Handler::Xz,
    ] {
        let key = match h {
            Handler::Zip => "zip",
            Handler::Tgz => "tgz",
            Handler::Tar => "tar",
            Handler::Bzip => "bz2",
            Handler::Xz => "xz",
        };
        s.push_str(&format!(
            "if [ $h = {key} ]; then echo '@@list'; {} 2>/dev/null; echo '@@extract'; {} >/dev/null 2>{}/err || {{ echo \"@@failed $?\"; cat {}/err; exit 0; }}; fi; ",
            h.list_cmd(&archive),
            h.extract_cmd(&archive, &tree, o),
            quote(scratch),
            quote(scratch)
        ));
    }
    s.push_str(&format!(
        "echo '@@tree'; cd {t} && find . -mindepth 1 -printf '%y %m %u %g %p\\n' | while IFS= read -r l; do \
         p=${{l#* * * * }}; if [ -f \"$p\" ] && ! [ -L \"$p\" ]; then printf '%s %s\\n' \"$(sha1sum < \"$p\" | cut -c1-40)\" \"$l\"; else printf '%s %s\\n' - \"$l\"; fi; done; \
         echo '@@dest'; cd {t} && find . -mindepth 1 -printf '%p\\n' | while IFS= read -r p; do d={d}/\"$p\"; \
         if [ -L \"$d\" ] || [ -e \"$d\" ]; then l=$(stat -c '%F %a %U %G' -- \"$d\" | sed 's/regular empty file/f/;s/regular file/f/;s/directory/d/;s/symbolic link/l/'); \
         if [ -f \"$d\" ] && ! [ -L \"$d\" ]; then c=$(sha1sum < \"$d\" | cut -c1-40); else c=-; fi; printf '%s %s %s\\n' \"$c\" \"$l\" \"$p\"; fi; done",
        t = quote(&tree),
        d = quote(o.dest.trim_end_matches('/'))
    ));
    let out = ctx.exec(s).await?;
    let text = out.stdout_str();
    if text.starts_with("@@missing") {
        return Ok(Outcome::failed(format!(
            "Source '{}' does not exist",
            o.src
        )));
    }
    if text.starts_with("@@empty") {
        return Ok(Outcome::failed(format!(
            "Invalid archive '{}', the file is 0 bytes",
            o.src
        )));
    }
    if text.starts_with("@@unknown") {
        return Ok(Outcome::failed(format!(
            "Failed to find handler for \"{}\". Make sure the required command to extract the file is installed.",
            archive
        )));
    }
    let sections = split_sections(&text);
    let handler = match sections.get("handler").map(String::as_str).unwrap_or("") {
        "zip" => Handler::Zip,
        "tgz" => Handler::Tgz,
        "bz2" => Handler::Bzip,
        "xz" => Handler::Xz,
        _ => Handler::Tar,
    };
    if ctx.check_mode && handler != Handler::Zip {
        // Ansible's tar handlers refuse check mode.
        let mut out = Outcome::ok()
            .with_msg("remote module (unarchive) does not support check mode when using gtar");
        out.skipped = true;
        return Ok(out);
    }
    let extract_cmd = handler.extract_cmd(&archive, &o.dest, o);
    let mut res = Outcome::ok()
        .with("handler", handler.name())
        .with("dest", o.dest.clone())
        .with("src", archive.clone());
    if let Some(f) = sections.get("failed") {
        let (rc, err) = f.split_once('\n').unwrap_or((f, ""));
        res.failed = true;
        res.msg = Some(format!("failed to unpack {archive} to {}", o.dest));
        res.data.insert(
            "extract_results".into(),
            json!({"cmd": extract_cmd, "rc": rc.trim().parse::<i64>().unwrap_or(1), "out": "", "err": err}),
        );
        return Ok(res);
    }
    let members: Vec<String> = sections
        .get("list")
        .map(|l| l.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let want = attrs::Wanted::new(o.mode.as_deref(), o.owner.as_deref(), o.group.as_deref());
    let changed = differs(
        sections.get("tree").map(String::as_str).unwrap_or(""),
        sections.get("dest").map(String::as_str).unwrap_or(""),
        &want,
    );
    res.changed = changed;
    if changed && !ctx.check_mode {
        // --remove-destination: a replaced file is unlinked first, never
        // rewritten in place (running binaries would fail with ETXTBSY).
        let mut cmd = format!(
            "cp -a --remove-destination -- {}/. {}/",
            quote(&tree),
            quote(o.dest.trim_end_matches('/'))
        );
        if !want.is_empty() {
            cmd.push_str(&format!(
                " && cd {} && find . -mindepth 1 -printf '%P\\0' | (cd {} && xargs -0 -r sh -c '{}' sh)",
                quote(&tree),
                quote(o.dest.trim_end_matches('/')),
                attrs_for_each(&want)?
            ));
        }
        let r = ctx.exec(cmd).await?;
        res.data.insert(
            "extract_results".into(),
            json!({"cmd": extract_cmd, "rc": r.rc, "out": r.stdout_str(), "err": r.stderr_str()}),
        );
        if !r.success() {
            res.failed = true;
            res.msg = Some(format!("failed to unpack {archive} to {}", o.dest));
            return Ok(res);
        }
    }
    if o.list_files.unwrap_or(false) {
        res.data.insert("files".into(), Value::from(members));
    }
    for (k, v) in stat::path_info_of(ctx, &o.dest).await? {
        res.data.insert(k, v);
    }
    Ok(res)
}

/// The `chown`/`chgrp`/`chmod` run on every unpacked path (`$@`).
fn attrs_for_each(want: &attrs::Wanted) -> Result<String, ModuleError> {
    let mut cmds = Vec::new();
    if let Some(o) = &want.owner {
        cmds.push(format!("chown {} \"$@\"", quote(o).replace('\'', "")));
    }
    if let Some(g) = &want.group {
        cmds.push(format!("chgrp {} \"$@\"", quote(g).replace('\'', "")));
    }
    if let Some(m) = &want.mode {
        let bits = util::mode::resolve(m, util::mode::default_mode(false), false)
            .map_err(ModuleError::failed)?;
        cmds.push(format!("chmod {bits:04o} \"$@\""));
    }
    Ok(cmds.join(" && "))
}

/// Is anything in the unpacked tree missing or different in dest?
fn differs(tree: &str, dest: &str, want: &attrs::Wanted) -> bool {
    // tree lines: "<sha|-> <type> <mode> <user> <group> ./path"
    // dest lines: "<sha|-> <type> <mode> <user> <group> ./path"
    let parse = |s: &str| -> BTreeMap<String, Vec<String>> {
        s.lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.splitn(6, ' ').collect();
                (f.len() == 6).then(|| {
                    (
                        f[5].to_string(),
                        f[..5].iter().map(|x| x.to_string()).collect(),
                    )
                })
            })
            .collect()
    };
    let (t, d) = (parse(tree), parse(dest));
    t.iter().any(|(p, tv)| match d.get(p) {
        None => true,
        Some(dv) => {
            let mode_want = want
                .mode
                .as_deref()
                .and_then(|m| util::mode::resolve(m, util::mode::default_mode(false), false).ok())
                .map(|b| format!("{b:o}"));
            tv[0] != dv[0]
                || tv[1] != dv[1]
                || dv[2] != mode_want.unwrap_or_else(|| tv[2].clone())
                || want.owner.as_deref().is_some_and(|o| o != dv[3])
                || want.group.as_deref().is_some_and(|g| g != dv[4])
        }
    })
}

/// `@@name rest` headers to their bodies.
fn split_sections(text: &str) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut cur: Option<String> = None;
    let mut body = String::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("@@") {
            if let Some(c) = cur.take() {
                m.insert(c, std::mem::take(&mut body));
            }
            let (name, rest) = h.split_once(' ').unwrap_or((h, ""));
            if !rest.is_empty() {
                body.push_str(rest);
                body.push('\n');
            }
            cur = Some(name.to_string());
            continue;
        }
        body.push_str(line);
        body.push('\n');
    }
    if let Some(c) = cur {
        m.insert(c, body.trim_end_matches('\n').to_string());
    }
    m.iter_mut().for_each(|(_, v)| {
        let t = v.trim_end_matches('\n').to_string();
        *v = t;
    });
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differs_table() {
        let tree = "abc f 644 root root ./a\n- d 755 root root ./d";
        let none = attrs::Wanted::default();
        let cases = [
            (
                "abc f 644 root root ./a\n- d 755 root root ./d",
                &none,
                false,
            ),
            (
                "abd f 644 root root ./a\n- d 755 root root ./d",
                &none,
                true,
            ),
            ("- d 755 root root ./d", &none, true),
            (
                "abc f 600 root root ./a\n- d 755 root root ./d",
                &none,
                true,
            ),
        ];
        for (dest, want, expected) in cases {
            assert_eq!(differs(tree, dest, want), expected, "{dest}");
        }
    }

    #[test]
    fn sections_table() {
        let s = split_sections("@@handler tgz\n@@list\na\nb\n@@extract\n@@tree\nx\n");
        assert_eq!(s["handler"], "tgz");
        assert_eq!(s["list"], "a\nb");
        assert_eq!(s["tree"], "x");
    }
}
