//! `~` and `~user` in paths, expanded the way Ansible does: a path on the
//! target gets the home directory of the user the module runs as there
//! (the become user, else the connection's user), never the controller's;
//! a path on the controller gets the controller user's.

use srplay_engine::connection::ExecRequest;
use srplay_engine::module::{ModuleContext, ModuleError};
use srplay_engine::shell::quote;
use std::collections::BTreeMap;

/// The `~` or `~user` a path starts with, and the rest (`""` or `/…`).
/// `None` when there is no tilde prefix, or the user name is one a shell
/// would not expand (it is then a literal file name, as in Python's
/// `expanduser` when the user is unknown).
pub fn split(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix('~')?;
    let end = rest.find('/').unwrap_or(rest.len());
    let user = &rest[..end];
    let valid = user.is_empty()
        || (!user.starts_with('-')
            && user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)));
    valid.then(|| path.split_at(end + 1))
}

/// `home` + `rest` as Python's `expanduser` joins them: the home's
/// trailing slashes dropped, `/` when nothing is left.
pub fn join(home: &str, rest: &str) -> String {
    let joined = format!("{}{rest}", home.trim_end_matches('/'));
    if joined.is_empty() {
        "/".into()
    } else {
        joined
    }
}

/// A shell word for `path` that the target's shell expands: a leading
/// `~`/`~user` stays unquoted (quoting any of it stops the expansion),
/// the rest is quoted. Also right after `=` in an assignment.
pub fn shell_word(path: &str) -> String {
    match split(path) {
        Some((prefix, "")) => prefix.to_string(),
        // The slash ends the prefix only unquoted.
        Some((prefix, "/")) => format!("{prefix}/"),
        Some((prefix, rest)) => format!("{prefix}/{}", quote(&rest[1..])),
        None => quote(path),
    }
}

/// The prefix to ask the target about: `~` for the connection's user,
/// or `~<become user>`, whose home Ansible uses for a task with become.
fn target_prefix<'a>(prefix: &'a str, become_user: Option<&'a str>) -> String {
    match (prefix, become_user) {
        ("~", Some(u)) if split(&format!("~{u}")).is_some() => format!("~{u}"),
        _ => prefix.to_string(),
    }
}

/// The script that prints the expansion of each prefix, one per line.
pub fn expand_script(prefixes: &[String]) -> String {
    format!("printf '%s\\n' {}", prefixes.join(" "))
}

/// Expand the tilde prefix of every path in `paths` on the target, in one
/// round trip (none when no path has one). The lookup itself needs no
/// privilege, so it runs without become, like Ansible's: with become,
/// `~` is asked for as `~<become user>`.
pub async fn expand_on_target(
    ctx: &ModuleContext,
    paths: &[String],
) -> Result<BTreeMap<String, String>, ModuleError> {
    // An empty become user is root, as for the become wrapper.
    let become_user = ctx.r#become.as_ref().map(|b| match b.user.as_str() {
        "" => "root",
        u => u,
    });
    let mut asked: BTreeMap<String, String> = BTreeMap::new();
    for p in paths {
        if let Some((prefix, _)) = split(p) {
            asked
                .entry(prefix.to_string())
                .or_insert_with(|| target_prefix(prefix, become_user));
        }
    }
    if asked.is_empty() {
        return Ok(BTreeMap::new());
    }
    let words: Vec<String> = asked.values().cloned().collect();
    // The task's `environment:` applies, as to an Ansible module (its
    // `HOME` is what `~` means there).
    let mut req = ExecRequest::new(expand_script(&words));
    req.env = ctx.environment.clone();
    let out = ctx.conn.exec(req).await?;
    if !out.success() {
        return Err(ModuleError::failed(format!(
            "could not expand {} on the target: {}",
            words.join(" "),
            out.stderr_str().trim()
        )));
    }
    let stdout = out.stdout_str();
    let homes: Vec<&str> = stdout.lines().collect();
    let mut found = BTreeMap::new();
    for ((prefix, word), home) in asked.iter().zip(homes) {
        // The shell leaves an unknown user's `~name` as written.
        if home != word && !home.is_empty() {
            found.insert(prefix.clone(), home.to_string());
        }
    }
    Ok(found)
}

