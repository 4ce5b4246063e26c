//! Dynamic library plugins: the example plugin built by cargo, loaded,
//! and run over a LocalConnection; broken libraries refused by name.
//!
//! The connection is whatever `ModuleContext::conn` holds: the same tests
//! run over ssh once that transport exists (see `unreachable_connection_*`
//! for a non-local connection).

use crate::plugin_support;

use async_trait::async_trait;
use plugin_support::{find, library_with_plugin_hello, run, rustc_cdylib, Ctx};
use serde_json::json;
use srplay_engine::connection::{Connection, ConnectionError, ExecOutput, ExecRequest};
use srplay_engine::module::{Module, ModuleError, ModuleRegistry, ModuleSpec, Outcome};
use srplay_engine::plugin::{discover, load_library, register_into, PluginError};
use std::sync::Arc;

fn hello_modules() -> (tempfile::TempDir, Vec<Arc<dyn Module>>) {
    let dir = library_with_plugin_hello();
    let modules = discover(&[dir.path().to_path_buf()]).expect("plugin-hello loads");
    (dir, modules)
}

#[tokio::test(flavor = "multi_thread")]
async fn hello_greets_with_default_and_given_greeting() {
    let (_dir, modules) = hello_modules();
    let hello = find(&modules, "hello");
    let cases = [
        (json!({"name": "World"}), "Hello, World!"),
        (json!({"name": "srplay", "greeting": "Hi"}), "Hi, srplay!"),
    ];
    for (args, want) in cases {
        let out = run(&hello, &Ctx::default().build(), args.clone()).await;
        assert_eq!(out.msg.as_deref(), Some(want), "{args}");
        assert!(!out.changed && !out.failed, "{args}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn check_mode_reaches_the_plugin() {
    let (_dir, modules) = hello_modules();
    let hello = find(&modules, "hello");
    for check_mode in [false, true] {
        let ctx = Ctx {
            check_mode,
            ..Default::default()
        }
        .build();
        let out = run(&hello, &ctx, json!({"name": "x"})).await;
        assert_eq!(out.data["check_mode"], check_mode);
    }
}

#[test]
fn manifest_becomes_a_checked_spec() {
    let (_dir, modules) = hello_modules();
    let hello = find(&modules, "hello");
    let spec: &ModuleSpec = hello.spec();
    assert!(spec.description.starts_with("Greet someone."));
    assert!(spec.description.contains("From plugin `hello`"));
    let name = spec.option("name").expect("option name");
    assert!(name.required);
    assert_eq!(
        spec.option("greeting").and_then(|o| o.default),
        Some("Hello")
    );
    assert_eq!(spec.returns, &[("msg", "The greeting.")]);
    // Load-time checks, as for a built-in module.
    let cases = [
        (
            json!({"nmae": "x"}),
            "unknown option `nmae` for module `hello` (did you mean `name`?)",
        ),
        (
            json!({"greeting": "Hi"}),
            "missing required option `name` for module `hello`",
        ),
    ];
    for (args, want) in cases {
        let raw = plugin_support::args(args.clone());
        let err = spec
            .check(&raw)
            .and_then(|_| spec.normalize(raw).map(|_| ()))
            .unwrap_err();
        assert_eq!(err.to_string(), want, "{args}");
    }
    // Aliases of options survive the trip through the manifest.
    let write = find(&modules, "write_command_output");
    assert_eq!(write.spec().option("path").map(|o| o.name), Some("dest"));
}

#[tokio::test(flavor = "multi_thread")]
async fn write_command_output_honours_check_mode_diff_and_idempotence() {
    let (_dir, modules) = hello_modules();
    let module = find(&modules, "write_command_output");
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("out.txt");
    let args =
        json!({"cmd": "echo from-the-target", "dest": dest.to_str().unwrap(), "mode": "0640"});
    let with = |check_mode, diff| {
        Ctx {
            check_mode,
            diff,
            ..Default::default()
        }
        .build()
    };

    let checked = run(&module, &with(true, true), args.clone()).await;
    assert!(checked.changed && !checked.failed, "{checked:?}");
    assert!(!dest.exists(), "check mode wrote the file");
    assert_eq!(checked.diff.len(), 1);
    assert_eq!(checked.diff[0].before, "");
    assert_eq!(checked.diff[0].after, "from-the-target\n");

    let applied = run(&module, &with(false, false), args.clone()).await;
    assert!(applied.changed, "{applied:?}");
    assert!(applied.diff.is_empty(), "diff given without --diff");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "from-the-target\n");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(dest.metadata().unwrap().permissions().mode() & 0o777, 0o640);

    let again = run(&module, &with(false, true), args).await;
    assert!(!again.changed && again.diff.is_empty(), "{again:?}");
    assert_eq!(again.data["dest"], dest.to_str().unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_command_fails_the_task() {
    let (_dir, modules) = hello_modules();
    let module = find(&modules, "write_command_output");
    let work = tempfile::tempdir().unwrap();
    let args =
        json!({"cmd": "echo oops >&2; exit 7", "dest": work.path().join("f").to_str().unwrap()});
    let out = run(&module, &Ctx::default().build(), args).await;
    assert!(out.failed);
    assert_eq!(out.data["rc"], 7);
    assert_eq!(out.data["stderr"], "oops\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panicking_plugin_fails_the_task_and_the_host_keeps_running() {
    let (_dir, modules) = hello_modules();
    let ctx = Ctx::default().build();
    let panicked = run(&find(&modules, "panic_now"), &ctx, json!({})).await;
    assert!(panicked.failed);
    let msg = panicked.msg.unwrap_or_default();
    assert!(
        msg.contains("module panicked at examples/plugin-hello/src/panic_now.rs:"),
        "{msg}"
    );
    assert!(msg.ends_with(": panic_now was asked to panic"), "{msg}");
    assert!(msg.contains("module `panic_now`"), "{msg}");
    // Same library, same process: still usable.
    let after = run(&find(&modules, "hello"), &ctx, json!({"name": "again"})).await;
    assert_eq!(after.msg.as_deref(), Some("Hello, again!"));
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_and_loads_run_concurrently() {
    let (dir, modules) = hello_modules();
    let hello = find(&modules, "hello");
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let hello = hello.clone();
            tokio::spawn(async move {
                let ctx = Ctx::default().build();
                run(&hello, &ctx, json!({"name": format!("n{i}")})).await
            })
        })
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap().msg, Some(format!("Hello, n{i}!")));
    }
    let lib = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let loads: Vec<_> = (0..4)
        .map(|_| {
            let lib = lib.clone();
            std::thread::spawn(move || load_library(&lib).unwrap())
        })
        .map(|h| h.join().unwrap())
        .collect();
    assert!(
        loads.iter().all(|l| Arc::ptr_eq(l, &loads[0])),
        "one load per file"
    );
    assert_eq!(loads[0].manifest.name, "hello");
}

#[test]
fn broken_libraries_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad_abi = rustc_cdylib("bad_abi", dir.path());
    let missing = rustc_cdylib("missing_call", dir.path());
    let garbage = dir.path().join("libgarbage.so");
    std::fs::write(&garbage, b"not an ELF file").unwrap();
    type IsKind = fn(&PluginError) -> bool;
    let cases: [(&std::path::Path, IsKind, &str); 3] = [
        (
            &bad_abi,
            |e| {
                matches!(
                    e,
                    PluginError::AbiMismatch {
                        found: 999,
                        expected: 1,
                        ..
                    }
                )
            },
            "was built for plugin ABI 999, this srplay speaks ABI 1",
        ),
        (
            &missing,
            |e| {
                matches!(
                    e,
                    PluginError::MissingSymbol {
                        symbol: "srplay_plugin_call",
                        ..
                    }
                )
            },
            "is not an srplay plugin: it does not export `srplay_plugin_call`",
        ),
        (
            &garbage,
            |e| matches!(e, PluginError::Open { .. }),
            "cannot load plugin",
        ),
    ];
    for (path, is_kind, text) in cases {
        let err = load_library(path).unwrap_err();
        assert!(is_kind(&err), "{}: {err:?}", path.display());
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains(text), "{msg}");
    }
    // Discovery stops at the first broken file rather than hiding it.
    let err = discover(&[dir.path().to_path_buf()])
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains(dir.path().to_str().unwrap()),
        "{err}"
    );
}

