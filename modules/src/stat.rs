//! `stat`: facts about a path on the target, in one round trip (GNU
//! `stat`, `<algo>sum`, `file --mime`, `lsattr`, all best-effort as in
//! Ansible: a missing tool leaves its keys at their "unknown" values).

use crate::util;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatOptions {
    pub path: String,
    pub follow: Option<bool>,
    pub get_checksum: Option<bool>,
    pub checksum_algorithm: Option<String>,
    pub get_mime: Option<bool>,
    pub get_attributes: Option<bool>,
}

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new(
        "path",
        ArgType::Path,
        "The full path of the file/object to get the facts of.",
    )
    .required()
    .aliases(&["dest", "name"]),
    ArgSpec::new("follow", ArgType::Bool, "Whether to follow symlinks.").default("false"),
    ArgSpec::new(
        "get_checksum",
        ArgType::Bool,
        "Whether to return a checksum of the file.",
    )
    .default("true"),
    ArgSpec::new(
        "checksum_algorithm",
        ArgType::Str,
        "Algorithm to determine checksum of file.",
    )
    .aliases(&["checksum", "checksum_algo"])
    .choices(&["md5", "sha1", "sha224", "sha256", "sha384", "sha512"])
    .default("sha1"),
    ArgSpec::new(
        "get_mime",
        ArgType::Bool,
        "Use file magic (`file --mime`) to return `mimetype` and `charset`.",
    )
    .aliases(&["mime", "mime_type", "mime-type"])
    .default("true"),
    ArgSpec::new(
        "get_attributes",
        ArgType::Bool,
        "Get file attributes using `lsattr`.",
    )
    .aliases(&["attr", "attributes"])
    .default("true"),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        ("stat", "Dictionary: `exists`, and when it does `path`, `mode`, `isdir`, `isreg`, `islnk`, `isfifo`, `issock`, `ischr`, `isblk`, `uid`, `gid`, `pw_name`, `gr_name`, `size`, `inode`, `dev`, `nlink`, `atime`, `mtime`, `ctime`, `wusr`…`xoth`, `isuid`, `isgid`, `readable`, `writeable`, `executable`, `lnk_source`, `lnk_target`, `checksum`, `mimetype`, `charset`, `blocks`, `block_size`, `device_type`, `version`, `attributes`, `attr_flags`."),
    ],
    ..ModuleSpec::new("stat", "Retrieve file or file system status.")
};

pub struct Stat;

#[async_trait::async_trait]
impl Module for Stat {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    /// Guards and command (or the query) go in one `exec`.
    fn single_exec(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: StatOptions = util::options(&SPEC, args)?;
        let out = ctx.exec(query_script(&o)).await?;
        let stat = parse(&o, &out.stdout_str());
        Ok(Outcome::ok().with("stat", Value::Object(stat)))
    }
}

