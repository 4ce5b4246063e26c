//! String filters: `regex_replace`, `regex_search`, `regex_findall`,
//! `regex_escape`, `quote`, `comment`, `to_uuid`.

use super::regex as pyre;
use super::util::{filter_error, kwarg, python_str};
use minijinja::value::{Kwargs, Rest, Value};
use minijinja::{Environment, Error};
use sha1::{Digest, Sha1};

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", regex_escape);
    env.add_filter("quote", quote_filter);
    env.add_filter("comment", comment);
    env.add_filter("to_uuid", to_uuid);
}

/// Ansible passes non-strings through `to_text`.
fn text_of(v: &Value) -> String {
    if v.is_none() || v.is_undefined() {
        return String::new();
    }
    python_str(v)
}

/// `s | regex_replace(pattern, replacement, ignorecase, multiline, count, mandatory_count)`.
fn regex_replace(
    value: Value,
    pattern: Option<String>,
    replacement: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let text = text_of(&value);
    let pattern = pattern.unwrap_or_default();
    let replacement = replacement.unwrap_or_default();
    let ignorecase = kwarg(&kwargs, "ignorecase", false)?;
    let multiline = kwarg(&kwargs, "multiline", false)?;
    let count = kwarg(&kwargs, "count", 0usize)?;
    let mandatory_count = kwarg(&kwargs, "mandatory_count", 0usize)?;
    kwargs.assert_all_used()?;
    let re = pyre::compile(&pattern, ignorecase, multiline)?;
    let repl = pyre::Replacement::parse(&replacement)?;
    repl.check(&re)?;
    let (out, n) = pyre::subn(&re, &repl, &text, count);
    if mandatory_count > 0 && n != mandatory_count {
        return Err(filter_error(format!(
            "'{pattern}' should match {mandatory_count} times, but matches {n} times in '{text}'"
        )));
    }
    Ok(out)
}

/// One group selector of `regex_search`: `'\\1'` or `'\\g<name>'`.
enum GroupRef {
    Index(usize),
    Name(String),
}

fn parse_group_ref(arg: &str) -> Result<GroupRef, Error> {
    if let Some(rest) = arg.strip_prefix("\\g<") {
        if let Some(name) = rest.strip_suffix('>') {
            return Ok(match name.parse() {
                Ok(n) => GroupRef::Index(n),
                Err(_) => GroupRef::Name(name.to_string()),
            });
        }
    }
    if let Some(digits) = arg.strip_prefix('\\') {
        let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            return Ok(GroupRef::Index(n));
        }
    }
    Err(filter_error("Unknown argument"))
}

/// `s | regex_search(pattern, '\\1', ..., ignorecase, multiline)`: the
/// match, the list of selected groups, or `None` when nothing matches.
fn regex_search(
    value: Value,
    pattern: String,
    groups: Rest<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let text = text_of(&value);
    let ignorecase = kwarg(&kwargs, "ignorecase", false)?;
    let multiline = kwarg(&kwargs, "multiline", false)?;
    kwargs.assert_all_used()?;
    let refs = groups
        .0
        .iter()
        .map(|g| parse_group_ref(g))
        .collect::<Result<Vec<_>, _>>()?;
    let re = pyre::compile(&pattern, ignorecase, multiline)?;
    let Some(caps) = re.captures(&text) else {
        return Ok(Value::from(()));
    };
    if refs.is_empty() {
        return Ok(Value::from(caps.get(0).map_or("", |m| m.as_str())));
    }
    let mut out = Vec::new();
    for r in refs {
        let m = match &r {
            GroupRef::Index(n) if *n < re.captures_len() => caps.get(*n),
            GroupRef::Name(n) if re.capture_names().any(|c| c == Some(n)) => caps.name(n),
            _ => return Err(filter_error("no such group")),
        };
        out.push(m.map_or(Value::from(()), |m| Value::from(m.as_str())));
    }
    Ok(Value::from(out))
}

/// `s | regex_findall(pattern)`: Python's `re.findall`.
fn regex_findall(value: Value, pattern: String, kwargs: Kwargs) -> Result<Value, Error> {
    let text = text_of(&value);
    let ignorecase = kwarg(&kwargs, "ignorecase", false)?;
    let multiline = kwarg(&kwargs, "multiline", false)?;
    kwargs.assert_all_used()?;
    let re = pyre::compile(&pattern, ignorecase, multiline)?;
    let groups = re.captures_len() - 1;
    let group_text =
        |c: &regex::Captures<'_>, i: usize| Value::from(c.get(i).map_or("", |m| m.as_str()));
    let found: Vec<Value> = re
        .captures_iter(&text)
        .map(|c| match groups {
            0 => group_text(&c, 0),
            1 => group_text(&c, 1),
            n => Value::from((1..=n).map(|i| group_text(&c, i)).collect::<Vec<_>>()),
        })
        .collect();
    Ok(Value::from(found))
}

/// Python 3.7+'s `re.escape`; `re_type='posix_basic'` escapes BRE specials.
fn regex_escape(value: Value, re_type: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let re_type = match re_type {
        Some(t) => Some(t),
        None => kwargs.get::<Option<String>>("re_type")?,
    };
    kwargs.assert_all_used()?;
    let text = text_of(&value);
    let specials: &str = match re_type.as_deref().unwrap_or("python") {
        "python" => "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}",
        "posix_basic" => "[]\\.^$*",
        other => {
            return Err(filter_error(format!(
                "Regex type ({other}) not yet implemented"
            )))
        }
    };
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if specials.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(out)
}

