//! Ansible's undefined values are strict everywhere except attribute
//! chaining (`a.b.c is defined`), tests and filters: `'x' in y`,
//! `y == 1` and `{% for i in y %}` fail with `'y' is undefined` when `y`
//! is undefined (checked against the oracle). minijinja's `Chainable`
//! mode, which the chaining needs, instead treats an undefined as empty
//! there, so the source pre-pass (`literals.rs`) wraps the operands of
//! `in`, `not in` and the comparison operators in [`STRICT_FN`], which
//! fails on an undefined value and passes anything else through.
//!
//! An operand followed by a filter or a test (`'x' in y | default([])`,
//! `y is defined`) is left alone: those bind tighter and handle undefined
//! values themselves. `and`/`or` short-circuit as before, so
//! `y is defined and 'x' in y` stays false for an undefined `y`.

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

/// The function the pre-pass wraps strict operands in.
pub const STRICT_FN: &str = "__srplay_strict";

pub fn register(env: &mut Environment<'_>) {
    env.add_function(STRICT_FN, strict);
}

/// `value` itself, or an undefined-variable error naming what is missing
/// along `path` (the operand's variable and attribute names, dotted).
fn strict(state: &State<'_, '_>, value: Value, path: &str) -> Result<Value, Error> {
    if !value.is_undefined() {
        return Ok(value);
    }
    Err(Error::new(
        ErrorKind::UndefinedError,
        undefined_message(state, path),
    ))
}

/// Ansible's wording: `'y' is undefined` for a missing variable,
/// `object of type 'dict' has no attribute 'k'` for a missing attribute.
fn undefined_message(state: &State<'_, '_>, path: &str) -> String {
    let mut segments = path.split('.');
    let head = segments.next().unwrap_or(path);
    let Some(mut cur) = state.lookup(head).filter(|v| !v.is_undefined()) else {
        return format!("'{head}' is undefined");
    };
    for seg in segments {
        let next = match seg.parse::<i64>() {
            Ok(n) => cur.get_item(&Value::from(n)).ok(),
            Err(_) => cur.get_attr(seg).ok(),
        };
        match next {
            Some(v) if !v.is_undefined() => cur = v,
            _ => {
                return format!(
                    "object of type '{}' has no attribute '{seg}'",
                    python_type(&cur)
                )
            }
        }
    }
    format!("'{path}' is undefined")
}

fn python_type(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::Map => "dict",
        ValueKind::Seq | ValueKind::Iterable => "list",
        ValueKind::String => "str",
        ValueKind::Number if v.as_i64().is_some() => "int",
        ValueKind::Number => "float",
        ValueKind::Bool => "bool",
        ValueKind::None => "NoneType",
        _ => "object",
    }
}

/// Is an Ansible-style error from [`STRICT_FN`] (it still needs the
/// template it came from appended)?
pub fn is_strict_message(detail: &str) -> bool {
    (detail.starts_with('\'') && detail.ends_with("' is undefined"))
        || (detail.starts_with("object of type '") && detail.contains("' has no attribute '"))
}

