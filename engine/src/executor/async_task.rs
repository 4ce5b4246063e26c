//! A task with `async:` — started in the background on the target, then
//! polled every `poll` seconds until it finishes or its time is up;
//! `poll: 0` returns at once with the job's id (fire and forget).

use super::Executor;
use crate::actions::async_job::{
    cleanup, finished_result, launch, new_jid, read_state, running_result, timed_out, JobState,
};
use crate::module::{Args, Module, ModuleContext};
use serde_json::{Map, Value};
use std::sync::Arc;

/// ansible-core's default `poll` interval.
pub const DEFAULT_POLL: u64 = 15;

fn failed(msg: impl Into<String>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("failed".into(), true.into());
    m.insert("msg".into(), Value::String(msg.into()));
    m.insert("changed".into(), false.into());
    m
}

fn unreachable(msg: String) -> Map<String, Value> {
    let mut m = failed(msg);
    m.remove("failed");
    m.insert("unreachable".into(), true.into());
    m
}

impl Executor {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn run_async(
        &self,
        module: Arc<dyn Module>,
        ctx: &ModuleContext,
        args: Args,
        host: &str,
        limit: u64,
        poll: u64,
    ) -> Map<String, Value> {
        let jid = new_jid();
        if let Err(e) = launch(module, ctx, args, &jid, limit).await {
            return failed(e);
        }
        if poll == 0 {
            return match read_state(ctx.conn.as_ref(), ctx, &jid).await {
                Ok(st) => {
                    let mut r = running_result(&jid, &st.home);
                    for k in ["stdout", "stderr", "stdout_lines", "stderr_lines"] {
                        r.remove(k);
                    }
                    r.insert("changed".into(), true.into());
                    r
                }
                Err(e) => unreachable(e.to_string()),
            };
        }
        let mut time_left = limit as i64;
        while time_left > 0 {
            tokio::time::sleep(std::time::Duration::from_secs(poll)).await;
            time_left -= poll as i64;
            // As in ansible-core, a poll that cannot reach the host is
            // retried (a network bounce) until the time is up.
            let st = match read_state(ctx.conn.as_ref(), ctx, &jid).await {
                Ok(st) => st,
                Err(e) if time_left <= 0 => return unreachable(e.to_string()),
                Err(_) => continue,
            };
            if st.finished {
                return self.async_done(ctx, host, &jid, &st).await;
            }
            if time_left > 0 {
                self.cb.notice(&format!(
                    "ASYNC POLL on {host}: jid={jid} started=True finished=False\n"
                ));
            }
        }
        // The job's own `timeout` stops it at the limit (then kills it a
        // second later): its "Timeout exceeded" is the expected report.
        for _ in 0..4 {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            if let Ok(st) = read_state(ctx.conn.as_ref(), ctx, &jid).await {
                if st.finished {
                    return self.async_done(ctx, host, &jid, &st).await;
                }
            }
        }
        self.cb
            .notice(&format!("ASYNC FAILED on {host}: jid={jid}\n"));
        let mut r = failed(format!(
            "async task did not complete within the requested time - {limit}s"
        ));
        r.insert("ansible_job_id".into(), jid.into());
        r
    }

    /// A finished job's result, announced as ansible-core does (a job its
    /// time limit stopped has no id in that line: `jid=None`). Its files
    /// are removed from the target, as ansible-core's automatic
    /// `async_status mode=cleanup` does once a polled job finished.
    async fn async_done(
        &self,
        ctx: &ModuleContext,
        host: &str,
        jid: &str,
        st: &JobState,
    ) -> Map<String, Value> {
        let r = finished_result(jid, st).await;
        if let Err(e) = cleanup(ctx.conn.as_ref(), ctx, jid).await {
            self.cb.warning(&format!(
                "could not remove async job {jid}'s files on {host}: {e}"
            ));
        }
        let failed = r.get("failed").and_then(Value::as_bool) == Some(true);
        let shown_jid = if timed_out(st) { "None" } else { jid };
        let word = if failed { "FAILED" } else { "OK" };
        self.cb
            .notice(&format!("ASYNC {word} on {host}: jid={shown_jid}\n"));
        r
    }
}
