//! Ansible's `k=v` argument strings (`debug: msg="hi there" verbosity=1`).

use serde_json::{Map, Value};

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

/// The modules whose free-form words are a command line: in them only
/// these keys are taken out of the text as options (ansible-core's
/// `FREEFORM_ACTIONS` and the list inside its `parse_kv`).
pub const FREEFORM_MODULES: &[&str] = &[
    "command",
    "raw",
    "script",
    "shell",
    "win_command",
    "win_shell",
];
const FREEFORM_OPTIONS: &[&str] = &[
    "creates",
    "removes",
    "chdir",
    "executable",
    "warn",
    "stdin",
    "stdin_add_newline",
    "strip_empty_ends",
];

/// ansible-core's `parse_kv`: every `k=v` word is an option wherever it
/// stands, the other words (kept as written) joined are `_raw_params`.
/// With `free_form` (a command line) only [`FREEFORM_OPTIONS`] keys are
/// options, so `echo a=b chdir=/tmp` runs `echo a=b` in `/tmp`.
/// Unbalanced quotes or Jinja delimiters are an error, as in ansible-core.
pub fn parse_kv(s: &str, free_form: bool) -> Result<Map<String, Value>, String> {
    let words = super::kv_split::split_args(s).ok_or_else(|| {
        format!("failed at splitting arguments, either an unbalanced jinja2 block or quotes: {s}")
    })?;
    let mut args = Map::new();
    let mut raw = Vec::new();
    for word in words {
        let decoded = decode_escapes(&word);
        let Some(eq) = unescaped_equals(&decoded) else {
            // `a\=b` has only escaped equals: a raw word, unescaped.
            raw.push(if decoded.contains('=') {
                decoded.replace("\\=", "=")
            } else {
                word
            });
            continue;
        };
        let (k, v) = (&decoded[..eq], &decoded[eq + 1..]);
        if free_form && !FREEFORM_OPTIONS.contains(&k) {
            raw.push(word);
        } else {
            args.insert(k.trim().to_string(), Value::String(unquote(v.trim())));
        }
    }
    if !raw.is_empty() {
        let joined = super::kv_split::join_args(&raw);
        args.insert("_raw_params".into(), Value::String(joined));
    }
    Ok(args)
}

/// The first `=` past the first character that no backslash escapes.
fn unescaped_equals(s: &str) -> Option<usize> {
    s.char_indices()
        .skip(1)
        .find(|&(i, c)| c == '=' && !s[..i].ends_with('\\'))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// (input, free-form module, parsed): rows checked against
    /// ansible-core 2.19's `parse_kv(input, check_raw=free_form)`.
    #[test]
    fn kv_table() {
        let cases = [
            ("msg=hi", false, json!({"msg": "hi"})),
            (
                "msg=\"hello world\" verbosity=1",
                false,
                json!({"msg": "hello world", "verbosity": "1"}),
            ),
            ("msg='{{ a }} b'", false, json!({"msg": "{{ a }} b"})),
            (
                "msg={{ a | default('x y') }}",
                false,
                json!({"msg": "{{ a | default('x y') }}"}),
            ),
            ("ls -l /tmp", true, json!({"_raw_params": "ls -l /tmp"})),
            ("ls -l /tmp", false, json!({"_raw_params": "ls -l /tmp"})),
            ("x=1 y={{ x }}", false, json!({"x": "1", "y": "{{ x }}"})),
            (
                "flush_handlers",
                false,
                json!({"_raw_params": "flush_handlers"}),
            ),
            (
                "echo a\necho  'b c'\n",
                true,
                json!({"_raw_params": "echo a\necho  'b c'\n"}),
            ),
            (
                "chdir=/tmp ls x=1",
                true,
                json!({"chdir": "/tmp", "_raw_params": "ls x=1"}),
            ),
            (
                "ls x=1 chdir=/tmp",
                true,
                json!({"chdir": "/tmp", "_raw_params": "ls x=1"}),
            ),
            (
                "echo x  removes=/r   y",
                true,
                json!({"removes": "/r", "_raw_params": "echo x  y"}),
            ),
            (
                "echo 'chdir=/x' creates=/y",
                true,
                json!({"creates": "/y", "_raw_params": "echo 'chdir=/x'"}),
            ),
            (
                "debugged msg=hi",
                false,
                json!({"msg": "hi", "_raw_params": "debugged"}),
            ),
            (r"echo a\=b", true, json!({"_raw_params": "echo a=b"})),
            (r"echo a\\=b", false, json!({"_raw_params": "echo a=b"})),
            ("=x y", true, json!({"_raw_params": "=x y"})),
            ("a=1 =2 b", false, json!({"a": "1", "_raw_params": "=2 b"})),
            ("k = v", false, json!({"_raw_params": "k = v"})),
        ];
        for (input, free_form, want) in cases {
            let got = parse_kv(input, free_form).unwrap();
            assert_eq!(Value::Object(got), want, "{input:?} free_form={free_form}");
        }
    }

    #[test]
    fn unbalanced_quotes_or_jinja_are_errors() {
        for input in ["echo 'a", "msg={{ a"] {
            let err = parse_kv(input, false).unwrap_err();
            assert!(err.starts_with("failed at splitting arguments"), "{err}");
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
            let got = parse_kv(input, false).unwrap();
            assert_eq!(Value::Object(got), want, "{input}");
        }
    }
}
