//! Remote `stat`: everything a module needs to know about paths on the
//! target, for any number of paths, in one round trip.

use serde_json::{json, Map, Value};
use srplay_engine::module::{ModuleContext, ModuleError};
use srplay_engine::shell::quote;

/// What kind of filesystem object a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    File,
    Directory,
    Link,
    Fifo,
    Socket,
    Char,
    Block,
    Other,
}

impl FileType {
    fn from_stat(s: &str) -> Self {
        match s {
            "regular file" | "regular empty file" => FileType::File,
            "directory" => FileType::Directory,
            "symbolic link" => FileType::Link,
            "fifo" => FileType::Fifo,
            "socket" => FileType::Socket,
            "character special file" => FileType::Char,
            "block special file" => FileType::Block,
            _ => FileType::Other,
        }
    }

    /// The name Ansible's `file` module reports as `state`.
    pub fn state_name(self) -> &'static str {
        match self {
            FileType::File => "file",
            FileType::Directory => "directory",
            FileType::Link => "link",
            _ => "file",
        }
    }
}

/// One existing path on the target.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteStat {
    pub path: String,
    pub file_type: FileType,
    /// Permission bits incl. setuid/setgid/sticky (`0o7777` mask).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub owner: String,
    pub group: String,
    pub size: u64,
    pub mtime: f64,
    pub atime: f64,
    pub ctime: f64,
    pub inode: u64,
    pub nlink: u64,
    pub dev: u64,
    /// For a symlink: its target as written (`readlink`).
    pub link_target: Option<String>,
    /// sha1 of a regular file's content, when asked for.
    pub checksum: Option<String>,
    pub readable: bool,
    pub writeable: bool,
    pub executable: bool,
    /// The path has a POSIX ACL beyond its mode bits (`ls` shows `+`),
    /// when asked for.
    pub acl: bool,
}

impl RemoteStat {
    pub fn is_dir(&self) -> bool {
        self.file_type == FileType::Directory
    }
    pub fn is_file(&self) -> bool {
        self.file_type == FileType::File
    }
    pub fn is_link(&self) -> bool {
        self.file_type == FileType::Link
    }
    /// The mode as Ansible prints it: four octal digits, `"0644"`.
    pub fn mode_string(&self) -> String {
        format!("{:04o}", self.mode)
    }

    /// The file attributes every file module returns (`mode`, `owner`…).
    pub fn attrs_json(&self) -> Map<String, Value> {
        let v = json!({
            "mode": self.mode_string(),
            "owner": self.owner,
            "group": self.group,
            "uid": self.uid,
            "gid": self.gid,
            "size": self.size,
            "state": self.file_type.state_name(),
        });
        v.as_object().cloned().unwrap_or_default()
    }
}

/// What to stat: a path, whether to follow a final symlink, whether to
/// compute the sha1 of a regular file.
#[derive(Debug, Clone)]
pub struct StatRequest {
    pub path: String,
    pub follow: bool,
    pub checksum: bool,
    /// Find out whether the path has an extended POSIX ACL.
    pub acl: bool,
}

impl StatRequest {
    pub fn new(path: impl Into<String>) -> Self {
        StatRequest {
            path: path.into(),
            follow: false,
            checksum: false,
            acl: false,
        }
    }
    pub fn follow(mut self, f: bool) -> Self {
        self.follow = f;
        self
    }
    pub fn checksum(mut self, c: bool) -> Self {
        self.checksum = c;
        self
    }
    pub fn acl(mut self, a: bool) -> Self {
        self.acl = a;
        self
    }
}

const FORMAT: &str = "S\\t%F\\t%a\\t%u\\t%g\\t%U\\t%G\\t%s\\t%.9Y\\t%.9X\\t%.9Z\\t%i\\t%h\\t%d\\n";

/// The shell script that prints the records [`parse`] reads.
pub fn script(reqs: &[StatRequest]) -> String {
    let mut s = String::new();
    for (i, r) in reqs.iter().enumerate() {
        let l = if r.follow { "-L " } else { "" };
        s.push_str(&format!(
            "p={p}; echo '@@{i}'; if [ -e \"$p\" ] || [ -L \"$p\" ]; then \
             stat {l}--printf '{FORMAT}' -- \"$p\" 2>/dev/null; \
             [ -L \"$p\" ] && printf 'L\\t%s\\n' \"$(readlink -- \"$p\")\"; \
             a=''; [ -r \"$p\" ] && a=r; [ -w \"$p\" ] && a=\"${{a}}w\"; [ -x \"$p\" ] && a=\"${{a}}x\"; \
             printf 'A\\t%s\\n' \"$a\"; ",
            p = quote(&r.path),
        ));
        if r.checksum {
            s.push_str(
                "if [ -f \"$p\" ] && [ -r \"$p\" ]; then \
                 printf 'C\\t%s\\n' \"$(sha1sum < \"$p\" | cut -c1-40)\"; fi; ",
            );
        }
        if r.acl {
            // GNU `ls` marks a mode with an extended ACL with `+`: one
            // cheap check here instead of a getfacl round trip per write.
            s.push_str(&format!(
                "case $(ls -ld{l}-- \"$p\" 2>/dev/null) in ??????????+*) printf 'X\\t+\\n';; esac; ",
                l = if r.follow { "L " } else { " " }
            ));
        }
        s.push_str("fi; ");
    }
    s.push_str("true");
    s
}

