//! `jvm_options`: edit JVM flags inside `JAVA_OPTS` and every
//! `JAVA_OPTS_FOR_JDK_*` line of `fe.conf` / `be.conf`.
//!
//! Which line takes effect depends on the JDK and the StarRocks version
//! (FACTS.md §3.3: on 3.x with JDK 11+ it is `JAVA_OPTS_FOR_JDK_11`; 2.x
//! uses `JAVA_OPTS_FOR_JDK_9` on JDK 9+), so every such line present is
//! edited alike. A flag replaces flags of the same kind (one `-Xmx`, one
//! `-Dkey`, one `-XX:±Name`); every other flag, comment and the quoting
//! are kept.

use crate::starrocks::conf::{unquote, ConfFile, Quote};
use crate::starrocks::size::{jvm_size, parse_size};
use crate::starrocks::target_file::{commit_edit, read_text};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;
use srplay_engine::module::{ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError};
use srplay_engine::module::{ModuleSpec, Outcome};

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("path", ArgType::Path, "fe.conf or be.conf on the target.")
        .required()
        .aliases(&["dest"]),
    ArgSpec::new("options", ArgType::List, "Flags to set, e.g. `-Xmx8g`, `-XX:+UseG1GC`, `-Dfoo=bar`; each replaces flags of its kind."),
    ArgSpec::new("remove", ArgType::List, "Flags to remove by kind: `-Xmn` removes any `-Xmn…`, `-XX:+UseParNewGC` removes `-XX:±UseParNewGC`, `-Dfoo` removes `-Dfoo=…`."),
    ArgSpec::new("xmx", ArgType::Str, "Heap maximum (`8192m`, `8g`, `16G`), shortcut for `-Xmx…`."),
    ArgSpec::new("xms", ArgType::Str, "Initial heap (`8g`), shortcut for `-Xms…`."),
    ArgSpec::new("size_from", ArgType::Str, "Compute `-Xmx` from the host's memory instead of `xmx`.")
        .choices(&["percent_of_memory"]),
    ArgSpec::new("percent", ArgType::Float, "With `size_from: percent_of_memory`, the share of RAM for `-Xmx`.")
        .default("70"),
    ArgSpec::new("keys", ArgType::List, "Edit only these lines (e.g. `JAVA_OPTS_FOR_JDK_11`); default: every JAVA_OPTS* line."),
    ArgSpec::new("backup", ArgType::Bool, "Keep a timestamped copy of the file before changing it.")
        .default("false"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    mutually_exclusive: &[&["xmx", "size_from"]],
    required_one_of: &[&["options", "remove", "xmx", "xms", "size_from"]],
    returns: &[
        ("path", "The conf file."),
        (
            "effective_lines",
            "Every JAVA_OPTS* line after the edit, as written in the file.",
        ),
        (
            "java_opts",
            "Each JAVA_OPTS* key with its list of flags after the edit.",
        ),
        ("xmx", "The -Xmx value applied (when one was set)."),
        ("backup_file", "The backup's path, when `backup` made one."),
    ],
    ..ModuleSpec::new(
        "jvm_options",
        "Edit JVM flags in JAVA_OPTS / JAVA_OPTS_FOR_JDK_* of fe.conf or be.conf.",
    )
};

#[derive(Deserialize)]
struct Options {
    path: String,
    options: Option<Vec<Value>>,
    remove: Option<Vec<Value>>,
    xmx: Option<String>,
    xms: Option<String>,
    size_from: Option<String>,
    percent: f64,
    keys: Option<Vec<Value>>,
    backup: bool,
}

/// Is this a conf key holding JVM flags?
pub fn is_java_opts_key(key: &str) -> bool {
    key == "JAVA_OPTS" || key.starts_with("JAVA_OPTS_FOR_JDK_")
}

/// Sized flags: two spellings of the same size are the same flag.
const SIZED: &[&str] = &["-Xmx", "-Xms", "-Xmn", "-Xss"];

