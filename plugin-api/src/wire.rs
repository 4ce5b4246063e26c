//! The JSON documents a plugin and the host's callbacks exchange.
//!
//! Every callback reply is either `{"ok": <reply>}` or
//! `{"error": "…", "unreachable": bool}` ([`HostReply`]).

use serde::{Deserialize, Serialize};

/// A command for [`crate::HostCallbacks::exec`], run as `/bin/sh -c cmd`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExecCall {
    pub cmd: String,
    /// Bytes for the command's standard input, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin_b64: Option<String>,
    /// Directory to run in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chdir: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExecReply {
    pub rc: i32,
    /// Output decoded as UTF-8 (invalid sequences replaced).
    pub stdout: String,
    pub stderr: String,
}

/// A file for [`crate::HostCallbacks::put`], written atomically.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PutCall {
    pub dest: String,
    pub content_b64: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GetCall {
    pub path: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GetReply {
    pub content_b64: String,
}

/// The envelope of every callback reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HostReply<T> {
    Ok {
        ok: T,
    },
    Err {
        error: String,
        #[serde(default)]
        unreachable: bool,
    },
}
