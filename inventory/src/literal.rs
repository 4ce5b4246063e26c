//! Typing of INI inline host variables the way Ansible does it:
//! `ast.literal_eval(value)`, falling back to the raw string when the value is
//! not a Python literal (syntax error or any non-literal expression alike).
//!
//! ansible-core 2.19 then converts the Python objects for its JSON output:
//! tuples and sets become lists, bytes become `{"__ansible_unsafe": text}`,
//! and values it has no JSON type for (complex numbers, `...`) fall back to
//! their source text. We produce those JSON values directly.

use serde_json::{Map, Number, Value};

/// Key of the marker object standing for an "unsafe" string (what a bytes
/// literal becomes): ansible-inventory's JSON `--list` shows it as
/// `{"__ansible_unsafe": "text"}`, everything else as the plain text.
pub const UNSAFE_KEY: &str = "__ansible_unsafe";

/// Replaces unsafe-string markers by their text, recursively.
pub fn unwrap_unsafe(v: Value) -> Value {
    match v {
        Value::Object(m) if m.len() == 1 && m.get(UNSAFE_KEY).is_some_and(Value::is_string) => {
            m.into_iter().next().map(|(_, s)| s).unwrap_or(Value::Null)
        }
        Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, unwrap_unsafe(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(unwrap_unsafe).collect()),
        other => other,
    }
}

/// `unwrap_unsafe` over every value of a map.
pub fn unwrap_unsafe_map(m: Map<String, Value>) -> Map<String, Value> {
    m.into_iter().map(|(k, v)| (k, unwrap_unsafe(v))).collect()
}

/// Returns the typed value of `src`, or `None` when Python would keep it a string.
pub fn literal_eval(src: &str) -> Option<Value> {
    // literal_eval strips leading blanks (not newlines) before parsing.
    let src = src.trim_start_matches([' ', '\t']);
    let toks = tokenize(src)?;
    let mut p = Parser { toks, pos: 0, src };
    let v = p.top_level()?;
    (p.pos == p.toks.len()).then_some(v)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i128),
    Float(f64),
    /// An imaginary literal such as `2j` (its imaginary part).
    Imag(f64),
    Str(String),
    Bytes(Vec<u8>),
    Name(String),
    Punct(char),
    Ellipsis,
}

/// A token with its byte span in the source (for source-text fallbacks).
type Spanned = (Tok, usize, usize);

fn tokenize(src: &str) -> Option<Vec<Spanned>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\x0c' => i += 1,
            b'#' => break, // a comment runs to the end of the (single) line
            b'\n' | b'\r' => return None,
            b'.' if src[i..].starts_with("...") => {
                out.push((Tok::Ellipsis, i, i + 3));
                i += 3;
            }
            b'0'..=b'9' | b'.' => {
                let (t, end) = number(src, i)?;
                out.push((t, i, end));
                i = end;
            }
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b',' | b':' | b'+' | b'-' => {
                out.push((Tok::Punct(c as char), i, i + 1));
                i += 1;
            }
            _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let start = i;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric() || b[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &src[start..i];
                if i < b.len() && (b[i] == b'\'' || b[i] == b'"') && is_string_prefix(word) {
                    let (t, end) = string(src, start, word, i)?;
                    out.push((t, start, end));
                    i = end;
                } else {
                    out.push((Tok::Name(word.to_string()), start, i));
                }
            }
            b'\'' | b'"' => {
                let (t, end) = string(src, i, "", i)?;
                out.push((t, i, end));
                i = end;
            }
            _ => return None,
        }
    }
    Some(out)
}

fn is_string_prefix(w: &str) -> bool {
    matches!(
        w.to_ascii_lowercase().as_str(),
        "r" | "u" | "b" | "br" | "rb"
    )
}