/// The kind of a flag; a flag replaces the flags of its kind.
pub fn flag_kind(flag: &str) -> String {
    if let Some(p) = SIZED.iter().find(|p| flag.starts_with(**p)) {
        return p.to_string();
    }
    if let Some(rest) = flag.strip_prefix("-XX:") {
        let name = rest.trim_start_matches(['+', '-']);
        let name = name.split('=').next().unwrap_or(name);
        return format!("-XX:{name}");
    }
    if let Some(rest) = flag.strip_prefix("-D") {
        return format!("-D{}", rest.split('=').next().unwrap_or(rest));
    }
    if flag.starts_with("-Xloggc:") {
        return "-Xloggc:".into();
    }
    flag.to_string()
}

/// Same flag, allowing another spelling of a size (`-Xmx8g` = `-Xmx8192m`).
fn same_flag(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let kind = flag_kind(a);
    if SIZED.contains(&kind.as_str()) && flag_kind(b) == kind {
        let (x, y) = (parse_size(&a[kind.len()..]), parse_size(&b[kind.len()..]));
        return matches!((x, y), (Ok(x), Ok(y)) if x == y);
    }
    false
}

/// Flags to set and to remove.
#[derive(Debug, Clone, Default)]
pub struct FlagEdit {
    pub set: Vec<String>,
    pub remove: Vec<String>,
}

/// Apply an edit to one line's flags: a set flag takes the place of the
/// first flag of its kind (others of that kind are dropped), or is
/// appended; removals drop every flag of their kind.
pub fn edit_flags(flags: &[String], edit: &FlagEdit) -> Vec<String> {
    let mut out: Vec<String> = flags.to_vec();
    for r in &edit.remove {
        let kind = flag_kind(r);
        out.retain(|f| flag_kind(f) != kind);
    }
    for s in &edit.set {
        let kind = flag_kind(s);
        let mut placed = false;
        out = out
            .into_iter()
            .filter_map(|f| {
                if flag_kind(&f) != kind {
                    return Some(f);
                }
                if placed {
                    return None;
                }
                placed = true;
                Some(if same_flag(&f, s) { f } else { s.clone() })
            })
            .collect();
        if !placed {
            out.push(s.clone());
        }
    }
    out
}

/// The result of editing a conf's JVM lines.
#[derive(Debug, Clone, PartialEq)]
pub struct JvmEditResult {
    pub text: String,
    /// `KEY="flags…"` as written, for every JAVA_OPTS* line after the edit.
    pub effective_lines: Vec<String>,
    pub java_opts: Vec<(String, Vec<String>)>,
}

/// Edit every JAVA_OPTS* line (or only `keys`) of a conf text. With no
/// such line at all, a `JAVA_OPTS="…"` line is appended (a be.conf ships
/// with them commented out). A listed key that is missing is an error:
/// adding `JAVA_OPTS_FOR_JDK_11` would change which line takes effect.
pub fn edit_java_opts(
    text: &str,
    edit: &FlagEdit,
    keys: Option<&[String]>,
) -> Result<JvmEditResult, String> {
    let mut conf = ConfFile::parse(text);
    let wanted = |k: &str| match keys {
        Some(list) => list.iter().any(|x| x == k),
        None => is_java_opts_key(k),
    };
    if let Some(list) = keys {
        for k in list {
            if !conf.entries().any(|e| &e.key == k) {
                return Err(format!(
                    "{k} is not set in the file (present: {}); adding it could change which JVM options take effect",
                    present_keys(&conf)
                ));
            }
        }
    }
    let mut touched = false;
    for e in conf.entries_mut().filter(|e| wanted(&e.key)) {
        touched = true;
        let (inner, quote) = unquote(&e.value);
        let flags: Vec<String> = inner.split_whitespace().map(str::to_string).collect();
        let edited = edit_flags(&flags, edit);
        if edited != flags {
            let quote = if quote == Quote::None && edited.len() > 1 {
                Quote::Double
            } else {
                quote
            };
            e.value = quote.wrap(&edited.join(" "));
        }
    }
    if !touched && !edit.set.is_empty() {
        let flags = edit_flags(&[], edit);
        conf.set("JAVA_OPTS", &Quote::Double.wrap(&flags.join(" ")));
    }
    let effective_lines = conf
        .entries()
        .filter(|e| is_java_opts_key(&e.key))
        .map(|e| format!("{}={}", e.key, e.value))
        .collect();
    let java_opts = conf
        .entries()
        .filter(|e| is_java_opts_key(&e.key))
        .map(|e| {
            let flags = e
                .unquoted()
                .split_whitespace()
                .map(str::to_string)
                .collect();
            (e.key.clone(), flags)
        })
        .collect();
    Ok(JvmEditResult {
        text: conf.render(),
        effective_lines,
        java_opts,
    })
}

