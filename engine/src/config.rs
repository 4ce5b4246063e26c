//! `ansible.cfg` and `ANSIBLE_*` environment settings.
//!
//! Discovery follows Ansible: `$ANSIBLE_CONFIG`, then `./ansible.cfg`
//! (ignored, with a warning, when the current directory is world-writable),
//! then `~/.ansible.cfg`, then `/etc/ansible/ansible.cfg`; only the first
//! file found is read. Environment variables override the file; command
//! line flags (applied by the CLI) override both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The settings srplay honours. `None` / empty means "not set": the CLI's
/// own default applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The config file that was read, if any.
    pub source: Option<PathBuf>,
    pub inventory: Vec<String>,
    pub forks: Option<usize>,
    pub remote_user: Option<String>,
    pub private_key_file: Option<PathBuf>,
    pub host_key_checking: Option<bool>,
    pub roles_path: Vec<PathBuf>,
    pub library: Vec<PathBuf>,
    pub timeout: Option<u64>,
    pub r#become: Option<bool>,
    pub become_user: Option<String>,
    pub become_method: Option<String>,
    pub become_ask_pass: Option<bool>,
    pub vault_password_file: Option<PathBuf>,
    pub vault_identity_list: Vec<String>,
    pub ssh_args: Option<String>,
    pub pipelining: Option<bool>,
    pub control_path: Option<String>,
    pub nocolor: Option<bool>,
    /// `[defaults] force_handlers`: the default of the play keyword.
    pub force_handlers: Option<bool>,
    /// Warnings to print always (bad values, ignored insecure config).
    pub warnings: Vec<String>,
    /// Keys accepted but without effect in srplay; printed at `-v`.
    pub ignored: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}:{line}: {msg}")]
    Syntax {
        path: String,
        line: usize,
        msg: String,
    },
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
}

/// (section, key, ANSIBLE_* variable): the keys srplay honours; their
/// types are in [`Settings::set`].
const HONOURED: &[(&str, &str, &str)] = &[
    ("defaults", "inventory", "ANSIBLE_INVENTORY"),
    ("defaults", "forks", "ANSIBLE_FORKS"),
    ("defaults", "remote_user", "ANSIBLE_REMOTE_USER"),
    ("defaults", "private_key_file", "ANSIBLE_PRIVATE_KEY_FILE"),
    ("defaults", "host_key_checking", "ANSIBLE_HOST_KEY_CHECKING"),
    ("defaults", "roles_path", "ANSIBLE_ROLES_PATH"),
    ("defaults", "library", "ANSIBLE_LIBRARY"),
    ("defaults", "timeout", "ANSIBLE_TIMEOUT"),
    (
        "defaults",
        "vault_password_file",
        "ANSIBLE_VAULT_PASSWORD_FILE",
    ),
    (
        "defaults",
        "vault_identity_list",
        "ANSIBLE_VAULT_IDENTITY_LIST",
    ),
    ("defaults", "nocolor", "ANSIBLE_NOCOLOR"),
    ("defaults", "force_handlers", "ANSIBLE_FORCE_HANDLERS"),
    ("privilege_escalation", "become", "ANSIBLE_BECOME"),
    ("privilege_escalation", "become_user", "ANSIBLE_BECOME_USER"),
    (
        "privilege_escalation",
        "become_method",
        "ANSIBLE_BECOME_METHOD",
    ),
    (
        "privilege_escalation",
        "become_ask_pass",
        "ANSIBLE_BECOME_ASK_PASS",
    ),
    ("ssh_connection", "ssh_args", "ANSIBLE_SSH_ARGS"),
    ("ssh_connection", "pipelining", "ANSIBLE_PIPELINING"),
    ("ssh_connection", "control_path", "ANSIBLE_SSH_CONTROL_PATH"),
];

