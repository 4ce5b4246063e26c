//! `find`: list files on the target matching names, age, size, type and
//! content. One round trip lists every candidate with its facts (GNU
//! `find -printf`); filtering happens on the controller; `contains` and
//! `get_checksum` add one round trip each, only for the candidates.

use crate::util;
use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindOptions {
    pub paths: Vec<String>,
    pub patterns: Option<Vec<String>>,
    pub excludes: Option<Vec<String>>,
    pub contains: Option<String>,
    pub read_whole_file: Option<bool>,
    pub file_type: Option<String>,
    pub recurse: Option<bool>,
    pub hidden: Option<bool>,
    pub follow: Option<bool>,
    pub get_checksum: Option<bool>,
    pub checksum_algorithm: Option<String>,
    pub use_regex: Option<bool>,
    pub age: Option<String>,
    pub age_stamp: Option<String>,
    pub size: Option<String>,
    pub depth: Option<i64>,
    pub encoding: Option<String>,
    pub limit: Option<i64>,
    pub mode: Option<String>,
    pub exact_mode: Option<bool>,
}

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("paths", ArgType::List, "Directories to search.").required().aliases(&["name", "path"]),
    ArgSpec::new("patterns", ArgType::List, "Shell globs (or regexps with `use_regex`) the basename must match; any one suffices.").aliases(&["pattern"]),
    ArgSpec::new("excludes", ArgType::List, "Globs/regexps of basenames to leave out.").aliases(&["exclude"]),
    ArgSpec::new("contains", ArgType::Str, "A regexp the file's content must match (at a line start, or anywhere with `read_whole_file`)."),
    ArgSpec::new("read_whole_file", ArgType::Bool, "Search `contains` in the whole file instead of line by line.").default("false"),
    ArgSpec::new("file_type", ArgType::Str, "Type of file to select.").choices(&["any", "directory", "file", "link"]).default("file"),
    ArgSpec::new("recurse", ArgType::Bool, "Descend into directories.").default("false"),
    ArgSpec::new("hidden", ArgType::Bool, "Include names starting with a dot.").default("false"),
    ArgSpec::new("follow", ArgType::Bool, "Follow symlinks to directories.").default("false"),
    ArgSpec::new("get_checksum", ArgType::Bool, "Return the checksum of each matched file.").default("false"),
    ArgSpec::new("checksum_algorithm", ArgType::Str, "Checksum algorithm.").choices(&["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]).default("sha1").aliases(&["checksum", "checksum_algo"]),
    ArgSpec::new("use_regex", ArgType::Bool, "`patterns`/`excludes` are Python-style regexps matched at the start of the basename.").default("false"),
    ArgSpec::new("age", ArgType::Str, "At least this old (`2d`, `3h`…); negative: at most this old."),
    ArgSpec::new("age_stamp", ArgType::Str, "Which time `age` compares.").choices(&["atime", "ctime", "mtime"]).default("mtime"),
    ArgSpec::new("size", ArgType::Str, "At least this big (`10m`, `1g`…); negative: at most this big."),
    ArgSpec::new("depth", ArgType::Int, "Maximum depth below each path when recursing."),
    ArgSpec::new("encoding", ArgType::Str, "Accepted for compatibility; content is searched as bytes."),
    ArgSpec::new("limit", ArgType::Int, "Stop after this many matches."),
    ArgSpec::new("mode", ArgType::Mode, "Select entries with (any of) these permission bits."),
    ArgSpec::new("exact_mode", ArgType::Bool, "`mode` must match exactly.").default("true"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("files", "The matches, each a stat-like dictionary (`path`, `mode`, `isdir`, `size`, `mtime`…), sorted by path."),
        ("matched", "Number of matches."),
        ("examined", "Number of filesystem objects looked at."),
        ("skipped_paths", "Paths that could not be searched, with the reason."),
        ("msg", "`All paths examined`, or why not."),
    ],
    ..ModuleSpec::new("find", "Return a list of files based on specific criteria.")
};

pub struct Find;

/// One entry as listed by the query.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub name: String,
    pub depth: i64,
    pub kind: char,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub user: String,
    pub group: String,
    pub size: u64,
    pub mtime: f64,
    pub atime: f64,
    pub ctime: f64,
    pub inode: u64,
    pub nlink: u64,
    pub dev: u64,
}