fn present_keys(conf: &ConfFile) -> String {
    let keys: Vec<&str> = conf
        .entries()
        .filter(|e| is_java_opts_key(&e.key))
        .map(|e| e.key.as_str())
        .collect();
    if keys.is_empty() {
        "none".into()
    } else {
        keys.join(", ")
    }
}

/// `-Xmx` for a share of the host's memory, in whole MiB.
pub fn xmx_from_percent(memtotal_mb: u64, percent: f64) -> Result<String, String> {
    if !(percent > 0.0 && percent <= 100.0) {
        return Err(format!(
            "percent must be above 0 and at most 100, got {percent}"
        ));
    }
    let mb = (memtotal_mb as f64 * percent / 100.0).floor() as u64;
    if mb == 0 {
        return Err(format!(
            "{percent}% of {memtotal_mb} MB is no memory at all"
        ));
    }
    Ok(format!("{mb}m"))
}

/// `MemTotal` of `/proc/meminfo`, in MiB.
pub fn memtotal_mb_from_meminfo(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// The host's memory: `ansible_facts.memtotal_mb` / `ansible_memtotal_mb`
/// when facts were gathered, else the target's `/proc/meminfo`.
async fn host_memtotal_mb(ctx: &ModuleContext) -> Result<u64, ModuleError> {
    let from_facts = ctx
        .var("ansible_facts")
        .and_then(|f| f.get("memtotal_mb"))
        .or_else(|| ctx.var("ansible_memtotal_mb"))
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        });
    if let Some(mb) = from_facts {
        return Ok(mb);
    }
    let meminfo = read_text(ctx, "/proc/meminfo").await?;
    memtotal_mb_from_meminfo(&meminfo).ok_or_else(|| {
        ModuleError::failed("jvm_options: cannot find MemTotal in the target's /proc/meminfo")
    })
}

fn strings(list: Option<Vec<Value>>, what: &str) -> Result<Vec<String>, ModuleError> {
    list.unwrap_or_default()
        .into_iter()
        .map(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            other => Err(ModuleError::failed(format!(
                "jvm_options: every `{what}` entry must be a non-empty string, got {other}"
            ))),
        })
        .collect()
}

fn sized_flag(prefix: &str, size: &str) -> Result<String, ModuleError> {
    parse_size(size).map_err(|e| ModuleError::failed(format!("jvm_options: {prefix}: {e}")))?;
    Ok(format!("{prefix}{}", size.trim()))
}

#[async_trait]
impl Module for JvmOptions {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: Options = self.options(args)?;
        let mut edit = FlagEdit {
            set: strings(o.options, "options")?,
            remove: strings(o.remove, "remove")?,
        };
        for f in edit.set.iter().chain(&edit.remove) {
            if !f.starts_with('-') || f.contains(char::is_whitespace) {
                return Err(ModuleError::failed(format!(
                    "jvm_options: `{f}` is not a JVM flag (one flag per entry, starting with `-`)"
                )));
            }
        }
        let xmx = match (&o.xmx, &o.size_from) {
            (Some(x), _) => Some(sized_flag("-Xmx", x)?),
            (None, Some(_)) => {
                let mb = host_memtotal_mb(ctx).await?;
                let size = xmx_from_percent(mb, o.percent)
                    .map_err(|e| ModuleError::failed(format!("jvm_options: {e}")))?;
                Some(format!("-Xmx{size}"))
            }
            (None, None) => None,
        };
        edit.set.extend(xmx.clone());
        if let Some(x) = &o.xms {
            edit.set.push(sized_flag("-Xms", x)?);
        }
        let keys = o.keys.map(|k| strings(Some(k), "keys")).transpose()?;
        let before = read_text(ctx, &o.path).await?;
        let result = edit_java_opts(&before, &edit, keys.as_deref())
            .map_err(|e| ModuleError::failed(format!("jvm_options: {}: {e}", o.path)))?;
        let outcome = commit_edit(ctx, &o.path, &before, &result.text, o.backup).await?;
        let java_opts: serde_json::Map<String, Value> = result
            .java_opts
            .into_iter()
            .map(|(k, v)| (k, Value::from(v)))
            .collect();
        let mut outcome = outcome
            .with("effective_lines", result.effective_lines)
            .with("java_opts", java_opts);
        if let Some(x) = xmx {
            let bytes = parse_size(&x[4..]).unwrap_or_default();
            outcome = outcome.with("xmx", jvm_size(bytes));
        }
        Ok(outcome)
    }
}