/// `path` with its prefix replaced by the home found for it.
pub fn apply(path: &str, homes: &BTreeMap<String, String>) -> String {
    match split(path) {
        Some((prefix, rest)) => match homes.get(prefix) {
            Some(home) => join(home, rest),
            None => path.to_string(),
        },
        None => path.to_string(),
    }
}

/// Expand a controller-side path: `~` from `$HOME`, `~user` from the
/// password database.
pub fn expand_on_controller(path: &str) -> String {
    let Some((prefix, rest)) = split(path) else {
        return path.to_string();
    };
    let home = match &prefix[1..] {
        "" => std::env::var("HOME").ok(),
        user => controller_home_of(user),
    };
    match home {
        Some(h) => join(&h, rest),
        None => path.to_string(),
    }
}

fn controller_home_of(user: &str) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 6 && f[0] == user).then(|| f[5].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_table() {
        let cases = [
            ("~", Some(("~", ""))),
            ("~/a b", Some(("~", "/a b"))),
            ("~root/x", Some(("~root", "/x"))),
            ("~a.b-c_d", Some(("~a.b-c_d", ""))),
            ("~$(id)/x", None),
            ("~-x", None),
            ("/~/x", None),
            ("x~", None),
        ];
        for (path, want) in cases {
            assert_eq!(split(path), want, "{path}");
        }
    }

    #[test]
    fn join_table() {
        let cases = [
            ("/root", "/x", "/root/x"),
            ("/root/", "/x", "/root/x"),
            ("/", "/x", "/x"),
            ("/", "", "/"),
            ("/home/u", "", "/home/u"),
        ];
        for (home, rest, want) in cases {
            assert_eq!(join(home, rest), want, "{home} {rest}");
        }
    }

    #[test]
    fn shell_words_expand_only_the_prefix() {
        let cases = [
            ("~", "~"),
            ("~/a b", "~/'a b'"),
            ("~u/$x", "~u/'$x'"),
            ("~$(id)", "'~$(id)'"),
            ("/tmp/x", "/tmp/x"),
        ];
        for (path, want) in cases {
            assert_eq!(shell_word(path), want, "{path}");
        }
        // What the shell makes of them.
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!(
                "HOME=/h; p={}; printf '%s|' \"$p\" {}",
                shell_word("~/a b"),
                shell_word("~root/$x")
            ))
            .output()
            .unwrap();
        let root = controller_home_of("root").unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("/h/a b|{root}/$x|")
        );
    }

    #[test]
    fn become_asks_for_the_become_users_home() {
        assert_eq!(target_prefix("~", Some("postgres")), "~postgres");
        assert_eq!(target_prefix("~", None), "~");
        assert_eq!(target_prefix("~bob", Some("postgres")), "~bob");
    }

    #[test]
    fn apply_keeps_unknown_prefixes() {
        let homes = BTreeMap::from([("~".to_string(), "/home/u".to_string())]);
        assert_eq!(apply("~/f", &homes), "/home/u/f");
        assert_eq!(apply("~nobody-here/f", &homes), "~nobody-here/f");
        assert_eq!(apply("/abs", &homes), "/abs");
    }

    #[test]
    fn controller_expansion() {
        let home = std::env::var("HOME").unwrap_or_default();
        if !home.is_empty() {
            assert_eq!(expand_on_controller("~/x"), join(&home, "/x"));
        }
        assert_eq!(
            expand_on_controller("~no-such-user-x/y"),
            "~no-such-user-x/y"
        );
        assert_eq!(expand_on_controller("rel/~"), "rel/~");
    }
}
