//! `~` and `~user` in paths, expanded the way Ansible does: a path on the
//! target gets the home directory of the user the module runs as there
//! (the become user, else the connection's user), never the controller's
//! (that is shell code, see `path_script`); a path on the controller gets
//! the controller user's, here.

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