/// Keys that make sense for Ansible's Python machinery but not for srplay:
/// accepted silently (noted at `-v`), never an error.
const HARMLESS: &[&str] = &[
    "interpreter_python",
    "ansible_python_interpreter",
    "retry_files_enabled",
    "retry_files_save_path",
    "stdout_callback",
    "callback_whitelist",
    "callbacks_enabled",
    "callback_enabled",
    "gathering",
    "gather_subset",
    "fact_caching",
    "fact_caching_connection",
    "fact_caching_timeout",
    "deprecation_warnings",
    "command_warnings",
    "system_warnings",
    "localhost_warning",
    "display_skipped_hosts",
    "display_ok_hosts",
    "bin_ansible_callbacks",
    "log_path",
    "local_tmp",
    "remote_tmp",
    "strategy",
    "strategy_plugins",
    "callback_plugins",
    "action_plugins",
    "filter_plugins",
    "lookup_plugins",
    "connection_plugins",
    "vars_plugins",
    "collections_path",
    "collections_paths",
    "module_utils",
    "nocows",
    "any_errors_fatal",
    "transport",
    "internal_poll_interval",
    "poll_interval",
    "hash_behaviour",
    "jinja2_extensions",
    "allow_world_readable_tmpfiles",
    "become_exe",
    "become_flags",
    "control_path_dir",
    "scp_if_ssh",
    "transfer_method",
    "retries",
    "sftp_batch_mode",
    "usetty",
    "host_pattern_mismatch",
    "enable_plugins",
    "force_color",
    "ansible_managed",
    "show_custom_stats",
    "inventory_ignore_extensions",
    "cache_plugin",
];

impl Settings {
    /// Discover and read the config file, then apply `ANSIBLE_*` variables.
    pub fn load(cwd: &Path, env: &BTreeMap<String, String>) -> Result<Settings, ConfigError> {
        let mut settings = Settings::default();
        if let Some(path) = discover(cwd, env, &mut settings.warnings) {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError::Read(path.display().to_string(), e))?;
            let ini = parse_ini(&path, &text)?;
            settings.apply_file(&path, &ini);
            settings.source = Some(path);
        }
        settings.apply_env(env);
        Ok(settings)
    }

    /// The process environment as a map (for [`load`](Self::load)).
    pub fn process_env() -> BTreeMap<String, String> {
        std::env::vars().collect()
    }

    fn apply_file(&mut self, path: &Path, ini: &Ini) {
        let base = path.parent().unwrap_or(Path::new("."));
        for (section, entries) in ini {
            for (key, (line, value)) in entries {
                match HONOURED.iter().find(|(s, k, _)| s == section && k == key) {
                    Some(_) => {
                        if let Err(msg) = self.set(key, value, Some(base)) {
                            self.warnings
                                .push(format!("{}:{line}: {msg}", path.display()));
                        }
                    }
                    None => self.ignored.push(format!(
                        "{}:{line}: [{section}] {key} {}",
                        path.display(),
                        if HARMLESS.contains(&key.as_str()) {
                            "has no effect in srplay"
                        } else {
                            "is not a setting srplay knows; ignored"
                        }
                    )),
                }
            }
        }
    }

    fn apply_env(&mut self, env: &BTreeMap<String, String>) {
        for (_, key, var) in HONOURED {
            if let Some(value) = env.get(*var) {
                if let Err(msg) = self.set(key, value, None) {
                    self.warnings.push(format!("${var}: {msg}"));
                }
            }
        }
    }

    fn set(&mut self, key: &str, raw: &str, base: Option<&Path>) -> Result<(), String> {
        let text = raw.trim().to_string();
        let path = |p: &str| resolve_path(p, base);
        let bool_ =
            || parse_bool(&text).ok_or_else(|| format!("`{key}` expects a boolean, got `{text}`"));
        let int = || {
            text.parse::<u64>()
                .map_err(|_| format!("`{key}` expects a number, got `{text}`"))
        };
        let list = || -> Vec<String> {
            text.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let paths = || -> Vec<PathBuf> {
            text.split(':')
                .filter(|s| !s.is_empty())
                .map(path)
                .collect()
        };
        match key {
            "inventory" => {
                self.inventory = list()
                    .into_iter()
                    .map(|p| {
                        if p.contains(',') {
                            p
                        } else {
                            path(&p).display().to_string()
                        }
                    })
                    .collect()
            }
            "forks" => self.forks = Some(int()? as usize),
            "remote_user" => self.remote_user = Some(text),
            "private_key_file" => self.private_key_file = Some(path(&text)),
            "host_key_checking" => self.host_key_checking = Some(bool_()?),
            "roles_path" => self.roles_path = paths(),
            "library" => self.library = paths(),
            "timeout" => self.timeout = Some(int()?),
            "vault_password_file" => self.vault_password_file = Some(path(&text)),
            "vault_identity_list" => self.vault_identity_list = list(),
            "nocolor" => self.nocolor = Some(bool_()?),
            "force_handlers" => self.force_handlers = Some(bool_()?),
            "become" => self.r#become = Some(bool_()?),
            "become_user" => self.become_user = Some(text),
            "become_method" => self.become_method = Some(text),
            "become_ask_pass" => self.become_ask_pass = Some(bool_()?),
            "ssh_args" => self.ssh_args = Some(text),
            "pipelining" => self.pipelining = Some(bool_()?),
            "control_path" => self.control_path = Some(text),
            _ => return Err(format!("unhandled key `{key}`")),
        }
        Ok(())
    }
}

