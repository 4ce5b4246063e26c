//! Ansible-style script modules: an executable in a module directory
//! whose file name (minus extension) is the module name. It is copied to
//! the target, run with the path of an arguments file, and prints a JSON
//! result dictionary.

mod args_file;
mod output;
mod remote;
mod source;

pub use source::{ArgsStyle, Shebang};

use super::error::PluginError;
use super::result_dict::outcome_from_result;
use super::spec_from_doc::leak_str;
use crate::module::{Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub struct ScriptModule {
    spec: &'static ModuleSpec,
    path: PathBuf,
    content: Vec<u8>,
    checksum: String,
    style: ArgsStyle,
    shebang: Option<Shebang>,
}

impl ScriptModule {
    /// Reads the module file. Its arguments are not described anywhere we
    /// can read, so its spec is open: any option is accepted at load time.
    pub fn load(path: &Path) -> Result<Self, PluginError> {
        let content = std::fs::read(path).map_err(|source| PluginError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8_lossy(&content);
        let name = module_name(path);
        let summary =
            source::short_description(&text).unwrap_or_else(|| "Custom script module.".to_string());
        let description = format!(
            "{summary}\n\nScript module {}; its options are not checked before it runs.",
            path.display()
        );
        let spec = Box::leak(Box::new(ModuleSpec {
            open: true,
            ..ModuleSpec::new(leak_str(&name), leak_str(&description))
        }));
        Ok(ScriptModule {
            spec,
            path: path.to_path_buf(),
            checksum: hex(&Sha256::digest(&content)),
            style: source::args_style(&text),
            shebang: source::shebang(&text),
            content,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn style(&self) -> ArgsStyle {
        self.style
    }
}

impl ScriptModule {
    async fn upload_and_run(
        &self,
        ctx: &ModuleContext,
        launcher: Option<&str>,
        args: &str,
    ) -> Result<crate::connection::ExecOutput, ModuleError> {
        let remote =
            remote::ensure_uploaded(ctx, self.spec.name, &self.checksum, &self.content).await?;
        Ok(remote::run(ctx, &remote, launcher, args.to_string()).await?)
    }
}

/// `my_module.py` -> `my_module`.
pub fn module_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[async_trait]
impl Module for ScriptModule {
    fn spec(&self) -> &ModuleSpec {
        self.spec
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let name = self.spec.name;
        let internal = args_file::Internal {
            module_name: name,
            check_mode: ctx.check_mode,
            diff: ctx.diff,
            verbosity: 0,
            no_log: false,
        };
        let args = args_file::render(self.style, &args, &internal);
        let launcher = remote::launcher(self.shebang.as_ref(), ctx);
        let line = launcher.as_ref().map(|l| l.line.as_str());
        let mut out = self.upload_and_run(ctx, line, &args).await?;
        if out.rc == 127 && out.stderr_str().contains(remote::COPY_MISSING) {
            remote::forget_upload(ctx, &self.checksum);
            out = self.upload_and_run(ctx, line, &args).await?;
        }
        let (stdout, stderr) = (out.stdout_str(), out.stderr_str());
        let result = output::parse(
            &output::Printed {
                rc: out.rc,
                stdout: &stdout,
                stderr: &stderr,
            },
            &output::Hints {
                interpreter: launcher.as_ref().map(|l| l.interpreter.as_str()),
                ansible_module: self.style == ArgsStyle::AnsibleModule,
            },
        );
        Ok(outcome_from_result(result))
    }
}
