//! Ansible-style script modules from `library/`, run unchanged over a
//! LocalConnection (the same code path runs over ssh: everything goes
//! through `ModuleContext`).

use crate::plugin_support;

use plugin_support::{find, fixtures, run, Ctx};
use serde_json::json;
use srplay_engine::module::Module;
use srplay_engine::plugin::{discover, library_dirs_with, ScriptModule};
use std::path::PathBuf;
use std::sync::Arc;

fn fixture_modules() -> Vec<Arc<dyn Module>> {
    discover(&[fixtures().join("library")]).expect("fixture library loads")
}

#[test]
fn discovery_finds_scripts_by_file_name_and_skips_other_files() {
    let mut names: Vec<&str> = Vec::new();
    let modules = fixture_modules();
    names.extend(modules.iter().map(|m| m.spec().name));
    // README.md is neither executable nor a `#!` script; kv_setting.py is
    // not executable but starts with `#!`, as custom modules in git often do.
    assert_eq!(names, ["ansible_style", "bad_json", "greet", "kv_setting"]);
    let kv = find(&modules, "kv_setting");
    assert!(kv.spec().open, "script modules accept any option");
    assert!(kv
        .spec()
        .description
        .starts_with("Set a key = value line in a config file"));
}

#[tokio::test(flavor = "multi_thread")]
async fn want_json_python_module_runs_unchanged() {
    let kv = find(&fixture_modules(), "kv_setting");
    let work = tempfile::tempdir().unwrap();
    let conf = work.path().join("app.conf");
    std::fs::write(&conf, "a = 1\nport = 80\n").unwrap();
    let args = json!({"path": conf.to_str().unwrap(), "key": "port", "value": 8080});
    let with = |check_mode, diff| {
        Ctx {
            check_mode,
            diff,
            ..Default::default()
        }
        .build()
    };

    let checked = run(&kv, &with(true, true), args.clone()).await;
    assert!(checked.changed && !checked.failed, "{checked:?}");
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "a = 1\nport = 80\n"
    );
    assert_eq!(checked.diff[0].after, "a = 1\nport = 8080\n");
    assert_eq!(checked.data["module_name"], "kv_setting");

    let applied = run(&kv, &with(false, false), args.clone()).await;
    assert!(applied.changed && applied.diff.is_empty(), "{applied:?}");
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "a = 1\nport = 8080\n"
    );
    assert_eq!(applied.data["line"], "port = 8080");

    let again = run(&kv, &with(false, true), args).await;
    assert!(!again.changed && !again.failed, "{again:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn module_reported_failure_is_a_failed_task() {
    let kv = find(&fixture_modules(), "kv_setting");
    let out = run(&kv, &Ctx::default().build(), json!({"key": "k"})).await;
    assert!(out.failed);
    assert_eq!(out.msg.as_deref(), Some("missing required arguments: path"));
}

#[tokio::test(flavor = "multi_thread")]
async fn old_style_shell_module_gets_key_value_args_and_check_mode() {
    let greet = find(&fixture_modules(), "greet");
    // (args, check_mode, msg, check_mode as the script saw it)
    let cases = [
        (json!({"name": "World"}), false, "Hello, World!", "False"),
        (
            json!({"name": "it's me", "greeting": "Hi"}),
            true,
            "Hi, it's me!",
            "True",
        ),
    ];
    for (args, check_mode, msg, seen) in cases {
        let ctx = Ctx {
            check_mode,
            ..Default::default()
        }
        .build();
        let out = run(&greet, &ctx, args.clone()).await;
        assert!(!out.failed, "{args}: {out:?}");
        assert_eq!(out.msg.as_deref(), Some(msg), "{args}");
        assert_eq!(out.data["check_mode"], seen, "{args}");
        assert_eq!(out.data["module"], "greet");
    }
    let missing = run(&greet, &Ctx::default().build(), json!({})).await;
    assert!(missing.failed);
    assert_eq!(missing.msg.as_deref(), Some("name is required"));
}

