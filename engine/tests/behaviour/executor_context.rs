//! What a module sees of a run: a probe module records its
//! `ModuleContext` and arguments, and playbooks exercise the keywords that
//! shape it (become, environment, check_mode, diff, delegate_to, omit…).

use async_trait::async_trait;
use serde_json::{json, Map, Value};
use srplay_engine::connection::{Connection, ConnectionError, LocalConnection};
use srplay_engine::executor::{ConnectionFactory, Executor, RunOptions};
use srplay_engine::inventory_view::StaticInventory;
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Diff, Module, ModuleContext, ModuleError, ModuleRegistry, ModuleSpec,
    Outcome,
};
use srplay_engine::output::{Callback, JsonCallback, Reporter, TextCallback};
use srplay_engine::playbook::{Loader, LoaderOptions};
use std::sync::{Arc, Mutex};

static PROBE: ModuleSpec = ModuleSpec {
    options: &[
        ArgSpec::new("value", ArgType::Str, "echoed back").default("default"),
        ArgSpec::new("count", ArgType::Int, "must be an int"),
        ArgSpec::new("password", ArgType::Str, "secret").no_log(),
        ArgSpec::new(
            "render",
            ArgType::Str,
            "a template to render with the host's vars",
        ),
    ],
    ..ModuleSpec::new("probe", "report the module context")
};

struct Probe;

#[async_trait]
impl Module for Probe {
    fn spec(&self) -> &ModuleSpec {
        &PROBE
    }
    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let out = ctx.exec("printf '%s' \"${PROBE_ENV:-unset}\"").await?;
        let rendered = match args.get("render").and_then(Value::as_str) {
            Some(t) => Value::String(
                ctx.renderer
                    .render(
                        "inline",
                        t,
                        &Map::from_iter([("extra".to_string(), json!("x"))]),
                    )
                    .map_err(ModuleError::failed)?,
            ),
            None => Value::Null,
        };
        let mut o = Outcome::changed(true)
            .with("host", ctx.host.clone())
            .with("check_mode", ctx.check_mode)
            .with("diff_mode", ctx.diff)
            .with("become_user", ctx.r#become.as_ref().map(|b| b.user.clone()))
            .with("environment", json!(ctx.environment))
            .with("probe_env", out.stdout_str())
            .with("args", Value::Object(args.clone()))
            .with(
                "inventory_hostname",
                ctx.var("inventory_hostname")
                    .cloned()
                    .unwrap_or(Value::Null),
            )
            .with(
                "search_paths",
                json!(ctx
                    .search_paths
                    .iter()
                    .map(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
                    .collect::<Vec<_>>()),
            )
            .with("rendered", rendered)
            .with("transport", ctx.conn.transport());
        if ctx.diff {
            o = o.with_diff(Diff {
                before_header: "before".into(),
                after_header: "after".into(),
                before: "a\n".into(),
                after: "b\n".into(),
            });
        }
        Ok(o)
    }
}

/// "ssh" hosts get a local connection, so the factory hook is exercised.
struct LocalForSsh(Mutex<Vec<String>>);

#[async_trait]
impl ConnectionFactory for LocalForSsh {
    async fn connect(
        &self,
        transport: &str,
        host: &str,
        vars: &Map<String, Value>,
    ) -> Result<Arc<dyn Connection>, ConnectionError> {
        self.0.lock().unwrap().push(format!(
            "{transport}:{host}:{}",
            vars.get("ansible_user")
                .and_then(Value::as_str)
                .unwrap_or("-")
        ));
        Ok(Arc::new(LocalConnection::new()))
    }
}

struct Run {
    code: i32,
    text: String,
    json: Value,
    connects: Vec<String>,
}

fn run(playbook: &str, files: &[(&str, &str)], opts: RunOptions, json_output: bool) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("play.yml"), playbook).unwrap();
    for (name, body) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    let mut reg = ModuleRegistry::new();
    reg.register(Arc::new(Probe));
    srplay_engine::actions::register(&mut reg);
    let loader = Arc::new(Loader::new(
        reg,
        LoaderOptions::default(),
        dir.path().to_path_buf(),
    ));
    let pb = loader
        .load_playbook(&dir.path().join("play.yml"))
        .unwrap_or_else(|d| panic!("{}", d.render()));
    let mut inv = StaticInventory::from_comma_list("h1,h2,");
    inv.add_host(
        "h1",
        json!({"ansible_user": "deploy"})
            .as_object()
            .cloned()
            .unwrap(),
    );
    inv.add_to_group("web", "h1");
    let (reporter, buf) = Reporter::buffer();
    let cb: Arc<dyn Callback> = if json_output {
        Arc::new(JsonCallback::new(reporter.clone()))
    } else {
        Arc::new(TextCallback::new(
            reporter.clone(),
            opts.verbosity,
            opts.diff,
        ))
    };
    let factory = Arc::new(LocalForSsh(Mutex::new(vec![])));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let exec = Executor::new(loader, Arc::new(inv), opts, cb, reporter, factory.clone());
    let outcome = rt.block_on(exec.run(&pb));
    let out = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
    let json = if json_output {
        serde_json::from_str(&out).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let connects = factory.0.lock().unwrap().clone();
    Run {
        code: outcome.exit_code,
        text: out,
        json,
        connects,
    }
}

