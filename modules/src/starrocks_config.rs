//! `starrocks_config`: set or remove `key = value` entries in `fe.conf` /
//! `be.conf`, keeping comments and layout, validating the formats of the
//! keys StarRocks is strict about.

use crate::starrocks::conf::{ConfFile, SetResult};
use crate::starrocks::size::parse_mem_limit;
use crate::starrocks::target_file::{commit_edit, read_text};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Map, Value};
use srplay_engine::module::{ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError};
use srplay_engine::module::{ModuleSpec, Outcome};
use std::net::IpAddr;

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new(
        "path",
        ArgType::Path,
        "The conf file on the target (fe.conf, be.conf, cn.conf).",
    )
    .required()
    .aliases(&["dest"]),
    ArgSpec::new(
        "settings",
        ArgType::Dict,
        "Keys to set: `{mem_limit: 80%, be_port: 9060}`.",
    ),
    ArgSpec::new(
        "remove",
        ArgType::List,
        "Keys to remove (every line defining them).",
    ),
    ArgSpec::new(
        "state",
        ArgType::Str,
        "`absent` removes the keys of `settings` instead of setting them.",
    )
    .choices(&["present", "absent"])
    .default("present"),
    ArgSpec::new(
        "backup",
        ArgType::Bool,
        "Keep a timestamped copy of the file before changing it.",
    )
    .default("false"),
    ArgSpec::new(
        "validate",
        ArgType::Bool,
        "Check the formats of known keys (ports, mem_limit, priority_networks, storage_root_path).",
    )
    .default("true"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    required_one_of: &[&["settings", "remove"]],
    returns: &[
        ("path", "The conf file."),
        ("added", "Keys appended to the file."),
        ("updated", "Keys whose value changed."),
        ("removed", "Keys removed."),
        ("backup_file", "The backup's path, when `backup` made one."),
    ],
    ..ModuleSpec::new(
        "starrocks_config",
        "Set or remove key = value entries in fe.conf / be.conf.",
    )
};

#[derive(Deserialize)]
struct Options {
    path: String,
    settings: Option<Map<String, Value>>,
    remove: Option<Vec<Value>>,
    state: String,
    backup: bool,
    validate: bool,
}

pub struct StarrocksConfig;

/// A conf value as text: booleans lowercase (`true`), as StarRocks spells them.
pub fn conf_value(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err("has no value (null)".into()),
        _ => Err("must be a scalar, not a list or dictionary".into()),
    }
}

/// A key and value that fit on one `key = value` line. Conf keys are
/// identifiers: a key with blanks, quotes, `=`, `#` or a line break (or a
/// value with a line break) would write a line that reads back as another
/// key, so every run would add it again, or inject extra settings.
pub fn check_entry(key: &str, value: &str) -> Result<(), String> {
    let key_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if key.is_empty() || !key.chars().all(key_char) {
        return Err(format!(
            "{key:?} is not a conf key (letters, digits, `_`, `.` and `-` only)"
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!(
            "the value of `{key}` must be one line without control characters"
        ));
    }
    Ok(())
}

/// Check the value of a key whose format StarRocks is strict about;
/// unknown keys pass.
pub fn validate_setting(key: &str, value: &str) -> Result<(), String> {
    let v = crate::starrocks::conf::unquote(value).0.trim();
    match key {
        "mem_limit" => parse_mem_limit(v).map(|_| ()),
        "priority_networks" => validate_cidr_list(v),
        "storage_root_path" => validate_storage_paths(v),
        k if k.ends_with("_port") => match v.parse::<u32>() {
            Ok(p) if (1..=65535).contains(&p) => Ok(()),
            _ => Err(format!("`{v}` is not a port (1..65535)")),
        },
        _ => Ok(()),
    }
}

fn validate_cidr_list(v: &str) -> Result<(), String> {
    for cidr in v.split(';').map(str::trim).filter(|c| !c.is_empty()) {
        let (ip, bits) = cidr.split_once('/').ok_or_else(|| {
            format!(
                "`{cidr}` is not a CIDR (expected e.g. 10.10.10.0/24; separate several with `;`)"
            )
        })?;
        let ip: IpAddr = ip
            .parse()
            .map_err(|_| format!("`{cidr}`: `{ip}` is not an IP address"))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        match bits.parse::<u8>() {
            Ok(b) if b <= max => {}
            _ => return Err(format!("`{cidr}`: prefix length must be 0..{max}")),
        }
    }
    Ok(())
}

fn validate_storage_paths(v: &str) -> Result<(), String> {
    for entry in v.split(';').map(str::trim).filter(|c| !c.is_empty()) {
        let mut parts = entry.split(',').map(str::trim);
        let path = parts.next().unwrap_or_default();
        if !(path.starts_with('/') || path.starts_with("${")) {
            return Err(format!("`{path}` must be an absolute path"));
        }
        for extra in parts {
            let (k, val) = extra.split_once(':').unwrap_or((extra, ""));
            match k.trim().to_ascii_lowercase().as_str() {
                "medium" if ["ssd", "hdd"].contains(&val.trim().to_ascii_lowercase().as_str()) => {}
                "medium" => return Err(format!("`{entry}`: medium must be SSD or HDD")),
                _ => {
                    return Err(format!(
                        "`{entry}`: unknown property `{extra}` (expected `,medium:SSD` or `,medium:HDD`)"
                    ))
                }
            }
        }
    }
    Ok(())
}

/// What an edit did, key by key.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EditReport {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub removed: Vec<String>,
}

