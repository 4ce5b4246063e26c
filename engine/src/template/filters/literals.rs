//! Ansible 2.19 keeps backslashes in Jinja string literals as written:
//! `'a\1'` is the four characters `a`, `\`, `1` (checked against the
//! oracle: `{{ ['a\1', 'a\n', 'a\\1'] }}` gives `["a\\1", "a\\n",
//! "a\\\\1"]`), so `regex_replace('(x)', '\1')` and patterns like `'\d+'`
//! work without doubling. minijinja decodes escapes (`\1` becomes
//! U+0001), so the template source is rewritten before compiling: inside
//! `{{ }}` and `{% %}`, every backslash in a string literal is escaped
//! for minijinja, which then yields the original text.

use std::borrow::Cow;

/// The template source with string-literal backslashes preserved for
/// minijinja. Text outside tags, comments and `{% raw %}` blocks is
/// untouched. Sources without a backslash are returned as is.
pub fn raw_string_literals(source: &str) -> Cow<'_, str> {
    if !source.contains('\\') {
        return Cow::Borrowed(source);
    }
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
        let consumed = copy_tag(tail, close, &mut out);
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

/// Copy one tag starting at `{{`/`{%` up to its closing delimiter,
/// rewriting string literals; returns the bytes consumed. Like Jinja's
/// lexer, a closing delimiter only counts outside brackets, so
/// `{{ {'a': {'b': 1}} }}` is one tag.
fn copy_tag(tag: &str, close: &str, out: &mut String) -> usize {
    let bytes = tag.as_bytes();
    out.push_str(&tag[..2]);
    let mut depth = 0usize;
    let mut i = 2;
    while i < bytes.len() {
        if depth == 0 && tag[i..].starts_with(close) {
            out.push_str(close);
            return i + close.len();
        }
        let c = bytes[i];
        match c {
            b'\'' | b'"' => {
                i = copy_literal(tag, i, out);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let ch = tag[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    tag.len()
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
    let end = copy_tag(t, "}}", &mut scratch);
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
