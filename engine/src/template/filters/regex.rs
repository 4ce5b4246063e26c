//! Python `re` semantics on top of the `regex` crate: compiling with
//! Ansible's `ignorecase` / `multiline` flags, and expanding Python
//! replacement templates (`\1`, `\g<1>`, `\g<name>`, `\n`).
//!
//! The `regex` crate has no look-around and no backreferences inside a
//! pattern; such patterns fail with a clear error (docs/templating.md).

use super::util::filter_error;
use minijinja::Error;
use regex::{Captures, Regex, RegexBuilder};

/// Compile a Python pattern.
pub fn compile(pattern: &str, ignorecase: bool, multiline: bool) -> Result<Regex, Error> {
    RegexBuilder::new(&translate(pattern))
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .build()
        .map_err(|e| filter_error(format!("invalid regular expression {pattern:?}: {e}")))
}

/// Python pattern syntax the `regex` crate spells differently: `\Z` is
/// `\z`, `{,n}` is `{0,n}`, and a `{` that does not start a repetition (`{2}`, `{1,}`,
/// `{,3}`, `{1,3}`) is a literal brace in Python.
pub fn translate(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let next = chars[i + 1];
                if next == 'Z' && !in_class {
                    out.push_str("\\z");
                } else {
                    out.push(c);
                    out.push(next);
                }
                i += 2;
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' if !in_class && !is_repetition(&chars[i..]) => {
                out.push_str("\\{");
                i += 1;
                continue;
            }
            // `{,n}` is `{0,n}` for the `regex` crate.
            '{' if !in_class && chars.get(i + 1) == Some(&',') => {
                out.push_str("{0");
                i += 1;
                continue;
            }
            '}' if !in_class && !closes_repetition(&chars[..i]) => {
                out.push_str("\\}");
                i += 1;
                continue;
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Does `rest` (starting at `{`) read `{m}`, `{m,}`, `{,n}` or `{m,n}`?
fn is_repetition(rest: &[char]) -> bool {
    let Some(end) = rest.iter().position(|&c| c == '}') else {
        return false;
    };
    let body: String = rest[1..end].iter().collect();
    let (lo, hi) = body.split_once(',').unwrap_or((&body, "0"));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    !body.is_empty() && digits(lo) && digits(hi) && !(lo.is_empty() && hi.is_empty())
}

/// Is the `}` after `before` the end of a repetition?
fn closes_repetition(before: &[char]) -> bool {
    match before.iter().rposition(|&c| c == '{') {
        Some(open) => is_repetition(
            &before[open..]
                .iter()
                .copied()
                .chain(['}'])
                .collect::<Vec<_>>(),
        ),
        None => false,
    }
}

/// Like `compile`, anchored at the start (Python's `re.match`).
pub fn compile_anchored(pattern: &str, ignorecase: bool, multiline: bool) -> Result<Regex, Error> {
    let re = compile(pattern, ignorecase, multiline)?;
    compile(&format!(r"\A(?:{})", re.as_str()), ignorecase, multiline)
}

/// One piece of a parsed replacement template.
#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Group(usize),
    Named(String),
}

/// A Python `re.sub` replacement template.
#[derive(Debug)]
pub struct Replacement(Vec<Piece>);

