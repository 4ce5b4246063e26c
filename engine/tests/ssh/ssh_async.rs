//! `async:` / `poll:` and `async_status` over a real ssh connection: the
//! job is started detached on the target through the ssh session, polled
//! over new sessions, stopped at its time limit, and its files are removed.
//!
//! The target is this machine (loopback sshd), so the tests look at the
//! job's files and processes directly. The module is a stand-in `shell`
//! (one `exec` with the task's become, environment and `chdir`; the
//! command module's result keys): the engine's async
//! machinery is under test here, not the command module.

use crate::ssh_support;

use async_trait::async_trait;
use serde_json::{json, Map, Value};
use srplay_engine::connection::{ExecRequest, SshDefaults};
use srplay_engine::executor::{Executor, RunOptions, SshFactory};
use srplay_engine::inventory_view::StaticInventory;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleRegistry, ModuleSpec, Outcome,
};
use srplay_engine::output::{Callback, JsonCallback, Reporter};
use srplay_engine::playbook::{Loader, LoaderOptions};
use srplay_testkit::{Sshd, SudoRule, SysUser};
use ssh_support::rt;
use std::path::Path;
use std::sync::Arc;

static SHELL: ModuleSpec = ModuleSpec {
    options: &[
        ArgSpec::new("_raw_params", ArgType::Str, "the command line").required(),
        ArgSpec::new("chdir", ArgType::Str, "the directory to run in"),
    ],
    free_form: Some("_raw_params"),
    ..ModuleSpec::new("shell", "stand-in: run one command line")
};

struct Shell;

#[async_trait]
impl Module for Shell {
    fn spec(&self) -> &ModuleSpec {
        &SHELL
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let cmd = args
            .get("_raw_params")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut req = ExecRequest::new(cmd.clone()).become_as(ctx.r#become.clone());
        req.env = ctx.environment.clone();
        req.chdir = args
            .get("chdir")
            .and_then(Value::as_str)
            .map(str::to_string);
        let out = ctx.conn.exec(req).await?;
        let lines = |s: &str| json!(s.lines().collect::<Vec<_>>());
        let (stdout, stderr) = (out.stdout_str(), out.stderr_str());
        let (stdout, stderr) = (stdout.trim_end_matches('\n'), stderr.trim_end_matches('\n'));
        let mut o = Outcome::changed(true)
            .with("cmd", cmd)
            .with("rc", out.rc)
            .with("stdout", stdout)
            .with("stderr", stderr)
            .with("stdout_lines", lines(stdout))
            .with("stderr_lines", lines(stderr));
        if out.rc != 0 {
            o.failed = true;
            o.msg = Some("non-zero return code".into());
        }
        Ok(o)
    }
}

/// Run `playbook` on host `h1` reached over ssh with `host_vars`; the JSON
/// report and the exit code.
fn run(playbook: &str, host_vars: Map<String, Value>) -> (Value, i32) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("play.yml"), playbook).unwrap();
    let mut reg = ModuleRegistry::new();
    reg.register(Arc::new(Shell));
    srplay_engine::actions::register(&mut reg);
    let loader = Arc::new(Loader::new(
        reg,
        LoaderOptions::default(),
        dir.path().to_path_buf(),
    ));
    let pb = loader
        .load_playbook(&dir.path().join("play.yml"))
        .unwrap_or_else(|d| panic!("{}", d.render()));
    let mut inv = StaticInventory::from_comma_list("h1,");
    inv.add_host("h1", host_vars);
    let (reporter, buf) = Reporter::buffer();
    let cb: Arc<dyn Callback> = Arc::new(JsonCallback::new(reporter.clone()));
    let factory = Arc::new(SshFactory::new(SshDefaults::default()));
    let exec = Executor::new(
        loader,
        Arc::new(inv),
        RunOptions::default(),
        cb,
        reporter,
        factory,
    );
    let outcome = rt().block_on(exec.run(&pb));
    let out = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
    let json = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    (json, outcome.exit_code)
}

/// The result of the task named `name` on `h1`.
fn task<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["plays"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["tasks"].as_array().unwrap())
        .find(|t| t["task"]["name"] == name)
        .map(|t| &t["hosts"]["h1"])
        .unwrap_or_else(|| panic!("no task {name:?} in {report:#}"))
}