/// Could `source` hold an operand [`wrap_operands`] wraps? A cheap
/// filter so most sources skip the pass.
pub fn may_need_wrapping(source: &str) -> bool {
    source.contains("in") || source.contains(['=', '<', '>'])
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Ident,
    Str,
    Num,
    Open,
    Close,
    Op,
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

/// The tag body (the text between a tag's delimiters) with every strict
/// operand wrapped: `'x' in y.k` becomes
/// `'x' in __srplay_strict(y.k, 'y.k')`.
pub fn wrap_operands(body: &str) -> String {
    let toks = tokenize(body);
    let text = |t: &Tok| &body[t.start..t.end];
    // `{%- for k, v in d %}`: the loop targets are not operands.
    let first_word = toks.iter().find(|t| !matches!(text(t), "-" | "+"));
    let for_targets_end = if first_word.is_some_and(|t| text(t) == "for") {
        toks.iter()
            .position(|t| t.kind == Kind::Ident && text(t) == "in")
            .unwrap_or(toks.len())
    } else {
        0
    };
    let mut inserts: Vec<(usize, String)> = Vec::new();
    for i in 0..toks.len() {
        let t = &toks[i];
        if t.kind != Kind::Ident
            || i < for_targets_end
            || is_keyword(text(t))
            || names_attr_filter_or_test(&toks, i, text)
        {
            continue;
        }
        let last = chain_end(body, &toks, i);
        let prev = i.checked_sub(1).map(|p| text(&toks[p]));
        let next = toks.get(last + 1).map(text);
        let after_next = toks.get(last + 2).map(text);
        let op_before = prev.is_some_and(is_strict_op);
        let op_after =
            next.is_some_and(is_strict_op) || (next == Some("not") && after_next == Some("in"));
        let guarded = matches!(next, Some("|") | Some("is"));
        if (op_before || op_after) && !guarded {
            let path = chain_path(body, &toks[i..=last]);
            inserts.push((t.start, format!("{STRICT_FN}(")));
            inserts.push((toks[last].end, format!(", '{path}')")));
        }
    }
    apply(body, inserts)
}

/// Is the name at `i` an attribute (`a.b`), a filter (`a | f`) or a test
/// (`a is t`, `a is not t`) rather than a variable?
fn names_attr_filter_or_test<'b>(toks: &[Tok], i: usize, text: impl Fn(&Tok) -> &'b str) -> bool {
    let prev = |n: usize| i.checked_sub(n).map(|p| text(&toks[p]));
    matches!(prev(1), Some(".") | Some("|") | Some("is"))
        || (prev(1) == Some("not") && prev(2) == Some("is"))
}

/// Insert the texts at their byte offsets (stable for equal offsets).
fn apply(body: &str, mut inserts: Vec<(usize, String)>) -> String {
    if inserts.is_empty() {
        return body.to_string();
    }
    inserts.sort_by_key(|(at, _)| *at);
    let mut out = String::with_capacity(body.len() + inserts.len() * 24);
    let mut from = 0;
    for (at, s) in inserts {
        out.push_str(&body[from..at]);
        out.push_str(&s);
        from = at;
    }
    out.push_str(&body[from..]);
    out
}

fn is_keyword(w: &str) -> bool {
    matches!(
        w,
        "true"
            | "false"
            | "none"
            | "True"
            | "False"
            | "None"
            | "and"
            | "or"
            | "not"
            | "in"
            | "is"
            | "if"
            | "else"
            | "for"
            | "recursive"
    ) || w.starts_with("__srplay")
}

fn is_strict_op(t: &str) -> bool {
    matches!(t, "in" | "==" | "!=" | "<" | "<=" | ">" | ">=")
}

/// Index of the last token of the variable chain starting at `i`:
/// `a.b['c'](d)[0]` is one chain.
fn chain_end(body: &str, toks: &[Tok], i: usize) -> usize {
    let mut j = i;
    loop {
        let next = toks.get(j + 1).map(|t| &body[t.start..t.end]);
        match next {
            Some(".") if toks.get(j + 2).is_some_and(|t| t.kind == Kind::Ident) => j += 2,
            Some("[") | Some("(") => match matching_close(toks, j + 1) {
                Some(c) => j = c,
                None => return j,
            },
            _ => return j,
        }
    }
}

fn matching_close(toks: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// The chain's variable and attribute names, dotted, as far as they are
/// plain names, quoted keys or indexes (`d['k'][0].x` is `d.k.0.x`).
fn chain_path(body: &str, chain: &[Tok]) -> String {
    let text = |t: &Tok| &body[t.start..t.end];
    let mut path = text(&chain[0]).to_string();
    let mut k = 1;
    while k + 1 < chain.len() {
        let seg = match (text(&chain[k]), chain[k + 1].kind) {
            (".", Kind::Ident) => Some((text(&chain[k + 1]).to_string(), 2)),
            ("[", Kind::Str | Kind::Num) if chain.get(k + 2).is_some_and(|t| text(t) == "]") => {
                let raw = text(&chain[k + 1]);
                let key = raw.trim_matches(['\'', '"']);
                Some((key.to_string(), 3))
            }
            _ => None,
        };
        match seg {
            Some((s, n)) if is_plain_segment(&s) => {
                path.push('.');
                path.push_str(&s);
                k += n;
            }
            _ => break,
        }
    }
    path
}

fn is_plain_segment(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Jinja's tokens, as far as the pass needs them.
fn tokenize(body: &str) -> Vec<Tok> {
    let b = body.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'\'' | b'"' => {
                i = literal_end(b, i);
                Kind::Str
            }
            b'0'..=b'9' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.')
                {
                    i += 1;
                }
                Kind::Num
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Kind::Ident
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                Kind::Open
            }
            b')' | b']' | b'}' => {
                i += 1;
                Kind::Close
            }
            _ => {
                let two = body.get(i..i + 2).unwrap_or("");
                i += if matches!(two, "==" | "!=" | "<=" | ">=" | "//" | "**") {
                    2
                } else {
                    body[i..].chars().next().map_or(1, char::len_utf8)
                };
                Kind::Op
            }
        };
        toks.push(Tok {
            kind,
            start,
            end: i,
        });
    }
    toks
}

