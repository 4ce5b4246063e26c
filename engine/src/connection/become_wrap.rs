//! `become`: wrap a command so it runs as another user.

use crate::shell::quote;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BecomeMethod {
    #[default]
    Sudo,
    Su,
}

impl BecomeMethod {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sudo" => Some(BecomeMethod::Sudo),
            "su" => Some(BecomeMethod::Su),
            _ => None,
        }
    }
}

#[derive(Clone, Default)]
pub struct Become {
    pub method: BecomeMethod,
    pub user: String,
    /// Never printed: `Debug` redacts it, and it reaches the target on stdin.
    pub password: Option<String>,
    pub flags: Option<String>,
    pub exe: Option<String>,
}

impl std::fmt::Debug for Become {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Become")
            .field("method", &self.method)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .field("flags", &self.flags)
            .finish()
    }
}

impl Become {
    /// Returns the wrapped command and a stdin prefix carrying the password.
    ///
    /// With a password, the decision whether it is needed is taken on the
    /// target, right before the real command: a NOPASSWD rule or cached
    /// credentials make `sudo -S` skip reading stdin, and the password line
    /// would then reach the command (corrupting, say, a file being written).
    /// So the script first asks `sudo -n` whether it can run without one;
    /// if so the shell itself reads and discards the password line, else
    /// `sudo -S` reads exactly that line (sudo reads it byte by byte, so the
    /// rest of stdin is left for the command).
    pub fn wrap(&self, script: &str) -> (String, Option<Vec<u8>>) {
        let user = quote(self.target_user());
        let prefix = self
            .password
            .as_ref()
            .map(|p| format!("{p}\n").into_bytes());
        let cmd = match (self.method, self.password.is_some()) {
            (BecomeMethod::Sudo, false) => self.sudo("-n", &user, script),
            (BecomeMethod::Sudo, true) => {
                let exe = self.exe.as_deref().unwrap_or("sudo");
                format!(
                    "if {exe} -n -u {user} /bin/sh -c : </dev/null >/dev/null 2>&1; \
                     then {DISCARD_LINE} exec {}; else exec {}; fi",
                    self.sudo("-n", &user, script),
                    self.sudo("-S -p ''", &user, script)
                )
            }
            (BecomeMethod::Su, false) => self.su(&user, script),
            // root switches user without a password (pam_rootok): discard it.
            (BecomeMethod::Su, true) => format!(
                "if [ \"$(id -u)\" -eq 0 ]; then {DISCARD_LINE} exec {}; else exec {}; fi",
                self.su(&user, script),
                self.su(&user, script)
            ),
        };
        (cmd, prefix)
    }

    fn target_user(&self) -> &str {
        if self.user.is_empty() {
            "root"
        } else {
            &self.user
        }
    }

    /// `sudo <flags> <auth> -u <user> /bin/sh -c <script>`; `-n` fails at
    /// once instead of hanging when a password would be needed, `-S -p ''`
    /// reads it from stdin without printing a prompt.
    fn sudo(&self, auth: &str, user: &str, script: &str) -> String {
        let exe = self.exe.as_deref().unwrap_or("sudo");
        let flags = self.flags.as_deref().unwrap_or("-H");
        format!(
            "{exe} {flags} {auth} -u {user} /bin/sh -c {}",
            quote(script)
        )
    }

    fn su(&self, user: &str, script: &str) -> String {
        let exe = self.exe.as_deref().unwrap_or("su");
        format!("{exe} {user} -s /bin/sh -c {}", quote(script))
    }
}

/// Shell code that consumes the password line from stdin and forgets it.
const DISCARD_LINE: &str = "IFS= read -r srplay_pw; unset srplay_pw;";

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    use std::process::{Command, Stdio};

    #[test]
    fn password_goes_to_stdin_not_argv() {
        let b = Become {
            user: "starrocks".into(),
            password: Some("s3cret".into()),
            ..Default::default()
        };
        let (cmd, stdin) = b.wrap("id -u");
        assert!(!cmd.contains("s3cret"));
        assert_eq!(stdin.unwrap(), b"s3cret\n");
        assert_eq!(
            cmd,
            "if sudo -n -u starrocks /bin/sh -c : </dev/null >/dev/null 2>&1; \
             then IFS= read -r srplay_pw; unset srplay_pw; \
             exec sudo -H -n -u starrocks /bin/sh -c 'id -u'; \
             else exec sudo -H -S -p '' -u starrocks /bin/sh -c 'id -u'; fi"
        );
        assert!(!format!("{b:?}").contains("s3cret"));
    }

    #[test]
    fn without_password_sudo_never_prompts() {
        let (cmd, stdin) = Become::default().wrap("true");
        assert_eq!(cmd, "sudo -H -n -u root /bin/sh -c true");
        assert!(stdin.is_none());
    }

    /// A stand-in for sudo: `nopasswd` runs the command without touching
    /// stdin (like a NOPASSWD rule or cached credentials); `passwd` fails
    /// under `-n` and reads one password line under `-S`.
    fn fake_sudo(dir: &std::path::Path, policy: &str) -> String {
        let path = dir.join(format!("sudo-{policy}"));
        let script = format!(
            r#"#!/bin/sh
policy={policy}
auth=none
while [ $# -gt 0 ]; do
  case "$1" in
    -n) auth=n ;; -S) auth=S ;; -p|-u) shift ;; /bin/sh) break ;;
  esac
  shift
done
if [ $policy = passwd ]; then
  [ $auth = n ] && {{ echo "sudo: a password is required" >&2; exit 1; }}
  IFS= read -r pw
  [ "$pw" = "right" ] || {{ echo "sudo: wrong password" >&2; exit 1; }}
fi
exec "$@"
"#
        );
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.to_str().unwrap().to_string()
    }

    #[test]
    fn the_command_gets_exactly_its_stdin_whatever_sudo_asks() {
        let dir = tempfile::tempdir().unwrap();
        // (sudo policy, become password given)
        let cases = [
            ("nopasswd", None),
            ("nopasswd", Some("right")),
            ("passwd", Some("right")),
        ];
        for (policy, password) in cases {
            let b = Become {
                password: password.map(str::to_string),
                exe: Some(fake_sudo(dir.path(), policy)),
                ..Default::default()
            };
            let (cmd, prefix) = b.wrap("cat");
            let mut child = Command::new("/bin/sh")
                .arg("-c")
                .arg(&cmd)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(&prefix.unwrap_or_default()).unwrap();
            stdin
                .write_all(b"payload line 1\npayload line 2\n")
                .unwrap();
            drop(stdin);
            let out = child.wait_with_output().unwrap();
            let case = format!("policy {policy}, password {password:?}");
            assert!(out.status.success(), "{case}: {out:?}");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                "payload line 1\npayload line 2\n",
                "{case}"
            );
        }
    }

    #[test]
    fn su_as_root_discards_the_password_line() {
        let b = Become {
            method: BecomeMethod::Su,
            user: "nobody".into(),
            password: Some("pw".into()),
            ..Default::default()
        };
        let (cmd, prefix) = b.wrap("cat");
        assert_eq!(prefix.unwrap(), b"pw\n");
        assert!(cmd.starts_with("if [ \"$(id -u)\" -eq 0 ]; then IFS= read -r srplay_pw;"));
        assert!(cmd.contains("exec su nobody -s /bin/sh -c cat"));
        assert!(!cmd.contains("pw\n"));
    }
}
