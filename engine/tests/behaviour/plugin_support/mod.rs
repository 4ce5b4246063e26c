//! Shared by the plugin tests: a `ModuleContext` over a connection, the
//! example plugin built once per test binary, fixture paths.
#![allow(dead_code)] // each test binary uses a different subset

use serde_json::{Map, Value};
use srplay_engine::connection::{Connection, LocalConnection};
use srplay_engine::module::{Args, Module, ModuleContext, NoProgress, TemplateRenderer};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

/// Renders with the engine's Ansible-flavoured environment.
struct EnvRenderer(minijinja::Environment<'static>);

impl TemplateRenderer for EnvRenderer {
    fn render(
        &self,
        name: &str,
        source: &str,
        extra: &Map<String, Value>,
    ) -> Result<String, String> {
        self.0
            .render_named_str(
                name,
                source,
                minijinja::Value::from(minijinja::value::Serde(extra)),
            )
            .map_err(|e| e.to_string())
    }
}

pub struct Ctx {
    pub check_mode: bool,
    pub diff: bool,
    pub host: String,
    pub vars: Map<String, Value>,
    pub conn: Arc<dyn Connection>,
}

impl Default for Ctx {
    fn default() -> Self {
        Ctx {
            check_mode: false,
            diff: false,
            host: "localhost".into(),
            vars: Map::new(),
            conn: Arc::new(LocalConnection::new()),
        }
    }
}

impl Ctx {
    pub fn build(self) -> ModuleContext {
        ModuleContext {
            host: self.host,
            conn: self.conn,
            check_mode: self.check_mode,
            diff: self.diff,
            r#become: None,
            environment: Vec::new(),
            vars: Arc::new(self.vars),
            search_paths: Vec::new(),
            renderer: Arc::new(EnvRenderer(srplay_engine::template::new_environment())),
            progress: Arc::new(NoProgress),
        }
    }
}

pub fn args(v: Value) -> Args {
    v.as_object().cloned().expect("args are an object")
}

/// Checks, normalizes and runs a module the way the executor does.
pub async fn run(
    module: &Arc<dyn Module>,
    ctx: &ModuleContext,
    raw: Value,
) -> srplay_engine::module::Outcome {
    let raw = args(raw);
    module
        .spec()
        .check(&raw)
        .expect("arguments pass the load-time check");
    let normalized = module.spec().normalize(raw).expect("arguments normalize");
    module.run(ctx, normalized).await.expect("module runs")
}

pub fn find(modules: &[Arc<dyn Module>], name: &str) -> Arc<dyn Module> {
    modules
        .iter()
        .find(|m| m.spec().name == name)
        .cloned()
        .unwrap_or_else(|| panic!("no module `{name}` discovered"))
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    manifest_dir().join("tests/fixtures/plugins")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../target"))
}

fn dylib_name(stem: &str) -> String {
    format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Builds `examples/plugin-hello` (once per test binary) and returns the
/// library's path in the target directory.
pub fn plugin_hello() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "plugin-hello"])
            .current_dir(manifest_dir().join(".."))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build -p plugin-hello failed");
        let lib = target_dir().join("debug").join(dylib_name("plugin_hello"));
        assert!(lib.exists(), "{} was not built", lib.display());
        lib
    })
}

/// A fresh module directory holding a copy of the example plugin.
pub fn library_with_plugin_hello() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(plugin_hello(), dir.path().join(dylib_name("plugin_hello"))).expect("copy");
    dir
}

/// Compiles a one-file fixture under `fixtures/plugins/abi/` into a
/// `cdylib` in `out`, with plain rustc (no dependencies, fast).
pub fn rustc_cdylib(fixture: &str, out: &Path) -> PathBuf {
    let src = fixtures().join("abi").join(format!("{fixture}.rs"));
    let lib = out.join(dylib_name(fixture));
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let status = Command::new(rustc)
        .args(["--edition", "2021", "--crate-type", "cdylib", "-o"])
        .arg(&lib)
        .arg(&src)
        .status()
        .expect("rustc runs");
    assert!(status.success(), "rustc {} failed", src.display());
    lib
}