pub struct JvmOptions;

#[cfg(test)]
mod tests {
    use super::*;

    const FE_25: &str = include_str!("../tests/fixtures/starrocks/conf/fe-2.5.conf");
    const FE_33: &str = include_str!("../tests/fixtures/starrocks/conf/fe-3.3.conf");
    const FE_35: &str = include_str!("../tests/fixtures/starrocks/conf/fe-3.5.conf");
    const BE_33: &str = include_str!("../tests/fixtures/starrocks/conf/be-3.3.conf");

    fn set(flags: &[&str]) -> FlagEdit {
        FlagEdit {
            set: flags.iter().map(|s| s.to_string()).collect(),
            remove: vec![],
        }
    }

    #[test]
    fn kinds_table() {
        let cases = [
            ("-Xmx8g", "-Xmx"),
            ("-Xms512m", "-Xms"),
            ("-XX:+UseG1GC", "-XX:UseG1GC"),
            ("-XX:-UseG1GC", "-XX:UseG1GC"),
            ("-XX:SurvivorRatio=8", "-XX:SurvivorRatio"),
            ("-Dfoo=bar", "-Dfoo"),
            ("-Dfoo", "-Dfoo"),
            ("-Xloggc:${LOG_DIR}/fe.gc.log.$DATE", "-Xloggc:"),
            ("-Xlog:gc*:x:time", "-Xlog:gc*:x:time"),
        ];
        for (flag, kind) in cases {
            assert_eq!(flag_kind(flag), kind, "{flag}");
        }
    }

