//! The Connection contract: the only way a module touches a host.
//!
//! A connection runs a shell command (`/bin/sh -c`) with optional stdin and
//! returns `(rc, stdout, stderr)`. File transfer and privilege escalation are
//! built on that one primitive (see [`put`](Connection::put)), so every
//! transport gets atomic writes and `become` for free and may override `put`
//! / `get` with something faster (sftp) without changing their meaning.

mod become_wrap;
mod local;
pub mod proc_tree;
pub mod ssh;
mod transfer;

pub use become_wrap::{Become, BecomeMethod};
pub use local::{LocalConnection, LocalDirConnection};
pub use ssh::{Connections, SshConnection, SshDefaults, SshTarget};
pub use transfer::{atomic_write_script, atomic_write_script_checked, FileAttrs, PutSource};

use async_trait::async_trait;
use std::path::PathBuf;

/// What a command reads on its standard input.
#[derive(Debug, Clone, Default)]
pub enum Stdin {
    #[default]
    Null,
    Bytes(Vec<u8>),
    /// Streamed from a controller-side file, never loaded whole into memory.
    File(PathBuf),
}

/// One command to run on the target.
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    /// A shell command line, run as `/bin/sh -c <cmd>` on the target.
    pub cmd: String,
    pub stdin: Stdin,
    /// Run as another user (sudo/su); the password, if any, goes over stdin.
    pub r#become: Option<Become>,
    /// Extra environment (the `environment:` keyword), set with `env`.
    pub env: Vec<(String, String)>,
    /// Directory to run in (`chdir`); the command fails if it does not exist.
    pub chdir: Option<String>,
}

impl ExecRequest {
    pub fn new(cmd: impl Into<String>) -> Self {
        ExecRequest {
            cmd: cmd.into(),
            ..Default::default()
        }
    }

    pub fn stdin(mut self, stdin: Stdin) -> Self {
        self.stdin = stdin;
        self
    }

    pub fn become_as(mut self, r#become: Option<Become>) -> Self {
        self.r#become = r#become;
        self
    }

    /// Whether [`render`](Self::render) puts bytes before the caller's
    /// stdin: a become password, or `environment:` values (those of names
    /// the shell can assign travel on stdin). Cheap: renders nothing.
    pub fn has_stdin_prefix(&self) -> bool {
        self.r#become.as_ref().is_some_and(|b| b.password.is_some())
            || self
                .env
                .iter()
                .any(|(k, v)| is_shell_name(k) && !v.is_empty())
    }

    /// The full `/bin/sh -c` script: environment, chdir and become applied.
    /// Returns the command line and the bytes to put before the caller's
    /// stdin (a become password, then environment values), so secrets
    /// never appear in argv: the command line is visible to every user of
    /// the target in `ps`, and values of `environment:` are often secrets
    /// (`PGPASSWORD`, tokens).
    pub fn render(&self) -> (String, Option<Vec<u8>>) {
        let mut script = String::new();
        if let Some(dir) = &self.chdir {
            script.push_str(&format!("cd {} && ", crate::shell::quote(dir)));
        }
        let mut env_bytes = Vec::new();
        if self.env.is_empty() {
            script.push_str(&self.cmd);
        } else {
            script.push_str(&env_script(&self.env, &self.cmd, &mut env_bytes));
        }
        let (line, mut prefix) = match &self.r#become {
            Some(b) => b.wrap(&script),
            None => (script, None),
        };
        if !env_bytes.is_empty() {
            prefix.get_or_insert_with(Vec::new).extend(env_bytes);
        }
        (line, prefix)
    }
}