/// Ansible's config booleans.
fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "t" | "on" | "1" => Some(true),
        "no" | "n" | "false" | "f" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// `~` expands to $HOME; relative paths are relative to the config file.
fn resolve_path(p: &str, base: Option<&Path>) -> PathBuf {
    let p = p.trim();
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    match base {
        Some(b) if Path::new(p).is_relative() => b.join(p),
        _ => PathBuf::from(p),
    }
}

fn discover(
    cwd: &Path,
    env: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> Option<PathBuf> {
    if let Some(p) = env.get("ANSIBLE_CONFIG").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        let p = if p.is_dir() { p.join("ansible.cfg") } else { p };
        if p.is_file() {
            return Some(p);
        }
    }
    let local = cwd.join("ansible.cfg");
    if local.is_file() {
        use std::os::unix::fs::PermissionsExt;
        let world_writable = std::fs::metadata(cwd)
            .map(|m| m.permissions().mode() & 0o002 != 0)
            .unwrap_or(false);
        if world_writable {
            warnings.push(format!(
                "Ansible is being run in a world writable directory ({}), ignoring it as an ansible.cfg source.",
                cwd.display()
            ));
        } else {
            return Some(local);
        }
    }
    let home = env.get("HOME").map(|h| Path::new(h).join(".ansible.cfg"));
    home.into_iter()
        .chain(std::iter::once(PathBuf::from("/etc/ansible/ansible.cfg")))
        .find(|p| p.is_file())
}

/// section -> key -> (line, value), in file order.
type Ini = Vec<(String, Vec<(String, (usize, String))>)>;

/// Python configparser's dialect as Ansible uses it: `key = value` or
/// `key: value`, `#`/`;` comment lines, indented continuation lines, and
/// inline comments after ` ;` or ` #`.
fn parse_ini(path: &Path, text: &str) -> Result<Ini, ConfigError> {
    let mut ini: Ini = Vec::new();
    let err = |line: usize, msg: &str| ConfigError::Syntax {
        path: path.display().to_string(),
        line,
        msg: msg.into(),
    };
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            let Some((_, entries)) = ini.last_mut() else {
                return Err(err(n, "indented line outside a section"));
            };
            let Some((_, (_, value))) = entries.last_mut() else {
                return Err(err(n, "continuation line without a key"));
            };
            value.push('\n');
            value.push_str(trimmed);
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[') {
            let name = name
                .strip_suffix(']')
                .ok_or_else(|| err(n, "section header without `]`"))?;
            ini.push((name.trim().to_string(), Vec::new()));
            continue;
        }
        let Some((_, entries)) = ini.last_mut() else {
            return Err(err(n, "key outside a section (add a [defaults] header)"));
        };
        let sep = trimmed
            .find(['=', ':'])
            .ok_or_else(|| err(n, "expected `key = value`"))?;
        let key = trimmed[..sep].trim().to_ascii_lowercase();
        let value = strip_inline_comment(trimmed[sep + 1..].trim());
        entries.push((key, (n, value.to_string())));
    }
    Ok(ini)
}