fn job_files(result: &Value) -> Vec<String> {
    let f = result["results_file"]
        .as_str()
        .unwrap_or_else(|| panic!("no results_file in {result:#}"));
    vec![f.to_string(), format!("{f}.stdout"), format!("{f}.stderr")]
}

fn assert_gone(what: &str, files: &[String]) {
    for f in files {
        assert!(!Path::new(f).exists(), "{what}: {f} left on the target");
    }
}

/// Live processes with `needle` in one of their arguments.
fn live_processes_mentioning(needle: &str) -> Vec<u32> {
    ssh_support::live_processes(|words| words.iter().any(|w| w.contains(needle)))
}

const PLAY: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: polled
      shell: echo polled; echo to-stderr >&2
      async: 20
      poll: 1

    - name: fire and forget
      shell: "sleep 1; echo out; echo err >&2; exit 3"
      async: 30
      poll: 0
      register: job

    - name: files while running
      shell: "ls {{ job.results_file }}"

    - name: wait
      async_status:
        jid: "{{ job.ansible_job_id }}"
      register: done
      until: done.finished
      retries: 60
      delay: 1
      ignore_errors: true

    - name: files once finished
      shell: "ls {{ job.results_file }}"

    - name: cleanup
      async_status:
        jid: "{{ job.ansible_job_id }}"
        mode: cleanup

    - name: cleanup again
      async_status:
        jid: "{{ job.ansible_job_id }}"
        mode: cleanup
      ignore_errors: true

    - name: polled with environment
      shell: 'echo "$GREETING|$EMPTY|${EMPTY+set}|$(pwd)"'
      args:
        chdir: /usr/share
      environment:
        GREETING: "it's me"
        EMPTY: ""
      async: 20
      poll: 1

    - name: started with environment
      shell: 'sleep 1; echo "$GREETING"'
      environment:
        GREETING: "from the launch"
      async: 20
      poll: 0
      register: env_job

    - name: env job
      async_status:
        jid: "{{ env_job.ansible_job_id }}"
      register: env_done
      until: env_done.finished
      retries: 60
      delay: 1

    - name: too slow
      shell: "sleep 30; echo MARKER"
      # The first check comes well after the job's own limit stopped it.
      async: 1
      poll: 5
      ignore_errors: true
"#;

#[test]
fn poll_fire_and_forget_timeout_and_cleanup_over_ssh() {
    let sshd = Sshd::start();
    let marker = format!("srplay-async-{}", std::process::id());
    let play = PLAY.replace("MARKER", &marker);
    let (report, code) = run(&play, sshd.host_vars(0));
    assert_eq!(code, 0, "{report:#}");

    let polled = task(&report, "polled");
    assert_eq!(polled["failed"], false, "{polled:#}");
    assert_eq!(polled["stdout"], "polled", "{polled:#}");
    assert_eq!(polled["stderr"], "to-stderr", "{polled:#}");
    assert_eq!(polled["rc"], 0);
    assert_eq!(polled["finished"], true);
    assert_eq!(polled["changed"], true);
    assert_gone("a polled job that finished", &job_files(polled));

    let job = task(&report, "fire and forget");
    assert_eq!(job["finished"], false, "{job:#}");
    assert_eq!(job["started"], true);
    assert_eq!(job["changed"], true);
    assert_eq!(task(&report, "files while running")["rc"], 0);

    let done = task(&report, "wait");
    assert_eq!(done["finished"], true, "{done:#}");
    assert_eq!(done["failed"], true, "{done:#}");
    assert_eq!(done["rc"], 3);
    assert_eq!(done["stdout"], "out");
    assert_eq!(done["stderr"], "err");
    // `async_status` reports; it does not remove the job (Ansible neither).
    assert_eq!(task(&report, "files once finished")["rc"], 0);
    let cleanup = task(&report, "cleanup");
    assert_eq!(cleanup["erased"], job["results_file"], "{cleanup:#}");
    assert_gone("after mode=cleanup", &job_files(job));
    // ansible-core's async_status: a job that is not there (any more).
    let again = task(&report, "cleanup again");
    assert_eq!(again["failed"], true, "{again:#}");
    assert_eq!(again["msg"], "could not find job", "{again:#}");
    assert_eq!(again["erased"], job["results_file"], "{again:#}");

    // `environment:` values reach the detached job (they travel on the
    // launch's stdin, never in its command line or on disk).
    let env = task(&report, "polled with environment");
    assert_eq!(env["stdout"], "it's me||set|/usr/share", "{env:#}");
    let env_done = task(&report, "env job");
    assert_eq!(env_done["stdout"], "from the launch", "{env_done:#}");

    let slow = task(&report, "too slow");
    assert_eq!(slow["failed"], true, "{slow:#}");
    assert_eq!(slow["msg"], "Timeout exceeded", "{slow:#}");
    assert_eq!(slow["finished"], true, "{slow:#}");
    assert_eq!(
        live_processes_mentioning(&marker),
        Vec::<u32>::new(),
        "the timed-out job is still running"
    );
    assert_gone("a polled job stopped at its limit", &job_files(slow));
}

