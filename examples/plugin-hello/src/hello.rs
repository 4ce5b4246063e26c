use srplay_plugin_api::{Host, ModuleDoc, OptionDoc, OptionType, PluginModule, Request, Response};

/// `hello: name=World greeting=Hi` -> `msg: "Hi, World!"`.
#[derive(Default)]
pub struct Hello;

impl PluginModule for Hello {
    const NAME: &'static str = "hello";

    fn doc() -> ModuleDoc {
        ModuleDoc::new("Greet someone.\nReturns the greeting in `msg`; never changes anything.")
            .option(OptionDoc::new("name", OptionType::Str, "Who to greet.").required())
            .option(
                OptionDoc::new("greeting", OptionType::Str, "The word to greet with.")
                    .default("Hello"),
            )
            .returns("msg", "The greeting.")
    }

    fn run(&self, req: &Request, _host: &Host<'_>) -> Result<Response, String> {
        let name = req.str_arg("name").ok_or("`name` is required")?;
        let greeting = req.str_arg("greeting").unwrap_or("Hello");
        Ok(Response::ok()
            .with_msg(format!("{greeting}, {name}!"))
            .with("check_mode", req.check_mode))
    }
}
