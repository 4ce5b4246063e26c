//! `template`: render a Jinja2 template on the controller with the host's
//! variables (through `ctx.renderer`) and write the result like `copy`
//! with `content` (checksums first, atomic, backup, validate, attrs).

use crate::copy::{self, CopyOptions, Source};
use crate::file::FILE_COMMON;
use crate::util;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::template::TemplateSyntax;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateOptions {
    pub src: String,
    pub dest: String,
    pub backup: Option<bool>,
    pub force: Option<bool>,
    pub follow: Option<bool>,
    pub validate: Option<String>,
    pub newline_sequence: Option<String>,
    pub output_encoding: Option<String>,
    pub block_start_string: Option<String>,
    pub block_end_string: Option<String>,
    pub variable_start_string: Option<String>,
    pub variable_end_string: Option<String>,
    pub comment_start_string: Option<String>,
    pub comment_end_string: Option<String>,
    pub trim_blocks: Option<bool>,
    pub lstrip_blocks: Option<bool>,
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

/// Ansible accepts the real sequences and their backslash-escaped spellings.
const NEWLINE_CHOICES: &[&str] = &["\n", "\r", "\r\n", "\\n", "\\r", "\\r\\n"];

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("src", ArgType::Path, "The template on the controller (looked up in `templates/`).").required(),
    ArgSpec::new("dest", ArgType::Path, "Where to write the rendered template on the target.").required(),
    ArgSpec::new("backup", ArgType::Bool, "Keep a timestamped backup of the file it replaces.").default("false"),
    ArgSpec::new("force", ArgType::Bool, "Replace a file whose content differs; `false` only writes when missing.").default("true"),
    ArgSpec::new("follow", ArgType::Bool, "Follow a symlink at the destination.").default("false"),
    ArgSpec::new("validate", ArgType::Str, "Command checking the rendered file (`%s` = its temp path) before it replaces the destination."),
    ArgSpec::new("newline_sequence", ArgType::Str, "Newline sequence of the written file; the escaped forms `'\\n'`, `'\\r'`, `'\\r\\n'` (YAML single quotes) are accepted too.").choices(NEWLINE_CHOICES).default("\"\\n\""),
    ArgSpec::new("output_encoding", ArgType::Str, "Encoding of the written file (a WHATWG encoding label such as `windows-1252`).").default("utf-8"),
    ArgSpec::new("block_start_string", ArgType::Str, "The string marking the beginning of a block.").default("{%"),
    ArgSpec::new("block_end_string", ArgType::Str, "The string marking the end of a block.").default("%}"),
    ArgSpec::new("variable_start_string", ArgType::Str, "The string marking the beginning of a print statement.").default("{{"),
    ArgSpec::new("variable_end_string", ArgType::Str, "The string marking the end of a print statement.").default("}}"),
    ArgSpec::new("comment_start_string", ArgType::Str, "The string marking the beginning of a comment.").default("{#"),
    ArgSpec::new("comment_end_string", ArgType::Str, "The string marking the end of a comment.").default("#}"),
    ArgSpec::new("trim_blocks", ArgType::Bool, "Remove the first newline after a block.").default("true"),
    ArgSpec::new("lstrip_blocks", ArgType::Bool, "Strip tabs and spaces from the start of a line up to a block.").default("false"),
    FILE_COMMON[0], FILE_COMMON[1], FILE_COMMON[2], FILE_COMMON[3], FILE_COMMON[4],
    FILE_COMMON[5], FILE_COMMON[6], FILE_COMMON[7], FILE_COMMON[8],
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("dest", "Destination file."),
        ("src", "The template used."),
        ("checksum", "sha1 of the rendered file."),
        ("md5sum", "md5 of the rendered file, when it was written."),
        ("backup_file", "Name of the backup file created."),
        ("mode", "Permissions of the file, e.g. `0644`."),
        ("owner", "Owner's name."),
        ("group", "Group's name."),
        ("uid", "Owner's uid."),
        ("gid", "Group's gid."),
        ("size", "Size in bytes."),
        ("state", "`file`."),
    ],
    ..ModuleSpec::new("template", "Template a file out to a target host.")
};

pub struct Template;