    #[test]
    fn flag_edits_table() {
        let base: Vec<String> = ["-Da=1", "-Xmx8192m", "-XX:+UseG1GC", "-Xmx1g", "-Dkeep"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cases: &[(&[&str], &[&str], &[&str])] = &[
            (
                &["-Xmx16g"],
                &[],
                &["-Da=1", "-Xmx16g", "-XX:+UseG1GC", "-Dkeep"],
            ),
            (
                &["-Xmx8g"],
                &[],
                &["-Da=1", "-Xmx8192m", "-XX:+UseG1GC", "-Dkeep"],
            ),
            (
                &["-XX:-UseG1GC"],
                &[],
                &["-Da=1", "-Xmx8192m", "-XX:-UseG1GC", "-Xmx1g", "-Dkeep"],
            ),
            (
                &["-Da=2", "-Dnew=x"],
                &[],
                &[
                    "-Da=2",
                    "-Xmx8192m",
                    "-XX:+UseG1GC",
                    "-Xmx1g",
                    "-Dkeep",
                    "-Dnew=x",
                ],
            ),
            (
                &[],
                &["-Xmx", "-XX:+UseG1GC", "-Dnope"],
                &["-Da=1", "-Dkeep"],
            ),
        ];
        for (s, r, want) in cases {
            let edit = FlagEdit {
                set: s.iter().map(|x| x.to_string()).collect(),
                remove: r.iter().map(|x| x.to_string()).collect(),
            };
            assert_eq!(edit_flags(&base, &edit), *want, "set {s:?} remove {r:?}");
        }
    }

    #[test]
    fn every_version_gets_xmx_on_every_java_opts_line() {
        let cases = [
            (FE_25, vec!["JAVA_OPTS", "JAVA_OPTS_FOR_JDK_9"]),
            (FE_33, vec!["JAVA_OPTS", "JAVA_OPTS_FOR_JDK_11"]),
            (FE_35, vec!["JAVA_OPTS"]),
        ];
        for (text, keys) in cases {
            let r = edit_java_opts(text, &set(&["-Xmx16g"]), None).unwrap();
            let got: Vec<&str> = r.java_opts.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(got, keys);
            for (key, flags) in &r.java_opts {
                let xmx: Vec<&String> = flags.iter().filter(|f| f.starts_with("-Xmx")).collect();
                assert_eq!(xmx, ["-Xmx16g"], "{key}: exactly one -Xmx");
                assert!(flags
                    .iter()
                    .any(|f| f == "-Dlog4j2.formatMsgNoLookups=true"));
            }
            // Only the -Xmx token changed: the rest of the file is identical.
            assert_eq!(r.text.replace("-Xmx16g", "-Xmx8192m"), text);
            let again = edit_java_opts(&r.text, &set(&["-Xmx16384m"]), None).unwrap();
            assert_eq!(
                again.text, r.text,
                "same size in another spelling is no change"
            );
        }
    }

    #[test]
    fn only_listed_keys_and_missing_key_is_refused() {
        let keys = vec!["JAVA_OPTS_FOR_JDK_11".to_string()];
        let r = edit_java_opts(FE_33, &set(&["-Xmx12g"]), Some(&keys)).unwrap();
        assert_eq!(r.java_opts[0].1[1], "-Xmx8192m", "JAVA_OPTS untouched");
        assert_eq!(r.java_opts[1].1[1], "-Xmx12g");
        let err = edit_java_opts(FE_35, &set(&["-Xmx12g"]), Some(&keys)).unwrap_err();
        assert_eq!(
            err,
            "JAVA_OPTS_FOR_JDK_11 is not set in the file (present: JAVA_OPTS); adding it could change which JVM options take effect"
        );
    }

    #[test]
    fn be_conf_without_java_opts_gets_one_appended() {
        let r = edit_java_opts(
            BE_33,
            &set(&["-Djava.security.krb5.conf=/etc/krb5.conf"]),
            None,
        )
        .unwrap();
        assert!(r.text.starts_with(BE_33));
        assert!(r
            .text
            .ends_with("\nJAVA_OPTS = \"-Djava.security.krb5.conf=/etc/krb5.conf\"\n"));
        assert_eq!(
            r.effective_lines,
            ["JAVA_OPTS=\"-Djava.security.krb5.conf=/etc/krb5.conf\""]
        );
        let none = edit_java_opts(
            BE_33,
            &FlagEdit {
                set: vec![],
                remove: vec!["-Xmx".into()],
            },
            None,
        )
        .unwrap();
        assert_eq!(none.text, BE_33, "removing from nothing changes nothing");
    }

    #[test]
    fn newer_be_conf_lines_are_all_edited() {
        // 3.5+ start_backend.sh reads JAVA_OPTS and, with a warning,
        // JAVA_OPTS_FOR_JDK_9_AND_LATER (FACTS.md §3.4).
        let text = "JAVA_OPTS=\"-Djava.security.krb5.conf=/etc/krb5.conf -Xss4m\"\n\
                    JAVA_OPTS_FOR_JDK_9_AND_LATER=\"-Djava.security.krb5.conf=/etc/krb5.conf\"\n";
        let r = edit_java_opts(
            text,
            &set(&["-Djava.security.krb5.conf=/etc/krb5-new.conf"]),
            None,
        )
        .unwrap();
        assert_eq!(
            r.text,
            "JAVA_OPTS=\"-Djava.security.krb5.conf=/etc/krb5-new.conf -Xss4m\"\n\
             JAVA_OPTS_FOR_JDK_9_AND_LATER=\"-Djava.security.krb5.conf=/etc/krb5-new.conf\"\n"
        );
    }

    #[test]
    fn single_quotes_are_kept() {
        let text = "JAVA_OPTS='-Xmx1g -Da=b'\n";
        let r = edit_java_opts(text, &set(&["-Xmx2g"]), None).unwrap();
        assert_eq!(r.text, "JAVA_OPTS='-Xmx2g -Da=b'\n");
    }

    #[test]
    fn memory_share() {
        assert_eq!(xmx_from_percent(16384, 70.0).unwrap(), "11468m");
        assert!(xmx_from_percent(16384, 0.0).is_err());
        assert!(xmx_from_percent(16384, 150.0).is_err());
        let meminfo = "MemTotal:       24578916 kB\nMemFree:         1000 kB\n";
        assert_eq!(memtotal_mb_from_meminfo(meminfo), Some(24002));
        assert_eq!(memtotal_mb_from_meminfo("junk"), None);
    }
}
