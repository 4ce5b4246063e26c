//! `starrocks_config_diff`: compare a node's `fe.conf` / `be.conf` with a
//! reference (another node's conf, or a golden file on the controller),
//! ignoring node-specific keys (`priority_networks` and `ignore_keys`).
//! SOP checklist item 3: a new node's conf must be derived from an
//! existing node's. Never changes anything.

use crate::starrocks::conf::ConfFile;
use crate::starrocks::target_file::read_text;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use srplay_engine::module::{ArgSpec, ArgType, Args, Diff, Module, ModuleContext, ModuleError};
use srplay_engine::module::{ModuleSpec, Outcome};

/// Keys that differ from node to node by design.
pub const NODE_SPECIFIC: &[&str] = &["priority_networks"];

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("path", ArgType::Path, "This node's conf on the target.")
        .required()
        .aliases(&["dest"]),
    ArgSpec::new(
        "reference_src",
        ArgType::Path,
        "The reference conf on the controller (relative paths are looked up like `copy`'s `src`).",
    ),
    ArgSpec::new(
        "reference_content",
        ArgType::Str,
        "The reference conf's text (e.g. another host's conf read with `slurp`).",
    ),
    ArgSpec::new(
        "ignore_keys",
        ArgType::List,
        "More keys to ignore, besides priority_networks.",
    )
    .default("[]"),
    ArgSpec::new(
        "fail_on_diff",
        ArgType::Bool,
        "Fail when a difference is found.",
    )
    .default("false"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    mutually_exclusive: &[&["reference_src", "reference_content"]],
    required_one_of: &[&["reference_src", "reference_content"]],
    returns: &[
        (
            "differences",
            "Each differing key: `{key, ours, theirs}` (null where a side lacks the key).",
        ),
        ("identical", "True when no compared key differs."),
        ("ignored_keys", "The keys left out of the comparison."),
    ],
    ..ModuleSpec::new(
        "starrocks_config_diff",
        "Compare a node's fe.conf / be.conf with a reference, ignoring node-specific keys.",
    )
};

#[derive(Deserialize)]
struct Options {
    path: String,
    reference_src: Option<String>,
    reference_content: Option<String>,
    ignore_keys: Vec<Value>,
    fail_on_diff: bool,
}

/// One key whose effective values differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub key: String,
    pub ours: Option<String>,
    pub theirs: Option<String>,
}