#[async_trait::async_trait]
impl Module for Find {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: FindOptions = util::options(&SPEC, args)?;
        const AGE_UNITS: &[(&str, i64)] = &[
            ("s", 1),
            ("m", 60),
            ("h", 3600),
            ("d", 86400),
            ("w", 604800),
        ];
        const SIZE_UNITS: &[(&str, i64)] = &[
            ("b", 1),
            ("k", 1 << 10),
            ("m", 1 << 20),
            ("g", 1 << 30),
            ("t", 1 << 40),
        ];
        let age = match o.age.as_deref() {
            None => None,
            Some(a) => match parse_unit(a, AGE_UNITS) {
                Some(v) => Some(v),
                None => return Ok(Outcome::failed("failed to process age").with("age", a)),
            },
        };
        let size = match o.size.as_deref() {
            None => None,
            Some(sz) => match parse_unit(sz, SIZE_UNITS) {
                Some(v) => Some(v),
                None => return Ok(Outcome::failed("failed to process size").with("size", sz)),
            },
        };
        if o.limit.is_some_and(|l| l <= 0) {
            return Ok(Outcome::failed(format!(
                "limit cannot be {} (use None for unlimited)",
                o.limit.unwrap_or(0)
            )));
        }
        let matcher =
            NameMatcher::new(&o).map_err(|e| ModuleError::failed(format!("find: {e}")))?;
        let (entries, mut skipped, examined, now) = query(ctx, &o).await?;
        let want_mode = o
            .mode
            .as_deref()
            .map(|m| util::mode::resolve(m, 0, false))
            .transpose()
            .map_err(ModuleError::failed)?;
        let file_type = o.file_type.as_deref().unwrap_or("file");
        let mut matched: Vec<Entry> = entries
            .into_iter()
            .filter(|e| o.hidden.unwrap_or(false) || !e.name.starts_with('.'))
            .filter(|e| match file_type {
                "any" => true,
                "directory" => e.kind == 'd',
                "link" => e.kind == 'l',
                _ => e.kind == 'f',
            })
            .filter(|e| matcher.matches(&e.name))
            .filter(|e| {
                age.is_none_or(|a| age_ok(e, now, a, o.age_stamp.as_deref().unwrap_or("mtime")))
            })
            .filter(|e| e.kind != 'f' || size.is_none_or(|s| size_ok(e.size, s)))
            .filter(|e| {
                want_mode.is_none_or(|m| {
                    if o.exact_mode.unwrap_or(true) {
                        e.mode == m
                    } else {
                        e.mode & m != 0
                    }
                })
            })
            .collect();
        if let (Some(pat), "file") = (&o.contains, file_type) {
            matched =
                contains_filter(ctx, matched, pat, o.read_whole_file.unwrap_or(false)).await?;
        }
        let mut msg = "All paths examined".to_string();
        if let Some(l) = o.limit {
            if matched.len() as i64 >= l {
                matched.truncate(l as usize);
                msg = "Limit of matches reached".into();
            }
        }
        let sums = if o.get_checksum.unwrap_or(false) {
            checksums(
                ctx,
                &matched,
                o.checksum_algorithm.as_deref().unwrap_or("sha1"),
            )
            .await?
        } else {
            Map::new()
        };
        let files: Vec<Value> = matched
            .iter()
            .map(|e| {
                let mut m = stat_info(e);
                if let Some(c) = sums.get(&e.path) {
                    m.insert("checksum".into(), c.clone());
                }
                Value::Object(m)
            })
            .collect();
        if !skipped.is_empty() {
            msg = "Not all paths examined, check warnings for details".into();
        }
        let mut out = Outcome::ok()
            .with("files", files.clone())
            .with("matched", files.len())
            .with("examined", examined)
            .with("skipped_paths", Value::Object(std::mem::take(&mut skipped)))
            .with_msg(msg);
        for (p, why) in out.data["skipped_paths"]
            .as_object()
            .cloned()
            .unwrap_or_default()
        {
            out.warnings.push(format!(
                "Skipped '{p}' path due to this access issue: {}",
                why.as_str().unwrap_or("")
            ));
        }
        Ok(out)
    }
}

/// `10k`, `-2d`, `5`: a number times its unit; `None` if malformed.
fn parse_unit(s: &str, units: &[(&str, i64)]) -> Option<i64> {
    let s = s.trim().to_ascii_lowercase();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s.as_str(), ""),
    };
    let n: i64 = num.parse().ok()?;
    let mult = if unit.is_empty() {
        1
    } else {
        units.iter().find(|(u, _)| *u == unit)?.1
    };
    Some(n * mult)
}