/// Apply settings and removals to a conf text (pure; the module's core).
pub fn edit_conf(text: &str, set: &[(String, String)], remove: &[String]) -> (String, EditReport) {
    let mut conf = ConfFile::parse(text);
    let mut report = EditReport::default();
    for (k, v) in set {
        // Blanks around a value are not part of it when the file is read
        // back: writing them would make every later run "change" the line.
        match conf.set(k, v.trim()) {
            SetResult::Added => report.added.push(k.clone()),
            SetResult::Updated => report.updated.push(k.clone()),
            SetResult::Unchanged => {}
        }
    }
    for k in remove {
        if conf.remove(k) {
            report.removed.push(k.clone());
        }
    }
    (conf.render(), report)
}

#[async_trait]
impl Module for StarrocksConfig {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: Options = self.options(args)?;
        let mut set = Vec::new();
        let mut remove: Vec<String> = Vec::new();
        for item in o.remove.iter().flatten() {
            remove.push(conf_value(item).map_err(|e| {
                ModuleError::failed(format!("starrocks_config: a `remove` entry {e}"))
            })?);
        }
        for (k, v) in o.settings.iter().flatten() {
            if o.state == "absent" {
                remove.push(k.clone());
                continue;
            }
            let v = conf_value(v)
                .map_err(|e| ModuleError::failed(format!("starrocks_config: `{k}` {e}")))?;
            check_entry(k, &v)
                .map_err(|e| ModuleError::failed(format!("starrocks_config: {e}")))?;
            if o.validate {
                validate_setting(k, &v).map_err(|e| {
                    ModuleError::failed(format!("starrocks_config: invalid `{k}`: {e}"))
                })?;
            }
            set.push((k.clone(), v));
        }
        let before = read_text(ctx, &o.path).await?;
        let (after, report) = edit_conf(&before, &set, &remove);
        let outcome = commit_edit(ctx, &o.path, &before, &after, o.backup).await?;
        Ok(outcome
            .with("added", report.added)
            .with("updated", report.updated)
            .with("removed", report.removed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_table() {
        let ok = [
            ("mem_limit", "90%"),
            ("mem_limit", "\"64G\""),
            ("be_port", "9060"),
            ("priority_networks", "10.10.10.0/24;192.168.0.0/16"),
            ("priority_networks", "fd00::/8"),
            (
                "storage_root_path",
                "/data1,medium:SSD;/data2,medium:hdd;${STARROCKS_HOME}/storage",
            ),
            ("sys_log_level", "anything"),
        ];
        for (k, v) in ok {
            assert_eq!(validate_setting(k, v), Ok(()), "{k}={v}");
        }
        let bad = [
            ("mem_limit", "lots", "not a size"),
            ("http_port", "0", "not a port"),
            ("query_port", "70000", "not a port"),
            ("priority_networks", "10.10.10.0", "not a CIDR"),
            (
                "priority_networks",
                "10.10.10.0/33",
                "prefix length must be 0..32",
            ),
            ("priority_networks", "10.10.300.0/24", "not an IP address"),
            ("storage_root_path", "data1", "must be an absolute path"),
            (
                "storage_root_path",
                "/data1,medium:NVME",
                "medium must be SSD or HDD",
            ),
        ];
        for (k, v, want) in bad {
            let err = validate_setting(k, v).unwrap_err();
            assert!(err.contains(want), "{k}={v}: {err}");
        }
    }

    #[test]
    fn edit_reports_each_key() {
        let text = "be_port = 9060\n# mem_limit = 90%\nmem_limit = 90%\nsys_log_level = INFO\n";
        let (after, report) = edit_conf(
            text,
            &[
                ("mem_limit".into(), "80%".into()),
                ("be_port".into(), "9060".into()),
                ("priority_networks".into(), "10.0.0.0/8".into()),
            ],
            &["sys_log_level".into(), "not_there".into()],
        );
        assert_eq!(
            after,
            "be_port = 9060\n# mem_limit = 90%\nmem_limit = 80%\npriority_networks = 10.0.0.0/8\n"
        );
        assert_eq!(
            report,
            EditReport {
                added: vec!["priority_networks".into()],
                updated: vec!["mem_limit".into()],
                removed: vec!["sys_log_level".into()],
            }
        );
        let (again, report) = edit_conf(&after, &[("mem_limit".into(), "80%".into())], &[]);
        assert_eq!(again, after, "idempotent");
        assert_eq!(report, EditReport::default());
    }
}
