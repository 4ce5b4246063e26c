//! Ansible 2.19 keeps backslashes in Jinja string literals as written:
//! `'a\1'` is the four characters `a`, `\`, `1` (checked against the
//! oracle: `{{ ['a\1', 'a\n', 'a\\1'] }}` gives `["a\\1", "a\\n",
//! "a\\\\1"]`), so `regex_replace('(x)', '\1')` and patterns like `'\d+'`
//! work without doubling. minijinja decodes escapes (`\1` becomes
//! U+0001), so the template source is rewritten before compiling: inside
//! `{{ }}` and `{% %}`, every backslash in a string literal is escaped
//! for minijinja, which then yields the original text.

use super::mutable::{MUTABLE_FN, MUTATING_METHODS};
use super::strict;
use std::borrow::Cow;

/// The three pairs of Jinja delimiters a source is written with
/// (the `template` module can change them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Delimiters {
    pub variable: (String, String),
    pub block: (String, String),
    pub comment: (String, String),
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters {
            variable: ("{{".into(), "}}".into()),
            block: ("{%".into(), "%}".into()),
            comment: ("{#".into(), "#}".into()),
        }
    }
}

/// Which kind of tag opens next in a source.
#[derive(Clone, Copy, PartialEq)]
enum TagKind {
    Variable,
    Block,
    Comment,
}

/// The template source with string-literal backslashes preserved for
/// minijinja (and strict operands wrapped, see `strict.rs`). Text outside
/// tags, comments and `{% raw %}` blocks is untouched. Sources the
/// pre-pass cannot change are returned as is.
pub fn raw_string_literals(source: &str) -> Cow<'_, str> {
    raw_string_literals_with(source, &Delimiters::default())
}

/// [`raw_string_literals`] for a source written with other delimiters.
pub fn raw_string_literals_with<'a>(source: &'a str, delims: &Delimiters) -> Cow<'a, str> {
    template_source(source, delims, true)
}

