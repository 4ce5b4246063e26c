//! Path filters over POSIX paths, as Python's `os.path` computes them:
//! `basename`, `dirname`, `expanduser`, `realpath`, `relpath`,
//! `splitext`, `path_join`.

use super::util::python_str;
use minijinja::value::Value;
use minijinja::{Environment, Error};
use std::path::{Component, Path, PathBuf};

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("basename", |v: Value| basename(&python_str(&v)).to_string());
    env.add_filter("dirname", |v: Value| dirname(&python_str(&v)));
    env.add_filter("expanduser", |v: Value| expanduser(&python_str(&v)));
    env.add_filter("realpath", |v: Value| realpath(&python_str(&v)));
    env.add_filter("relpath", |v: Value, start: Option<String>| {
        relpath(&python_str(&v), start.as_deref())
    });
    env.add_filter("splitext", |v: Value| {
        let path = python_str(&v);
        let (root, ext) = splitext(&path);
        vec![root.to_string(), ext.to_string()]
    });
    env.add_filter("path_join", path_join);
}

/// `os.path.basename`.
pub fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or("")
}

/// `os.path.dirname`.
pub fn dirname(p: &str) -> String {
    let Some(i) = p.rfind('/') else {
        return String::new();
    };
    let head = &p[..=i];
    let trimmed = head.trim_end_matches('/');
    if trimmed.is_empty() {
        head.to_string()
    } else {
        trimmed.to_string()
    }
}

/// `os.path.expanduser` for `~` and `~/...` (the controller's `$HOME`).
pub fn expanduser(p: &str) -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    if home.is_empty() {
        return p.to_string();
    }
    if p == "~" {
        return home;
    }
    match p.strip_prefix("~/") {
        Some(rest) => format!("{}/{rest}", home.trim_end_matches('/')),
        None => p.to_string(),
    }
}

/// `os.path.realpath`: symlinks resolved where the path exists, the rest
/// normalised lexically.
pub fn realpath(p: &str) -> String {
    let abs = if Path::new(p).is_absolute() {
        PathBuf::from(p)
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    if let Ok(c) = abs.canonicalize() {
        return c.to_string_lossy().into_owned();
    }
    normalize(&abs).to_string_lossy().into_owned()
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    out
}

/// `os.path.relpath(path, start)`.
pub fn relpath(p: &str, start: Option<&str>) -> String {
    let abs = |s: &str| {
        let path = Path::new(s);
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        };
        normalize(&full)
    };
    let target = abs(p);
    let base = abs(start.unwrap_or("."));
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// `os.path.splitext`: the extension keeps its dot; leading dots of the
/// file name do not start an extension.
pub fn splitext(p: &str) -> (&str, &str) {
    let name_start = p.rfind('/').map_or(0, |i| i + 1);
    let name = &p[name_start..];
    let lead = name.len() - name.trim_start_matches('.').len();
    match name[lead..].rfind('.') {
        Some(i) => {
            let dot = name_start + lead + i;
            (&p[..dot], &p[dot..])
        }
        None => (p, ""),
    }
}

/// `list | path_join`: `os.path.join(*list)`.
fn path_join(value: Value) -> Result<String, Error> {
    let parts: Vec<String> = match value.as_str() {
        Some(s) => vec![s.to_string()],
        None => value.try_iter()?.map(|v| python_str(&v)).collect(),
    };
    let mut out = String::new();
    for part in parts {
        if part.starts_with('/') {
            out = part;
        } else if out.is_empty() || out.ends_with('/') {
            out.push_str(&part);
        } else {
            out.push('/');
            out.push_str(&part);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basename_dirname_table() {
        let cases = [
            ("/etc/starrocks/fe.conf", "fe.conf", "/etc/starrocks"),
            ("/etc/", "", "/etc"),
            ("fe.conf", "fe.conf", ""),
            ("/", "", "/"),
            ("//a", "a", "//"),
        ];
        for (p, base, dir) in cases {
            assert_eq!(basename(p), base, "{p}");
            assert_eq!(dirname(p), dir, "{p}");
        }
    }

    #[test]
    fn splitext_table() {
        let cases = [
            ("a/b.tar.gz", ("a/b.tar", ".gz")),
            (".bashrc", (".bashrc", "")),
            ("noext", ("noext", "")),
            ("a.b/c", ("a.b/c", "")),
            ("x.", ("x", ".")),
        ];
        for (p, want) in cases {
            assert_eq!(splitext(p), want, "{p}");
        }
    }

    #[test]
    fn relpath_and_join_table() {
        assert_eq!(relpath("/a/b/c", Some("/a")), "b/c");
        assert_eq!(relpath("/a", Some("/a/b")), "..");
        assert_eq!(realpath("/a/./b/../c"), "/a/c");
        let join = |v: Vec<&'static str>| path_join(Value::from(v)).unwrap();
        assert_eq!(join(vec!["/opt", "sr", "fe"]), "/opt/sr/fe");
        assert_eq!(join(vec!["/opt", "/etc", "x"]), "/etc/x");
    }
}
