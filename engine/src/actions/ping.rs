//! `ping`: the host answers a command.

use crate::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use async_trait::async_trait;
use serde_json::Value;

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[
        ArgSpec::new("data", ArgType::Str, "Returned as `ping`; `crash` fails").default("pong"),
    ],
    returns: &[("ping", "The `data` option (`pong`).")],
    ..ModuleSpec::new("ping", "Try to connect to host and return pong on success")
};

pub struct Ping;

#[async_trait]
impl Module for Ping {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let data = args
            .get("data")
            .and_then(Value::as_str)
            .unwrap_or("pong")
            .to_string();
        if data == "crash" {
            return Err(ModuleError::failed("boom"));
        }
        ctx.exec("true").await?;
        Ok(Outcome::ok().with("ping", data))
    }
}
