use srplay_plugin_api::{Host, ModuleDoc, PluginModule, Request, Response};

/// Always panics: the host turns the panic into a failed task.
#[derive(Default)]
pub struct PanicNow;

impl PluginModule for PanicNow {
    const NAME: &'static str = "panic_now";

    fn doc() -> ModuleDoc {
        ModuleDoc::new("Panic inside the plugin (for testing the host's panic handling).")
    }

    fn run(&self, _req: &Request, _host: &Host<'_>) -> Result<Response, String> {
        panic!("panic_now was asked to panic");
    }
}
