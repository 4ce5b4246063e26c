//! `slurp`: read a whole file from the target, returned base64-encoded.

use crate::util;
use base64::Engine;
use serde::Deserialize;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurpOptions {
    pub src: String,
}

const OPTIONS: &[ArgSpec] = &[ArgSpec::new(
    "src",
    ArgType::Path,
    "The file on the remote system to fetch. This must be a file, not a directory.",
)
.required()
.aliases(&["path"])];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("content", "Encoded file content."),
        ("encoding", "Type of encoding used for file (`base64`)."),
        ("source", "Actual path of file slurped."),
    ],
    ..ModuleSpec::new("slurp", "Slurps a file from remote nodes.")
};

pub struct Slurp;

/// What reading a remote file found.
pub enum Read {
    Data(Vec<u8>),
    Missing,
    Directory,
    Unreadable(String),
}

const OK: &[u8] = b"@@srplay-ok@@\n";

/// Read `path` in one round trip, telling missing and directory apart.
pub async fn read(ctx: &ModuleContext, path: &str) -> Result<Read, ModuleError> {
    let q = quote(path);
    let script = format!(
        "if [ -d {q} ]; then echo D; elif ! [ -e {q} ]; then echo N; else printf '@@srplay-ok@@\\n'; exec cat -- {q}; fi"
    );
    let out = ctx.exec(script).await?;
    if let Some(data) = out.stdout.strip_prefix(OK) {
        if out.success() {
            return Ok(Read::Data(data.to_vec()));
        }
        return Ok(Read::Unreadable(out.stderr_str().trim().to_string()));
    }
    Ok(match out.stdout_str().trim() {
        "D" => Read::Directory,
        _ => Read::Missing,
    })
}

#[async_trait::async_trait]
impl Module for Slurp {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: SlurpOptions = util::options(&SPEC, args)?;
        Ok(match read(ctx, &o.src).await? {
            Read::Data(d) => Outcome::ok()
                .with(
                    "content",
                    base64::engine::general_purpose::STANDARD.encode(d),
                )
                .with("source", o.src)
                .with("encoding", "base64"),
            Read::Missing => Outcome::failed(format!("File not found: {}", o.src)),
            Read::Directory => Outcome::failed(format!(
                "Source is a directory and must be a file: {}",
                o.src
            )),
            Read::Unreadable(e) => Outcome::failed(format!("file is not readable: {}: {e}", o.src)),
        })
    }
}
