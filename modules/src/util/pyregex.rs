//! Python-`re` patterns for `lineinfile` and `replace`: the fast `regex`
//! engine when it can compile the pattern, `fancy-regex` only for what it
//! lacks (backreferences such as `(\w+)=\1`, lookaround).

use std::borrow::Cow;

/// A compiled pattern, on whichever engine it needs.
#[derive(Debug, Clone)]
pub enum PyRegex {
    Fast(regex::Regex),
    Fancy(fancy_regex::Regex),
}

impl PyRegex {
    /// Compile `pattern`; the error is the `regex` crate's when neither
    /// engine accepts it (its messages point at the offending part).
    pub fn new(pattern: &str) -> Result<Self, String> {
        match regex::Regex::new(pattern) {
            Ok(r) => Ok(PyRegex::Fast(r)),
            Err(fast_err) => fancy_regex::Regex::new(pattern)
                .map(PyRegex::Fancy)
                .map_err(|_| fast_err.to_string()),
        }
    }

    /// Does it match anywhere in `text`? A backtracking-limit error
    /// (pathological pattern) counts as no match.
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            PyRegex::Fast(r) => r.is_match(text),
            PyRegex::Fancy(r) => r.is_match(text).unwrap_or(false),
        }
    }

    /// The first match's expansion of `template` (`${1}` syntax, see
    /// `textfile::python_template`), or `None` without a match.
    pub fn expand_first(&self, text: &str, template: &str) -> Option<String> {
        let mut dst = String::new();
        match self {
            PyRegex::Fast(r) => r.captures(text)?.expand(template, &mut dst),
            PyRegex::Fancy(r) => r.captures(text).ok()??.expand(template, &mut dst),
        }
        Some(dst)
    }

    /// Replace every match with `template`; also the number of matches.
    pub fn replace_all<'t>(
        &self,
        text: &'t str,
        template: &str,
    ) -> Result<(Cow<'t, str>, usize), String> {
        match self {
            PyRegex::Fast(r) => Ok((r.replace_all(text, template), r.find_iter(text).count())),
            PyRegex::Fancy(r) => {
                let mut count = 0;
                for m in r.find_iter(text) {
                    m.map_err(|e| e.to_string())?;
                    count += 1;
                }
                let out = r
                    .try_replacen(text, 0, template)
                    .map_err(|e| e.to_string())?;
                Ok((out, count))
            }
        }
    }

    /// Is this the backtracking engine (the pattern needed it)?
    pub fn is_fancy(&self) -> bool {
        matches!(self, PyRegex::Fancy(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_choice_table() {
        // (pattern, compiles, needs the backtracking engine)
        let cases = [
            (r"^#\s*port=(\d+)$", true, false),
            (r"(\w+)=\1", true, true),
            (r"^(REF) .* \1$", true, true),
            (r"foo(?=bar)", true, true),
            (r"(?<!x)y", true, true),
            (r"(unclosed", false, false),
        ];
        for (p, ok, fancy) in cases {
            let r = PyRegex::new(p);
            assert_eq!(r.is_ok(), ok, "{p}");
            if let Ok(r) = r {
                assert_eq!(r.is_fancy(), fancy, "{p}");
            }
        }
    }

    #[test]
    fn matching_table() {
        // (pattern, text, is_match, expansion of "<${1}>")
        let cases = [
            (r"(\w+)=\1", "a=b", false, None),
            (r"(\w+)=\1", "ab=ab", true, Some("<ab>")),
            (r"k=(\d+)", "k=42", true, Some("<42>")),
            (r"foo(?=bar)", "foobaz", false, None),
        ];
        for (p, text, m, exp) in cases {
            let r = PyRegex::new(p).unwrap();
            assert_eq!(r.is_match(text), m, "{p} ~ {text}");
            assert_eq!(r.expand_first(text, "<${1}>").as_deref(), exp, "{p}");
        }
    }

    #[test]
    fn replace_all_table() {
        let cases = [
            (r"(\w+)=\1", "x=x y=z q=q", "[${1}]", "[x] y=z [q]", 2),
            (r"o", "foo", "0", "f00", 2),
            (r"z", "foo", "0", "foo", 0),
        ];
        for (p, text, tpl, want, n) in cases {
            let (out, count) = PyRegex::new(p).unwrap().replace_all(text, tpl).unwrap();
            assert_eq!((out.as_ref(), count), (want, n), "{p}");
        }
    }
}