fn age_ok(e: &Entry, now: f64, age: i64, stamp: &str) -> bool {
    let t = match stamp {
        "atime" => e.atime,
        "ctime" => e.ctime,
        _ => e.mtime,
    };
    let d = now - t;
    if age >= 0 {
        d >= age as f64
    } else {
        d <= age.unsigned_abs() as f64
    }
}

fn size_ok(size: u64, want: i64) -> bool {
    if want >= 0 {
        size >= want as u64
    } else {
        size <= want.unsigned_abs()
    }
}

/// Basename filters: globs (fnmatch) or regexps anchored at the start.
struct NameMatcher {
    patterns: Vec<Regex>,
    excludes: Vec<Regex>,
}

impl NameMatcher {
    fn new(o: &FindOptions) -> Result<Self, regex::Error> {
        let regex = o.use_regex.unwrap_or(false);
        let compile = |p: &String| {
            if regex {
                Regex::new(&format!("^(?:{p})"))
            } else {
                Regex::new(&glob_to_regex(p))
            }
        };
        Ok(NameMatcher {
            patterns: o
                .patterns
                .iter()
                .flatten()
                .map(compile)
                .collect::<Result<_, _>>()?,
            excludes: o
                .excludes
                .iter()
                .flatten()
                .map(compile)
                .collect::<Result<_, _>>()?,
        })
    }

    fn matches(&self, name: &str) -> bool {
        let inc = self.patterns.is_empty() || self.patterns.iter().any(|r| r.is_match(name));
        inc && !self.excludes.iter().any(|r| r.is_match(name))
    }
}

/// Python's `fnmatch.translate`: `*`, `?`, `[seq]`, `[!seq]`, whole name.
pub fn glob_to_regex(glob: &str) -> String {
    let mut re = String::from("(?s)^");
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    re.push_str("\\[");
                } else {
                    let mut set: String =
                        chars[i..j].iter().collect::<String>().replace('\\', "\\\\");
                    if let Some(rest) = set.strip_prefix('!') {
                        set = format!("^{rest}");
                    }
                    re.push('[');
                    re.push_str(&set);
                    re.push(']');
                    i = j + 1;
                }
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    re
}

type Listing = (Vec<Entry>, Map<String, Value>, usize, f64);

/// List every candidate under every path in one round trip.
async fn query(ctx: &ModuleContext, o: &FindOptions) -> Result<Listing, ModuleError> {
    let recurse = o.recurse.unwrap_or(false);
    // Ansible (os.walk) also counts the entries one level below the depth
    // limit as examined, so list one level more than can match.
    let maxdepth = match (recurse, o.depth) {
        (false, _) => Some(1),
        (true, Some(d)) if d > 0 => Some(d + 1),
        _ => None,
    };
    let follow = if o.follow.unwrap_or(false) { "-L " } else { "" };
    let depth = maxdepth
        .map(|d| format!("-maxdepth {d} "))
        .unwrap_or_default();
    let mut s = String::from("date +%s.%N; ");
    for (i, p) in o.paths.iter().enumerate() {
        s.push_str(&format!(
            "echo '@@{i}'; if [ -d {q} ]; then find {follow}{q} -mindepth 1 {depth}-printf '%d\\t%y\\t%m\\t%U\\t%G\\t%u\\t%g\\t%s\\t%T@\\t%A@\\t%C@\\t%i\\t%n\\t%D\\t%f\\t%p\\n' 2>/dev/null; else echo '@@notdir'; fi; ",
            q = quote(p)
        ));
    }
    let out = ctx.exec(s).await?;
    let text = out.stdout_str();
    let mut lines = text.lines();
    let now: f64 = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0.0);
    let mut entries = Vec::new();
    let mut skipped = Map::new();
    let mut examined = 0;
    let mut cur = 0usize;
    for line in lines {
        if let Some(i) = line.strip_prefix("@@") {
            if i == "notdir" {
                let p = o.paths.get(cur).cloned().unwrap_or_default();
                skipped.insert(p.clone(), json!(format!("'{p}' is not a directory")));
            } else {
                cur = i.parse().unwrap_or(0);
            }
            continue;
        }
        let f: Vec<&str> = line.splitn(16, '\t').collect();
        if f.len() < 16 {
            continue;
        }
        examined += 1;
        let d: i64 = f[0].parse().unwrap_or(0);
        if recurse && o.depth.is_some_and(|lim| lim > 0 && d > lim) {
            continue;
        }
        let num = |s: &str| s.parse::<u64>().unwrap_or(0);
        let fl = |s: &str| s.parse::<f64>().unwrap_or(0.0);
        entries.push(Entry {
            depth: d,
            kind: f[1].chars().next().unwrap_or('?'),
            mode: u32::from_str_radix(f[2], 8).unwrap_or(0),
            uid: num(f[3]),
            gid: num(f[4]),
            user: f[5].into(),
            group: f[6].into(),
            size: num(f[7]),
            mtime: fl(f[8]),
            atime: fl(f[9]),
            ctime: fl(f[10]),
            inode: num(f[11]),
            nlink: num(f[12]),
            dev: num(f[13]),
            name: f[14].into(),
            path: f[15].replace("//", "/"),
        });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((entries, skipped, examined, now))
}