/// The result of task `t` on host `h` in play 0.
fn result<'a>(r: &'a Run, t: usize, h: &str) -> &'a Value {
    &r.json["plays"][0]["tasks"][t]["hosts"][h]
}

#[test]
fn keywords_shape_the_module_context() {
    let play = r#"
- hosts: all
  gather_facts: false
  vars:
    greeting: hello
  tasks:
    - probe:
        value: "{{ greeting }}-{{ inventory_hostname }}"
        render: "{% raw %}{{ greeting }} {{ extra }}{% endraw %}"
    - probe:
      become: true
      become_user: postgres
      environment:
        PROBE_ENV: "set-{{ greeting }}"
    - probe:
        value: "{{ nothing | default(omit) }}"
      check_mode: true
    - probe:
      delegate_to: h2
    - probe:
        count: "{{ greeting }}"
    - probe:
      run_once: true
      register: once
    - debug: var=once.host
"#;
    let r = run(play, &[], RunOptions::default(), true);
    assert_eq!(r.code, 2, "{}", r.text);
    let t0 = result(&r, 0, "h1");
    assert_eq!(t0["args"]["value"], "hello-h1");
    assert_eq!(t0["rendered"], "hello x");
    assert_eq!(t0["inventory_hostname"], "h1");
    assert_eq!(t0["become_user"], Value::Null);
    let t1 = result(&r, 1, "h2");
    assert_eq!(t1["become_user"], "postgres");
    assert_eq!(t1["environment"], json!([["PROBE_ENV", "set-hello"]]));
    let t2 = result(&r, 2, "h1");
    assert_eq!(t2["check_mode"], true);
    assert_eq!(
        t2["args"]["value"], "default",
        "omit must drop the option so its default applies"
    );
    assert_eq!(
        result(&r, 3, "h1")["host"],
        "h2",
        "delegate_to runs against the delegate"
    );
    let bad = result(&r, 4, "h1");
    assert_eq!(bad["failed"], true);
    assert!(
        bad["msg"]
            .as_str()
            .unwrap()
            .contains("option `count` of module `probe`: expected an integer"),
        "{bad}"
    );
    // Every host failed at task 4, so run_once and debug never ran.
    assert!(
        r.json["plays"][0]["tasks"].as_array().unwrap().len() == 5,
        "{}",
        r.json
    );
    // One connection per host per run, with the inventory's user.
    let mut connects = r.connects.clone();
    connects.sort();
    assert_eq!(connects, vec!["ssh:h1:deploy", "ssh:h2:-"]);
}

#[test]
fn check_and_diff_flags_and_per_task_overrides() {
    let play = r#"
- hosts: h1
  gather_facts: false
  tasks:
    - probe:
    - probe:
      check_mode: false
      diff: false
"#;
    let opts = RunOptions {
        check: true,
        diff: true,
        connection: Some("local".into()),
        ..RunOptions::default()
    };
    let r = run(play, &[], opts.clone(), true);
    assert_eq!(r.code, 0);
    assert_eq!(result(&r, 0, "h1")["check_mode"], true);
    assert_eq!(result(&r, 0, "h1")["diff_mode"], true);
    assert_eq!(result(&r, 0, "h1")["transport"], "local");
    assert_eq!(result(&r, 1, "h1")["check_mode"], false);
    assert_eq!(result(&r, 1, "h1")["diff_mode"], false);
    assert!(r.connects.is_empty(), "-c local must not use the factory");
    let text = run(play, &[], opts, false).text;
    assert!(
        text.contains("--- before\n+++ after\n@@ -1,1 +1,1 @@\n-a\n+b\n"),
        "{text}"
    );
}

#[test]
fn no_log_options_and_results_are_never_printed() {
    let play = r#"
- hosts: h1
  gather_facts: false
  tasks:
    - probe:
        password: hunter2
      no_log: true
"#;
    for v in [0, 1, 3, 4] {
        let r = run(
            play,
            &[],
            RunOptions {
                verbosity: v,
                ..RunOptions::default()
            },
            false,
        );
        assert!(!r.text.contains("hunter2"), "-v{v}: {}", r.text);
        assert!(r.text.contains("changed: [h1]"), "{}", r.text);
    }
    let r = run(play, &[], RunOptions::default(), true);
    assert!(!r.json.to_string().contains("hunter2"), "{}", r.json);
    // Without no_log, a secret option's value is masked where a result repeats it.
    let plain =
        "- hosts: h1\n  gather_facts: false\n  tasks:\n    - probe:\n        password: hunter2\n";
    for v in [0, 3] {
        let r = run(
            plain,
            &[],
            RunOptions {
                verbosity: v,
                ..RunOptions::default()
            },
            false,
        );
        assert!(!r.text.contains("hunter2"), "-v{v}: {}", r.text);
    }
    let r = run(plain, &[], RunOptions::default(), true);
    assert_eq!(result(&r, 0, "h1")["args"]["password"], "********");
}

#[test]
fn role_files_are_in_the_search_path() {
    let play = "- hosts: h1\n  gather_facts: false\n  roles: [web]\n";
    let files = [("roles/web/tasks/main.yml", "- probe:\n")];
    let r = run(play, &files, RunOptions::default(), true);
    let paths = &result(&r, 0, "h1")["search_paths"];
    assert_eq!(paths[0], "web", "{paths}");
    assert_eq!(paths[1], "tasks", "{paths}");
}
