//! `$NAME` and `${NAME}` in paths, exactly as Python's
//! `posixpath.expandvars` (which Ansible's `type: path` runs before
//! `expanduser`): a reference is `\$(\w+|\{[^}]*\})` with ASCII `\w`, a
//! variable that is not set stays as written, and a value is never
//! scanned again.

/// One part of a path: literal text, or a variable reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// `name` as looked up (the braces' content for `${…}`, which may be
    /// any text but `}`), and `text`, the reference as written.
    Var {
        name: &'a str,
        text: &'a str,
    },
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `name` is one a lookup on the target may be asked for: ASCII
/// `\w+` (only such names are ever put in a script).
pub fn is_word_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_word)
}

/// The reference starting at `i` (a `$`), as Python's regex finds it:
/// `(name, end)`.
fn reference_at(path: &str, i: usize) -> Option<(&str, usize)> {
    let b = path.as_bytes();
    let start = i + 1;
    match b.get(start)? {
        c if is_word(*c) => {
            let end = b[start..]
                .iter()
                .position(|c| !is_word(*c))
                .map_or(b.len(), |p| start + p);
            Some((&path[start..end], end))
        }
        b'{' => {
            let close = path[start..].find('}')? + start;
            Some((&path[start + 1..close], close + 1))
        }
        _ => None,
    }
}

/// `path` split into text and references.
pub fn pieces(path: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut text_from = 0;
    let mut i = 0;
    while let Some(off) = path[i..].find('$') {
        let at = i + off;
        match reference_at(path, at) {
            Some((name, end)) => {
                if text_from < at {
                    out.push(Piece::Text(&path[text_from..at]));
                }
                out.push(Piece::Var {
                    name,
                    text: &path[at..end],
                });
                text_from = end;
                i = end;
            }
            None => i = at + 1,
        }
    }
    if text_from < path.len() {
        out.push(Piece::Text(&path[text_from..]));
    }
    out
}

/// Whether `path` holds a variable reference at all.
pub fn has_reference(path: &str) -> bool {
    pieces(path).iter().any(|p| matches!(p, Piece::Var { .. }))
}

/// `path` with every reference whose variable `lookup` knows replaced by
/// its value.
pub fn expand(path: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    pieces(path)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t.to_string(),
            Piece::Var { name, text } => lookup(name).unwrap_or_else(|| text.to_string()),
        })
        .collect()
}

/// The controller process's variable `name`, as Python's `os.environ`
/// has it (a name with `=` or NUL, or an empty one, is never set).
pub fn controller_var(name: &str) -> Option<String> {
    if name.is_empty() || name.contains(['=', '\0']) {
        return None;
    }
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The environment the table was run with.
    fn env() -> BTreeMap<&'static str, &'static str> {
        BTreeMap::from([
            ("A", "a"),
            ("B", ""),
            ("HOME", "/home/u"),
            ("D", "$A"),
            ("T", "~"),
            ("U", "root"),
            ("NL", "x\ny\n"),
            ("_x1", "w"),
            ("1x", "digit"),
            ("a-b", "dash"),
            ("DOLLAR", "$"),
        ])
    }

    /// `(path, posixpath.expandvars(path))`, every row checked with
    /// ansible-core 2.19's Python (3.11) and the environment of [`env`]:
    /// `os.environ.clear(); os.environ.update(env);
    /// print(posixpath.expandvars(path))`.
    const PYTHON: &[(&str, &str)] = &[
        ("$A", "a"),
        ("${A}", "a"),
        ("$A$B", "a"),
        ("x$Ay", "x$Ay"),
        ("x${A}y", "xay"),
        ("$NOPE", "$NOPE"),
        ("${NOPE}", "${NOPE}"),
        ("$", "$"),
        ("$$", "$$"),
        ("$$A", "$a"),
        ("$$$A", "$$a"),
        ("$1x", "digit"),
        ("$1", "$1"),
        ("${a-b}", "dash"),
        ("${}", "${}"),
        ("${A", "${A"),
        ("$A}", "a}"),
        ("${A}}", "a}"),
        ("${{A}}", "${{A}}"),
        ("$-A", "$-A"),
        ("a$", "a$"),
        ("$/A", "$/A"),
        ("${ A}", "${ A}"),
        ("${A:-z}", "${A:-z}"),
        ("$Ä", "$Ä"),
        ("$ÄA", "$ÄA"),
        ("$A.b", "a.b"),
        ("$A-b", "a-b"),
        ("$A_", "$A_"),
        ("$_", "$_"),
        ("$_x1", "w"),
        ("$D", "$A"),
        ("$T/x", "~/x"),
        ("~$U", "~root"),
        ("$HOME/x", "/home/u/x"),
        ("$B$A", "a"),
        ("${NL}z", "x\ny\nz"),
        ("\\$A", "\\a"),
        ("$A$NOPE$A", "a$NOPEa"),
        ("${DOLLAR}A", "$A"),
        ("$DOLLAR{A}", "${A}"),
        ("${A}${B}/", "a/"),
        ("$U~", "root~"),
        ("~/${A}", "~/a"),
        ("/plain/path", "/plain/path"),
        ("", ""),
    ];

    #[test]
    fn expands_as_python() {
        let env = env();
        for (path, want) in PYTHON {
            let got = expand(path, |n| env.get(n).map(|v| v.to_string()));
            assert_eq!(&got, want, "{path:?}");
        }
    }

    #[test]
    fn pieces_rebuild_the_path() {
        for (path, _) in PYTHON {
            let joined: String = pieces(path)
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => *t,
                    Piece::Var { text, .. } => *text,
                })
                .collect();
            assert_eq!(&joined, path);
        }
    }

    #[test]
    fn references_and_names() {
        let cases = [
            ("/a/$B", true),
            ("/a/${}", true),
            ("/a/$", false),
            ("/a/$-", false),
            ("${x", false),
        ];
        for (path, want) in cases {
            assert_eq!(has_reference(path), want, "{path}");
        }
        let names = [("A_1", true), ("1x", true), ("a-b", false), ("", false)];
        for (name, want) in names {
            assert_eq!(is_word_name(name), want, "{name}");
        }
    }

    #[test]
    fn controller_names_never_reach_the_os_malformed() {
        for name in ["", "A=B", "A\0B"] {
            assert_eq!(controller_var(name), None, "{name:?}");
        }
    }
}
