//! `async_status`: the state of an async job (`jid`), or `mode: cleanup`
//! to remove its files. A finished job reports its module's result.

use super::async_job::{cleanup, finished_result, read_state, results_file, running_result};
use crate::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use async_trait::async_trait;
use serde_json::{Map, Value};

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[
        ArgSpec::new("jid", ArgType::Str, "Job or task identifier").required(),
        ArgSpec::new("mode", ArgType::Str, "`status` or `cleanup`")
            .choices(&["status", "cleanup"])
            .default("status"),
    ],
    returns: &[
        ("ansible_job_id", "The job polled."),
        ("finished", "`true` once the job has ended."),
        ("started", "`true` once it has started."),
        (
            "results_file",
            "Where the job's result lives on the target.",
        ),
        (
            "erased",
            "With `mode: cleanup`: the job's files that were removed.",
        ),
        (
            "rc / stdout / stderr",
            "The job's result once it has finished (its module's return values).",
        ),
    ],
    ..ModuleSpec::new("async_status", "Obtain the status of an asynchronous task")
};

pub struct AsyncStatus;

#[async_trait]
impl Module for AsyncStatus {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let jid = args.get("jid").and_then(Value::as_str).unwrap_or_default();
        let mode = args.get("mode").and_then(Value::as_str).unwrap_or("status");
        if mode == "cleanup" {
            let erased = cleanup(ctx.conn.as_ref(), ctx, jid).await?;
            let mut o = Outcome::ok()
                .with("ansible_job_id", jid)
                .with("erased", erased.results_file)
                .with("finished", !erased.found)
                .with("started", !erased.found);
            if !erased.found {
                o.failed = true;
                o.msg = Some("could not find job".into());
            }
            o.data.extend(empty_output());
            return Ok(o);
        }
        let st = read_state(ctx.conn.as_ref(), ctx, jid).await?;
        let r = if !st.found {
            let mut m = Map::new();
            m.insert("failed".into(), true.into());
            m.insert("msg".into(), "could not find job".into());
            m.insert("changed".into(), false.into());
            m.insert("ansible_job_id".into(), jid.into());
            m.insert("finished".into(), true.into());
            m.insert("started".into(), true.into());
            m.insert("results_file".into(), results_file(&st.home, jid).into());
            m.extend(empty_output());
            m
        } else if st.finished {
            finished_result(jid, &st).await
        } else {
            running_result(jid, &st.home)
        };
        Ok(outcome_of(r))
    }
}

fn empty_output() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("stdout".into(), "".into());
    m.insert("stderr".into(), "".into());
    m.insert("stdout_lines".into(), Value::Array(vec![]));
    m.insert("stderr_lines".into(), Value::Array(vec![]));
    m
}

/// A result dictionary back into an [`Outcome`].
pub fn outcome_of(mut r: Map<String, Value>) -> Outcome {
    let flag = |r: &mut Map<String, Value>, k: &str| {
        r.remove(k).and_then(|v| v.as_bool()).unwrap_or(false)
    };
    let changed = flag(&mut r, "changed");
    let failed = flag(&mut r, "failed");
    let skipped = flag(&mut r, "skipped");
    let msg = r.remove("msg").map(|m| match m {
        Value::String(s) => s,
        other => other.to_string(),
    });
    Outcome {
        changed,
        failed,
        skipped,
        msg,
        data: r,
        ..Default::default()
    }
}
