//! The functions `export_plugin!` generates, called directly the way the
//! host calls them, with fake host callbacks.

use serde_json::{json, Value};
use srplay_plugin_api::abi::{RC_BAD_INPUT, RC_MODULE_ERROR, RC_OK, RC_PANIC};
use srplay_plugin_api::wire::ExecCall;
use srplay_plugin_api::{
    Host, HostCallbacks, ModuleDoc, OptionDoc, OptionType, PluginModule, Request, Response,
    ABI_VERSION,
};
use std::ffi::{c_char, c_void, CStr, CString};

#[derive(Default)]
struct Echo;
impl PluginModule for Echo {
    const NAME: &'static str = "echo";
    fn doc() -> ModuleDoc {
        ModuleDoc::new("Echo a command's output.")
            .option(OptionDoc::new("cmd", OptionType::Str, "command").required())
    }
    fn run(&self, req: &Request, host: &Host<'_>) -> Result<Response, String> {
        let out = host.exec(req.str_arg("cmd").unwrap_or_default())?;
        Ok(Response::changed(req.check_mode)
            .with("stdout", out.stdout)
            .with("rc", out.rc))
    }
}

#[derive(Default)]
struct Refuse;
impl PluginModule for Refuse {
    const NAME: &'static str = "refuse";
    fn doc() -> ModuleDoc {
        ModuleDoc::new("Always fails.")
    }
    fn run(&self, _: &Request, _: &Host<'_>) -> Result<Response, String> {
        Err("no, thanks".into())
    }
}

#[derive(Default)]
struct Boom;
impl PluginModule for Boom {
    const NAME: &'static str = "boom";
    fn doc() -> ModuleDoc {
        ModuleDoc::new("Panics.")
    }
    fn run(&self, _: &Request, _: &Host<'_>) -> Result<Response, String> {
        panic!("kaboom {}", 42)
    }
}

srplay_plugin_api::export_plugin!("test", "9.9.9", [Echo, Refuse, Boom]);

/// A host whose `exec` answers with the command it was given, uppercased.
unsafe extern "C" fn fake_exec(_: *mut c_void, request: *const c_char) -> *mut c_char {
    let text = unsafe { CStr::from_ptr(request) }.to_string_lossy();
    let call: ExecCall = serde_json::from_str(&text).unwrap();
    let reply = if call.cmd == "unreachable" {
        json!({"error": "host is gone", "unreachable": true})
    } else {
        json!({"ok": {"rc": 0, "stdout": call.cmd.to_uppercase(), "stderr": ""}})
    };
    CString::new(reply.to_string()).unwrap().into_raw()
}

unsafe extern "C" fn fake_unused(_: *mut c_void, _: *const c_char) -> *mut c_char {
    std::ptr::null_mut()
}

unsafe extern "C" fn fake_free(_: *mut c_void, s: *mut c_char) {
    drop(unsafe { CString::from_raw(s) });
}

fn host(abi: u32) -> HostCallbacks {
    HostCallbacks {
        abi,
        ctx: std::ptr::null_mut(),
        exec: fake_exec,
        put: fake_unused,
        get: fake_unused,
        free: fake_free,
    }
}

fn call_with(module: &str, request: &str, abi: u32) -> (i32, Value) {
    let module = CString::new(module).unwrap();
    let request = CString::new(request).unwrap();
    let mut out: *mut c_char = std::ptr::null_mut();
    let callbacks = host(abi);
    let rc = unsafe { srplay_plugin_call(module.as_ptr(), request.as_ptr(), &callbacks, &mut out) };
    assert!(!out.is_null(), "every call answers");
    let text = unsafe { CStr::from_ptr(out) }
        .to_string_lossy()
        .into_owned();
    unsafe { srplay_plugin_free(out) };
    (rc, serde_json::from_str(&text).unwrap())
}

#[test]
fn handshake_and_manifest() {
    assert_eq!(srplay_plugin_abi(), ABI_VERSION);
    let text = unsafe { CStr::from_ptr(srplay_plugin_manifest()) }
        .to_str()
        .unwrap();
    let m: Value = serde_json::from_str(text).unwrap();
    assert_eq!(m["abi"], ABI_VERSION);
    assert_eq!(m["name"], "test");
    assert_eq!(m["version"], "9.9.9");
    let names: Vec<&str> = m["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["echo", "refuse", "boom"]);
    assert_eq!(m["modules"][0]["options"][0]["type"], "str");
    assert_eq!(m["modules"][0]["options"][0]["required"], true);
    // Static: the same pointer every time.
    assert_eq!(srplay_plugin_manifest(), srplay_plugin_manifest());
}

#[test]
fn return_codes_table() {
    let ok_req = json!({"args": {"cmd": "whoami"}, "check_mode": true}).to_string();
    // (module, request, host abi, rc, expected msg or stdout)
    let cases = [
        ("echo", ok_req.as_str(), ABI_VERSION, RC_OK, "WHOAMI"),
        (
            "echo",
            r#"{"args": {"cmd": "unreachable"}}"#,
            ABI_VERSION,
            RC_MODULE_ERROR,
            "host is gone",
        ),
        ("refuse", "{}", ABI_VERSION, RC_MODULE_ERROR, "no, thanks"),
        (
            "boom",
            "{}",
            ABI_VERSION,
            RC_PANIC,
            "module panicked at plugin-api/tests/export_abi.rs:",
        ),
        (
            "nope",
            "{}",
            ABI_VERSION,
            RC_BAD_INPUT,
            "this plugin has no module `nope`",
        ),
        (
            "echo",
            "{not json",
            ABI_VERSION,
            RC_BAD_INPUT,
            "invalid request JSON",
        ),
        (
            "echo",
            ok_req.as_str(),
            7,
            RC_BAD_INPUT,
            "host speaks plugin ABI 7, this plugin ABI 1",
        ),
    ];
    for (module, request, abi, rc, text) in cases {
        let (got_rc, out) = call_with(module, request, abi);
        assert_eq!(got_rc, rc, "{module} {request}: {out}");
        let shown = out
            .get("stdout")
            .or(out.get("msg"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(shown.starts_with(text), "{module} {request}: {out}");
    }
    let (_, boom) = call_with("boom", "{}", ABI_VERSION);
    assert!(
        boom["msg"].as_str().unwrap().ends_with(": kaboom 42"),
        "{boom}"
    );
    let (_, ok) = call_with("echo", &ok_req, ABI_VERSION);
    assert_eq!(ok["changed"], true, "check_mode reached the module");
    assert_eq!(ok["failed"], false);
    assert_eq!(ok["rc"], 0);
}

#[test]
fn response_to_result_shapes_an_ansible_dict() {
    let r = Response::changed(true)
        .with_msg("m")
        .warn("w")
        .with("k", 1)
        .with_diff(srplay_plugin_api::Diff {
            before: "a".into(),
            after: "b".into(),
            ..Default::default()
        })
        .to_result();
    assert_eq!(
        Value::Object(r),
        json!({"k": 1, "changed": true, "failed": false, "msg": "m",
               "diff": [{"before_header": "", "after_header": "", "before": "a", "after": "b"}],
               "warnings": ["w"]})
    );
}