#[async_trait::async_trait]
impl Module for Template {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: TemplateOptions = util::options(&SPEC, args)?;
        if let Some(e) = unsupported(&o) {
            return Ok(Outcome::failed(e));
        }
        let Some(path) = ctx.find_file("templates", &o.src) else {
            return Ok(Outcome::failed(format!(
                "Could not find or access '{}' on the Ansible Controller.",
                o.src
            )));
        };
        let source = std::fs::read_to_string(&path).map_err(|e| {
            ModuleError::failed(format!("could not read template {}: {e}", path.display()))
        })?;
        let extra = template_vars(ctx, &path, &o.dest);
        let name = path.to_string_lossy().into_owned();
        let syntax = syntax_of(&o);
        let rendered = match ctx.renderer.render_with(&name, &source, &extra, &syntax) {
            Ok(r) => r,
            // The renderer names the template in its errors already.
            Err(e) => return Ok(Outcome::failed(e)),
        };
        let rendered = keep_trailing_newlines(&source, rendered);
        // ansible-core 2.19 returns text without template syntax as is,
        // never through Jinja, so its newline_sequence does not apply.
        let rendered = if has_syntax(&source, &syntax) {
            apply_newlines(&rendered, newline_sequence(o.newline_sequence.as_deref()))
        } else {
            rendered
        };
        let bytes = encode(rendered, o.output_encoding.as_deref());
        let md5 = md5_hex(&bytes);
        let mut src = Source::bytes(bytes);
        src.display = name.clone();
        if o.mode.as_deref() == Some("preserve") {
            src.mode = Some(copy::local_mode(&path));
        }
        src.basename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let copy_opts = CopyOptions {
            src: None,
            content: None,
            dest: o.dest.clone(),
            backup: o.backup,
            force: o.force,
            validate: o.validate.clone(),
            directory_mode: None,
            remote_src: None,
            local_follow: None,
            follow: o.follow,
            checksum: None,
            decrypt: None,
            mode: o.mode.clone(),
            owner: o.owner.clone(),
            group: o.group.clone(),
            attributes: None,
            seuser: None,
            serole: None,
            setype: None,
            selevel: None,
            unsafe_writes: None,
            original_basename: None,
        };
        crate::util::write::check_validate(o.validate.as_deref())?;
        let out = copy::copy_file(ctx, &copy_opts, &src, &o.dest).await?;
        // Ansible's copy module (run only when the file changes) adds it.
        Ok(if out.changed && !out.failed && !ctx.check_mode {
            out.with("md5sum", md5)
        } else {
            out
        })
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
#[test]
fn md5_of_known_text() {
    assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
}

fn unsupported(o: &TemplateOptions) -> Option<String> {
    encoding_of(o.output_encoding.as_deref())
        .err()
        .map(|e| format!("template: output_encoding {e} is not supported"))
}

/// The `output_encoding` (empty means utf-8, as in Ansible's action).
fn encoding_of(label: Option<&str>) -> Result<&'static encoding_rs::Encoding, String> {
    let label = label.filter(|l| !l.is_empty()).unwrap_or("utf-8");
    encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| label.to_string())
}

/// The rendered text in the file's encoding; characters it cannot hold
/// become HTML numeric references (encoding_rs's replacement).
fn encode(text: String, label: Option<&str>) -> Vec<u8> {
    match encoding_of(label) {
        Ok(enc) if enc != encoding_rs::UTF_8 => enc.encode(&text).0.into_owned(),
        _ => text.into_bytes(),
    }
}

/// The task's Jinja syntax: Ansible's defaults where an option is unset.
fn syntax_of(o: &TemplateOptions) -> TemplateSyntax {
    let d = TemplateSyntax::default();
    let pick = |v: &Option<String>, def: &str| v.clone().unwrap_or_else(|| def.to_string());
    TemplateSyntax {
        trim_blocks: o.trim_blocks.unwrap_or(d.trim_blocks),
        lstrip_blocks: o.lstrip_blocks.unwrap_or(d.lstrip_blocks),
        block: (
            pick(&o.block_start_string, &d.block.0),
            pick(&o.block_end_string, &d.block.1),
        ),
        variable: (
            pick(&o.variable_start_string, &d.variable.0),
            pick(&o.variable_end_string, &d.variable.1),
        ),
        comment: (
            pick(&o.comment_start_string, &d.comment.0),
            pick(&o.comment_end_string, &d.comment.1),
        ),
    }
}