/// Read the output of [`script`]: one entry per request, `None` if absent.
pub fn parse(reqs: &[StatRequest], out: &str) -> Vec<Option<RemoteStat>> {
    let mut res: Vec<Option<RemoteStat>> = vec![None; reqs.len()];
    let mut cur: Option<usize> = None;
    for line in out.lines() {
        if let Some(i) = line.strip_prefix("@@") {
            cur = i.parse().ok().filter(|i: &usize| *i < reqs.len());
            continue;
        }
        let Some(i) = cur else { continue };
        let mut parts = line.split('\t');
        match parts.next() {
            Some("S") => {
                let f: Vec<&str> = parts.collect();
                res[i] = parse_record(&reqs[i].path, &f);
            }
            Some(tag) => {
                let rest = line[tag.len()..].strip_prefix('\t').unwrap_or("");
                if let Some(st) = res[i].as_mut() {
                    match tag {
                        "L" => st.link_target = Some(rest.to_string()),
                        "C" if rest.len() == 40 => st.checksum = Some(rest.to_string()),
                        "X" => st.acl = true,
                        "A" => {
                            st.readable = rest.contains('r');
                            st.writeable = rest.contains('w');
                            st.executable = rest.contains('x');
                        }
                        _ => {}
                    }
                }
            }
            None => {}
        }
    }
    res
}

fn parse_record(path: &str, f: &[&str]) -> Option<RemoteStat> {
    if f.len() < 13 {
        return None;
    }
    let num = |s: &str| s.parse::<u64>().unwrap_or(0);
    let float = |s: &str| s.parse::<f64>().unwrap_or(0.0);
    Some(RemoteStat {
        path: path.to_string(),
        file_type: FileType::from_stat(f[0]),
        mode: u32::from_str_radix(f[1], 8).unwrap_or(0),
        uid: num(f[2]) as u32,
        gid: num(f[3]) as u32,
        owner: f[4].to_string(),
        group: f[5].to_string(),
        size: num(f[6]),
        mtime: float(f[7]),
        atime: float(f[8]),
        ctime: float(f[9]),
        inode: num(f[10]),
        nlink: num(f[11]),
        dev: num(f[12]),
        link_target: None,
        checksum: None,
        readable: false,
        writeable: false,
        executable: false,
        acl: false,
    })
}

/// Stat several paths in one round trip.
pub async fn stat_many(
    ctx: &ModuleContext,
    reqs: &[StatRequest],
) -> Result<Vec<Option<RemoteStat>>, ModuleError> {
    let out = ctx.exec(script(reqs)).await?;
    Ok(parse(reqs, &out.stdout_str()))
}

/// Stat one path.
pub async fn stat_one(
    ctx: &ModuleContext,
    req: StatRequest,
) -> Result<Option<RemoteStat>, ModuleError> {
    Ok(stat_many(ctx, std::slice::from_ref(&req)).await?.remove(0))
}

/// The file facts Ansible adds to a module result that names a `path` or
/// `dest` (`add_path_info`): only when the path exists (following links).
pub fn path_info(lst: Option<&RemoteStat>, followed: Option<&RemoteStat>) -> Map<String, Value> {
    let mut m = Map::new();
    let (Some(l), Some(_)) = (lst, followed) else {
        return m;
    };
    let state = match l.file_type {
        FileType::Link => "link",
        FileType::Directory => "directory",
        _ if l.nlink > 1 => "hard",
        _ => "file",
    };
    m.insert("uid".into(), json!(l.uid));
    m.insert("gid".into(), json!(l.gid));
    m.insert("owner".into(), json!(l.owner));
    m.insert("group".into(), json!(l.group));
    m.insert("mode".into(), json!(format!("0{:03o}", l.mode)));
    m.insert("state".into(), json!(state));
    m.insert("size".into(), json!(l.size));
    m
}

/// [`path_info`] for one path, in one round trip.
pub async fn path_info_of(
    ctx: &ModuleContext,
    path: &str,
) -> Result<Map<String, Value>, ModuleError> {
    let s = stat_many(
        ctx,
        &[StatRequest::new(path), StatRequest::new(path).follow(true)],
    )
    .await?;
    Ok(path_info(s[0].as_ref(), s[1].as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let reqs = [
            StatRequest::new("/a").checksum(true),
            StatRequest::new("/missing"),
            StatRequest::new("/l"),
        ];
        let out = "@@0\nS\tregular file\t644\t0\t0\troot\troot\t3\t1.5\t2\t3\t11\t1\t2049\n\
                   A\trw\nC\t2aae6c35c94fcfb415dbe95f408b9ce91ee846ed\n@@1\n\
                   @@2\nS\tsymbolic link\t777\t1000\t1000\tu\tg\t2\t1\t1\t1\t12\t1\t2049\nL\ta b\nA\tr\n";
        let got = parse(&reqs, out);
        let a = got[0].as_ref().unwrap();
        assert_eq!(
            (a.file_type, a.mode_string(), a.size, a.mtime, a.writeable),
            (FileType::File, "0644".to_string(), 3, 1.5, true)
        );
        assert_eq!(
            a.checksum.as_deref(),
            Some("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")
        );
        assert!(got[1].is_none());
        let l = got[2].as_ref().unwrap();
        assert_eq!(
            (l.file_type, l.link_target.as_deref(), l.owner.as_str()),
            (FileType::Link, Some("a b"), "u")
        );
    }
}
