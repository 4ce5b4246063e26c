//! Filters, tests and lookups used in Jinja text, checked against the
//! real template environment (one compile+eval probe per name, cached).

use minijinja::ErrorKind;
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Use {
    Filter,
    Test,
    Lookup,
}

impl Use {
    pub fn kind(self) -> &'static str {
        match self {
            Use::Filter => "filter",
            Use::Test => "test",
            Use::Lookup => "lookup",
        }
    }
}

/// One name used in a template, at a byte offset of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameUse {
    pub what: Use,
    pub name: String,
    pub offset: usize,
}

fn regexes() -> &'static (Regex, Regex, Regex, Regex, Regex) {
    static R: OnceLock<(Regex, Regex, Regex, Regex, Regex)> = OnceLock::new();
    R.get_or_init(|| {
        (
            Regex::new(r"(?s)\{\{.*?\}\}|\{%.*?%\}").expect("regions"),
            Regex::new(r#"'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*""#).expect("literals"),
            Regex::new(r"\|\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
                .expect("filters"),
            Regex::new(r"\bis\s+(?:not\s+)?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
                .expect("tests"),
            Regex::new(r#"\b(?:lookup|query|q)\s*\(\s*['"]([A-Za-z_][\w.]*)['"]"#)
                .expect("lookups"),
        )
    })
}

/// Every filter, test and lookup named in `text`'s `{{ }}` and `{% %}`
/// regions (`bare`: the whole text is an expression, as in `when:`).
pub fn uses(text: &str, bare: bool) -> Vec<NameUse> {
    let (regions, literals, filters, tests, lookups) = regexes();
    let spans: Vec<(usize, &str)> = if bare {
        vec![(0, text)]
    } else {
        regions
            .find_iter(text)
            .map(|m| (m.start(), m.as_str()))
            .collect()
    };
    let mut out = Vec::new();
    for (start, region) in spans {
        for c in lookups.captures_iter(region) {
            let m = c.get(1).expect("group");
            out.push(NameUse {
                what: Use::Lookup,
                name: m.as_str().to_string(),
                offset: start + m.start(),
            });
        }
        // Names inside string literals are text, not filters or tests.
        let code = literals.replace_all(region, |c: &regex::Captures| " ".repeat(c[0].len()));
        for (re, what) in [(filters, Use::Filter), (tests, Use::Test)] {
            for c in re.captures_iter(&code) {
                let m = c.get(1).expect("group");
                out.push(NameUse {
                    what,
                    name: m.as_str().to_string(),
                    offset: start + m.start(),
                });
            }
        }
    }
    out.sort_by_key(|u| u.offset);
    out
}

/// Jinja statements that look like `| name` or `is name` but are not.
const NOT_NAMES: &[&str] = &["not", "none", "defined"];

/// Knows which names the real environment accepts.
#[derive(Default)]
pub struct Probe {
    cache: HashMap<(Use, String), bool>,
}

impl Probe {
    pub fn supports(&mut self, what: Use, name: &str) -> bool {
        if what == Use::Test && NOT_NAMES.contains(&name) {
            return true;
        }
        let key = (what, name.to_string());
        if let Some(known) = self.cache.get(&key) {
            return *known;
        }
        let ok = probe(what, name);
        self.cache.insert(key, ok);
        ok
    }
}

/// Compile and evaluate a minimal expression using the name; only an
/// "unknown filter/test/lookup" error means it is missing (any other
/// error is about the probe's dummy argument).
fn probe(what: Use, name: &str) -> bool {
    let env = crate::template::environment();
    let expr = match what {
        Use::Filter => format!("none | {name}"),
        Use::Test => format!("none is {name}"),
        Use::Lookup => format!("lookup('{name}')"),
    };
    let result = env
        .compile_expression(&expr)
        .and_then(|e| e.eval(minijinja::context! {}).map(|_| ()));
    match result {
        Ok(()) => true,
        Err(e) => match e.kind() {
            ErrorKind::UnknownFilter => what != Use::Filter,
            ErrorKind::UnknownTest => what != Use::Test,
            _ => !(what == Use::Lookup && e.to_string().contains("not found")),
        },
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map(|i| offset - i).unwrap_or(offset + 1);
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, bare expression, expected (kind, name) uses)
    type ExtractionCase = (&'static str, bool, &'static [(&'static str, &'static str)]);

    #[test]
    fn extraction_table() {
        let cases: &[ExtractionCase] = &[
            (
                "{{ x | default('a | b') | upper }}",
                false,
                &[("filter", "default"), ("filter", "upper")],
            ),
            (
                "{% if x is not defined %}{% endif %}",
                false,
                &[("test", "defined")],
            ),
            (
                "{{ lookup('env', 'HOME') }} and q(\"pipe\", 'ls')",
                false,
                &[("lookup", "env")],
            ),
            ("x is version('1.0', '>=')", true, &[("test", "version")]),
            ("plain | text is none", false, &[]),
            (
                "{{ a | community.general.json_query('b') }}",
                false,
                &[("filter", "community.general.json_query")],
            ),
        ];
        for (text, bare, want) in cases {
            let got: Vec<(&str, String)> = uses(text, *bare)
                .into_iter()
                .map(|u| (u.what.kind(), u.name))
                .collect();
            let want: Vec<(&str, String)> = want.iter().map(|(k, n)| (*k, n.to_string())).collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn probe_table() {
        let mut p = Probe::default();
        let cases = [
            (Use::Filter, "to_json", true),
            (Use::Filter, "default", true),
            (Use::Filter, "no_such_filter_x", false),
            (Use::Test, "defined", true),
            (Use::Test, "no_such_test_x", false),
            (Use::Lookup, "env", true),
            (Use::Lookup, "no_such_lookup_x", false),
        ];
        for (what, name, want) in cases {
            assert_eq!(p.supports(what, name), want, "{name}");
        }
    }

    #[test]
    fn line_col_is_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