/// Scans a Python number literal starting at `i`; `None` on syntax errors
/// such as `0777` or `1.2.3`.
fn number(src: &str, i: usize) -> Option<(Tok, usize)> {
    let b = src.as_bytes();
    let digits = |mut j: usize, ok: &dyn Fn(u8) -> bool| -> usize {
        while j < b.len() && (ok(b[j]) || (b[j] == b'_' && j + 1 < b.len() && ok(b[j + 1]))) {
            j += 1;
        }
        j
    };
    if b[i] == b'0' && i + 1 < b.len() && b"xXoObB".contains(&b[i + 1]) {
        let radix = match b[i + 1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            _ => 2,
        };
        let start = if i + 2 < b.len() && b[i + 2] == b'_' {
            i + 3
        } else {
            i + 2
        };
        let end = digits(start, &|c| (c as char).is_digit(radix));
        if end == start || followed_by_word(b, end) {
            return None;
        }
        let text: String = src[start..end].chars().filter(|c| *c != '_').collect();
        return Some((Tok::Int(i128::from_str_radix(&text, radix).ok()?), end));
    }
    let dec = |c: u8| c.is_ascii_digit();
    let int_end = digits(i, &dec);
    let mut end = int_end;
    let mut is_float = false;
    if end < b.len() && b[end] == b'.' {
        is_float = true;
        end = digits(end + 1, &dec);
    }
    if end == i + usize::from(is_float) && int_end == i {
        return None; // a lone "."
    }
    if end < b.len() && (b[end] == b'e' || b[end] == b'E') {
        let mut j = end + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let k = digits(j, &dec);
        if k == j {
            return None;
        }
        is_float = true;
        end = k;
    }
    if end < b.len() && (b[end] == b'j' || b[end] == b'J') {
        let text: String = src[i..end].chars().filter(|c| *c != '_').collect();
        let im: f64 = text.parse().ok()?;
        return (!followed_by_word(b, end + 1)).then_some((Tok::Imag(im), end + 1));
    }
    if followed_by_word(b, end) || (end < b.len() && b[end] == b'.') {
        return None;
    }
    let text: String = src[i..end].chars().filter(|c| *c != '_').collect();
    if is_float {
        return Some((Tok::Float(text.parse().ok()?), end));
    }
    // Python forbids leading zeros in non-zero decimal integers.
    if text.len() > 1 && text.starts_with('0') && text.bytes().any(|c| c != b'0') {
        return None;
    }
    Some((Tok::Int(text.parse().ok()?), end))
}

fn followed_by_word(b: &[u8], j: usize) -> bool {
    j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_')
}

/// Scans a (possibly prefixed, possibly triple-quoted) string literal.
fn string(src: &str, start: usize, prefix: &str, q: usize) -> Option<(Tok, usize)> {
    let p = prefix.to_ascii_lowercase();
    let raw = p.contains('r');
    let bytes = p.contains('b');
    let quote = &src[q..q + 1];
    let triple = src[q..].starts_with(&quote.repeat(3));
    let delim = if triple {
        quote.repeat(3)
    } else {
        quote.to_string()
    };
    let body_start = q + delim.len();
    let rest = &src[body_start..];
    let mut j = 0;
    let rb = rest.as_bytes();
    while j < rb.len() {
        if rest[j..].starts_with(&delim) {
            let body = &rest[..j];
            let end = body_start + j + delim.len();
            let _ = start;
            let text = if raw {
                body.to_string()
            } else {
                unescape(body, bytes)?
            };
            let tok = if bytes {
                if !body.is_ascii() {
                    return None; // bytes literals may only contain ASCII
                }
                Tok::Bytes(text.chars().map(|c| c as u32 as u8).collect())
            } else {
                Tok::Str(text)
            };
            return Some((tok, end));
        }
        if rb[j] == b'\\' {
            j += 1;
        }
        j += rest[j.min(rb.len())..]
            .chars()
            .next()
            .map_or(1, |c| c.len_utf8());
    }
    None
}