impl Replacement {
    pub fn parse(template: &str) -> Result<Self, Error> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                text.push(c);
                continue;
            }
            let Some(next) = chars.next() else {
                return Err(filter_error("bad escape (end of pattern) in replacement"));
            };
            let group = match next {
                'g' => Some(parse_g_group(&mut chars)?),
                d if d.is_ascii_digit() => {
                    let mut digits = d.to_string();
                    if let Some(&d2) = chars.peek().filter(|c| c.is_ascii_digit()) {
                        digits.push(d2);
                        chars.next();
                    }
                    Some(Piece::Group(digits.parse().unwrap_or(0)))
                }
                'n' => {
                    text.push('\n');
                    None
                }
                't' => {
                    text.push('\t');
                    None
                }
                'r' => {
                    text.push('\r');
                    None
                }
                '\\' => {
                    text.push('\\');
                    None
                }
                c if c.is_ascii_alphabetic() => {
                    return Err(filter_error(format!("bad escape \\{c} in replacement")))
                }
                c => {
                    text.push('\\');
                    text.push(c);
                    None
                }
            };
            if let Some(g) = group {
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(g);
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Replacement(pieces))
    }

    /// Check the template's groups exist in `re` (Python fails at once).
    pub fn check(&self, re: &Regex) -> Result<(), Error> {
        for piece in &self.0 {
            match piece {
                Piece::Group(n) if *n >= re.captures_len() => {
                    return Err(filter_error(format!("invalid group reference {n}")))
                }
                Piece::Named(name) if !re.capture_names().any(|n| n == Some(name)) => {
                    return Err(filter_error(format!("unknown group name '{name}'")))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The replacement text for one match; unmatched groups are empty.
    pub fn expand(&self, caps: &Captures<'_>) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(n) => out.push_str(caps.get(*n).map_or("", |m| m.as_str())),
                Piece::Named(n) => out.push_str(caps.name(n).map_or("", |m| m.as_str())),
            }
        }
        out
    }
}

fn parse_g_group(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Piece, Error> {
    if chars.next() != Some('<') {
        return Err(filter_error("missing < in \\g group reference"));
    }
    let mut name = String::new();
    for c in chars.by_ref() {
        if c == '>' {
            return Ok(match name.parse::<usize>() {
                Ok(n) => Piece::Group(n),
                Err(_) => Piece::Named(name),
            });
        }
        name.push(c);
    }
    Err(filter_error("missing > in \\g group reference"))
}

/// Python's `re.subn(pattern, repl, text, count)`: the new text and the
/// number of replacements.
pub fn subn(re: &Regex, repl: &Replacement, text: &str, count: usize) -> (String, usize) {
    let mut out = String::new();
    let mut last = 0;
    let mut n = 0;
    for caps in re.captures_iter(text) {
        if count > 0 && n == count {
            break;
        }
        let m = caps.get(0).expect("group 0 always matches");
        out.push_str(&text[last..m.start()]);
        out.push_str(&repl.expand(&caps));
        last = m.end();
        n += 1;
    }
    out.push_str(&text[last..]);
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_table() {
        let cases = [
            ("ansible", "^a.*i(.*)$", r"a\1", "able"),
            (
                "localhost:80",
                r"^(?P<host>.+):(?P<port>\d+)$",
                r"\g<host>, \g<port>",
                "localhost, 80",
            ),
            ("a-b-c", "-", r"\n", "a\nb\nc"),
            ("abc", "(x)?b", r"[\1]", "a[]c"),
            ("abc", "(b)", r"\g<1>\g<1>", "abbc"),
            ("a.b", r"\.", r"\\", r"a\b"),
        ];
        for (text, pat, repl, want) in cases {
            let re = compile(pat, false, false).unwrap();
            let r = Replacement::parse(repl).unwrap();
            r.check(&re).unwrap();
            assert_eq!(subn(&re, &r, text, 0).0, want, "{pat} {repl}");
        }
    }

    #[test]
    fn translate_table() {
        let cases = [
            (r"a{2}", r"a{2}"),
            (r"a{1,}b{,3}c{1,3}", r"a{1,}b{0,3}c{1,3}"),
            (r"^{", r"^\{"),
            (r"{{ x }}", r"\{\{ x \}\}"),
            (r"[{}]", r"[{}]"),
            (r"end\Z", r"end\z"),
            (r"\{", r"\{"),
        ];
        for (py, rust) in cases {
            assert_eq!(translate(py), rust, "{py}");
            assert!(compile(py, false, false).is_ok(), "{py}");
        }
    }

    #[test]
    fn bad_templates_fail() {
        let re = compile("(a)", false, false).unwrap();
        assert!(Replacement::parse(r"\q").is_err());
        assert!(Replacement::parse(r"\2").unwrap().check(&re).is_err());
        assert!(Replacement::parse(r"\g<nope>").unwrap().check(&re).is_err());
        assert!(compile("(", false, false).is_err());
    }

    #[test]
    fn count_limits_replacements() {
        let re = compile("a", false, false).unwrap();
        let r = Replacement::parse("b").unwrap();
        assert_eq!(subn(&re, &r, "aaa", 2), ("bba".to_string(), 2));
    }
}