/// `{ K=<read from stdin>; export K; …; exec /bin/sh -c <cmd>; }`: each
/// value is read from stdin with `dd bs=1`, which never reads past the
/// value, leaving the rest of stdin to the command. A name the shell
/// cannot assign (`MY-VAR`) goes through `env` on the command line.
fn env_script(env: &[(String, String)], cmd: &str, stdin: &mut Vec<u8>) -> String {
    let mut s = String::from("{ ");
    let mut by_env = Vec::new();
    for (k, v) in env {
        if is_shell_name(k) {
            s.push_str(&format!(
                "{k}=$(dd bs=1 count={n} 2>/dev/null; echo .); {k}=${{{k}%.}}; export {k}; ",
                n = v.len()
            ));
            stdin.extend_from_slice(v.as_bytes());
        } else {
            by_env.push(crate::shell::quote(&format!("{k}={v}")));
        }
    }
    s.push_str("exec ");
    if !by_env.is_empty() {
        s.push_str("env ");
        s.push_str(&by_env.join(" "));
        s.push(' ');
    }
    s.push_str("/bin/sh -c ");
    s.push_str(&crate::shell::quote(cmd));
    s.push_str("; }");
    s
}

fn is_shell_name(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// What a finished command returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub rc: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    pub fn success(&self) -> bool {
        self.rc == 0
    }
}

/// Why a connection could not do what was asked. `Unreachable` makes the
/// host UNREACHABLE in the recap (exit 4); the others fail the task.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("{0}")]
    Unreachable(String),
    #[error("connection lost: {0}")]
    Dropped(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

impl ConnectionError {
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ConnectionError::Unreachable(_) | ConnectionError::Dropped(_)
        )
    }
}

#[async_trait]
pub trait Connection: Send + Sync {
    /// The transport's name as Ansible spells it (`ssh`, `local`).
    fn transport(&self) -> &'static str;

    /// Run one command on the target.
    async fn exec(&self, req: ExecRequest) -> Result<ExecOutput, ConnectionError>;

    /// Write `src` to `dest` atomically (temp file in the same directory,
    /// then rename), setting or keeping mode/owner/group. Stale temp files
    /// of an earlier interrupted write to the same `dest` are removed first.
    async fn put(
        &self,
        src: PutSource,
        dest: &str,
        attrs: &FileAttrs,
        r#become: Option<Become>,
    ) -> Result<(), ConnectionError> {
        transfer::put_via_exec(self, src, dest, attrs, r#become).await
    }

    /// Read a whole file from the target.
    async fn get(&self, path: &str, r#become: Option<Become>) -> Result<Vec<u8>, ConnectionError> {
        transfer::get_via_exec(self, path, r#become).await
    }

    /// Close the connection (ssh: the master). Idempotent.
    async fn close(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `has_stdin_prefix` agrees with what `render` returns.
    #[test]
    fn stdin_prefix_property_matches_render() {
        let sudo = |password: Option<&str>| {
            Some(Become {
                user: "root".into(),
                password: password.map(str::to_string),
                ..Default::default()
            })
        };
        let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        // (request, has a prefix)
        let cases = [
            (ExecRequest::new("true"), false),
            (ExecRequest::new("true").become_as(sudo(None)), false),
            (ExecRequest::new("true").become_as(sudo(Some("pw"))), true),
            (ExecRequest::new("true").become_as(sudo(Some(""))), true),
            (
                ExecRequest {
                    env: env(&[("TOKEN", "s3cret")]),
                    ..ExecRequest::new("true")
                },
                true,
            ),
            (
                ExecRequest {
                    env: env(&[("EMPTY", "")]),
                    ..ExecRequest::new("true")
                },
                false,
            ),
            (
                ExecRequest {
                    env: env(&[("MY-VAR", "on argv")]),
                    ..ExecRequest::new("true")
                },
                false,
            ),
            (
                ExecRequest {
                    chdir: Some("/tmp".into()),
                    stdin: Stdin::Bytes(b"data".to_vec()),
                    ..ExecRequest::new("cat")
                },
                false,
            ),
        ];
        for (req, want) in cases {
            assert_eq!(req.has_stdin_prefix(), want, "{req:?}");
            assert_eq!(req.render().1.is_some(), want, "render of {req:?}");
        }
    }
}
