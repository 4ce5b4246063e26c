//! Ansible's `k=v` argument strings (`debug: msg="hi there" verbosity=1`).

use serde_json::{Map, Value};

/// Split on blanks outside quotes and outside `{{ }}` / `{% %}`.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if quote.is_none() && c == '{' && matches!(next, Some('{') | Some('%')) {
            depth += 1;
            cur.push(c);
            cur.push(next.unwrap_or('{'));
            i += 2;
            continue;
        }
        if quote.is_none() && depth > 0 && matches!(c, '}' | '%') && next == Some('}') {
            depth -= 1;
            cur.push(c);
            cur.push('}');
            i += 2;
            continue;
        }
        match quote {
            Some(q) if c == q && chars.get(i.wrapping_sub(1)) != Some(&'\\') => {
                quote = None;
                cur.push(c);
            }
            None if (c == '"' || c == '\'') && depth == 0 => {
                quote = Some(c);
                cur.push(c);
            }
            None if c.is_whitespace() && depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
        i += 1;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Ansible's `unquote`: strip one pair of matching quotes (escapes were
/// already decoded by [`decode_escapes`]).
fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        return s[1..s.len() - 1].to_string();
    }
    s.to_string()
}

/// Ansible's `_decode_escapes` for a `k=v` word: Python's `\\ \' \" \a
/// \b \f \n \r \t \v`, `\xHH`, `\uHHHH`, `\UHHHHHHHH` are decoded
/// (quoted or not); any other backslash stays, and so does an octal
/// escape (checked against ansible-core 2.19: `msg="\101"` prints `\101`).
fn decode_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        match decode_one(tail) {
            Some((c, used)) => {
                out.push(c);
                rest = &tail[used..];
            }
            None => {
                out.push('\\');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character an escape (the text after its backslash) stands for,
/// and how many bytes of `tail` it used.
fn decode_one(tail: &str) -> Option<(char, usize)> {
    let first = tail.chars().next()?;
    let simple = match first {
        '\\' | '\'' | '"' => Some(first),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((c, 1));
    }
    let digits = match first {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => return None,
    };
    let hex = tail.get(1..1 + digits)?;
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((c, 1 + digits))
}

/// Parse leading `k=v` pairs; the rest, from the first other word on, is
/// `_raw_params` exactly as written (newlines of a `shell: |` block kept).
pub fn parse_kv(s: &str) -> Map<String, Value> {
    let mut args = Map::new();
    // Tokens are verbatim substrings of `s`; track where each one starts.
    let mut pos = 0;
    for tok in split_args(s) {
        let start = pos + s[pos..].find(tok.as_str()).unwrap_or(0);
        pos = start + tok.len();
        let decoded = decode_escapes(&tok);
        match decoded.split_once('=') {
            Some((k, v)) if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                args.insert(k.to_string(), Value::String(unquote(v)));
            }
            _ => {
                let raw = match super::kv_split::split_args(&s[start..]) {
                    Some(words) => super::kv_split::join_args(&words),
                    None => s[start..].trim_end().to_string(),
                };
                args.insert("_raw_params".into(), Value::String(raw));
                break;
            }
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kv_table() {
        let cases = [
            ("msg=hi", json!({"msg": "hi"})),
            (
                "msg=\"hello world\" verbosity=1",
                json!({"msg": "hello world", "verbosity": "1"}),
            ),
            ("msg='{{ a }} b'", json!({"msg": "{{ a }} b"})),
            (
                "msg={{ a | default('x y') }}",
                json!({"msg": "{{ a | default('x y') }}"}),
            ),
            ("ls -l /tmp", json!({"_raw_params": "ls -l /tmp"})),
            ("x=1 y={{ x }}", json!({"x": "1", "y": "{{ x }}"})),
            ("flush_handlers", json!({"_raw_params": "flush_handlers"})),
            (
                "echo a\necho  'b c'\n",
                json!({"_raw_params": "echo a\necho  'b c'\n"}),
            ),
            (
                "chdir=/tmp ls x=1",
                json!({"chdir": "/tmp", "_raw_params": "ls x=1"}),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(Value::Object(parse_kv(input)), want, "{input}");
        }
    }

    /// Values decode Python escapes as ansible-core's parse_kv does
    /// (rows checked against ansible-core 2.19); raw params do not.
    #[test]
    fn kv_escapes_table() {
        let cases = [
            (
                r#"msg="{{ s == '\\z' }}""#,
                json!({"msg": r"{{ s == '\z' }}"}),
            ),
            (r"msg={{ s == '\\z' }}", json!({"msg": r"{{ s == '\z' }}"})),
            (
                r#"msg="a\tb\x41\101\u0042 \"q\" \d""#,
                json!({"msg": "a\tbA\\101B \"q\" \\d"}),
            ),
            (r"msg='it\'s'", json!({"msg": "it's"})),
            (r"msg=a\\nb", json!({"msg": r"a\nb"})),
            (r"v=x\ny", json!({"v": "x\ny"})),
            (r"echo a\nb", json!({"_raw_params": r"echo a\nb"})),
        ];
        for (input, want) in cases {
            assert_eq!(Value::Object(parse_kv(input)), want, "{input}");
        }
    }
}
