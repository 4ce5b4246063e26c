//! How values print inside a template: Python's `str()`, as Ansible
//! renders `"x={{ value }}"`. `None` prints as nothing, containers in
//! Python's repr (`['a', 1]`, `{'k': True}`), floats as Python writes them
//! (`1e+20`); an undefined value is an error, never an empty string.

use super::util::{python_quote, python_str_json, to_json};
use minijinja::value::ValueKind;
use minijinja::{Environment, Error, ErrorKind, Output, State, Value};

/// Install the formatter on `env`.
pub fn install(env: &mut Environment<'_>) {
    env.set_formatter(format_value);
}

/// The formatter: see the module documentation.
pub fn format_value(
    out: &mut Output<'_>,
    _state: &mut State<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "an undefined variable was printed",
        ));
    }
    if value.is_none() {
        return Ok(());
    }
    if let Some(s) = value.as_str() {
        return out.write_str(s).map_err(Error::from);
    }
    out.write_str(&python_repr(value)).map_err(Error::from)
}

/// Python's `repr()` of a template value. Results of `groupby` are
/// named tuples in Jinja and print as `(grouper, list)`; other sequences
/// (`zip` included, as ansible-core 2.19 shows them) print as lists.
pub fn python_repr(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => "None".into(),
        ValueKind::String => python_quote(value.as_str().unwrap_or_default()),
        ValueKind::Bool | ValueKind::Number => match to_json(value) {
            Ok(json) => python_str_json(&json),
            Err(_) => value.to_string(),
        },
        ValueKind::Map => {
            let Ok(keys) = value.try_iter() else {
                return value.to_string();
            };
            let parts: Vec<String> = keys
                .map(|k| {
                    let v = value.get_item(&k).unwrap_or_default();
                    format!("{}: {}", python_repr(&k), python_repr(&v))
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let Ok(items) = value.try_iter() else {
                return value.to_string();
            };
            let parts: Vec<String> = items.map(|v| python_repr(&v)).collect();
            if is_group_tuple(value) {
                format!("({})", parts.join(", "))
            } else {
                format!("[{}]", parts.join(", "))
            }
        }
        _ => value.to_string(),
    }
}

fn is_group_tuple(value: &Value) -> bool {
    value.kind() == ValueKind::Seq && value.get_attr("grouper").is_ok_and(|g| !g.is_undefined())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_table() {
        let mut env = Environment::new();
        install(&mut env);
        let cases = [
            ("{{ none }}", "", None),
            ("[{{ none }}]", "[]", None),
            ("{{ [none, true, 1.5] }}", "[None, True, 1.5]", None),
            ("{{ 1e20 }}", "1e+20", None),
            ("{{ {'a': 'it\\'s'} }}", "{'a': \"it's\"}", None),
            ("{{ x }}", "", Some(())),
            ("{{ 'plain' }}", "plain", None),
            ("{{ [1, 2] | zip(['a']) | list }}", "[[1, 'a']]", None),
            ("{{ [{'r': 1}] | groupby('r') }}", "[(1, [{'r': 1}])]", None),
        ];
        for (src, want, fails) in cases {
            let got = env.render_str(src, ());
            match fails {
                Some(()) => assert!(got.is_err(), "{src}"),
                None => assert_eq!(got.unwrap(), want, "{src}"),
            }
        }
    }
}