/// Python's `shlex.quote`.
pub fn shell_quote(s: &str) -> String {
    let safe = |b: u8| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b);
    if s.is_empty() {
        return "''".into();
    }
    if s.bytes().all(safe) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

fn quote_filter(value: Value) -> String {
    shell_quote(&text_of(&value))
}

/// The parameters of a comment style (Ansible's `comment` filter).
struct CommentStyle {
    newline: String,
    beginning: String,
    prefix: String,
    prefix_count: usize,
    decoration: String,
    postfix: String,
    postfix_count: usize,
    end: String,
}

/// `text | comment(style='plain', decoration=..., prefix=..., ...)`.
fn comment(value: Value, style: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let text = text_of(&value);
    let p = comment_style(style.as_deref().unwrap_or("plain"), &kwargs)?;
    kwargs.assert_all_used()?;
    let beginning = if p.beginning.is_empty() {
        String::new()
    } else {
        format!("{}{}", p.beginning, p.newline)
    };
    let prefix = if p.prefix.is_empty() {
        String::new()
    } else if p.prefix != p.newline {
        format!("{}{}", p.prefix, p.newline).repeat(p.prefix_count)
    } else {
        p.newline.repeat(p.prefix_count)
    };
    let body = format!(
        "{}{}",
        p.decoration,
        text.replace(&p.newline, &format!("{}{}", p.newline, p.decoration))
    )
    .replace(
        &format!("{}{}", p.decoration, p.newline),
        &format!("{}{}", p.decoration.trim_end(), p.newline),
    );
    let postfix: String = (0..p.postfix_count)
        .map(|_| format!("{}{}", p.newline, p.postfix))
        .collect();
    let end = if p.end.is_empty() {
        String::new()
    } else {
        format!("{}{}", p.newline, p.end)
    };
    Ok(format!("{beginning}{prefix}{body}{postfix}{end}"))
}

fn comment_style(style: &str, kwargs: &Kwargs) -> Result<CommentStyle, Error> {
    let (beginning, decoration, end) = match style {
        "plain" => ("", "# ", ""),
        "erlang" => ("", "% ", ""),
        "c" => ("", "// ", ""),
        "cblock" => ("/*", " * ", " */"),
        "xml" => ("<!--", " - ", "-->"),
        other => return Err(filter_error(format!("unknown comment style '{other}'"))),
    };
    let around = kwargs
        .get::<Option<String>>("decoration")?
        .unwrap_or_else(|| decoration.to_string());
    let get = |name: &str, default: &str| -> Result<String, Error> {
        Ok(kwargs
            .get::<Option<String>>(name)?
            .unwrap_or_else(|| default.to_string()))
    };
    Ok(CommentStyle {
        newline: get("newline", "\n")?,
        beginning: get("beginning", beginning)?,
        prefix: get("prefix", around.trim_end())?,
        prefix_count: kwarg(kwargs, "prefix_count", 1usize)?,
        decoration: around.clone(),
        postfix: get("postfix", around.trim_end())?,
        postfix_count: kwarg(kwargs, "postfix_count", 1usize)?,
        end: get("end", end)?,
    })
}

/// Ansible's UUID namespace for `to_uuid`.
const ANSIBLE_UUID_NAMESPACE: [u8; 16] = [
    0x36, 0x1e, 0x6d, 0x51, 0xfa, 0xec, 0x44, 0x4a, 0x90, 0x79, 0x34, 0x13, 0x86, 0xda, 0x8e, 0x2e,
];

/// `name | to_uuid(namespace=...)`: a version-5 UUID.
fn to_uuid(value: Value, namespace: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let namespace = match namespace {
        Some(ns) => Some(ns),
        None => kwargs.get::<Option<String>>("namespace")?,
    };
    kwargs.assert_all_used()?;
    let ns = match namespace {
        Some(ns) => parse_uuid(&ns)?,
        None => ANSIBLE_UUID_NAMESPACE,
    };
    Ok(uuid5(&ns, &text_of(&value)))
}

fn parse_uuid(s: &str) -> Result<[u8; 16], Error> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let bad = || filter_error(format!("badly formed hexadecimal UUID string: {s}"));
    if hex.len() != 32 {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// RFC 4122 name-based UUID (SHA-1).
pub fn uuid5(namespace: &[u8; 16], name: &str) -> String {
    let mut h = Sha1::new();
    h.update(namespace);
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_table() {
        let cases = [
            ("abc", "abc"),
            ("", "''"),
            ("a b", "'a b'"),
            ("it's", "'it'\"'\"'s'"),
            ("/opt/starrocks/fe", "/opt/starrocks/fe"),
        ];
        for (s, want) in cases {
            assert_eq!(shell_quote(s), want);
        }
    }

    #[test]
    fn uuid5_matches_python() {
        // uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
        let dns = parse_uuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8").unwrap();
        assert_eq!(
            uuid5(&dns, "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        );
    }

    #[test]
    fn regex_escape_table() {
        let cases = [("a.b*c", "a\\.b\\*c"), ("x_y", "x_y"), ("1+1", "1\\+1")];
        for (s, want) in cases {
            let none = Kwargs::from_iter(std::iter::empty::<(&str, Value)>());
            assert_eq!(regex_escape(Value::from(s), None, none).unwrap(), want);
        }
    }
}
