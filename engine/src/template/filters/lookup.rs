//! `lookup()` / `query()` / `q()` with the `env` lookup, the one lookup
//! that needs nothing but the controller's environment. Lookups that read
//! files or run commands need the executor's search paths and are
//! registered by it.

use super::util::filter_error;
use minijinja::value::{Kwargs, Rest, Value};
use minijinja::{Environment, Error};

pub fn register(env: &mut Environment<'_>) {
    env.add_function(
        "lookup",
        |name: String, terms: Rest<Value>, kwargs: Kwargs| {
            let wantlist = kwargs.get::<Option<bool>>("wantlist")?.unwrap_or(false);
            let values = run(&name, &terms.0, &kwargs)?;
            if wantlist {
                return Ok(Value::from(values));
            }
            // Ansible joins a lookup's list of strings with commas.
            Ok(match values.len() {
                1 => values.into_iter().next().unwrap_or_default(),
                _ => Value::from(
                    values
                        .iter()
                        .map(super::util::python_str)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
            })
        },
    );
    for name in ["query", "q"] {
        env.add_function(name, |name: String, terms: Rest<Value>, kwargs: Kwargs| {
            Ok::<_, Error>(Value::from(run(&name, &terms.0, &kwargs)?))
        });
    }
}

fn run(name: &str, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    match name.strip_prefix("ansible.builtin.").unwrap_or(name) {
        "env" => env_lookup(terms, kwargs),
        other => Err(filter_error(format!("lookup plugin ({other}) not found"))),
    }
}

/// `lookup('env', 'HOME', default='')`.
fn env_lookup(terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let default = kwargs
        .get::<Option<Value>>("default")?
        .unwrap_or(Value::from(""));
    kwargs.assert_all_used()?;
    Ok(terms
        .iter()
        .map(|t| {
            let name = super::util::python_str(t);
            std::env::var(&name)
                .map(Value::from)
                .unwrap_or_else(|_| default.clone())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_lookup_table() {
        let mut env = Environment::new();
        register(&mut env);
        let path = std::env::var("PATH").unwrap_or_default();
        let cases = [
            ("lookup('env', 'PATH')", Value::from(path.clone())),
            ("lookup('env', 'SRPLAY_SURELY_UNSET_VAR')", Value::from("")),
            (
                "lookup('env', 'SRPLAY_SURELY_UNSET_VAR', default='d')",
                Value::from("d"),
            ),
            ("query('env', 'PATH')", Value::from(vec![path])),
        ];
        for (expr, want) in cases {
            let got = env.compile_expression(expr).unwrap().eval(()).unwrap();
            assert_eq!(got, want, "{expr}");
        }
        assert!(env
            .compile_expression("lookup('nope', 'x')")
            .unwrap()
            .eval(())
            .is_err());
    }
}