fn unescape(body: &str, bytes: bool) -> Option<String> {
    let mut out = String::new();
    let mut it = body.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = it.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(e),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut v = e.to_digit(8)?;
                for _ in 0..2 {
                    match it.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            it.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v)?);
            }
            'x' => out.push(hex_escape(&mut it, 2)?),
            'u' if !bytes => out.push(hex_escape(&mut it, 4)?),
            'U' if !bytes => out.push(hex_escape(&mut it, 8)?),
            _ => {
                out.push('\\');
                out.push(e);
            }
        }
    }
    Some(out)
}

fn hex_escape(it: &mut std::iter::Peekable<std::str::Chars>, n: usize) -> Option<char> {
    let mut v = 0u32;
    for _ in 0..n {
        v = v * 16 + it.next()?.to_digit(16)?;
    }
    char::from_u32(v)
}

struct Parser<'a> {
    toks: Vec<Spanned>,
    pos: usize,
    src: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.is_punct(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// An expression list: `1, 2` at top level is a tuple, like in Python.
    fn top_level(&mut self) -> Option<Value> {
        let first = self.expr()?;
        if !self.is_punct(',') {
            return Some(first);
        }
        let mut items = vec![first];
        while self.eat(',') {
            if self.pos == self.toks.len() {
                break;
            }
            items.push(self.expr()?);
        }
        Some(Value::Array(items))
    }

    fn expr(&mut self) -> Option<Value> {
        let start = self.pos;
        let v = self.atom()?;
        let _ = start;
        // `1+2j` / `-1-2j`: a real number plus or minus an imaginary one.
        if (self.is_punct('+') || self.is_punct('-')) && matches!(v, Value::Number(_)) {
            let minus = self.is_punct('-');
            self.pos += 1;
            let Some(Tok::Imag(im)) = self.peek().cloned() else {
                return None;
            };
            self.pos += 1;
            let re = v.as_f64()?;
            // IEEE arithmetic as Python does it: (re ± 0.0, 0.0 ± im).
            let (re, im) = if minus {
                (re - 0.0, 0.0 - im)
            } else {
                (re + 0.0, 0.0 + im)
            };
            return Some(Value::String(complex_repr(re, im)));
        }
        Some(v)
    }

    fn source_text(&self, from: usize) -> Value {
        let (s, e) = (self.toks[from].1, self.toks[self.pos - 1].2);
        Value::String(self.src[s..e].to_string())
    }

    fn atom(&mut self) -> Option<Value> {
        let start = self.pos;
        let (tok, _, _) = self.toks.get(self.pos)?.clone();
        self.pos += 1;
        match tok {
            Tok::Int(n) => int_value(n),
            Tok::Float(f) => Number::from_f64(f).map(Value::Number),
            Tok::Imag(im) => Some(Value::String(complex_repr(0.0, im))),
            Tok::Ellipsis => Some(self.source_text(start)),
            Tok::Str(s) => self.concat_str(s),
            Tok::Bytes(b) => self.concat_bytes(b),
            Tok::Name(n) => self.name(&n),
            Tok::Punct('-') | Tok::Punct('+') => self.signed(tok == Tok::Punct('-'), start),
            Tok::Punct('(') => self.tuple(),
            Tok::Punct('[') => self.list(),
            Tok::Punct('{') => self.dict_or_set(),
            Tok::Punct(_) => None,
        }
    }

    fn signed(&mut self, neg: bool, start: usize) -> Option<Value> {
        match self.peek()?.clone() {
            Tok::Int(n) => {
                self.pos += 1;
                int_value(if neg { -n } else { n })
            }
            Tok::Float(f) => {
                self.pos += 1;
                Number::from_f64(if neg { -f } else { f }).map(Value::Number)
            }
            Tok::Imag(im) => {
                self.pos += 1;
                let (re, im) = if neg { (-0.0, -im) } else { (0.0, im) };
                Some(Value::String(complex_repr(re, im)))
            }
            // `-(5)`: parentheses only group, the operand is still a number.
            Tok::Punct('(') => {
                let _ = start;
                let v = self.atom()?;
                negate_number(v, neg)
            }
            _ => None,
        }
    }

    fn concat_str(&mut self, mut s: String) -> Option<Value> {
        while let Some(Tok::Str(more)) = self.peek().cloned() {
            s.push_str(&more);
            self.pos += 1;
        }
        if matches!(self.peek(), Some(Tok::Bytes(_))) {
            return None; // mixing str and bytes is a SyntaxError
        }
        Some(Value::String(s))
    }

    fn concat_bytes(&mut self, mut b: Vec<u8>) -> Option<Value> {
        while let Some(Tok::Bytes(more)) = self.peek().cloned() {
            b.extend(more);
            self.pos += 1;
        }
        if matches!(self.peek(), Some(Tok::Str(_))) {
            return None;
        }
        let mut m = Map::new();
        m.insert(
            UNSAFE_KEY.into(),
            Value::String(String::from_utf8_lossy(&b).into_owned()),
        );
        Some(Value::Object(m))
    }

    fn name(&mut self, n: &str) -> Option<Value> {
        match n {
            "True" => Some(Value::Bool(true)),
            "False" => Some(Value::Bool(false)),
            "None" => Some(Value::Null),
            // `set()` is the only call literal_eval accepts (an empty set).
            "set" if self.eat('(') && self.eat(')') => Some(Value::Array(vec![])),
            _ => None,
        }
    }

    /// Items up to `close`, allowing one trailing comma. Returns the items and
    /// whether any comma was seen (to tell `(1)` from `(1,)`).
    fn items(&mut self, close: char) -> Option<(Vec<Value>, bool)> {
        let mut items = Vec::new();
        let mut comma = false;
        while !self.eat(close) {
            items.push(self.expr()?);
            if self.eat(',') {
                comma = true;
            } else if !self.eat(close) {
                return None;
            } else {
                break;
            }
        }
        Some((items, comma))
    }

    fn tuple(&mut self) -> Option<Value> {
        let (mut items, comma) = self.items(')')?;
        if items.len() == 1 && !comma {
            return items.pop(); // plain parentheses
        }
        Some(Value::Array(items))
    }

    fn list(&mut self) -> Option<Value> {
        Some(Value::Array(self.items(']')?.0))
    }

    fn dict_or_set(&mut self) -> Option<Value> {
        if self.eat('}') {
            return Some(Value::Object(Map::new()));
        }
        let first = self.expr()?;
        if self.eat(':') {
            return self.dict(first);
        }
        let mut items = vec![first];
        while self.eat(',') {
            if self.eat('}') {
                return Some(set_value(items));
            }
            items.push(self.expr()?);
        }
        self.eat('}').then(|| set_value(items))
    }

    fn dict(&mut self, first_key: Value) -> Option<Value> {
        let mut m = Map::new();
        let v = self.expr()?;
        m.insert(key_string(&first_key)?, v);
        while self.eat(',') {
            if self.is_punct('}') {
                break;
            }
            let k = self.expr()?;
            if !self.eat(':') {
                return None;
            }
            let v = self.expr()?;
            m.insert(key_string(&k)?, v);
        }
        self.eat('}').then_some(Value::Object(m))
    }
}

