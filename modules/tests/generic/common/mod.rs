//! Shared test fixtures: a `ModuleContext` over any connection (local by
//! default, or ssh to a loopback sshd, see `ssh.rs`), a renderer backed by the engine's template
//! environment, a module runner that normalizes args like the engine, and
//! filesystem snapshots for comparing what runs leave behind.
#![allow(dead_code)]

/// Calls `$each!(module, …)` with every module that has a golden case table
/// under `tests/fixtures/<module>/`: the local, ssh and oracle runs all
/// cover the same list.
macro_rules! for_each_golden_module {
    ($each:ident) => {
        $each!(
            command,
            shell,
            raw,
            copy,
            file,
            stat,
            lineinfile,
            template,
            blockinfile,
            replace,
            slurp,
            fetch,
            find,
            script,
            unarchive,
            wait_for,
            service,
            systemd,
            user,
            group,
        );
    };
}

pub mod acl;
pub mod cases;
pub mod oracle;
pub mod ssh;
pub mod tree;

use serde_json::{json, Map, Value};
use srplay_engine::connection::{Become, Connection, LocalConnection};
use srplay_engine::module::{ModuleContext, ModuleRegistry, NoProgress, TemplateRenderer};
use std::path::PathBuf;
use std::sync::Arc;

/// Renders with `srplay_engine::template::new_environment()`, the host's
/// vars shadowed by the module's extra vars.
pub struct TestRenderer {
    pub vars: Arc<Map<String, Value>>,
}

impl TemplateRenderer for TestRenderer {
    fn render(
        &self,
        name: &str,
        source: &str,
        extra: &Map<String, Value>,
    ) -> Result<String, String> {
        self.render_with(
            name,
            source,
            extra,
            &srplay_engine::template::TemplateSyntax::default(),
        )
    }

    fn render_with(
        &self,
        name: &str,
        source: &str,
        extra: &Map<String, Value>,
        syntax: &srplay_engine::template::TemplateSyntax,
    ) -> Result<String, String> {
        let mut env = srplay_engine::template::new_environment();
        env.set_syntax(syntax.config()?);
        let mut all = (*self.vars).clone();
        for (k, v) in extra {
            all.insert(k.clone(), v.clone());
        }
        let ctx = minijinja::Value::from(minijinja::value::Serde(all));
        env.render_named_str(name, source, ctx)
            .map_err(|e| format!("{e:#}"))
    }
}

/// The variables a host has in these tests.
pub fn host_vars() -> Map<String, Value> {
    json!({
        "inventory_hostname": "localhost",
        "inventory_hostname_short": "localhost",
        "ansible_host": "localhost",
        "greeting": "hello",
        "items_list": ["a", "b"],
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

/// How a module is run in a test.
#[derive(Clone)]
pub struct Setup {
    pub conn: Arc<dyn Connection>,
    pub check_mode: bool,
    pub diff: bool,
    pub search_paths: Vec<PathBuf>,
    pub environment: Vec<(String, String)>,
    /// The task's `become` (sudo to another user on the target).
    pub r#become: Option<Become>,
}

impl Setup {
    pub fn local() -> Self {
        Setup {
            conn: Arc::new(LocalConnection::new()),
            check_mode: false,
            diff: false,
            search_paths: Vec::new(),
            environment: Vec::new(),
            r#become: None,
        }
    }

    /// Run over `conn` (an ssh connection) with default settings.
    pub fn over(conn: Arc<dyn Connection>) -> Self {
        Setup {
            conn,
            ..Setup::local()
        }
    }

    pub fn context(&self) -> ModuleContext {
        let vars = Arc::new(host_vars());
        ModuleContext {
            host: "localhost".into(),
            conn: self.conn.clone(),
            check_mode: self.check_mode,
            diff: self.diff,
            r#become: self.r#become.clone(),
            environment: self.environment.clone(),
            vars: vars.clone(),
            search_paths: self.search_paths.clone(),
            renderer: Arc::new(TestRenderer { vars }),
            progress: Arc::new(NoProgress),
        }
    }
}

pub fn registry() -> ModuleRegistry {
    let mut r = ModuleRegistry::new();
    srplay_modules::register_all(&mut r);
    r
}

/// One runtime for every module run of a test binary: an ssh
/// connection's master outlives a single run, so its I/O must stay on
/// one runtime.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// Run `module` with `args` as the engine would (normalize, run,
/// `to_result`); errors become `{failed: true, msg}` like a failed task.
pub fn run_module(module: &str, args: Map<String, Value>, setup: &Setup) -> Map<String, Value> {
    let reg = registry();
    let m = reg
        .get(module)
        .unwrap_or_else(|| panic!("module {module} is not registered"));
    let ctx = setup.context();
    let res = runtime().block_on(async {
        let args = m.spec().normalize(args).map_err(|e| e.to_string())?;
        m.run(&ctx, args).await.map_err(|e| e.to_string())
    });
    match res {
        Ok(o) => o.to_result(),
        Err(msg) => json!({"failed": true, "changed": false, "msg": msg})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    }
}
