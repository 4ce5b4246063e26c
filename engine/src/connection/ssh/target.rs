//! Where and how to reach one host: built from Ansible connection
//! variables over defaults taken from the CLI and `ANSIBLE_*` settings.

use super::words::split_words;
use crate::connection::ConnectionError;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// Ansible's default `timeout` (`-T`, `ANSIBLE_TIMEOUT`), in seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything needed to start one ssh master. Two targets that compare
/// equal share one master.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SshTarget {
    /// Address or name given to `ssh` (`ansible_host`, else the inventory name).
    pub host: String,
    /// `None`: whatever `~/.ssh/config` says, else 22.
    pub port: Option<u16>,
    /// `None`: whatever `~/.ssh/config` says, else the local user.
    pub user: Option<String>,
    pub private_key_file: Option<PathBuf>,
    /// `UserKnownHostsFile`; `None` keeps ssh's default (`~/.ssh/known_hosts`).
    pub known_hosts_file: Option<PathBuf>,
    /// `ansible_ssh_args` then `ansible_ssh_common_args`, split into words.
    pub common_args: Vec<String>,
    /// `ansible_ssh_extra_args`, already split into words.
    pub extra_args: Vec<String>,
    /// `StrictHostKeyChecking=yes` when true (the default), `no` when false.
    pub host_key_checking: bool,
    pub connect_timeout: Duration,
    /// ssh's `ConnectionAttempts` (`ansible_ssh_retries` + 1).
    pub connection_attempts: u32,
    /// The ssh client to run (`ansible_ssh_executable`).
    pub ssh_executable: PathBuf,
    /// Where control sockets live; `None` picks a short private directory.
    pub control_dir: Option<PathBuf>,
}

impl SshTarget {
    /// A target with Ansible's defaults and nothing else set.
    pub fn new(host: impl Into<String>) -> Self {
        SshTarget {
            host: host.into(),
            port: None,
            user: None,
            private_key_file: None,
            known_hosts_file: None,
            common_args: Vec::new(),
            extra_args: Vec::new(),
            host_key_checking: true,
            connect_timeout: DEFAULT_TIMEOUT,
            connection_attempts: 1,
            ssh_executable: PathBuf::from("ssh"),
            control_dir: None,
        }
    }

    /// Build the target of inventory host `name` from its variables.
    /// Host variables win over `defaults` (CLI and environment), as in
    /// Ansible, where `ansible_user` beats `-u`.
    pub fn from_vars(
        name: &str,
        vars: &Map<String, Value>,
        defaults: &SshDefaults,
    ) -> Result<Self, ConnectionError> {
        refuse_passwords(name, vars)?;
        let v = VarReader { name, vars };
        let host = v.string(&["ansible_host", "ansible_ssh_host"])?;
        let mut t = SshTarget::new(host.unwrap_or_else(|| name.to_string()));
        t.port = v.port()?;
        t.user = v
            .string(&["ansible_user", "ansible_ssh_user"])?
            .or_else(|| defaults.user.clone());
        t.private_key_file = v
            .string(&["ansible_ssh_private_key_file", "ansible_private_key_file"])?
            .map(|p| PathBuf::from(expand_home(&p)))
            .or_else(|| defaults.private_key_file.clone());
        // Ansible's `ssh_args` (its ControlMaster settings are ours anyway)
        // and `ssh_common_args` both reach ssh; `ssh_args` first.
        t.common_args = match v.string(&["ansible_ssh_args"])? {
            Some(s) => v.words("ansible_ssh_args", &s)?,
            None => defaults.ssh_args.clone(),
        };
        t.common_args
            .extend(match v.string(&["ansible_ssh_common_args"])? {
                Some(s) => v.words("ansible_ssh_common_args", &s)?,
                None => defaults.common_args.clone(),
            });
        t.extra_args = match v.string(&["ansible_ssh_extra_args"])? {
            Some(s) => v.words("ansible_ssh_extra_args", &s)?,
            None => defaults.extra_args.clone(),
        };
        t.host_key_checking = v
            .boolean(&["ansible_host_key_checking", "ansible_ssh_host_key_checking"])?
            .unwrap_or(defaults.host_key_checking);
        t.connect_timeout = v
            .seconds(&["ansible_ssh_timeout", "ansible_timeout"])?
            .unwrap_or(defaults.timeout);
        t.connection_attempts = v
            .count(&["ansible_ssh_retries"])?
            .map(|r| r.saturating_add(1))
            .unwrap_or(defaults.connection_attempts);
        t.ssh_executable = v
            .string(&["ansible_ssh_executable"])?
            .map(PathBuf::from)
            .unwrap_or_else(|| defaults.ssh_executable.clone());
        t.known_hosts_file = defaults.known_hosts_file.clone();
        t.control_dir = defaults.control_dir.clone();
        Ok(t)
    }
}