fn query_script(o: &StatOptions) -> String {
    let follow = if o.follow.unwrap_or(false) { "-L " } else { "" };
    let mut s = format!(
        "{}p=$srplay_p; if ! [ -e \"$p\" ] && ! [ -L \"$p\" ]; then echo N; exit 0; fi; \
         stat {follow}--printf 'S\\t%f\\t%u\\t%g\\t%U\\t%G\\t%s\\t%i\\t%d\\t%h\\t%.9X\\t%.9Y\\t%.9Z\\t%b\\t%o\\t%t\\t%T\\n' -- \"$p\" || exit 1; \
         a=; [ -r \"$p\" ] && a=r; [ -w \"$p\" ] && a=${{a}}w; [ -x \"$p\" ] && a=${{a}}x; echo \"A\t$a\"; \
         if [ -L \"$p\" ]; then printf 'L\\t%s\\n' \"$(readlink -- \"$p\")\"; printf 'R\\t%s\\n' \"$(realpath -m -- \"$p\")\"; fi; \
         printf 'P\\t%s\\n' \"$p\"; ",
        // `$VAR` and `~` expand here, on the target, in this one command.
        util::path_script::assign("srplay_p", &o.path, util::path_script::Home::OfShell)
    );
    if o.get_checksum.unwrap_or(true) {
        let algo = o.checksum_algorithm.as_deref().unwrap_or("sha1");
        s.push_str(&format!(
            "if [ -f \"$p\" ] && [ -r \"$p\" ] && {{ [ -n \"{follow}\" ] || ! [ -L \"$p\" ]; }}; then printf 'C\\t%s\\n' \"$({algo}sum < \"$p\" | cut -d' ' -f1)\"; fi; "
        ));
    }
    if o.get_mime.unwrap_or(true) {
        s.push_str("command -v file >/dev/null 2>&1 && printf 'M\\t%s\\n' \"$(file -b --mime-type --mime-encoding -- \"$p\" 2>/dev/null)\"; ");
    }
    if o.get_attributes.unwrap_or(true) {
        s.push_str("command -v lsattr >/dev/null 2>&1 && printf 'T\\t%s\\n' \"$(lsattr -vd -- \"$p\" 2>/dev/null)\"; ");
    }
    s.push_str("true");
    s
}

fn parse(o: &StatOptions, out: &str) -> Map<String, Value> {
    let mut m = Map::new();
    let mut lines = out.lines();
    let Some(first) = lines.next().filter(|l| l.starts_with("S\t")) else {
        m.insert("exists".into(), json!(false));
        return m;
    };
    let f: Vec<&str> = first.split('\t').collect();
    if f.len() < 17 {
        m.insert("exists".into(), json!(false));
        return m;
    }
    let raw = u32::from_str_radix(f[1], 16).unwrap_or(0);
    let fmt = raw & 0o170000;
    let num = |s: &str| s.parse::<u64>().unwrap_or(0);
    let time = |s: &str| s.parse::<f64>().unwrap_or(0.0);
    let bit = |b: u32| raw & b != 0;
    let perms = raw & 0o7777;
    let v = json!({
        "exists": true,
        "path": o.path,
        "mode": format!("{perms:04o}"),
        "isdir": fmt == 0o040000,
        "ischr": fmt == 0o020000,
        "isblk": fmt == 0o060000,
        "isreg": fmt == 0o100000,
        "isfifo": fmt == 0o010000,
        "islnk": fmt == 0o120000,
        "issock": fmt == 0o140000,
        "uid": num(f[2]),
        "gid": num(f[3]),
        "size": num(f[6]),
        "inode": num(f[7]),
        "dev": num(f[8]),
        "nlink": num(f[9]),
        "atime": time(f[10]),
        "mtime": time(f[11]),
        "ctime": time(f[12]),
        "wusr": bit(0o200), "rusr": bit(0o400), "xusr": bit(0o100),
        "wgrp": bit(0o020), "rgrp": bit(0o040), "xgrp": bit(0o010),
        "woth": bit(0o002), "roth": bit(0o004), "xoth": bit(0o001),
        "isuid": bit(0o4000), "isgid": bit(0o2000),
        "blocks": num(f[13]),
        "block_size": num(f[14]),
        "device_type": (u64::from_str_radix(f[15], 16).unwrap_or(0) << 8) | u64::from_str_radix(f[16], 16).unwrap_or(0),
        "pw_name": f[4],
        "gr_name": f[5],
    });
    m = v.as_object().cloned().unwrap_or_default();
    if o.get_mime.unwrap_or(true) {
        m.insert("mimetype".into(), json!("unknown"));
        m.insert("charset".into(), json!("unknown"));
    }
    if o.get_attributes.unwrap_or(true) {
        m.insert("version".into(), Value::Null);
        m.insert("attributes".into(), json!([]));
        m.insert("attr_flags".into(), json!(""));
    }
    for line in lines {
        let Some((tag, rest)) = line.split_once('\t') else {
            continue;
        };
        match tag {
            "A" => {
                m.insert("readable".into(), json!(rest.contains('r')));
                m.insert("writeable".into(), json!(rest.contains('w')));
                m.insert("executable".into(), json!(rest.contains('x')));
            }
            "L" => {
                m.insert("lnk_target".into(), json!(rest));
            }
            "P" => {
                m.insert("path".into(), json!(rest));
            }
            "R" => {
                m.insert("lnk_source".into(), json!(rest));
            }
            "C" if !rest.is_empty() => {
                m.insert("checksum".into(), json!(rest));
            }
            "M" => {
                if let Some((mt, cs)) = rest.split_once(';') {
                    m.insert("mimetype".into(), json!(mt.trim()));
                    let cs = cs
                        .split_once('=')
                        .map(|(_, c)| c.trim())
                        .unwrap_or("unknown");
                    m.insert("charset".into(), json!(cs));
                }
            }
            "T" => {
                let mut parts = rest.split_whitespace();
                if let (Some(ver), Some(flags)) = (parts.next(), parts.next()) {
                    let flags: String = flags.chars().filter(|c| *c != '-').collect();
                    m.insert("version".into(), json!(ver));
                    m.insert("attributes".into(), json!(attribute_names(&flags)));
                    m.insert("attr_flags".into(), json!(flags));
                }
            }
            _ => {}
        }
    }
    if !m.contains_key("readable") {
        m.insert("readable".into(), json!(false));
        m.insert("writeable".into(), json!(false));
        m.insert("executable".into(), json!(false));
    }
    m
}

