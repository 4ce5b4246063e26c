//! The plugin's side of the host callbacks: run commands and move files
//! on the task's target over the host's connection.

use crate::abi::HostCallbacks;
use crate::wire::{ExecCall, ExecReply, GetCall, GetReply, HostReply, PutCall};
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::ffi::{CStr, CString};

/// The task's target, lent to a module for the duration of one run.
pub struct Host<'a> {
    callbacks: &'a HostCallbacks,
}

/// What a command returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecResult {
    pub rc: i32,
    pub stdout: String,
    pub stderr: String,
}

impl ExecResult {
    pub fn success(&self) -> bool {
        self.rc == 0
    }
}

impl<'a> Host<'a> {
    /// # Safety
    /// `callbacks` must be the valid pointer the host passed to
    /// `srplay_plugin_call`, used only during that call.
    #[doc(hidden)]
    pub unsafe fn from_raw(callbacks: &'a HostCallbacks) -> Self {
        Host { callbacks }
    }

    /// Run `cmd` with `/bin/sh -c` on the target (as the task's become
    /// user, with its environment). A non-zero exit is not an error.
    pub fn exec(&self, cmd: &str) -> Result<ExecResult, String> {
        self.exec_with(ExecCall {
            cmd: cmd.to_string(),
            ..Default::default()
        })
    }

    /// Run a command with bytes on its standard input.
    pub fn exec_stdin(&self, cmd: &str, stdin: &[u8]) -> Result<ExecResult, String> {
        self.exec_with(ExecCall {
            cmd: cmd.to_string(),
            stdin_b64: Some(base64::engine::general_purpose::STANDARD.encode(stdin)),
            chdir: None,
        })
    }

    pub fn exec_with(&self, call: ExecCall) -> Result<ExecResult, String> {
        let reply: ExecReply = self.invoke(self.callbacks.exec, &call)?;
        Ok(ExecResult {
            rc: reply.rc,
            stdout: reply.stdout,
            stderr: reply.stderr,
        })
    }

    /// Write `content` to `dest` atomically (mode like `"0644"`, or `None`
    /// to keep the existing file's).
    pub fn put(&self, dest: &str, content: &[u8], mode: Option<&str>) -> Result<(), String> {
        self.put_with(PutCall {
            dest: dest.to_string(),
            content_b64: base64::engine::general_purpose::STANDARD.encode(content),
            mode: mode.map(str::to_string),
            ..Default::default()
        })
    }

    pub fn put_with(&self, call: PutCall) -> Result<(), String> {
        let _: serde_json::Value = self.invoke(self.callbacks.put, &call)?;
        Ok(())
    }

    /// Read a whole file from the target.
    pub fn get(&self, path: &str) -> Result<Vec<u8>, String> {
        let reply: GetReply = self.invoke(
            self.callbacks.get,
            &GetCall {
                path: path.to_string(),
            },
        )?;
        base64::engine::general_purpose::STANDARD
            .decode(reply.content_b64)
            .map_err(|e| format!("host sent invalid base64 for {path}: {e}"))
    }

    fn invoke<Q: Serialize, R: DeserializeOwned>(
        &self,
        f: crate::abi::HostFn,
        call: &Q,
    ) -> Result<R, String> {
        let json = serde_json::to_string(call).map_err(|e| e.to_string())?;
        let request = CString::new(json).map_err(|e| e.to_string())?;
        // SAFETY: the callbacks are valid for the duration of the call
        // (the host's contract); the reply is copied, then freed by the
        // host that allocated it.
        let text = unsafe {
            let reply = f(self.callbacks.ctx, request.as_ptr());
            if reply.is_null() {
                return Err("the host returned no reply".into());
            }
            let text = CStr::from_ptr(reply).to_string_lossy().into_owned();
            (self.callbacks.free)(self.callbacks.ctx, reply);
            text
        };
        match serde_json::from_str::<HostReply<R>>(&text) {
            Ok(HostReply::Ok { ok }) => Ok(ok),
            Ok(HostReply::Err { error, .. }) => Err(error),
            Err(e) => Err(format!("unreadable reply from the host: {e}")),
        }
    }
}