#[tokio::test(flavor = "multi_thread")]
async fn output_that_is_not_json_is_a_module_failure() {
    let bad = find(&fixture_modules(), "bad_json");
    let out = run(&bad, &Ctx::default().build(), json!({})).await;
    assert!(out.failed);
    assert_eq!(
        out.msg.as_deref(),
        Some("MODULE FAILURE\nSee stdout/stderr for the exact error")
    );
    assert_eq!(out.data["module_stdout"], "this is not json\n");
    assert_eq!(out.data["module_stderr"], "some error detail\n");
    assert_eq!(out.data["rc"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn ansible_python_interpreter_overrides_the_shebang() {
    let kv = find(&fixture_modules(), "kv_setting");
    let work = tempfile::tempdir().unwrap();
    let conf = work.path().join("c");
    let args = json!({"path": conf.to_str().unwrap(), "key": "k", "value": "v"});
    let python3 = which("python3");
    // (interpreter, fails, message start)
    let cases = [
        (python3.to_str().unwrap().to_string(), false, None),
        (
            "/nonexistent/python9".to_string(),
            true,
            Some(
                "The module failed to execute correctly, you probably need to set the interpreter.",
            ),
        ),
    ];
    for (interpreter, fails, msg) in cases {
        let ctx = Ctx {
            vars: json!({"ansible_python_interpreter": interpreter})
                .as_object()
                .unwrap()
                .clone(),
            ..Default::default()
        }
        .build();
        let out = run(&kv, &ctx, args.clone()).await;
        assert_eq!(out.failed, fails, "{interpreter}: {out:?}");
        if let Some(msg) = msg {
            assert!(
                out.msg.as_deref().unwrap_or_default().starts_with(msg),
                "{out:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ansible_module_modules_fail_with_a_pointer_to_the_docs() {
    let module = find(&fixture_modules(), "ansible_style");
    // -S: no site-packages, so ansible is not importable even when the
    // test runs with the oracle's venv on PATH.
    let ctx = Ctx {
        vars: json!({"ansible_python_interpreter": "python3 -S"})
            .as_object()
            .unwrap()
            .clone(),
        ..Default::default()
    }
    .build();
    let out = run(&module, &ctx, json!({"name": "x"})).await;
    assert!(out.failed);
    let msg = out.msg.unwrap_or_default();
    assert!(
        msg.starts_with("MODULE FAILURE\nThe module uses ansible.module_utils"),
        "{msg}"
    );
    assert!(msg.contains("docs/plugins.md"), "{msg}");
    assert!(out.data["exception"]
        .as_str()
        .unwrap_or_default()
        .contains("No module named 'ansible'"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_module_is_copied_once_per_host() {
    // A module with content unique to this test, so its remote copy is ours.
    let lib = tempfile::tempdir().unwrap();
    let token = format!("{:?}", lib.path());
    let script = lib.path().join("once.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\n# {token}\necho '{{\"msg\": \"original\"}}'\n"),
    )
    .unwrap();
    let module: Arc<dyn Module> = Arc::new(ScriptModule::load(&script).unwrap());
    let on = |host: &str| {
        Ctx {
            host: host.into(),
            ..Default::default()
        }
        .build()
    };

    let first = run(&module, &on("h1"), json!({})).await;
    assert_eq!(first.msg.as_deref(), Some("original"));
    let remote = find_remote_copy(&token);
    use std::os::unix::fs::PermissionsExt;
    let dir_mode = remote
        .parent()
        .unwrap()
        .metadata()
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700, "module directory is private");

    // Change the remote copy: h1 must run it as is (not copied again),
    // h2 gets its own fresh copy.
    std::fs::write(&remote, "#!/bin/sh\necho '{\"msg\": \"remote copy\"}'\n").unwrap();
    let second = run(&module, &on("h1"), json!({})).await;
    assert_eq!(second.msg.as_deref(), Some("remote copy"));
    let other_host = run(&module, &on("h2"), json!({})).await;
    assert_eq!(other_host.msg.as_deref(), Some("original"));
    // A vanished copy (tmp cleaner) is copied again, not a failure.
    std::fs::remove_file(&remote).unwrap();
    let after_cleanup = run(&module, &on("h1"), json!({})).await;
    assert_eq!(after_cleanup.msg.as_deref(), Some("original"));
    std::fs::remove_file(find_remote_copy(&token)).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn compiled_modules_run_directly() {
    let lib = tempfile::tempdir().unwrap();
    let binary = lib.path().join("compiled_mod");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let status = std::process::Command::new(rustc)
        .args(["--edition", "2021", "-o"])
        .arg(&binary)
        .arg(fixtures().join("binary/compiled_mod.rs"))
        .status()
        .unwrap();
    assert!(status.success(), "rustc compiled_mod.rs failed");
    let modules = discover(&[lib.path().to_path_buf()]).unwrap();
    let module = find(&modules, "compiled_mod");
    for check_mode in [false, true] {
        let ctx = Ctx {
            check_mode,
            ..Default::default()
        }
        .build();
        let out = run(&module, &ctx, json!({"name": "compiled"})).await;
        assert!(!out.failed, "{out:?}");
        assert_eq!(out.changed, !check_mode);
        assert_eq!(out.data["check_mode"], check_mode);
        assert_eq!(out.data["saw_name"], true);
    }
}

fn find_remote_copy(token: &str) -> PathBuf {
    let uid = String::from_utf8(
        std::process::Command::new("id")
            .arg("-u")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let dir = PathBuf::from(format!("/tmp/srplay-{}-modules", uid.trim()));
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read_to_string(p).is_ok_and(|s| s.contains(token)))
        .unwrap_or_else(|| panic!("no copy of the module in {}", dir.display()))
}

fn which(program: &str) -> PathBuf {
    let out = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{program} is not installed");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

#[test]
fn library_dirs_order_and_first_module_wins() {
    let root = tempfile::tempdir().unwrap();
    let mk = |rel: &str, module: &str, msg: &str| {
        let dir = root.path().join(rel);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(module);
        std::fs::write(&file, format!("#!/bin/sh\necho '{{\"msg\": \"{msg}\"}}'\n")).unwrap();
        dir
    };
    let playbook_lib = mk("play/library", "dup.sh", "playbook");
    let role_lib = mk("play/roles/r/library", "dup.sh", "role");
    let cli_lib = mk("cli", "only_cli.sh", "cli");
    let env_lib = mk("env", "only_env.sh", "env");
    let env = format!("{}:/does/not/exist", env_lib.display());
    let dirs = library_dirs_with(
        Some(&root.path().join("play")),
        &[
            root.path().join("play/roles/r"),
            root.path().join("play/roles/none"),
        ],
        std::slice::from_ref(&cli_lib),
        Some(env.as_ref()),
    );
    assert_eq!(dirs, vec![playbook_lib, role_lib, cli_lib, env_lib]);
    let modules = discover(&dirs).unwrap();
    let names: Vec<&str> = modules.iter().map(|m| m.spec().name).collect();
    assert_eq!(names, ["dup", "only_cli", "only_env"]);
    assert!(find(&modules, "dup")
        .spec()
        .description
        .contains("play/library/dup.sh"));
}
