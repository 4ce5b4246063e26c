//! `b64encode`, `b64decode`, `urlsplit`. (`urlencode` is minijinja's
//! built-in, which follows Jinja2's.)

use super::util::{filter_error, python_str};
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error};

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
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
}