async fn contains_filter(
    ctx: &ModuleContext,
    files: Vec<Entry>,
    pat: &str,
    whole: bool,
) -> Result<Vec<Entry>, ModuleError> {
    if files.is_empty() {
        return Ok(files);
    }
    // Python's re.match per line is anchored at the line start; PCRE
    // (`grep -P`) is the closest dialect to Python's `re`.
    let (flags, p) = if whole {
        ("-lPz", pat.to_string())
    } else {
        ("-lP", format!("^(?:{pat})"))
    };
    let list: Vec<String> = files.iter().map(|e| quote(&e.path)).collect();
    let out = ctx
        .exec(format!(
            "grep {flags} -e {} -- {} 2>/dev/null; true",
            quote(&p),
            list.join(" ")
        ))
        .await?;
    let hits: std::collections::HashSet<String> =
        out.stdout_str().lines().map(str::to_string).collect();
    Ok(files
        .into_iter()
        .filter(|e| hits.contains(&e.path))
        .collect())
}

async fn checksums(
    ctx: &ModuleContext,
    files: &[Entry],
    algo: &str,
) -> Result<Map<String, Value>, ModuleError> {
    let regular: Vec<String> = files
        .iter()
        .filter(|e| e.kind == 'f')
        .map(|e| quote(&e.path))
        .collect();
    if regular.is_empty() {
        return Ok(Map::new());
    }
    let out = ctx.exec(format!("for f in {}; do printf '%s\\t%s\\n' \"$({algo}sum < \"$f\" | cut -d' ' -f1)\" \"$f\"; done", regular.join(" "))).await?;
    Ok(out
        .stdout_str()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(sum, p)| (p.to_string(), json!(sum)))
        .collect())
}

fn stat_info(e: &Entry) -> Map<String, Value> {
    let m = e.mode;
    let bit = |b: u32| m & b != 0;
    json!({
        "path": e.path,
        "mode": format!("{:04o}", m & 0o7777),
        "isdir": e.kind == 'd', "ischr": e.kind == 'c', "isblk": e.kind == 'b',
        "isreg": e.kind == 'f', "isfifo": e.kind == 'p', "islnk": e.kind == 'l',
        "issock": e.kind == 's',
        "uid": e.uid, "gid": e.gid, "size": e.size, "inode": e.inode, "dev": e.dev,
        "nlink": e.nlink, "atime": e.atime, "mtime": e.mtime, "ctime": e.ctime,
        "gr_name": e.group, "pw_name": e.user,
        "wusr": bit(0o200), "rusr": bit(0o400), "xusr": bit(0o100),
        "wgrp": bit(0o020), "rgrp": bit(0o040), "xgrp": bit(0o010),
        "woth": bit(0o002), "roth": bit(0o004), "xoth": bit(0o001),
        "isuid": bit(0o4000), "isgid": bit(0o2000),
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_table() {
        let cases = [
            ("*.log", "a.log", true),
            ("*.log", "a.logx", false),
            ("fe?.conf", "fe1.conf", true),
            ("[ab]*", "beta", true),
            ("[!ab]*", "beta", false),
            ("a+b", "a+b", true),
            ("[", "[", true),
        ];
        for (g, name, want) in cases {
            assert_eq!(
                Regex::new(&glob_to_regex(g)).unwrap().is_match(name),
                want,
                "{g} {name}"
            );
        }
    }

    #[test]
    fn units_table() {
        let u = &[("k", 1024), ("m", 1 << 20)];
        assert_eq!(parse_unit("10k", u), Some(10240));
        assert_eq!(parse_unit("-1m", u), Some(-(1 << 20)));
        assert_eq!(parse_unit("5", u), Some(5));
        assert_eq!(parse_unit("5x", u), None);
    }
}