/// The source pre-pass with a choice of string literals: raw (templates
/// written in YAML, as Ansible's `escape_backslashes`) or decoded as
/// Jinja does (template files: the `template` module and lookup, checked
/// against the oracle: `{{ 'a\1' }}` in a file gives `a` and U+0001).
/// Unary plus, mutable literals and strict operands are handled either way.
pub fn template_source<'a>(
    source: &'a str,
    delims: &Delimiters,
    raw_backslashes: bool,
) -> Cow<'a, str> {
    if !needs_rewrite(source) {
        return Cow::Borrowed(source);
    }
    let wrap = calls_mutating_method(source);
    let mut out = String::with_capacity(source.len() + 8);
    let mut rest = source;
    while let Some((start, kind)) = next_tag(rest, delims) {
        let (before, tail) = rest.split_at(start);
        out.push_str(before);
        let (open, close) = match kind {
            TagKind::Variable => &delims.variable,
            TagKind::Block => &delims.block,
            TagKind::Comment => {
                let (open, close) = &delims.comment;
                let end = tail[open.len()..]
                    .find(close.as_str())
                    .map_or(tail.len(), |i| open.len() + i + close.len());
                out.push_str(&tail[..end]);
                rest = &tail[end..];
                continue;
            }
        };
        let mut tag = String::new();
        let consumed = copy_tag(tail, open.len(), close, wrap, raw_backslashes, &mut tag);
        out.push_str(&wrap_strict_operands(&tag, open.len(), close));
        rest = &tail[consumed..];
        if kind == TagKind::Block && is_raw_block_start(&tail[..consumed], delims) {
            let end = find_endraw(rest, delims);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Where the next tag opens in `rest`, and its kind.
fn next_tag(rest: &str, delims: &Delimiters) -> Option<(usize, TagKind)> {
    [
        (&delims.variable.0, TagKind::Variable),
        (&delims.block.0, TagKind::Block),
        (&delims.comment.0, TagKind::Comment),
    ]
    .into_iter()
    .filter_map(|(open, kind)| rest.find(open.as_str()).map(|i| (i, open.len(), kind)))
    // The earliest; at one offset the longer delimiter wins.
    .min_by_key(|&(i, len, _)| (i, std::cmp::Reverse(len)))
    .map(|(i, _, kind)| (i, kind))
}

/// The copied tag with its body's strict operands wrapped.
fn wrap_strict_operands(tag: &str, open_len: usize, close: &str) -> String {
    let body_end = if tag.len() >= open_len + close.len() && tag.ends_with(close) {
        tag.len() - close.len()
    } else {
        tag.len()
    };
    let body = &tag[open_len..body_end];
    if !strict::may_need_wrapping(body) {
        return tag.to_string();
    }
    format!(
        "{}{}{}",
        &tag[..open_len],
        strict::wrap_operands(body),
        &tag[body_end..]
    )
}

/// Does the pre-pass change anything in `source`? Only backslashes,
/// `+`, mutating method calls and operands of `in` and comparisons
/// matter; other sources stay borrowed.
pub fn needs_rewrite(source: &str) -> bool {
    source.contains('\\')
        || source.contains('+')
        || calls_mutating_method(source)
        || strict::may_need_wrapping(source)
}

/// Does `source` call `.append(`, `.update(`… (see `mutable.rs`)?
fn calls_mutating_method(source: &str) -> bool {
    source.contains('.')
        && MUTATING_METHODS
            .iter()
            .any(|m| source.contains(&format!(".{m}(")))
}

/// Copy one tag starting at `{{`/`{%` up to its closing delimiter,
/// rewriting string literals (and with `wrap`, wrapping list and dict
/// literals in [`MUTABLE_FN`]); returns the bytes consumed. Like Jinja's
/// lexer, a closing delimiter only counts outside brackets, so
/// `{{ {'a': {'b': 1}} }}` is one tag.
fn copy_tag(
    tag: &str,
    open_len: usize,
    close: &str,
    wrap: bool,
    raw: bool,
    out: &mut String,
) -> usize {
    let bytes = tag.as_bytes();
    out.push_str(&tag[..open_len]);
    let body_start = out.len();
    // One entry per open bracket: was it wrapped in MUTABLE_FN?
    let mut open: Vec<bool> = Vec::new();
    let mut i = open_len;
    while i < bytes.len() {
        if open.is_empty() && tag[i..].starts_with(close) {
            out.push_str(close);
            return i + close.len();
        }
        let c = bytes[i];
        match c {
            b'\'' | b'"' => {
                i = copy_literal(tag, i, raw, out);
                continue;
            }
            // Jinja's unary plus, which minijinja lacks: `+x` is `x`.
            // (`{%+` and `+%}` are whitespace control, not operators.)
            b'+' if i > open_len
                && !tag[i + 1..].starts_with(close)
                && is_operand_expected(&out[body_start..]) =>
            {
                out.push(' ');
                i += 1;
                continue;
            }
            b'[' | b'{' if wrap && is_operand_expected(&out[body_start..]) => {
                out.push_str(MUTABLE_FN);
                out.push('(');
                out.push(c as char);
                open.push(true);
                i += 1;
                continue;
            }
            b'(' | b'[' | b'{' => open.push(false),
            b')' | b']' | b'}' => {
                let wrapped = open.pop() == Some(true);
                out.push(c as char);
                if wrapped {
                    out.push(')');
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        let ch = tag[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    tag.len()
}

/// After the expression text `before`, does an operand (rather than an
/// operator) come next? True at the start, after an opening bracket, a
/// comma, colon, operator or a keyword such as `and`/`in`/`else`.
fn is_operand_expected(before: &str) -> bool {
    let t = before.trim_end();
    let t = if t == "-" { "" } else { t };
    let Some(last) = t.chars().last() else {
        return true;
    };
    if last.is_alphanumeric() || last == '_' {
        let word_start = t
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        return matches!(
            &t[word_start..],
            "and" | "or" | "not" | "in" | "if" | "else" | "return"
        );
    }
    "([{,:+-*/%~=<>!".contains(last)
}

/// If `s` is exactly one `{{ expression }}` (blanks around allowed), the
/// expression. Brackets and string literals are respected, so
/// `{{ {'a': {'b': 1}} }}` is one expression and `{{ a }}-{{ b }}` is not.
pub fn lone_expression(s: &str) -> Option<&str> {
    let t = s.trim();
    if !t.starts_with("{{") {
        return None;
    }
    let mut scratch = String::new();
    let end = copy_tag(t, 2, "}}", false, true, &mut scratch);
    if end != t.len() || !t.ends_with("}}") {
        return None;
    }
    let inner = &t[2..t.len() - 2];
    let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    Some(inner.trim())
}

/// Copy the string literal opening at `start`; returns the index after it.
/// With `raw`, its backslashes are escaped so minijinja keeps them.
fn copy_literal(tag: &str, start: usize, raw: bool, out: &mut String) -> usize {
    let quote = tag.as_bytes()[start] as char;
    out.push(quote);
    let mut chars = tag[start + 1..].char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
            '\\' if !raw => {
                out.push(c);
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '\\' => {
                out.push_str("\\\\");
                if let Some((_, next)) = chars.next() {
                    // Keep a quote or backslash escaped so the literal
                    // ends where Jinja's lexer ends it.
                    if next == quote || next == '\\' {
                        out.push('\\');
                    }
                    out.push(next);
                }
            }
            c if c == quote => {
                out.push(c);
                return start + 1 + off + 1;
            }
            c => out.push(c),
        }
    }
    tag.len()
}

fn is_raw_block_start(tag: &str, delims: &Delimiters) -> bool {
    let (open, close) = &delims.block;
    let inner = tag.strip_prefix(open.as_str()).unwrap_or(tag);
    let inner = inner.strip_suffix(close.as_str()).unwrap_or(inner);
    inner.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace()) == "raw"
}

/// Where the `{% endraw %}` tag starts in `rest` (its end if missing).
fn find_endraw(rest: &str, delims: &Delimiters) -> usize {
    let (open, close) = &delims.block;
    let mut from = 0;
    while let Some(i) = rest[from..].find(open.as_str()) {
        let at = from + i;
        let tail = &rest[at + open.len()..];
        let inner = tail.find(close.as_str()).map_or(tail, |e| &tail[..e]);
        let inner = inner.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        if inner == "endraw" {
            return at;
        }
        from = at + open.len();
    }
    rest.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_table() {
        let cases = [
            ("no backslash {{ 'x' }}", "no backslash {{ 'x' }}"),
            (r"{{ 'a\1' }}", r"{{ 'a\\1' }}"),
            (r"{{ 'a\\1' }}", r"{{ 'a\\\\1' }}"),
            (r"{{ 'it\'s' }}", r"{{ 'it\\\'s' }}"),
            (r#"{{ "q\"" ~ 'd\d' }}"#, r#"{{ "q\\\"" ~ 'd\\d' }}"#),
            (r"text \1 {{ x }}", r"text \1 {{ x }}"),
            (r"{% set p = '\d+' %}", r"{% set p = '\\d+' %}"),
            (r"{# '\1' #}{{ '\1' }}", r"{# '\1' #}{{ '\\1' }}"),
            (
                r"{% raw %}{{ '\1' }}{% endraw %}{{ '\1' }}",
                r"{% raw %}{{ '\1' }}{% endraw %}{{ '\\1' }}",
            ),
            (r"{{ {'a': {'b': '\1'}} }}", r"{{ {'a': {'b': '\\1'}} }}"),
        ];
        for (src, want) in cases {
            assert_eq!(raw_string_literals(src), want, "{src}");
        }
    }

    #[test]
    fn lone_expression_table() {
        let cases = [
            ("{{ x }}", Some("x")),
            ("  {{- x -}} ", Some("x")),
            ("{{ {'a': {'b': 1}} }}", Some("{'a': {'b': 1}}")),
            ("{{ '}}' }}", Some("'}}'")),
            ("{{ a }}-{{ b }}", None),
            ("{{ a }}{{ b }}", None),
            ("x{{ a }}", None),
            ("{{ a", None),
        ];
        for (src, want) in cases {
            assert_eq!(lone_expression(src), want, "{src}");
        }
    }

    #[test]
    fn unary_plus_table() {
        let env = minijinja::Environment::new();
        let cases = [
            ("{{ +2 }}", "2"),
            ("{{ [-2.5, +2.5, 1 + 2.5] }}", "[-2.5, 2.5, 3.5]"),
            ("{{ 1 ++2 }}", "3"),
            ("{{ 1 + +2 }}", "3"),
            ("{{ 2 * +3 }}", "6"),
            ("{{ (+4) }}", "4"),
            ("{{ 'a' if +1 else 'b' }}", "a"),
            ("{{ '+1' ~ \"+\" }}", "+1+"),
            ("{{ 1e+2 }}", "100.0"),
            ("{% set x = +5 %}{{ x }}", "5"),
            ("{%+ if true +%}y{% endif %}", "y"),
            ("{{ [1] + [2] }}", "[1, 2]"),
            ("{{- +7 }}", "7"),
        ];
        for (src, want) in cases {
            let got = env.render_str(&raw_string_literals(src), ()).unwrap();
            assert_eq!(got, want, "{src}");
        }
    }

    #[test]
    fn minijinja_then_yields_the_raw_text() {
        let env = minijinja::Environment::new();
        let cases = [
            (r"{{ 'a\1' }}", r"a\1"),
            (r"{{ 'a\\1' }}", r"a\\1"),
            (r"{{ 'a\nb' }}", r"a\nb"),
            (r"{{ 'it\'s' }}", r"it\'s"),
            (r"{{ 'a\d' }}", r"a\d"),
        ];
        for (src, want) in cases {
            let got = env.render_str(&raw_string_literals(src), ()).unwrap();
            assert_eq!(got, want, "{src}");
        }
    }
}