/// The index after the string literal opening at `start`.
fn literal_end(b: &[u8], start: usize) -> usize {
    let quote = b[start];
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_table() {
        let s = STRICT_FN;
        let cases = [
            (" 'x' in y ", format!(" 'x' in {s}(y, 'y') ")),
            (" 'x' not in y.k ", format!(" 'x' not in {s}(y.k, 'y.k') ")),
            (" y not in l ", format!(" {s}(y, 'y') not in {s}(l, 'l') ")),
            (" a == 1 ", format!(" {s}(a, 'a') == 1 ")),
            (
                " d['k'][0] != b ",
                format!(" {s}(d['k'][0], 'd.k.0') != {s}(b, 'b') "),
            ),
            (
                " 'x' in y | default([]) ",
                " 'x' in y | default([]) ".to_string(),
            ),
            (
                " y is defined and 'x' in y ",
                format!(" y is defined and 'x' in {s}(y, 'y') "),
            ),
            (" 'x' in y is defined ", " 'x' in y is defined ".to_string()),
            (
                "for k, v in d.items() ",
                format!("for k, v in {s}(d.items(), 'd.items') "),
            ),
            (
                "for i in l if i > 1 ",
                format!("for i in {s}(l, 'l') if {s}(i, 'i') > 1 "),
            ),
            ("- for i in l -", format!("- for i in {s}(l, 'l') -")),
            (" x.y ", " x.y ".to_string()),
            (" a == true ", format!(" {s}(a, 'a') == true ")),
            (" 'in' ~ s ", " 'in' ~ s ".to_string()),
            (" f(a == b) ", format!(" f({s}(a, 'a') == {s}(b, 'b')) ")),
            (" x < 3 ", format!(" {s}(x, 'x') < 3 ")),
            (" set x = y ", " set x = y ".to_string()),
            (" e | length == 0 ", " e | length == 0 ".to_string()),
            (" n | default(1) == 1 ", " n | default(1) == 1 ".to_string()),
            (
                " x is not none == y ",
                format!(" x is not none == {s}(y, 'y') "),
            ),
        ];
        for (src, want) in cases {
            assert_eq!(wrap_operands(src), want, "{src}");
        }
    }

    #[test]
    fn strict_fn_errors_like_ansible() {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        register(&mut env);
        let ctx = minijinja::context! { d => minijinja::context! { k => 1 }, l => vec![1, 2] };
        let render = |body: &str| env.render_str(&format!("{{{{{}}}}}", wrap_operands(body)), &ctx);
        let cases = [
            (" 'x' in y ", Err("'y' is undefined")),
            (
                " 'x' in d.missing.deeper ",
                Err("object of type 'dict' has no attribute 'missing'"),
            ),
            (" 1 in l ", Ok("True")),
            (" d.k == 1 ", Ok("True")),
            (" y is defined and 'x' in y ", Ok("False")),
            (" 'x' in y | default([]) ", Ok("False")),
        ];
        for (body, want) in cases {
            let got = render(body);
            match want {
                Ok(w) => assert_eq!(got.unwrap(), w, "{body}"),
                Err(w) => {
                    let e = got.unwrap_err();
                    assert_eq!(e.kind(), ErrorKind::UndefinedError, "{body}");
                    assert_eq!(e.detail(), Some(w), "{body}");
                    assert!(is_strict_message(w));
                }
            }
        }
    }
}