struct BuiltinHello;
static BUILTIN_HELLO: ModuleSpec = ModuleSpec::new("hello", "the built-in one");

#[async_trait]
impl Module for BuiltinHello {
    fn spec(&self) -> &ModuleSpec {
        &BUILTIN_HELLO
    }
    async fn run(
        &self,
        _: &srplay_engine::module::ModuleContext,
        _: srplay_engine::module::Args,
    ) -> Result<Outcome, ModuleError> {
        Ok(Outcome::ok())
    }
}

#[test]
fn plugins_override_builtins_with_a_warning() {
    let (_dir, modules) = hello_modules();
    let mut registry = ModuleRegistry::new();
    registry.register(Arc::new(BuiltinHello));
    let warnings = register_into(&mut registry, modules);
    assert_eq!(
        warnings,
        vec!["module `hello` from a module directory overrides the built-in `hello`".to_string()]
    );
    let hello = registry.get("ansible.legacy.hello").expect("registered");
    assert!(hello.spec().description.starts_with("Greet someone."));
    assert!(registry.contains("write_command_output"));
}

/// A connection whose host has gone away.
struct Gone;

#[async_trait]
impl Connection for Gone {
    fn transport(&self) -> &'static str {
        "gone"
    }
    async fn exec(&self, _: ExecRequest) -> Result<ExecOutput, ConnectionError> {
        Err(ConnectionError::Unreachable("host vanished".into()))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_connection_through_a_callback_makes_the_host_unreachable() {
    let (_dir, modules) = hello_modules();
    let module = find(&modules, "write_command_output");
    let ctx = Ctx {
        conn: Arc::new(Gone),
        ..Default::default()
    }
    .build();
    let args = plugin_support::args(json!({"cmd": "true", "dest": "/nonexistent/x"}));
    let args = module.spec().normalize(args).unwrap();
    match module.run(&ctx, args).await {
        Err(ModuleError::Connection(e)) => {
            assert!(e.is_unreachable());
            assert_eq!(e.to_string(), "host vanished");
        }
        other => panic!("expected an unreachable host, got {other:?}"),
    }
}