/// `lsattr` flag letters to the names Ansible reports.
fn attribute_names(flags: &str) -> Vec<&'static str> {
    flags
        .chars()
        .filter_map(|c| {
            Some(match c {
                'a' => "append",
                'A' => "noatime",
                'c' => "compressed",
                'C' => "nocow",
                'd' => "nodump",
                'D' => "dirsync",
                'e' => "extents",
                'E' => "encrypted",
                'h' => "blocksize",
                'i' => "immutable",
                'I' => "indexed",
                'j' => "journalled",
                'N' => "inline",
                's' => "zero",
                'S' => "synchronous",
                't' => "notail",
                'T' => "blockroot",
                'u' => "undelete",
                'X' => "compressedraw",
                'Z' => "compresseddirty",
                'F' => "casefold",
                'P' => "projinherit",
                'V' => "verity",
                _ => return None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> StatOptions {
        StatOptions {
            path: "/f".into(),
            follow: None,
            get_checksum: None,
            checksum_algorithm: None,
            get_mime: None,
            get_attributes: None,
        }
    }

    #[test]
    fn parse_table() {
        let cases = [
            ("N\n", json!({"exists": false})),
            (
                "S\t81a4\t0\t0\troot\troot\t3\t5\t2049\t1\t1.5\t2.5\t3.5\t8\t4096\t0\t0\nA\trw\nC\tabc\nM\ttext/plain; charset=us-ascii\nT\t7 --------------e------- /f\n",
                json!({"exists": true, "mode": "0644", "isreg": true, "isdir": false, "size": 3, "mtime": 2.5,
                       "readable": true, "executable": false, "checksum": "abc", "mimetype": "text/plain",
                       "charset": "us-ascii", "attr_flags": "e", "attributes": ["extents"], "version": "7"}),
            ),
            (
                "S\ta1ff\t0\t0\troot\troot\t1\t5\t2049\t1\t1\t1\t1\t0\t4096\t0\t0\nA\tr\nL\tt\nR\t/d/t\n",
                json!({"islnk": true, "mode": "0777", "lnk_target": "t", "lnk_source": "/d/t", "mimetype": "unknown"}),
            ),
        ];
        for (out, want) in cases {
            let got = parse(&opts(), out);
            for (k, v) in want.as_object().unwrap() {
                assert_eq!(got.get(k), Some(v), "{k} in {out:?}");
            }
        }
    }
}
