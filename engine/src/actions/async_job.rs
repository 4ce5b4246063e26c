//! Async tasks (`async:` / `poll:`), as ansible-core runs them: the
//! module's command is started in the background on the target, detached
//! (`setsid`), under `timeout`; a runner script writes the job's state to
//! `~/.ansible_async/<jid>` (JSON) and its output next to it
//! (`<jid>.stdout`, `<jid>.stderr`). `async_status` reads them back.
//!
//! srplay modules run on the controller and drive the target through
//! [`Connection::exec`]; a module can run async when it runs exactly one
//! command (command, shell). Launching runs the module with a connection
//! that backgrounds that command; when the job has finished, the module
//! runs again with a connection that answers with the recorded output, so
//! the result is the module's own (`rc`, `stdout_lines`, `msg`…).

use crate::connection::{Connection, ConnectionError, ExecOutput, ExecRequest, Stdin};
use crate::module::{Args, Module, ModuleContext};
use crate::shell::quote;
use async_trait::async_trait;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// The modules that may run async.
pub const ASYNC_MODULES: &[&str] = &["command", "shell"];

const DIR: &str = "$HOME/.ansible_async";
const SEP: &str = "@@srplay-async@@";

/// What is needed to build a finished job's result: the module, its
/// arguments and context (launched in this run).
#[derive(Clone)]
struct Launched {
    module: Arc<dyn Module>,
    ctx: ModuleContext,
    args: Args,
}

static JOBS: LazyLock<Mutex<HashMap<String, Launched>>> = LazyLock::new(Default::default);

/// A fresh job id, shaped like ansible-core's (`j<12 digits>.<pid>`).
pub fn new_jid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let n = nanos
        .wrapping_mul(6364136223846793005)
        .wrapping_add(COUNTER.fetch_add(1, Ordering::SeqCst));
    format!("j{:012}.{}", n % 1_000_000_000_000, std::process::id())
}

/// Where a job's state is kept on the target, as `results_file` shows it.
pub fn results_file(home: &str, jid: &str) -> String {
    format!("{home}/.ansible_async/{jid}")
}

/// Start `module` as job `jid`, limited to `limit` seconds. Returns an
/// error message when the module cannot run async.
pub async fn launch(
    module: Arc<dyn Module>,
    ctx: &ModuleContext,
    args: Args,
    jid: &str,
    limit: u64,
) -> Result<(), String> {
    let launcher = Arc::new(Launcher {
        inner: ctx.conn.clone(),
        jid: jid.to_string(),
        limit,
        launched: Mutex::new(None),
    });
    let mut lctx = ctx.clone();
    lctx.conn = launcher.clone();
    // The outcome describes a fake run; only the launch matters.
    let _ = module.run(&lctx, args.clone()).await;
    match launcher.launched.lock().expect("not poisoned").take() {
        Some(Ok(())) => {}
        Some(Err(e)) => return Err(e),
        None => return Err("the module ran no command to start in the background".into()),
    }
    JOBS.lock().expect("not poisoned").insert(
        jid.to_string(),
        Launched {
            module,
            ctx: ctx.clone(),
            args,
        },
    );
    Ok(())
}

/// The job's state as the target reports it.
#[derive(Debug, Clone, Default)]
pub struct JobState {
    pub found: bool,
    pub finished: bool,
    pub home: String,
    pub state: Map<String, Value>,
    pub out: ExecOutput,
}

/// Read a job's state file (and its output once finished).
pub async fn read_state(
    conn: &dyn Connection,
    ctx: &ModuleContext,
    jid: &str,
) -> Result<JobState, ConnectionError> {
    let f = format!("{DIR}/{}", quote(jid));
    let script = format!(
        "printf '%s\\n' \"$HOME\"; if [ -f {f} ]; then cat {f}; fi; printf '\\n{SEP}\\n'; \
         cat {f}.stdout 2>/dev/null; printf '{SEP}'; cat {f}.stderr 2>/dev/null"
    );
    let req = ExecRequest::new(script).become_as(ctx.r#become.clone());
    let out = conn.exec(req).await?;
    let text = out.stdout_str();
    let (head, rest) = text
        .split_once(&format!("\n{SEP}\n"))
        .unwrap_or((&text, ""));
    let (home, state_text) = head.split_once('\n').unwrap_or((head, ""));
    let (stdout, stderr) = rest.split_once(SEP).unwrap_or((rest, ""));
    let state: Map<String, Value> = serde_json::from_str(state_text.trim()).unwrap_or_default();
    let finished = state.get("finished").and_then(Value::as_i64) == Some(1);
    Ok(JobState {
        found: !state.is_empty(),
        finished,
        home: home.trim().to_string(),
        out: ExecOutput {
            rc: state.get("rc").and_then(Value::as_i64).unwrap_or(0) as i32,
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
        },
        state,
    })
}

/// What `async_status mode=cleanup` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    /// The job's state file, as `erased` shows it.
    pub results_file: String,
    /// The job's state file existed (else: "could not find job").
    pub found: bool,
}