const BECOME_PLAY: &str = r#"
- hosts: all
  gather_facts: false
  become: true
  tasks:
    - name: polled as root
      shell: id -u
      async: 20
      poll: 1

    - name: started as root
      shell: "sleep 1; id -u"
      async: 20
      poll: 0
      register: job

    - name: wait as root
      async_status:
        jid: "{{ job.ansible_job_id }}"
      register: done
      until: done.finished
      retries: 60
      delay: 1

    - name: cleanup as root
      async_status:
        jid: "{{ job.ansible_job_id }}"
        mode: cleanup
"#;

#[test]
fn async_with_become_and_a_sudo_password_over_ssh() {
    let sshd = Sshd::start();
    let login = SysUser::create(SudoRule::WithPassword);
    let mut vars = sshd.host_vars_as(0, login.name());
    vars.insert("ansible_become_password".into(), login.password().into());
    let (report, code) = run(BECOME_PLAY, vars);
    assert_eq!(code, 0, "{report:#}");
    let text = report.to_string();
    assert!(!text.contains(login.password()), "password in the report");

    let polled = task(&report, "polled as root");
    assert_eq!(polled["stdout"], "0", "{polled:#}");
    let root_home = "/root/.ansible_async/";
    let file = polled["results_file"].as_str().unwrap();
    assert!(file.starts_with(root_home), "{file}");
    assert_gone("a polled job that finished", &job_files(polled));

    let done = task(&report, "wait as root");
    assert_eq!(done["finished"], true, "{done:#}");
    assert_eq!(done["stdout"], "0", "{done:#}");
    let job = task(&report, "started as root");
    assert!(job["results_file"].as_str().unwrap().starts_with(root_home));
    assert_gone("after mode=cleanup", &job_files(job));
    // Nothing was left in the login user's own home either.
    let own = login.home().join(".ansible_async");
    let left: Vec<_> = std::fs::read_dir(&own)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

/// ansible-core retries a poll that cannot reach the host (a network
/// bounce) until the job's time is up: the host going away for a while
/// does not fail a job that keeps running there.
#[test]
fn polling_survives_the_host_going_away_for_a_while() {
    let mut sshd = Sshd::start();
    let vars = sshd.host_vars(0);
    let flags = tempfile::tempdir().unwrap();
    let started = flags.path().join("started");
    let play = format!(
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: survives
      shell: "touch {}; sleep 4; echo survived"
      async: 60
      poll: 1
"#,
        started.display()
    );
    // Once the job runs: the host is gone for two polls, then back.
    let outage = std::thread::spawn(move || {
        for _ in 0..600 {
            if started.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(started.exists(), "the job never started");
        sshd.kill();
        std::thread::sleep(std::time::Duration::from_millis(2500));
        sshd.restart();
        sshd
    });
    let (report, code) = run(&play, vars);
    let _sshd = outage.join().unwrap();
    let r = task(&report, "survives");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(r["stdout"], "survived", "{r:#}");
    assert_eq!(r["finished"], true, "{r:#}");
    assert_gone("a polled job that finished", &job_files(r));
}
