//! `b64encode`, `b64decode`, `urlencode` (Jinja2's, which minijinja's
//! built-in differs from in spaces of query strings).

use super::util::{filter_error, python_str};
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("urlencode", urlencode);
}

/// Jinja2's `urlencode`: a string is quoted with `/` kept; a dict or a
/// list of pairs becomes a query string with `+` for spaces.
fn urlencode(value: &Value) -> Result<String, Error> {
    if let Some(s) = value.as_str() {
        return Ok(url_quote(s, false));
    }
    let pairs: Vec<(Value, Value)> = match value.kind() {
        ValueKind::Map => value
            .try_iter()?
            .map(|k| {
                let v = value.get_item(&k).unwrap_or_default();
                (k, v)
            })
            .collect(),
        ValueKind::Seq | ValueKind::Iterable => value
            .try_iter()?
            .map(|pair| {
                (
                    pair.get_item_by_index(0).unwrap_or_default(),
                    pair.get_item_by_index(1).unwrap_or_default(),
                )
            })
            .collect(),
        _ => return Ok(url_quote(&python_str(value), false)),
    };
    Ok(pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                url_quote(&python_str(k), true),
                url_quote(&python_str(v), true)
            )
        })
        .collect::<Vec<_>>()
        .join("&"))
}

/// Python's `quote_from_bytes` (`/` safe unless for a query string).
fn url_quote(s: &str, for_query: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let safe = b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || (!for_query && b == b'/');
        if safe {
            out.push(b as char);
        } else if for_query && b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn check_encoding(kwargs: &Kwargs) -> Result<bool, Error> {
    if let Some(enc) = kwargs.get::<Option<String>>("encoding")? {
        let enc = enc.to_lowercase().replace('_', "-");
        if enc != "utf-8" && enc != "utf8" && enc != "ascii" {
            return Err(filter_error(format!(
                "unsupported encoding '{enc}' (only utf-8)"
            )));
        }
    }
    let urlsafe = kwargs.get::<Option<bool>>("urlsafe")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    Ok(urlsafe)
}

/// `s | b64encode`: base64 of the UTF-8 text.
fn b64encode(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let urlsafe = check_encoding(&kwargs)?;
    let text = python_str(&value);
    Ok(if urlsafe {
        URL_SAFE.encode(text)
    } else {
        STANDARD.encode(text)
    })
}

/// `s | b64decode`: the decoded bytes as UTF-8 text.
fn b64decode(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let urlsafe = check_encoding(&kwargs)?;
    let text = python_str(&value);
    // Python's b64decode ignores characters outside the alphabet.
    let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let engine = if urlsafe { &URL_SAFE } else { &STANDARD };
    let bytes = engine
        .decode(cleaned.as_bytes())
        .map_err(|e| filter_error(format!("b64decode: invalid base64 input: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|_| filter_error("b64decode: the decoded data is not valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_kwargs() -> Kwargs {
        Kwargs::from_iter(std::iter::empty::<(&str, Value)>())
    }

    #[test]
    fn round_trip_table() {
        let cases = [("hello", "aGVsbG8="), ("München", "TcO8bmNoZW4="), ("", "")];
        for (plain, encoded) in cases {
            assert_eq!(b64encode(Value::from(plain), no_kwargs()).unwrap(), encoded);
            assert_eq!(b64decode(Value::from(encoded), no_kwargs()).unwrap(), plain);
        }
        assert!(b64decode(Value::from("!!!"), no_kwargs()).is_err());
    }

    #[test]
    fn urlencode_table() {
        let dict = super::super::util::from_json(&serde_json::json!({"a": "b c", "d": 1}));
        let cases = [
            (Value::from("a b/c&d"), "a%20b/c%26d"),
            (Value::from("München"), "M%C3%BCnchen"),
            (dict, "a=b+c&d=1"),
        ];
        for (v, want) in cases {
            assert_eq!(urlencode(&v).unwrap(), want);
        }
    }
}