/// Remove a job's files (`async_status mode=cleanup`).
pub async fn cleanup(
    conn: &dyn Connection,
    ctx: &ModuleContext,
    jid: &str,
) -> Result<Erased, ConnectionError> {
    JOBS.lock().expect("not poisoned").remove(jid);
    let f = format!("{DIR}/{}", quote(jid));
    let script = format!(
        "found=0; [ -e {f} ] && found=1; rm -f {f} {f}.stdout {f}.stderr {f}.tmp; \
         printf '%s\\n%s' \"$found\" \"$HOME\""
    );
    let out = conn
        .exec(ExecRequest::new(script).become_as(ctx.r#become.clone()))
        .await?;
    let text = out.stdout_str();
    let (found, home) = text.split_once('\n').unwrap_or(("0", &text));
    Ok(Erased {
        results_file: results_file(home.trim(), jid),
        found: found.trim() == "1",
    })
}

/// The job was stopped by its time limit.
pub fn timed_out(st: &JobState) -> bool {
    st.state.get("timeout").and_then(Value::as_i64) == Some(1)
}

/// The result of a finished job: the module's own, with the job's keys.
pub async fn finished_result(jid: &str, st: &JobState) -> Map<String, Value> {
    let mut r = if timed_out(st) {
        let mut m = Map::new();
        m.insert("failed".into(), true.into());
        m.insert("msg".into(), "Timeout exceeded".into());
        m.insert("changed".into(), false.into());
        if let Some(pid) = st.state.get("child_pid") {
            m.insert("child_pid".into(), pid.clone());
        }
        with_output(&mut m, "", "");
        m
    } else {
        replayed(jid, st).await
    };
    r.insert("ansible_job_id".into(), jid.into());
    r.insert("finished".into(), true.into());
    r.insert("started".into(), true.into());
    r.insert("results_file".into(), results_file(&st.home, jid).into());
    r
}

/// The result of a job that is still running.
pub fn running_result(jid: &str, home: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ansible_job_id".into(), jid.into());
    m.insert("changed".into(), false.into());
    m.insert("finished".into(), false.into());
    m.insert("started".into(), true.into());
    m.insert("results_file".into(), results_file(home, jid).into());
    with_output(&mut m, "", "");
    m
}

fn with_output(m: &mut Map<String, Value>, stdout: &str, stderr: &str) {
    let lines = |s: &str| Value::from(s.lines().map(str::to_string).collect::<Vec<_>>());
    m.insert("stdout".into(), stdout.into());
    m.insert("stderr".into(), stderr.into());
    m.insert("stdout_lines".into(), lines(stdout));
    m.insert("stderr_lines".into(), lines(stderr));
}

/// Run the module again on the recorded output; a job launched by
/// another run reports the raw output.
async fn replayed(jid: &str, st: &JobState) -> Map<String, Value> {
    let launched = JOBS.lock().expect("not poisoned").get(jid).cloned();
    let Some(l) = launched else {
        let (stdout, stderr) = (st.out.stdout_str(), st.out.stderr_str());
        let mut m = Map::new();
        m.insert("changed".into(), true.into());
        m.insert("rc".into(), st.out.rc.into());
        if st.out.rc != 0 {
            m.insert("failed".into(), true.into());
            m.insert("msg".into(), "non-zero return code".into());
        }
        with_output(
            &mut m,
            stdout.trim_end_matches('\n'),
            stderr.trim_end_matches('\n'),
        );
        return m;
    };
    let mut ctx = l.ctx.clone();
    ctx.conn = Arc::new(Replay {
        transport: l.ctx.conn.transport(),
        out: st.out.clone(),
    });
    let mut r = match l.module.run(&ctx, l.args.clone()).await {
        Ok(o) => o.to_result(),
        Err(e) => json!({"failed": true, "msg": e.to_string(), "changed": false})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    };
    // The module timed its replay: the job's own times are the truth.
    for k in ["start", "end"] {
        if let (Some(_), Some(v)) = (r.get(k), st.state.get(k).and_then(Value::as_str)) {
            r.insert(k.into(), micros(v).into());
        }
    }
    if r.contains_key("delta") {
        let secs = |k: &str| {
            st.state.get(k).and_then(|v| {
                v.as_f64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
        };
        if let (Some(s), Some(e)) = (secs("start_s"), secs("end_s")) {
            r.insert("delta".into(), timedelta(e - s).into());
        }
    }
    r
}

/// `date +%N` gives nanoseconds; Python's datetime shows microseconds.
fn micros(t: &str) -> String {
    match t.rsplit_once('.') {
        Some((head, frac)) if frac.len() > 6 => format!("{head}.{}", &frac[..6]),
        _ => t.to_string(),
    }
}

/// Python's `str(timedelta)` of a non-negative span of seconds.
fn timedelta(secs: f64) -> String {
    let micros = (secs.max(0.0) * 1e6).round() as u64;
    let (s, us) = (micros / 1_000_000, micros % 1_000_000);
    format!("{}:{:02}:{:02}.{us:06}", s / 3600, (s / 60) % 60, s % 60)
}

/// The connection a module launches through: its one command is started
/// in the background instead of being waited for.
struct Launcher {
    inner: Arc<dyn Connection>,
    jid: String,
    limit: u64,
    launched: Mutex<Option<Result<(), String>>>,
}

impl Launcher {
    /// The launch script. The environment is not rendered into the job's
    /// own command: its values travel on stdin (see `ExecRequest::render`),
    /// which the detached job does not have; the launch request carries
    /// them instead, and the job inherits them.
    fn script(&self, req: &ExecRequest) -> String {
        let inner = ExecRequest {
            cmd: req.cmd.clone(),
            chdir: req.chdir.clone(),
            ..Default::default()
        }
        .render()
        .0;
        let jid = &self.jid;
        let runner = format!(
            "f=\"{DIR}/{jid}\"; s=$(date '+%Y-%m-%d %H:%M:%S.%N'); ss=$(date +%s.%N); \
             timeout -k 1 {limit} sh -c {inner} </dev/null >\"$f.stdout\" 2>\"$f.stderr\" & pid=$!; \
             wait $pid; rc=$?; e=$(date '+%Y-%m-%d %H:%M:%S.%N'); es=$(date +%s.%N); \
             t=0; [ $rc -eq 124 ] && t=1; \
             printf '{{\"started\": 1, \"finished\": 1, \"rc\": %d, \"start\": \"%s\", \"end\": \"%s\", \"start_s\": \"%s\", \"end_s\": \"%s\", \"timeout\": %d, \"child_pid\": %d}}\\n' \
             \"$rc\" \"$s\" \"$e\" \"$ss\" \"$es\" \"$t\" \"$pid\" >\"$f.tmp\" && mv \"$f.tmp\" \"$f\"",
            limit = self.limit,
            inner = quote(&inner),
        );
        format!(
            "mkdir -p \"{DIR}\" && printf '{{\"started\": 1, \"finished\": 0, \"ansible_job_id\": \"{jid}\"}}\\n' >\"{DIR}/{jid}\" && \
             (setsid sh -c {} </dev/null >/dev/null 2>&1 &)",
            quote(&runner)
        )
    }
}

#[async_trait]
impl Connection for Launcher {
    fn transport(&self) -> &'static str {
        self.inner.transport()
    }

    async fn exec(&self, req: ExecRequest) -> Result<ExecOutput, ConnectionError> {
        let refuse = |msg: &str| {
            *self.launched.lock().expect("not poisoned") = Some(Err(msg.to_string()));
            Err(ConnectionError::Other(msg.to_string()))
        };
        if self.launched.lock().expect("not poisoned").is_some() {
            return refuse("async runs modules that run one command (command, shell)");
        }
        if !matches!(req.stdin, Stdin::Null) {
            return refuse("async tasks cannot be given `stdin`");
        }
        let launch = ExecRequest {
            cmd: self.script(&req),
            r#become: req.r#become.clone(),
            env: req.env.clone(),
            ..Default::default()
        };
        let result = match self.inner.exec(launch).await {
            Ok(o) if o.success() => Ok(()),
            Ok(o) => Err(format!(
                "could not start the async job: {}",
                o.stderr_str().trim()
            )),
            Err(e) => Err(e.to_string()),
        };
        *self.launched.lock().expect("not poisoned") = Some(result);
        Ok(ExecOutput::default())
    }
}

/// The connection a finished job's module is replayed on.
struct Replay {
    transport: &'static str,
    out: ExecOutput,
}

#[async_trait]
impl Connection for Replay {
    fn transport(&self) -> &'static str {
        self.transport
    }

    async fn exec(&self, _req: ExecRequest) -> Result<ExecOutput, ConnectionError> {
        Ok(self.out.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timedelta_table() {
        let cases = [
            (0.0, "0:00:00.000000"),
            (1.026075, "0:00:01.026075"),
            (3725.5, "1:02:05.500000"),
        ];
        for (secs, want) in cases {
            assert_eq!(timedelta(secs), want, "{secs}");
        }
    }

    #[test]
    fn micros_table() {
        assert_eq!(
            micros("2026-11-26 15:05:16.338239123"),
            "2026-11-26 15:05:16.338239"
        );
        assert_eq!(micros("2026-11-26 15:05:16.3"), "2026-11-26 15:05:16.3");
    }

    #[test]
    fn jid_shape() {
        let re = regex::Regex::new(r"^j\d{12}\.\d+$").unwrap();
        let (a, b) = (new_jid(), new_jid());
        assert!(re.is_match(&a), "{a}");
        assert_ne!(a, b);
    }
}