fn negate_number(v: Value, neg: bool) -> Option<Value> {
    let Value::Number(n) = &v else { return None };
    if !neg {
        return Some(v);
    }
    if let Some(i) = n.as_i64() {
        return int_value(-(i as i128));
    }
    if let Some(u) = n.as_u64() {
        return int_value(-(u as i128));
    }
    Number::from_f64(-n.as_f64()?).map(Value::Number)
}

/// Python's `repr(complex)`: `2j`, `(1-2j)`, `(-0-1j)`; floats without a
/// trailing `.0`.
fn complex_repr(re: f64, im: f64) -> String {
    let short = |x: f64| {
        let r = crate::pyfmt::float_repr(x);
        r.strip_suffix(".0").map(str::to_string).unwrap_or(r)
    };
    if re == 0.0 && re.is_sign_positive() {
        return format!("{}j", short(im));
    }
    let sign = if im.is_sign_negative() && !im.is_nan() {
        '-'
    } else {
        '+'
    };
    format!("({}{sign}{}j)", short(re), short(im.abs()))
}

fn int_value(n: i128) -> Option<Value> {
    if let Ok(v) = i64::try_from(n) {
        return Some(Value::from(v));
    }
    if let Ok(v) = u64::try_from(n) {
        return Some(Value::from(v));
    }
    // Beyond 64 bits JSON output would need arbitrary precision; keep the text.
    Some(Value::String(n.to_string()))
}

