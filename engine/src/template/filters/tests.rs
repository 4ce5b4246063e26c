//! Ansible's Jinja tests: results of registered tasks (`failed`,
//! `changed`, ...), `match` / `search` / `regex`, `contains` / `in`,
//! `subset` / `superset`, `truthy` / `falsy`, `any` / `all`, `nan`, and
//! the controller-side path tests (`file`, `directory`, `exists`, ...).

use super::regex as pyre;
use super::util::{filter_error, kwarg, python_str};
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};
use std::path::Path;

pub fn register(env: &mut Environment<'_>) {
    register_result_tests(env);
    register_regex_tests(env);
    env.add_test("contains", |seq: Value, item: Value| contains(&seq, &item));
    env.add_test("in", |item: Value, seq: Value| contains(&seq, &item));
    for name in ["subset", "issubset"] {
        env.add_test(name, |a: Value, b: Value| subset(&a, &b));
    }
    for name in ["superset", "issuperset"] {
        env.add_test(name, |a: Value, b: Value| subset(&b, &a));
    }
    env.add_test("truthy", |v: Value, kwargs: Kwargs| truthy(&v, &kwargs));
    env.add_test("falsy", |v: Value, kwargs: Kwargs| {
        truthy(&v, &kwargs).map(|t| !t)
    });
    env.add_test("any", |v: Value| -> Result<bool, Error> {
        Ok(v.try_iter()?.any(|x| x.is_true()))
    });
    env.add_test("all", |v: Value| -> Result<bool, Error> {
        Ok(v.try_iter()?.all(|x| x.is_true()))
    });
    env.add_test("nan", |v: Value| {
        v.kind() == ValueKind::Number && python_str(&v) == "NaN"
    });
    register_path_tests(env);
}

fn register_result_tests(env: &mut Environment<'_>) {
    for name in ["failed", "failure"] {
        env.add_test(name, |r: Value| result_flag(&r, "failed", "failed"));
    }
    for name in ["succeeded", "success", "successful"] {
        env.add_test(name, |r: Value| {
            result_flag(&r, "failed", "success").map(|f| !f)
        });
    }
    env.add_test("unreachable", |r: Value| {
        result_flag(&r, "unreachable", "unreachable")
    });
    env.add_test("reachable", |r: Value| {
        result_flag(&r, "unreachable", "reachable").map(|f| !f)
    });
    for name in ["skipped", "skip"] {
        env.add_test(name, |r: Value| result_flag(&r, "skipped", "skipped"));
    }
    for name in ["changed", "change"] {
        env.add_test(name, changed);
    }
    env.add_test("finished", |r: Value| async_flag(&r, "finished"));
    env.add_test("started", |r: Value| async_flag(&r, "started"));
    env.add_test("timedout", |r: Value| -> Result<bool, Error> {
        expect_result(&r, "timedout")?;
        let t = r.get_attr("timedout")?;
        Ok(!t.is_undefined() && t.get_attr("period")?.is_true())
    });
}

fn expect_result(r: &Value, test: &str) -> Result<(), Error> {
    if r.kind() != ValueKind::Map {
        return Err(filter_error(format!(
            "The '{test}' test expects a dictionary"
        )));
    }
    Ok(())
}

/// `result.get(key, False)`, truthy.
fn result_flag(r: &Value, key: &str, test: &str) -> Result<bool, Error> {
    expect_result(r, test)?;
    Ok(r.get_attr(key)?.is_true())
}

