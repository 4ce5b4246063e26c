//! Ansible 2.19 keeps backslashes in Jinja string literals as written:
//! `'a\1'` is the four characters `a`, `\`, `1` (checked against the
//! oracle: `{{ ['a\1', 'a\n', 'a\\1'] }}` gives `["a\\1", "a\\n",
//! "a\\\\1"]`), so `regex_replace('(x)', '\1')` and patterns like `'\d+'`
//! work without doubling. minijinja decodes escapes (`\1` becomes
//! U+0001), so the template source is rewritten before compiling: inside
//! `{{ }}` and `{% %}`, every backslash in a string literal is escaped
//! for minijinja, which then yields the original text.

use super::mutable::{MUTABLE_FN, MUTATING_METHODS};
use std::borrow::Cow;

/// The template source with string-literal backslashes preserved for
/// minijinja. Text outside tags, comments and `{% raw %}` blocks is
/// untouched. Sources without a backslash are returned as is.
pub fn raw_string_literals(source: &str) -> Cow<'_, str> {
    if !needs_rewrite(source) {
        return Cow::Borrowed(source);
    }
    let wrap = calls_mutating_method(source);
    let mut out = String::with_capacity(source.len() + 8);
    let mut rest = source;
    while let Some(start) = rest.find('{') {
        let (before, tail) = rest.split_at(start);
        out.push_str(before);
        let close = match tail.get(..2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            Some("{#") => {
                let end = tail.find("#}").map_or(tail.len(), |i| i + 2);
                out.push_str(&tail[..end]);
                rest = &tail[end..];
                continue;
            }
            _ => {
                out.push('{');
                rest = &tail[1..];
                continue;
            }
        };
        let consumed = copy_tag(tail, close, wrap, &mut out);
        rest = &tail[consumed..];
        if is_raw_block_start(&tail[..consumed]) {
            let end = find_endraw(rest);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Does the pre-pass change anything in `source`? Only backslashes,
/// `+` and mutating method calls matter; other sources stay borrowed.
pub fn needs_rewrite(source: &str) -> bool {
    source.contains('\\') || source.contains('+') || calls_mutating_method(source)
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
fn copy_tag(tag: &str, close: &str, wrap: bool, out: &mut String) -> usize {
    let bytes = tag.as_bytes();
    out.push_str(&tag[..2]);
    let body_start = out.len();
    // One entry per open bracket: was it wrapped in MUTABLE_FN?
    let mut open: Vec<bool> = Vec::new();
    let mut i = 2;
    while i < bytes.len() {
        if open.is_empty() && tag[i..].starts_with(close) {
            out.push_str(close);
            return i + close.len();
        }
        let c = bytes[i];
        match c {
            b'\'' | b'"' => {
                i = copy_literal(tag, i, out);
                continue;
            }
            // Jinja's unary plus, which minijinja lacks: `+x` is `x`.
            // (`{%+` and `+%}` are whitespace control, not operators.)
            b'+' if i > 2
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
    let end = copy_tag(t, "}}", false, &mut scratch);
    if end != t.len() || !t.ends_with("}}") {
        return None;
    }
    let inner = &t[2..t.len() - 2];
    let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    Some(inner.trim())
}

/// Copy the string literal opening at `start`; returns the index after it.
fn copy_literal(tag: &str, start: usize, out: &mut String) -> usize {
    let quote = tag.as_bytes()[start] as char;
    out.push(quote);
    let mut chars = tag[start + 1..].char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
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

fn is_raw_block_start(tag: &str) -> bool {
    let inner = tag.trim_start_matches("{%").trim_end_matches("%}");
    inner.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace()) == "raw"
}

/// Where the `{% endraw %}` tag starts in `rest` (its end if missing).
fn find_endraw(rest: &str) -> usize {
    let mut from = 0;
    while let Some(i) = rest[from..].find("{%") {
        let at = from + i;
        let tail = &rest[at..];
        let end = tail.find("%}").map_or(tail.len(), |e| e + 2);
        let inner = tail[2..end.saturating_sub(2).max(2)]
            .trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        if inner == "endraw" {
            return at;
        }
        from = at + 2;
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