/// Compare effective values (last occurrence, quotes removed, blanks
/// trimmed) of two conf texts, keys in the reference's order then ours.
pub fn conf_differences(ours: &str, theirs: &str, ignore: &[String]) -> Vec<Difference> {
    let ours = ConfFile::parse(ours).effective();
    let theirs = ConfFile::parse(theirs).effective();
    let lookup = |list: &[(String, String)], k: &str| {
        list.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
    };
    let mut keys: Vec<&str> = theirs.iter().map(|(k, _)| k.as_str()).collect();
    for (k, _) in &ours {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .filter(|k| !ignore.iter().any(|i| i == k))
        .filter_map(|k| {
            let (o, t) = (lookup(&ours, k), lookup(&theirs, k));
            (o != t).then(|| Difference {
                key: k.to_string(),
                ours: o,
                theirs: t,
            })
        })
        .collect()
}

/// `key = value` lines of the compared keys, sorted, for `--diff`.
fn normalized(text: &str, ignore: &[String]) -> String {
    let mut lines: Vec<String> = ConfFile::parse(text)
        .effective()
        .into_iter()
        .filter(|(k, _)| !ignore.contains(k))
        .map(|(k, v)| format!("{k} = {}\n", v.trim()))
        .collect();
    lines.sort();
    lines.concat()
}

pub struct StarrocksConfigDiff;

#[async_trait]
impl Module for StarrocksConfigDiff {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: Options = self.options(args)?;
        let mut ignore: Vec<String> = NODE_SPECIFIC.iter().map(|s| s.to_string()).collect();
        for k in &o.ignore_keys {
            match k {
                Value::String(s) => ignore.push(s.clone()),
                other => {
                    return Err(ModuleError::failed(format!(
                        "starrocks_config_diff: ignore_keys entries must be strings, got {other}"
                    )))
                }
            }
        }
        let (theirs, reference_name) =
            match (&o.reference_content, &o.reference_src) {
                (Some(text), _) => (text.clone(), "reference_content".to_string()),
                (None, Some(src)) => {
                    let found = ctx.find_file("files", src).ok_or_else(|| {
                        ModuleError::failed(format!(
                        "starrocks_config_diff: reference_src {src} not found on the controller"
                    ))
                    })?;
                    let text = std::fs::read_to_string(&found).map_err(|e| {
                        ModuleError::failed(format!(
                            "starrocks_config_diff: cannot read {}: {e}",
                            found.display()
                        ))
                    })?;
                    (text, found.display().to_string())
                }
                (None, None) => return Err(ModuleError::failed(
                    "starrocks_config_diff: one of reference_src, reference_content is required",
                )),
            };
        let ours = read_text(ctx, &o.path).await?;
        let diffs = conf_differences(&ours, &theirs, &ignore);
        let mut outcome = Outcome::ok();
        if !diffs.is_empty() && ctx.diff {
            outcome = outcome.with_diff(Diff {
                before_header: reference_name.clone(),
                after_header: format!("{} on {}", o.path, ctx.host),
                before: normalized(&theirs, &ignore),
                after: normalized(&ours, &ignore),
            });
        }
        let summary = if diffs.is_empty() {
            format!("{} matches {reference_name}", o.path)
        } else {
            let lines: Vec<String> = diffs
                .iter()
                .map(|d| {
                    format!(
                        "{}: ours={} theirs={}",
                        d.key,
                        d.ours.as_deref().unwrap_or("(unset)"),
                        d.theirs.as_deref().unwrap_or("(unset)")
                    )
                })
                .collect();
            format!(
                "{} differs from {reference_name} in {} key(s): {}",
                o.path,
                diffs.len(),
                lines.join("; ")
            )
        };
        outcome.failed = o.fail_on_diff && !diffs.is_empty();
        Ok(outcome
            .with_msg(summary)
            .with("identical", diffs.is_empty())
            .with("ignored_keys", ignore)
            .with(
                "differences",
                serde_json::to_value(&diffs).unwrap_or_default(),
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FE_33: &str = include_str!("../tests/fixtures/starrocks/conf/fe-3.3.conf");

    #[test]
    fn differences_table() {
        let ignore = vec!["priority_networks".to_string()];
        let other = FE_33
            .replace(
                "priority_networks = 192.168.100.0/24",
                "priority_networks = 10.0.0.0/8",
            )
            .replace("http_port = 8030", "http_port = 8031")
            .replace("sys_log_level = INFO", "sys_log_level = \"INFO\"  ")
            .replace("mysql_service_nio_enabled = true\n", "")
            + "enable_udf = true\n";
        let d = conf_differences(&other, FE_33, &ignore);
        assert_eq!(
            d,
            [
                Difference {
                    key: "http_port".into(),
                    ours: Some("8031".into()),
                    theirs: Some("8030".into())
                },
                Difference {
                    key: "mysql_service_nio_enabled".into(),
                    ours: None,
                    theirs: Some("true".into())
                },
                Difference {
                    key: "enable_udf".into(),
                    ours: Some("true".into()),
                    theirs: None
                },
            ],
            "quotes and blanks do not count; priority_networks is ignored"
        );
        assert!(conf_differences(FE_33, FE_33, &ignore).is_empty());
        let d = conf_differences(&other, FE_33, &[]);
        assert!(
            d.iter().any(|x| x.key == "priority_networks"),
            "compared when not ignored"
        );
    }
}
