//! The host's side of [`HostCallbacks`]: a plugin, running on a blocking
//! thread, asks for a command or a file transfer; the bridge runs it on
//! the task's connection by blocking on the captured runtime handle
//! (allowed on a `spawn_blocking` thread, which is outside the runtime).

use crate::connection::{ConnectionError, ExecRequest, FileAttrs, PutSource, Stdin};
use crate::module::ModuleContext;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use srplay_plugin_api::wire::{ExecCall, ExecReply, GetCall, GetReply, PutCall};
use srplay_plugin_api::{HostCallbacks, ABI_VERSION};
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;
use tokio::runtime::Handle;

/// What the callbacks need; lives on the blocking thread for one call.
pub(crate) struct Bridge {
    runtime: Handle,
    ctx: ModuleContext,
    /// The first connection loss seen by a callback: the host is then
    /// UNREACHABLE, whatever the plugin makes of the error.
    lost: Mutex<Option<ConnectionError>>,
}

impl Bridge {
    pub(crate) fn new(runtime: Handle, ctx: ModuleContext) -> Self {
        Bridge {
            runtime,
            ctx,
            lost: Mutex::new(None),
        }
    }

    /// The callbacks table pointing at `self`; valid while `self` is.
    pub(crate) fn callbacks(&self) -> HostCallbacks {
        HostCallbacks {
            abi: ABI_VERSION,
            ctx: self as *const Bridge as *mut c_void,
            exec: host_exec,
            put: host_put,
            get: host_get,
            free: host_free,
        }
    }

    pub(crate) fn take_lost_connection(&self) -> Option<ConnectionError> {
        self.lost.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn exec(&self, call: ExecCall) -> Result<ExecReply, ConnectionError> {
        let stdin = match call.stdin_b64 {
            Some(b) => Stdin::Bytes(decode(&b)?),
            None => Stdin::Null,
        };
        let mut req = ExecRequest::new(call.cmd)
            .stdin(stdin)
            .become_as(self.ctx.r#become.clone());
        req.env = self.ctx.environment.clone();
        req.chdir = call.chdir;
        let out = self.runtime.block_on(self.ctx.conn.exec(req))?;
        Ok(ExecReply {
            rc: out.rc,
            stdout: out.stdout_str(),
            stderr: out.stderr_str(),
        })
    }

    fn put(&self, call: PutCall) -> Result<Value, ConnectionError> {
        let attrs = FileAttrs {
            mode: call.mode,
            owner: call.owner,
            group: call.group,
        };
        let content = decode(&call.content_b64)?;
        self.runtime
            .block_on(self.ctx.put(PutSource::Bytes(content), &call.dest, &attrs))?;
        Ok(json!({}))
    }

    fn get(&self, call: GetCall) -> Result<GetReply, ConnectionError> {
        let bytes = self.runtime.block_on(self.ctx.get(&call.path))?;
        Ok(GetReply {
            content_b64: base64::engine::general_purpose::STANDARD.encode(bytes),
        })
    }

    /// Runs one service and wraps its answer in the wire envelope.
    fn serve<Q, R>(
        &self,
        request: *const c_char,
        f: fn(&Self, Q) -> Result<R, ConnectionError>,
    ) -> Value
    where
        Q: DeserializeOwned,
        R: Serialize,
    {
        if request.is_null() {
            return json!({"error": "null request"});
        }
        // SAFETY: the plugin passes a NUL-terminated string it owns.
        let text = unsafe { CStr::from_ptr(request) }.to_string_lossy();
        let call: Q = match serde_json::from_str(&text) {
            Ok(c) => c,
            Err(e) => return json!({"error": format!("invalid request JSON: {e}")}),
        };
        match f(self, call) {
            Ok(reply) => json!({"ok": reply}),
            Err(e) => {
                let unreachable = e.is_unreachable();
                let msg = e.to_string();
                if unreachable {
                    let mut lost = self.lost.lock().unwrap_or_else(|e| e.into_inner());
                    lost.get_or_insert(e);
                }
                json!({"error": msg, "unreachable": unreachable})
            }
        }
    }
}

fn decode(b64: &str) -> Result<Vec<u8>, ConnectionError> {
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| ConnectionError::Other(format!("plugin sent invalid base64: {e}")))
}

/// Common body of the callbacks: never unwinds into the plugin.
fn respond<Q, R>(
    ctx: *mut c_void,
    request: *const c_char,
    f: fn(&Bridge, Q) -> Result<R, ConnectionError>,
) -> *mut c_char
where
    Q: DeserializeOwned,
    R: Serialize,
{
    let reply = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `ctx` is the `Bridge` that built the callbacks table and
        // outlives the plugin call.
        let bridge = unsafe { &*(ctx as *const Bridge) };
        bridge.serve(request, f)
    }))
    .unwrap_or_else(|_| json!({"error": "the host failed while serving the request"}));
    CString::new(reply.to_string())
        .map(CString::into_raw)
        .unwrap_or(std::ptr::null_mut())
}

unsafe extern "C" fn host_exec(ctx: *mut c_void, request: *const c_char) -> *mut c_char {
    respond(ctx, request, Bridge::exec)
}

unsafe extern "C" fn host_put(ctx: *mut c_void, request: *const c_char) -> *mut c_char {
    respond(ctx, request, Bridge::put)
}

unsafe extern "C" fn host_get(ctx: *mut c_void, request: *const c_char) -> *mut c_char {
    respond(ctx, request, Bridge::get)
}

unsafe extern "C" fn host_free(_ctx: *mut c_void, s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: `s` came from `CString::into_raw` in `respond`.
        drop(unsafe { CString::from_raw(s) });
    }
}
