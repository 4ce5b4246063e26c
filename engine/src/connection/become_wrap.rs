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
    pub fn wrap(&self, script: &str) -> (String, Option<Vec<u8>>) {
        let user = if self.user.is_empty() {
            "root"
        } else {
            &self.user
        };
        let prefix = self
            .password
            .as_ref()
            .map(|p| format!("{p}\n").into_bytes());
        let cmd = match self.method {
            BecomeMethod::Sudo => {
                let exe = self.exe.as_deref().unwrap_or("sudo");
                let flags = self.flags.as_deref().unwrap_or("-H");
                // -S reads the password from stdin, -p '' keeps the prompt out
                // of stderr; -n fails at once instead of hanging without one.
                let auth = if self.password.is_some() {
                    "-S -p ''"
                } else {
                    "-n"
                };
                format!(
                    "{exe} {flags} {auth} -u {} /bin/sh -c {}",
                    quote(user),
                    quote(script)
                )
            }
            BecomeMethod::Su => {
                let exe = self.exe.as_deref().unwrap_or("su");
                format!("{exe} {} -s /bin/sh -c {}", quote(user), quote(script))
            }
        };
        (cmd, prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(cmd, "sudo -H -S -p '' -u starrocks /bin/sh -c 'id -u'");
        assert!(!format!("{b:?}").contains("s3cret"));
    }

    #[test]
    fn without_password_sudo_never_prompts() {
        let (cmd, stdin) = Become::default().wrap("true");
        assert_eq!(cmd, "sudo -H -n -u root /bin/sh -c true");
        assert!(stdin.is_none());
    }
}
