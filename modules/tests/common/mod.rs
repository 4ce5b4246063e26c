//! Shared test fixtures: a `ModuleContext` over any connection (local by
//! default, ssh later), a renderer backed by the engine's template
//! environment, a module runner that normalizes args like the engine, and
//! filesystem snapshots for comparing what runs leave behind.
#![allow(dead_code)]

pub mod cases;
pub mod oracle;
pub mod tree;

use serde_json::{json, Map, Value};
use srplay_engine::connection::{Connection, LocalConnection};
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
        let env = srplay_engine::template::new_environment();
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
}

impl Setup {
    pub fn local() -> Self {
        Setup {
            conn: Arc::new(LocalConnection::new()),
            check_mode: false,
            diff: false,
            search_paths: Vec::new(),
            environment: Vec::new(),
        }
    }

    pub fn context(&self) -> ModuleContext {
        let vars = Arc::new(host_vars());
        ModuleContext {
            host: "localhost".into(),
            conn: self.conn.clone(),
            check_mode: self.check_mode,
            diff: self.diff,
            r#become: None,
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

/// Run `module` with `args` as the engine would (normalize, run,
/// `to_result`); errors become `{failed: true, msg}` like a failed task.
pub fn run_module(module: &str, args: Map<String, Value>, setup: &Setup) -> Map<String, Value> {
    let reg = registry();
    let m = reg
        .get(module)
        .unwrap_or_else(|| panic!("module {module} is not registered"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let ctx = setup.context();
    let res = rt.block_on(async {
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
