//! Throwaway system users with sudo rules, for `become` tests (root only).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// What the user may do with sudo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SudoRule {
    /// No sudoers entry.
    None,
    /// `ALL=(ALL:ALL) ALL`: sudo asks for the user's password.
    WithPassword,
    /// `ALL=(ALL:ALL) NOPASSWD: ALL`.
    NoPassword,
}

/// A user created with `useradd` (home in `/home`, shell `/bin/sh`), a
/// random password and the given sudo rule; removed with its home and
/// rule on drop. It can log in over [`Sshd`](crate::Sshd) with the
/// fixture's client key.
pub struct SysUser {
    name: String,
    password: String,
    sudoers: PathBuf,
}

impl SysUser {
    pub fn create(rule: SudoRule) -> SysUser {
        for tool in [
            "/usr/sbin/useradd",
            "/usr/sbin/chpasswd",
            "/usr/sbin/visudo",
        ] {
            assert!(
                std::path::Path::new(tool).exists(),
                "{tool} not found: install `passwd` and `sudo` (apt-get install -y sudo)"
            );
        }
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "srpt{}x{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let password = format!("pw-{}-{}", name, random_u64());
        let user = SysUser {
            sudoers: PathBuf::from(format!("/etc/sudoers.d/srplay-test-{name}")),
            name,
            password,
        };
        run(
            "useradd",
            Command::new("useradd").args(["-m", "-s", "/bin/sh", &user.name]),
        );
        // The password goes over stdin, never argv. It also unlocks the
        // account, which sshd (UsePAM no) requires for key login.
        let mut child = Command::new("chpasswd")
            .stdin(Stdio::piped())
            .spawn()
            .expect("run chpasswd");
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(format!("{}:{}\n", user.name, user.password).as_bytes())
            .expect("write to chpasswd");
        assert!(
            child.wait().expect("wait chpasswd").success(),
            "chpasswd failed"
        );
        user.write_sudo_rule(rule);
        user
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The user's login password (what `become_password` must be when it
    /// runs sudo with [`SudoRule::WithPassword`]).
    pub fn password(&self) -> &str {
        &self.password
    }

    pub fn home(&self) -> PathBuf {
        PathBuf::from("/home").join(&self.name)
    }

    fn write_sudo_rule(&self, rule: SudoRule) {
        let spec = match rule {
            SudoRule::None => return,
            SudoRule::WithPassword => "ALL",
            SudoRule::NoPassword => "NOPASSWD: ALL",
        };
        let text = format!(
            "Defaults:{n} !lecture\n{n} ALL=(ALL:ALL) {spec}\n",
            n = self.name
        );
        let tmp = self.sudoers.with_extension("new");
        std::fs::write(&tmp, text).expect("write sudoers rule");
        run("visudo", Command::new("visudo").arg("-cqf").arg(&tmp));
        std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o440))
            .expect("chmod sudoers rule");
        // sudo ignores files with a '.' in their name, so the temp name is safe.
        std::fs::rename(&tmp, &self.sudoers).expect("install sudoers rule");
    }
}

impl Drop for SysUser {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.sudoers);
        // Processes left by a test would make userdel refuse.
        if let Some(uid) = uid_of(&self.name) {
            kill_processes_of(uid);
        }
        let _ = Command::new("userdel")
            .args(["-r", "-f", &self.name])
            .stderr(Stdio::null())
            .status();
    }
}

fn uid_of(name: &str) -> Option<u32> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.first() == Some(&name))
            .then(|| f.get(2)?.parse().ok())
            .flatten()
    })
}

/// SIGKILL, by pid, every process whose real uid is `uid`.
fn kill_processes_of(uid: u32) {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let real_uid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u32>().ok());
        if real_uid == Some(uid) {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

fn run(what: &str, cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut b);
    }
    u64::from_le_bytes(b)
}