/// Settings that apply to every host unless its variables say otherwise:
/// the CLI (`-u`, `--private-key`, `-T`) over the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshDefaults {
    pub user: Option<String>,
    pub private_key_file: Option<PathBuf>,
    pub timeout: Duration,
    pub host_key_checking: bool,
    /// `ANSIBLE_SSH_ARGS` (Ansible's `ssh_args`).
    pub ssh_args: Vec<String>,
    pub common_args: Vec<String>,
    pub extra_args: Vec<String>,
    pub connection_attempts: u32,
    pub ssh_executable: PathBuf,
    pub known_hosts_file: Option<PathBuf>,
    pub control_dir: Option<PathBuf>,
}

impl Default for SshDefaults {
    fn default() -> Self {
        SshDefaults {
            user: None,
            private_key_file: None,
            timeout: DEFAULT_TIMEOUT,
            host_key_checking: true,
            ssh_args: Vec::new(),
            common_args: Vec::new(),
            extra_args: Vec::new(),
            connection_attempts: 1,
            ssh_executable: PathBuf::from("ssh"),
            known_hosts_file: None,
            control_dir: None,
        }
    }
}

impl SshDefaults {
    /// Read Ansible's environment settings (`ANSIBLE_HOST_KEY_CHECKING`,
    /// `ANSIBLE_SSH_ARGS`,
    /// `ANSIBLE_REMOTE_USER`, `ANSIBLE_PRIVATE_KEY_FILE`, `ANSIBLE_TIMEOUT`,
    /// `ANSIBLE_SSH_COMMON_ARGS`, `ANSIBLE_SSH_EXTRA_ARGS`,
    /// `ANSIBLE_SSH_RETRIES`, `ANSIBLE_SSH_EXECUTABLE`,
    /// `ANSIBLE_SSH_CONTROL_PATH_DIR`).
    pub fn from_env() -> Result<Self, ConnectionError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// [`from_env`](Self::from_env) over any lookup function (for tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConnectionError> {
        let mut d = SshDefaults::default();
        let bad = |k: &str, v: &str, want: &str| {
            ConnectionError::Other(format!("environment variable {k}={v:?} is not {want}"))
        };
        if let Some(v) = get("ANSIBLE_HOST_KEY_CHECKING") {
            d.host_key_checking =
                parse_bool(&v).ok_or_else(|| bad("ANSIBLE_HOST_KEY_CHECKING", &v, "a boolean"))?;
        }
        d.user = get("ANSIBLE_REMOTE_USER").filter(|s| !s.is_empty());
        d.private_key_file = get("ANSIBLE_PRIVATE_KEY_FILE")
            .filter(|s| !s.is_empty())
            .map(|p| PathBuf::from(expand_home(&p)));
        if let Some(v) = get("ANSIBLE_TIMEOUT") {
            let secs: u64 = v
                .trim()
                .parse()
                .map_err(|_| bad("ANSIBLE_TIMEOUT", &v, "a number of seconds"))?;
            d.timeout = Duration::from_secs(secs);
        }
        if let Some(v) = get("ANSIBLE_SSH_RETRIES") {
            let r: u32 = v
                .trim()
                .parse()
                .map_err(|_| bad("ANSIBLE_SSH_RETRIES", &v, "a count"))?;
            d.connection_attempts = r.saturating_add(1);
        }
        for (key, slot) in [
            ("ANSIBLE_SSH_ARGS", &mut d.ssh_args),
            ("ANSIBLE_SSH_COMMON_ARGS", &mut d.common_args),
            ("ANSIBLE_SSH_EXTRA_ARGS", &mut d.extra_args),
        ] {
            if let Some(v) = get(key) {
                *slot =
                    split_words(&v).map_err(|e| ConnectionError::Other(format!("{key}: {e}")))?;
            }
        }
        if let Some(v) = get("ANSIBLE_SSH_EXECUTABLE").filter(|s| !s.is_empty()) {
            d.ssh_executable = PathBuf::from(v);
        }
        d.control_dir = get("ANSIBLE_SSH_CONTROL_PATH_DIR")
            .filter(|s| !s.is_empty())
            .map(|p| PathBuf::from(expand_home(&p)));
        Ok(d)
    }
}