/// `changed`, also true when any item of a loop result changed.
fn changed(r: Value) -> Result<bool, Error> {
    expect_result(&r, "changed")?;
    let flag = r.get_attr("changed")?;
    if !flag.is_undefined() {
        return Ok(flag.is_true());
    }
    let results = r.get_attr("results")?;
    if results.kind() != ValueKind::Seq {
        return Ok(false);
    }
    for item in results.try_iter()? {
        if item.kind() == ValueKind::Map && item.get_attr("changed")?.is_true() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `finished` / `started` of an async job: true unless the key says 0.
fn async_flag(r: &Value, key: &str) -> Result<bool, Error> {
    expect_result(r, key)?;
    let v = r.get_attr(key)?;
    Ok(v.is_undefined() || v.as_i64() == Some(1) || (v.kind() == ValueKind::Bool && v.is_true()))
}

fn register_regex_tests(env: &mut Environment<'_>) {
    env.add_test("match", |v: Value, p: String, k: Kwargs| {
        regex_test(&v, &p, &k, "match")
    });
    env.add_test("search", |v: Value, p: String, k: Kwargs| {
        regex_test(&v, &p, &k, "search")
    });
    env.add_test("regex", |v: Value, p: String, k: Kwargs| {
        let how = kwarg(&k, "match_type", "search".to_string())?;
        regex_test(&v, &p, &k, &how)
    });
}

fn regex_test(value: &Value, pattern: &str, kwargs: &Kwargs, how: &str) -> Result<bool, Error> {
    let ignorecase = kwarg(kwargs, "ignorecase", false)?;
    let multiline = kwarg(kwargs, "multiline", false)?;
    kwargs.assert_all_used()?;
    if value.is_undefined() {
        return Err(filter_error("the value tested with a regex is undefined"));
    }
    let text = python_str(value);
    Ok(match how {
        "match" => pyre::compile_anchored(pattern, ignorecase, multiline)?.is_match(&text),
        "fullmatch" => {
            pyre::compile(&format!(r"\A(?:{pattern})\z"), ignorecase, multiline)?.is_match(&text)
        }
        _ => pyre::compile(pattern, ignorecase, multiline)?.is_match(&text),
    })
}

/// Python's `item in seq`: substring, list member or dict key.
pub fn contains(seq: &Value, item: &Value) -> Result<bool, Error> {
    if let Some(s) = seq.as_str() {
        return match item.as_str() {
            Some(needle) => Ok(s.contains(needle)),
            None => Err(filter_error(format!(
                "'in <string>' requires string as left operand, not {}",
                super::types::type_debug(item)
            ))),
        };
    }
    if seq.kind() == ValueKind::Map {
        return Ok(!seq.get_item(item)?.is_undefined());
    }
    Ok(seq.try_iter()?.any(|x| &x == item))
}

/// `set(a) <= set(b)`.
fn subset(a: &Value, b: &Value) -> Result<bool, Error> {
    let b: Vec<Value> = b.try_iter()?.collect();
    Ok(a.try_iter()?.all(|x| b.contains(&x)))
}

/// `truthy(convert_bool=False)`: Python truthiness, or Ansible's bool
/// parsing of strings first.
fn truthy(v: &Value, kwargs: &Kwargs) -> Result<bool, Error> {
    let convert = kwarg(kwargs, "convert_bool", false)?;
    kwargs.assert_all_used()?;
    if convert {
        if let Some(b) = v.as_str().and_then(super::bool::parse_bool_str) {
            return Ok(b);
        }
    }
    Ok(v.is_true())
}

fn register_path_tests(env: &mut Environment<'_>) {
    let path_test = |f: fn(&Path) -> bool| move |p: String| f(Path::new(&p));
    for name in ["file", "is_file"] {
        env.add_test(name, path_test(|p| p.is_file()));
    }
    for name in ["directory", "is_dir"] {
        env.add_test(name, path_test(|p| p.is_dir()));
    }
    for name in ["link", "is_link"] {
        env.add_test(name, path_test(|p| p.is_symlink()));
    }
    env.add_test("exists", path_test(|p| p.exists()));
    env.add_test("link_exists", path_test(|p| p.symlink_metadata().is_ok()));
    for name in ["abs", "is_abs"] {
        env.add_test(name, path_test(|p| p.is_absolute()));
    }
    for name in ["same_file", "is_same_file"] {
        env.add_test(name, |a: String, b: String| {
            match (Path::new(&a).canonicalize(), Path::new(&b).canonicalize()) {
                (Ok(x), Ok(y)) => x == y,
                _ => false,
            }
        });
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use serde_json::json;

    fn v(j: serde_json::Value) -> Value {
        super::super::util::from_json(&j)
    }

    #[test]
    fn result_tests_table() {
        let cases = [
            (json!({"failed": true}), "failed", true),
            (json!({"changed": false}), "failed", false),
            (json!({"changed": true}), "changed", true),
            (
                json!({"results": [{"changed": false}, {"changed": true}]}),
                "changed",
                true,
            ),
            (json!({"results": [{"changed": false}]}), "changed", false),
            (json!({"skipped": true}), "skipped", true),
            (json!({"failed": false}), "succeeded", true),
            (json!({"failed": true}), "success", false),
            (json!({"finished": 0}), "finished", false),
            (json!({"finished": 1}), "finished", true),
            (json!({}), "finished", true),
            (json!({"unreachable": true}), "reachable", false),
        ];
        let mut env = Environment::new();
        register(&mut env);
        for (result, test, want) in cases {
            let source = format!("r is {test}");
            let expr = env.compile_expression(&source).unwrap();
            let got = expr
                .eval(minijinja::context! { r => v(result.clone()) })
                .unwrap();
            assert_eq!(got.is_true(), want, "{result} is {test}");
        }
        let expr = env.compile_expression("r is failed").unwrap();
        assert!(expr.eval(minijinja::context! { r => "text" }).is_err());
    }

    #[test]
    fn value_tests_table() {
        let mut env = Environment::new();
        register(&mut env);
        let cases = [
            ("'abc' is match('a')", true),
            ("'abc' is match('b')", false),
            ("'abc' is search('b')", true),
            ("'ABC' is search('b', ignorecase=true)", true),
            ("'abc' is regex('^b', match_type='search')", false),
            ("'ab' is regex('a|ab', match_type='fullmatch')", true),
            ("[1, 2] is contains(2)", true),
            ("'b' is in('abc')", true),
            ("'x' is in({'x': 1})", true),
            ("[1, 2] is subset([1, 2, 3])", true),
            ("[1, 4] is subset([1, 2, 3])", false),
            ("[1, 2, 3] is superset([3])", true),
            ("'no' is truthy", true),
            ("'no' is truthy(convert_bool=true)", false),
            ("'' is falsy", true),
            ("[0, 1] is any", true),
            ("[0, 1] is all", false),
            ("'/etc' is directory", true),
            ("'/etc' is abs", true),
            ("'etc' is abs", false),
            ("'/nonexistent/x' is exists", false),
        ];
        for (expr, want) in cases {
            let got = env.compile_expression(expr).unwrap().eval(()).unwrap();
            assert_eq!(got.is_true(), want, "{expr}");
        }
    }
}
