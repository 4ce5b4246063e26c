//! Test helpers for the StarRocks / SQL module tests: a `ModuleContext` on
//! the local machine, and running a module the way the engine does
//! (`ModuleSpec::normalize`, then `run`).
#![allow(dead_code)]

pub mod fake_fe;

use serde_json::{Map, Value};
use srplay_engine::connection::LocalConnection;
use srplay_engine::module::TemplateRenderer;
use srplay_engine::module::{Module, ModuleContext, ModuleError, NoProgress, Outcome};
use std::sync::{Arc, OnceLock};

/// The engine's template environment behind the module-facing trait.
pub struct Renderer(minijinja::Environment<'static>);

impl TemplateRenderer for Renderer {
    fn render(
        &self,
        name: &str,
        source: &str,
        extra: &Map<String, Value>,
    ) -> Result<String, String> {
        let ctx = minijinja::Value::from(minijinja::value::Serde(extra.clone()));
        self.0
            .render_str(source, ctx)
            .map_err(|e| format!("{name}: {e}"))
    }
}

/// Flags of a test run.
#[derive(Clone, Copy, Default)]
pub struct Mode {
    pub check: bool,
    pub diff: bool,
}

pub const NORMAL: Mode = Mode {
    check: false,
    diff: true,
};
pub const CHECK: Mode = Mode {
    check: true,
    diff: true,
};

/// A context on this machine with the given host variables.
pub fn ctx(mode: Mode, vars: Value) -> ModuleContext {
    ModuleContext {
        host: "localhost".into(),
        conn: Arc::new(LocalConnection::new()),
        check_mode: mode.check,
        diff: mode.diff,
        r#become: None,
        environment: vec![],
        vars: Arc::new(vars.as_object().cloned().unwrap_or_default()),
        search_paths: vec![],
        renderer: Arc::new(Renderer(srplay_engine::template::new_environment())),
        progress: Arc::new(NoProgress),
    }
}

/// One multi-threaded runtime for the whole test binary: pooled SQL
/// connections belong to the runtime that opened them.
pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// Normalize `args` with the module's spec, then run it.
pub fn run(module: &dyn Module, ctx: &ModuleContext, args: Value) -> Result<Outcome, ModuleError> {
    let args = module
        .spec()
        .normalize(args.as_object().cloned().expect("args are a mapping"))?;
    rt().block_on(module.run(ctx, args))
}

/// The result dictionary `register` would store.
pub fn result(module: &dyn Module, mode: Mode, vars: Value, args: Value) -> Map<String, Value> {
    match run(module, &ctx(mode, vars), args.clone()) {
        Ok(o) => o.to_result(),
        Err(e) => panic!("{} {args}: {e}", module.spec().name),
    }
}

/// The error text of a run that must fail (an `Err`, or an outcome with
/// `failed: true`).
pub fn failure(module: &dyn Module, mode: Mode, vars: Value, args: Value) -> String {
    match run(module, &ctx(mode, vars), args.clone()) {
        Ok(o) if o.failed => o.msg.unwrap_or_default(),
        Ok(o) => panic!(
            "{} {args}: expected a failure, got {:?}",
            module.spec().name,
            o.to_result()
        ),
        Err(e) => e.to_string(),
    }
}
