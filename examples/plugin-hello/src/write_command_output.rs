use srplay_plugin_api::{
    Diff, Host, ModuleDoc, OptionDoc, OptionType, PluginModule, Request, Response,
};

/// Runs `cmd` on the target and writes its standard output to `dest`
/// there, only when the content differs.
#[derive(Default)]
pub struct WriteCommandOutput;

impl PluginModule for WriteCommandOutput {
    const NAME: &'static str = "write_command_output";

    fn doc() -> ModuleDoc {
        ModuleDoc::new("Write a command's output to a file on the target.\nThe command runs even in check mode, so it must not change anything.")
            .option(OptionDoc::new("cmd", OptionType::Str, "Command whose stdout becomes the file.").required())
            .option(OptionDoc::new("dest", OptionType::Path, "File to write.").required().aliases(&["path"]))
            .option(OptionDoc::new("mode", OptionType::Mode, "Permissions of the file."))
            .returns("dest", "The file written.")
            .returns("content", "What the command printed.")
    }

    fn run(&self, req: &Request, host: &Host<'_>) -> Result<Response, String> {
        let cmd = req.str_arg("cmd").ok_or("`cmd` is required")?;
        let dest = req.str_arg("dest").ok_or("`dest` is required")?;
        let out = host.exec(cmd)?;
        if !out.success() {
            return Ok(Response::failed(format!("`{cmd}` exited with {}", out.rc))
                .with("rc", out.rc)
                .with("stderr", out.stderr));
        }
        let before = read_if_exists(host, dest)?;
        let changed = before.as_deref() != Some(out.stdout.as_str());
        if changed && !req.check_mode {
            host.put(dest, out.stdout.as_bytes(), req.str_arg("mode"))?;
        }
        let mut response = Response::changed(changed)
            .with("dest", dest)
            .with("content", out.stdout.clone());
        if changed && req.diff {
            response = response.with_diff(Diff {
                before_header: dest.to_string(),
                after_header: dest.to_string(),
                before: before.unwrap_or_default(),
                after: out.stdout,
            });
        }
        Ok(response)
    }
}

/// The file's content, or `None` when there is no such file.
fn read_if_exists(host: &Host<'_>, path: &str) -> Result<Option<String>, String> {
    let probe = host.exec(&format!("test -e {}", quote(path)))?;
    if !probe.success() {
        return Ok(None);
    }
    let bytes = host.get(path)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}