fn strip_inline_comment(v: &str) -> &str {
    [" ;", " #", "\t;", "\t#"]
        .iter()
        .filter_map(|m| v.find(m))
        .min()
        .map(|i| v[..i].trim_end())
        .unwrap_or(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn load_text(cfg: &str, vars: &[(&str, &str)]) -> Settings {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ansible.cfg"), cfg).unwrap();
        let mut e = env(vars);
        e.insert("HOME".into(), "/nonexistent-home".into());
        let mut s = Settings::load(dir.path(), &e).unwrap();
        // Paths are relative to the (temporary) config dir; make them stable.
        let base = dir.path().display().to_string();
        s.roles_path = s
            .roles_path
            .iter()
            .map(|p| PathBuf::from(p.display().to_string().replace(&base, "<dir>")))
            .collect();
        s.inventory = s
            .inventory
            .iter()
            .map(|p| p.replace(&base, "<dir>"))
            .collect();
        s
    }

    #[test]
    fn honoured_keys_table() {
        let s = load_text(
            "[defaults]\ninventory = hosts ; comment\nforks=20\nremote_user: starrocks\nhost_key_checking = False\n\
             roles_path = roles:/opt/roles\ntimeout = 30\nstdout_callback = yaml\n\n\
             [privilege_escalation]\nbecome = yes\nbecome_user = root\n\n[ssh_connection]\npipelining = True\n\
             ssh_args = -o ControlMaster=auto\n  -o ControlPersist=60s\n",
            &[],
        );
        assert_eq!(s.inventory, vec!["<dir>/hosts"]);
        assert_eq!(s.forks, Some(20));
        assert_eq!(s.remote_user.as_deref(), Some("starrocks"));
        assert_eq!(s.host_key_checking, Some(false));
        assert_eq!(
            s.roles_path,
            vec![PathBuf::from("<dir>/roles"), PathBuf::from("/opt/roles")]
        );
        assert_eq!(s.timeout, Some(30));
        assert_eq!(s.r#become, Some(true));
        assert_eq!(s.pipelining, Some(true));
        assert_eq!(
            s.ssh_args.as_deref(),
            Some("-o ControlMaster=auto\n-o ControlPersist=60s")
        );
        assert_eq!(s.ignored.len(), 1);
        assert!(
            s.ignored[0].ends_with("[defaults] stdout_callback has no effect in srplay"),
            "{:?}",
            s.ignored
        );
        assert!(s.warnings.is_empty());
    }

    #[test]
    fn environment_overrides_file() {
        let s = load_text(
            "[defaults]\nforks = 5\nhost_key_checking = True\n",
            &[
                ("ANSIBLE_FORKS", "7"),
                ("ANSIBLE_HOST_KEY_CHECKING", "False"),
            ],
        );
        assert_eq!(s.forks, Some(7));
        assert_eq!(s.host_key_checking, Some(false));
    }

    #[test]
    fn force_handlers_from_file_and_environment() {
        let cases = [
            ("", &[][..], None),
            ("[defaults]\nforce_handlers = yes\n", &[][..], Some(true)),
            ("[defaults]\nforce_handlers = False\n", &[][..], Some(false)),
            (
                "[defaults]\nforce_handlers = False\n",
                &[("ANSIBLE_FORCE_HANDLERS", "1")][..],
                Some(true),
            ),
            (
                "[defaults]\nforce_handlers = True\n",
                &[("ANSIBLE_FORCE_HANDLERS", "no")][..],
                Some(false),
            ),
        ];
        for (cfg, vars, want) in cases {
            let s = load_text(cfg, vars);
            assert_eq!(s.force_handlers, want, "{cfg:?} {vars:?}");
            assert!(s.warnings.is_empty() && s.ignored.is_empty(), "{s:?}");
        }
    }

    #[test]
    fn bad_values_warn_with_file_and_line() {
        let s = load_text("[defaults]\n\nforks = many\n", &[]);
        assert_eq!(s.forks, None);
        assert_eq!(s.warnings.len(), 1);
        assert!(
            s.warnings[0].ends_with("ansible.cfg:3: `forks` expects a number, got `many`"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ansible.cfg"), "forks = 3\n").unwrap();
        let err = Settings::load(dir.path(), &env(&[("HOME", "/nonexistent-home")])).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("ansible.cfg:1: key outside a section (add a [defaults] header)"),
            "{err}"
        );
    }

    #[test]
    fn ansible_config_variable_wins_and_world_writable_cwd_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.cfg");
        std::fs::write(&other, "[defaults]\nforks = 9\n").unwrap();
        std::fs::write(dir.path().join("ansible.cfg"), "[defaults]\nforks = 1\n").unwrap();
        let e = env(&[
            ("ANSIBLE_CONFIG", other.to_str().unwrap()),
            ("HOME", "/nonexistent-home"),
        ]);
        assert_eq!(Settings::load(dir.path(), &e).unwrap().forks, Some(9));

        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let s = Settings::load(dir.path(), &env(&[("HOME", "/nonexistent-home")])).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(s.forks, None);
        assert!(s.warnings[0].contains("world writable directory"));
    }
}