/// ssh runs with `BatchMode=yes` and cannot type a password; say so instead
/// of failing later with a confusing "Permission denied".
fn refuse_passwords(name: &str, vars: &Map<String, Value>) -> Result<(), ConnectionError> {
    for key in [
        "ansible_ssh_pass",
        "ansible_password",
        "ansible_ssh_password",
    ] {
        if vars.get(key).is_some_and(|v| !v.is_null()) {
            return Err(ConnectionError::Other(format!(
                "host {name}: {key} is set, but srplay logs in with ssh keys only \
                 (ssh runs with BatchMode=yes and cannot type a password); use \
                 ansible_ssh_private_key_file, an ssh-agent or Kerberos instead"
            )));
        }
    }
    Ok(())
}

/// Typed access to connection variables, with errors naming host and key.
struct VarReader<'a> {
    name: &'a str,
    vars: &'a Map<String, Value>,
}

impl VarReader<'_> {
    /// The first of `keys` that is set and not null.
    fn first(&self, keys: &[&'static str]) -> Option<(&'static str, &Value)> {
        keys.iter()
            .find_map(|k| self.vars.get(*k).filter(|v| !v.is_null()).map(|v| (*k, v)))
    }

    fn invalid(&self, key: &str, v: &Value, want: &str) -> ConnectionError {
        ConnectionError::Other(format!("host {}: {key} must be {want}, got {v}", self.name))
    }

    fn string(&self, keys: &[&'static str]) -> Result<Option<String>, ConnectionError> {
        match self.first(keys) {
            None => Ok(None),
            Some((_, Value::String(s))) => Ok(Some(s.clone())),
            Some((_, Value::Number(n))) => Ok(Some(n.to_string())),
            Some((k, v)) => Err(self.invalid(k, v, "a string")),
        }
    }

    fn number(
        &self,
        keys: &[&'static str],
    ) -> Result<Option<(&'static str, u64)>, ConnectionError> {
        match self.first(keys) {
            None => Ok(None),
            Some((k, v)) => {
                let n = match v {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                };
                n.map(|n| Some((k, n)))
                    .ok_or_else(|| self.invalid(k, v, "a whole number"))
            }
        }
    }

    fn port(&self) -> Result<Option<u16>, ConnectionError> {
        match self.number(&["ansible_port", "ansible_ssh_port"])? {
            None => Ok(None),
            Some((k, n)) => match u16::try_from(n) {
                Ok(p) if p > 0 => Ok(Some(p)),
                _ => Err(self.invalid(k, &Value::from(n), "a port number (1-65535)")),
            },
        }
    }

    fn seconds(&self, keys: &[&'static str]) -> Result<Option<Duration>, ConnectionError> {
        Ok(self.number(keys)?.map(|(_, n)| Duration::from_secs(n)))
    }

    fn count(&self, keys: &[&'static str]) -> Result<Option<u32>, ConnectionError> {
        Ok(self
            .number(keys)?
            .map(|(_, n)| u32::try_from(n).unwrap_or(u32::MAX)))
    }

    fn boolean(&self, keys: &[&'static str]) -> Result<Option<bool>, ConnectionError> {
        match self.first(keys) {
            None => Ok(None),
            Some((k, v)) => {
                let b = match v {
                    Value::Bool(b) => Some(*b),
                    Value::String(s) => parse_bool(s),
                    Value::Number(n) => n.as_i64().map(|n| n != 0),
                    _ => None,
                };
                b.map(Some).ok_or_else(|| self.invalid(k, v, "a boolean"))
            }
        }
    }

    fn words(&self, key: &str, s: &str) -> Result<Vec<String>, ConnectionError> {
        split_words(s)
            .map_err(|e| ConnectionError::Other(format!("host {}: {key}: {e}", self.name)))
    }
}

/// Ansible's boolean spelling (`yes`/`no`, `true`/`false`, `on`/`off`, `1`/`0`).
fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "t" | "on" | "1" => Some(true),
        "no" | "n" | "false" | "f" | "off" | "0" | "" => Some(false),
        _ => None,
    }
}

/// `~/x` -> `$HOME/x`, as Ansible expands key file paths.
fn expand_home(p: &str) -> String {
    match (p.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{}/{rest}", home.trim_end_matches('/')),
        _ => p.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn inventory_name_is_the_host_unless_ansible_host_is_set() {
        let d = SshDefaults::default();
        let t = SshTarget::from_vars("fe1", &Map::new(), &d).unwrap();
        assert_eq!(t, SshTarget::new("fe1"));
        assert!(t.host_key_checking);
        assert_eq!(t.connect_timeout, Duration::from_secs(10));
        let t =
            SshTarget::from_vars("fe1", &vars(json!({"ansible_host": "10.0.0.5"})), &d).unwrap();
        assert_eq!(t.host, "10.0.0.5");
    }

    #[test]
    fn connection_variables_table() {
        let d = SshDefaults {
            user: Some("cli-user".into()),
            private_key_file: Some("/cli/key".into()),
            timeout: Duration::from_secs(30),
            ..Default::default()
        };
        let t = SshTarget::from_vars(
            "be1",
            &vars(json!({
                "ansible_host": "127.0.1.3",
                "ansible_port": "2222",
                "ansible_user": "starrocks",
                "ansible_ssh_private_key_file": "/keys/id",
                "ansible_ssh_common_args": "-o ProxyJump='jump host' -o IdentitiesOnly=yes",
                "ansible_ssh_extra_args": "-v",
                "ansible_ssh_args": "-C",
                "ansible_host_key_checking": "False",
                "ansible_ssh_timeout": 5,
                "ansible_ssh_retries": 2,
            })),
            &d,
        )
        .unwrap();
        let mut want = SshTarget::new("127.0.1.3");
        want.port = Some(2222);
        want.user = Some("starrocks".into());
        want.private_key_file = Some("/keys/id".into());
        want.common_args = vec![
            "-C".into(),
            "-o".into(),
            "ProxyJump=jump host".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
        ];
        want.extra_args = vec!["-v".into()];
        want.host_key_checking = false;
        want.connect_timeout = Duration::from_secs(5);
        want.connection_attempts = 3;
        assert_eq!(t, want);
    }

    #[test]
    fn cli_defaults_apply_when_vars_are_absent() {
        let d = SshDefaults {
            user: Some("cli-user".into()),
            private_key_file: Some("/cli/key".into()),
            timeout: Duration::from_secs(30),
            host_key_checking: false,
            ..Default::default()
        };
        let t = SshTarget::from_vars("h", &Map::new(), &d).unwrap();
        assert_eq!(t.user.as_deref(), Some("cli-user"));
        assert_eq!(t.private_key_file, Some(PathBuf::from("/cli/key")));
        assert_eq!(t.connect_timeout, Duration::from_secs(30));
        assert!(!t.host_key_checking);
    }

    #[test]
    fn passwords_are_refused_with_a_hint() {
        for key in ["ansible_ssh_pass", "ansible_password"] {
            let err = SshTarget::from_vars(
                "db1",
                &vars(json!({ key: "hunter2-secret" })),
                &Default::default(),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains(key) && err.contains("BatchMode"), "{err}");
            assert!(
                !err.contains("hunter2"),
                "the password is never echoed: {err}"
            );
        }
    }

    #[test]
    fn invalid_values_name_host_and_key() {
        let cases = [
            (json!({"ansible_port": "ssh"}), "ansible_port"),
            (json!({"ansible_port": 70000}), "ansible_port"),
            (
                json!({"ansible_host_key_checking": "maybe"}),
                "ansible_host_key_checking",
            ),
            (json!({"ansible_user": ["a"]}), "ansible_user"),
            (
                json!({"ansible_ssh_common_args": "-o 'open"}),
                "ansible_ssh_common_args",
            ),
        ];
        for (v, key) in cases {
            let err = SshTarget::from_vars("h9", &vars(v), &Default::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("h9") && err.contains(key), "{err}");
        }
    }

    #[test]
    fn environment_settings() {
        let env = |k: &str| {
            match k {
                "ANSIBLE_HOST_KEY_CHECKING" => Some("False"),
                "ANSIBLE_REMOTE_USER" => Some("deploy"),
                "ANSIBLE_TIMEOUT" => Some("3"),
                "ANSIBLE_SSH_COMMON_ARGS" => Some("-o A=b"),
                "ANSIBLE_SSH_RETRIES" => Some("1"),
                _ => None,
            }
            .map(str::to_string)
        };
        let d = SshDefaults::from_lookup(env).unwrap();
        assert!(!d.host_key_checking);
        assert_eq!(d.user.as_deref(), Some("deploy"));
        assert_eq!(d.timeout, Duration::from_secs(3));
        assert_eq!(d.common_args, ["-o", "A=b"]);
        assert_eq!(d.connection_attempts, 2);
        let err = SshDefaults::from_lookup(|k| {
            (k == "ANSIBLE_HOST_KEY_CHECKING").then(|| "perhaps".to_string())
        })
        .unwrap_err();
        assert!(err.to_string().contains("ANSIBLE_HOST_KEY_CHECKING"));
    }
}
