//! `wait_for_connection`: retry a trivial command until the host answers.

use crate::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use async_trait::async_trait;
use serde_json::Value;
use std::time::{Duration, Instant};

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[
        ArgSpec::new("connect_timeout", ArgType::Int, "Seconds per attempt").default("5"),
        ArgSpec::new("delay", ArgType::Int, "Seconds before the first attempt").default("0"),
        ArgSpec::new("sleep", ArgType::Int, "Seconds between attempts").default("1"),
        ArgSpec::new("timeout", ArgType::Int, "Give up after this many seconds").default("600"),
    ],
    returns: &[("elapsed", "Seconds waited until the host answered.")],
    ..ModuleSpec::new(
        "wait_for_connection",
        "Waits until remote system is reachable/usable",
    )
};

pub struct WaitForConnection;

#[async_trait]
impl Module for WaitForConnection {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let n = |k: &str, d: u64| args.get(k).and_then(Value::as_u64).unwrap_or(d);
        tokio::time::sleep(Duration::from_secs(n("delay", 0))).await;
        let start = Instant::now();
        let timeout = Duration::from_secs(n("timeout", 600));
        let mut last = String::new();
        while start.elapsed() < timeout {
            let attempt = tokio::time::timeout(
                Duration::from_secs(n("connect_timeout", 5)),
                ctx.exec("true"),
            )
            .await;
            match attempt {
                Ok(Ok(_)) => {
                    return Ok(Outcome::ok().with("elapsed", start.elapsed().as_secs()));
                }
                Ok(Err(e)) => last = e.to_string(),
                Err(_) => last = "timed out".into(),
            }
            ctx.progress.update(
                start.elapsed().as_secs(),
                timeout.as_secs(),
                "waiting for connection",
            );
            tokio::time::sleep(Duration::from_secs(n("sleep", 1))).await;
        }
        Ok(
            Outcome::failed(format!("timed out waiting for connection: {last}"))
                .with("elapsed", start.elapsed().as_secs()),
        )
    }
}