/// JSON object keys, as Python's json module writes non-string keys.
fn key_string(k: &Value) -> Option<String> {
    match k {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".into()),
        _ => None, // unhashable (list/dict) keys are a TypeError in Python
    }
}

/// Sets become lists. Python iterates small non-negative int sets in
/// ascending order (their hash is their value); otherwise keep source order.
fn set_value(items: Vec<Value>) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for it in items {
        if !out.contains(&it) {
            out.push(it);
        }
    }
    let small: Option<Vec<u64>> = out.iter().map(|v| v.as_u64().filter(|n| *n < 8)).collect();
    if let Some(mut ns) = small {
        ns.sort_unstable();
        return Value::Array(ns.into_iter().map(Value::from).collect());
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::literal_eval;
    use serde_json::json;

    #[test]
    fn table() {
        let cases: &[(&str, Option<serde_json::Value>)] = &[
            ("1", Some(json!(1))),
            ("-1", Some(json!(-1))),
            ("1.5", Some(json!(1.5))),
            ("1e3", Some(json!(1000.0))),
            ("0x1F", Some(json!(31))),
            ("1_000", Some(json!(1000))),
            ("0777", None),
            ("00", Some(json!(0))),
            ("True", Some(json!(true))),
            ("None", Some(json!(null))),
            ("yes", None),
            ("'single'", Some(json!("single"))),
            ("\"a\\tb\"", Some(json!("a\tb"))),
            ("r'a\\tb'", Some(json!("a\\tb"))),
            ("'a' 'b'", Some(json!("ab"))),
            ("b'x'", Some(json!({"__ansible_unsafe": "x"}))),
            ("[1, 2]", Some(json!([1, 2]))),
            ("(1, 2)", Some(json!([1, 2]))),
            ("(1)", Some(json!(1))),
            ("1, 2", Some(json!([1, 2]))),
            ("{1, 2}", Some(json!([1, 2]))),
            ("set()", Some(json!([]))),
            ("{\"a\": \"b\"}", Some(json!({"a": "b"}))),
            ("{1: 2}", Some(json!({"1": 2}))),
            ("1j", Some(json!("1j"))),
            ("1+2j", Some(json!("(1+2j)"))),
            ("1-2j", Some(json!("(1-2j)"))),
            ("-1j", Some(json!("(-0-1j)"))),
            ("1e20j", Some(json!("1e+20j"))),
            ("-(5)", Some(json!(-5))),
            ("--5", None),
            ("...", Some(json!("..."))),
            ("host-01.internal", None),
            ("1.2.3", None),
            ("{{ x }}", None),
            ("1 # comment", Some(json!(1))),
            ("foo bar", None),
            ("", None),
            ("  7", Some(json!(7))),
            (
                "[..., 1j, set(), {1, 2}, b'x']",
                Some(json!(["...", "1j", [], [1, 2], {"__ansible_unsafe": "x"}])),
            ),
        ];
        for (src, want) in cases {
            assert_eq!(&literal_eval(src), want, "literal_eval({src:?})");
        }
    }
}
