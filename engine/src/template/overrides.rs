//! A template file's `#jinja2:` first line, which overrides its Jinja
//! options (`#jinja2: lstrip_blocks: True, line_statement_prefix: ":"`),
//! parsed as ansible-core 2.19 does: comma-separated `key: value` pairs,
//! values written as Python literals, unknown keys refused.

use super::syntax::TemplateSyntax;
use minijinja::syntax::SyntaxConfig;

const HEADER: &str = "#jinja2:";

/// A template's full Jinja syntax: the task's options plus what its
/// `#jinja2:` line changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Overrides {
    pub syntax: TemplateSyntax,
    pub line_statement_prefix: Option<String>,
    pub line_comment_prefix: Option<String>,
    pub keep_trailing_newline: bool,
}

impl Overrides {
    pub fn new(syntax: &TemplateSyntax) -> Self {
        Overrides {
            syntax: syntax.clone(),
            line_statement_prefix: None,
            line_comment_prefix: None,
            // Jinja's default, as in Ansible: a template (an included one
            // too) loses one trailing newline; the caller puts the
            // top-level template's back (`restore_trailing_newlines`).
            keep_trailing_newline: false,
        }
    }

    /// The minijinja configuration; an error names the bad option.
    pub fn config(&self) -> Result<SyntaxConfig, String> {
        let mut b = self.syntax.config()?.to_builder();
        if let Some(p) = &self.line_statement_prefix {
            b.line_statement_prefix(p.clone());
        }
        if let Some(p) = &self.line_comment_prefix {
            b.line_comment_prefix(p.clone());
        }
        b.keep_trailing_newline(self.keep_trailing_newline);
        b.build()
            .map_err(|e| format!("invalid #jinja2: overrides: {e}"))
    }
}

/// The template text without its `#jinja2:` line, and the syntax it
/// asks for (the task's own when there is no such line).
pub fn extract<'a>(src: &'a str, syntax: &TemplateSyntax) -> Result<(&'a str, Overrides), String> {
    let mut o = Overrides::new(syntax);
    let Some(rest) = src.strip_prefix(HEADER) else {
        return Ok((src, o));
    };
    let eol = rest
        .find('\n')
        .ok_or_else(|| format!("Missing newline after '{HEADER}' override."))?;
    for pair in rest[..eol].split(',') {
        if pair.trim().is_empty() {
            return Err(format!("Empty '{HEADER}' override pair not allowed."));
        }
        let (key, raw) = pair.split_once(':').ok_or_else(|| {
            format!("Missing key-value separator `:` in '{HEADER}' override pair '{pair}'.")
        })?;
        let value = python_literal(raw.trim()).ok_or_else(|| {
            format!("Invalid value {raw:?} in '{HEADER}' override pair '{pair}'.")
        })?;
        set(&mut o, key.trim(), value)?;
    }
    Ok((&rest[eol + 1..], o))
}

/// Ansible's `preserve_trailing_newlines`: the rendered text gets back the
/// trailing newlines of the template's source that rendering dropped. A
/// template with no output at all (only comments or tags) stays empty.
pub fn restore_trailing_newlines(src: &str, mut out: String) -> String {
    if out.is_empty() {
        return out;
    }
    let count = |s: &str| s.len() - s.trim_end_matches('\n').len();
    let missing = count(src).saturating_sub(count(&out));
    out.push_str(&"\n".repeat(missing));
    out
}

/// A Python literal as `ast.literal_eval` reads the values used here.
#[derive(Debug, PartialEq)]
enum Literal {
    Str(String),
    Bool(bool),
    None,
}

fn python_literal(v: &str) -> Option<Literal> {
    match v {
        "True" => return Some(Literal::Bool(true)),
        "False" => return Some(Literal::Bool(false)),
        "None" => return Some(Literal::None),
        _ => {}
    }
    let quote = v.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = v.strip_prefix(quote)?.strip_suffix(quote)?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            other => out.push(other),
        }
    }
    Some(Literal::Str(out))
}

fn set(o: &mut Overrides, key: &str, value: Literal) -> Result<(), String> {
    let wrong = |what: &str| format!("'{HEADER}' override `{key}` expects {what}.");
    let text = |v: Literal| match v {
        Literal::Str(s) => Ok(s),
        _ => Err(wrong("a string")),
    };
    let flag = |v: Literal| match v {
        Literal::Bool(b) => Ok(b),
        _ => Err(wrong("True or False")),
    };
    let prefix = |v: Literal| match v {
        Literal::None => Ok(None),
        other => text(other).map(Some),
    };
    let s = &mut o.syntax;
    match key {
        "block_start_string" => s.block.0 = text(value)?,
        "block_end_string" => s.block.1 = text(value)?,
        "variable_start_string" => s.variable.0 = text(value)?,
        "variable_end_string" => s.variable.1 = text(value)?,
        "comment_start_string" => s.comment.0 = text(value)?,
        "comment_end_string" => s.comment.1 = text(value)?,
        "trim_blocks" => s.trim_blocks = flag(value)?,
        "lstrip_blocks" => s.lstrip_blocks = flag(value)?,
        "line_statement_prefix" => o.line_statement_prefix = prefix(value)?,
        "line_comment_prefix" => o.line_comment_prefix = prefix(value)?,
        "keep_trailing_newline" => o.keep_trailing_newline = flag(value)?,
        "newline_sequence" => {
            return Err(format!(
                "srplay does not support `newline_sequence` in a '{HEADER}' line: \
                 use the template task's `newline_sequence` option"
            ))
        }
        _ => return Err(format!("Invalid '{HEADER}' override key '{key}'.")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_newlines_table() {
        let cases = [
            ("a\n", "a", "a\n"),
            ("a\n\n", "a\n", "a\n\n"),
            ("a", "a", "a"),
            ("{# c #}\n", "", ""),
            ("a\n", "a\n\n", "a\n\n"),
        ];
        for (src, out, want) in cases {
            assert_eq!(restore_trailing_newlines(src, out.into()), want, "{src:?}");
        }
    }

    #[test]
    fn header_table() {
        let d = TemplateSyntax::default();
        let (body, o) = extract("#jinja2: lstrip_blocks: True, trim_blocks: False\nx", &d).unwrap();
        assert_eq!(body, "x");
        assert!(o.syntax.lstrip_blocks && !o.syntax.trim_blocks);
        let (body, o) = extract("#jinja2: line_statement_prefix:\":\"\n: if true\n", &d).unwrap();
        assert_eq!(body, ": if true\n");
        assert_eq!(o.line_statement_prefix.as_deref(), Some(":"));
        let (body, o) = extract("no header\n", &d).unwrap();
        assert_eq!(body, "no header\n");
        assert_eq!(o, Overrides::new(&d));
        let errors = [
            (
                "#jinja2: lstrip_blocks=True\nx",
                "Missing key-value separator",
            ),
            ("#jinja2: lstrip_blocks: True", "Missing newline"),
            (
                "#jinja2: nope: True\nx",
                "Invalid '#jinja2:' override key 'nope'",
            ),
            (
                "#jinja2: trim_blocks: True,\nx",
                "Empty '#jinja2:' override pair",
            ),
            ("#jinja2: trim_blocks: 'x'\nx", "expects True or False"),
        ];
        for (src, want) in errors {
            let e = extract(src, &d).unwrap_err();
            assert!(e.contains(want), "{src}: {e}");
        }
    }
}