/// The real newline sequence for an option value; `'\r\n'` written in
/// YAML single quotes arrives as backslash escapes and means CR LF.
fn newline_sequence(opt: Option<&str>) -> &'static str {
    match opt {
        Some("\r") | Some("\\r") => "\r",
        Some("\r\n") | Some("\\r\\n") => "\r\n",
        _ => "\n",
    }
}

/// The variables Ansible's template action adds for the template.
fn template_vars(ctx: &ModuleContext, path: &std::path::Path, dest: &str) -> Map<String, Value> {
    use std::os::unix::fs::MetadataExt;
    let full = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let uid = std::fs::metadata(&full).map(|m| m.uid()).unwrap_or(0);
    let owner = user_name(uid).unwrap_or_else(|| uid.to_string());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert("template_path".into(), json!(full.to_string_lossy()));
    m.insert("template_fullpath".into(), json!(full.to_string_lossy()));
    m.insert("template_destpath".into(), json!(dest));
    m.insert("template_host".into(), json!(host));
    m.insert("template_uid".into(), json!(owner));
    m.insert(
        "template_run_date".into(),
        json!(chrono::Local::now()
            .format("%Y-%m-%d %H:%M:%S%.6f")
            .to_string()),
    );
    // A play/task `ansible_managed` var wins over the injected default.
    if !ctx.vars.contains_key("ansible_managed") {
        m.insert("ansible_managed".into(), json!("Ansible managed"));
    }
    m
}

/// The user name of a controller uid (from /etc/passwd).
fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.get(2)?.parse::<u32>().ok()? == uid).then(|| f[0].to_string())
    })
}

/// Does the template hold any of its syntax's start delimiters?
fn has_syntax(source: &str, syntax: &TemplateSyntax) -> bool {
    [&syntax.block.0, &syntax.variable.0, &syntax.comment.0]
        .iter()
        .any(|d| source.contains(d.as_str()))
}

/// Ansible's templar gives the result back the trailing newlines of the
/// template that block tags (`trim_blocks`) ate.
fn keep_trailing_newlines(source: &str, mut rendered: String) -> String {
    // A template with no output (only comments or tags) stays empty, as
    // in ansible-core (its result is None, which gets no newline back).
    if rendered.is_empty() {
        return rendered;
    }
    let count = |s: &str| s.len() - s.trim_end_matches('\n').len();
    let missing = count(source).saturating_sub(count(&rendered));
    rendered.extend(std::iter::repeat_n('\n', missing));
    rendered
}

fn apply_newlines(text: &str, seq: &str) -> String {
    if seq == "\n" {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\n', seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newline_table() {
        let cases = [
            ("a\nb\n", "\n", "a\nb\n"),
            ("a\nb\n", "\r\n", "a\r\nb\r\n"),
            ("a\r\nb", "\r", "a\rb"),
        ];
        for (input, seq, want) in cases {
            assert_eq!(apply_newlines(input, seq), want);
        }
    }

    #[test]
    fn trailing_newlines_table() {
        let cases = [
            ("{% endfor %}\n", "    ", "    \n"),
            ("a\n", "a\n", "a\n"),
            ("a", "a", "a"),
            // no output at all: stays empty (ansible-core renders None)
            ("{% if x %}\n\n", "", ""),
            ("a\n", "a\n\n", "a\n\n"),
        ];
        for (src, out, want) in cases {
            assert_eq!(
                keep_trailing_newlines(src, out.to_string()),
                want,
                "{src:?}"
            );
        }
    }

    #[test]
    fn newline_option_table() {
        let cases = [
            (None, "\n"),
            (Some("\n"), "\n"),
            (Some("\\n"), "\n"),
            (Some("\r"), "\r"),
            (Some("\\r"), "\r"),
            (Some("\r\n"), "\r\n"),
            (Some("\\r\\n"), "\r\n"),
        ];
        for (opt, want) in cases {
            assert_eq!(newline_sequence(opt), want, "{opt:?}");
        }
    }
}
