//! Python's mutating list and dict methods (`x.append(y)`, `d.update(e)`),
//! which Ansible templates use in `{% set _ = x.append(y) %}` patterns.
//!
//! minijinja's sequences and maps are immutable, so a template that calls
//! one of these methods has its list and dict literals wrapped in
//! [`MUTABLE_FN`] by the source pre-pass (`literals.rs`): they become
//! [`PyList`] / [`PyDict`], shared objects that these methods change in
//! place, as Python's would. Lists and dicts that come from variables stay
//! immutable (Ansible hands templates copies, so changing them never
//! reaches the variable either); calling a mutating method on one is an
//! error that says so.

use indexmap::IndexMap;
use minijinja::value::{from_args, Enumerator, Object, ObjectRepr, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};
use std::sync::{Arc, Mutex, MutexGuard};

/// The function the pre-pass wraps literals in.
pub const MUTABLE_FN: &str = "__srplay_mutable";

/// The method names that make the pre-pass wrap literals.
pub const MUTATING_METHODS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "clear",
    "reverse",
    "update",
    "setdefault",
];

pub fn register(env: &mut Environment<'_>) {
    env.add_function(MUTABLE_FN, mutable);
}

/// A list literal as a [`PyList`], a dict literal as a [`PyDict`].
fn mutable(v: Value) -> Result<Value, Error> {
    Ok(match v.kind() {
        ValueKind::Seq => Value::from_object(PyList(Mutex::new(v.try_iter()?.collect()))),
        ValueKind::Map => {
            let mut map = IndexMap::new();
            for k in v.try_iter()? {
                let item = v.get_item(&k)?;
                map.insert(k, item);
            }
            Value::from_object(PyDict(Mutex::new(map)))
        }
        _ => v,
    })
}

/// A Python list: shared, changed in place by its methods.
#[derive(Debug)]
pub struct PyList(Mutex<Vec<Value>>);

impl PyList {
    fn items(&self) -> MutexGuard<'_, Vec<Value>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Object for PyList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let items = self.items();
        let i = key.as_i64()?;
        let i = if i < 0 { items.len() as i64 + i } else { i };
        items.get(usize::try_from(i).ok()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.items().clone())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.items().len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let mut items = self.items();
        match method {
            "append" => {
                let (x,): (Value,) = from_args(args)?;
                items.push(x);
            }
            "extend" => {
                let (other,): (Value,) = from_args(args)?;
                let more: Vec<Value> = other.try_iter()?.collect();
                items.extend(more);
            }
            "insert" => {
                let (at, x): (i64, Value) = from_args(args)?;
                let at = clamp_index(at, items.len());
                items.insert(at, x);
            }
            "pop" => {
                let (at,): (Option<i64>,) = from_args(args)?;
                if items.is_empty() {
                    return Err(py_error("pop from empty list"));
                }
                let len = items.len() as i64;
                let at = at.unwrap_or(-1);
                let at = if at < 0 { len + at } else { at };
                if !(0..len).contains(&at) {
                    return Err(py_error("pop index out of range"));
                }
                return Ok(items.remove(at as usize));
            }
            "remove" => {
                let (x,): (Value,) = from_args(args)?;
                match items.iter().position(|v| *v == x) {
                    Some(i) => {
                        items.remove(i);
                    }
                    None => return Err(py_error("list.remove(x): x not in list")),
                }
            }
            "index" => {
                let (x,): (Value,) = from_args(args)?;
                return match items.iter().position(|v| *v == x) {
                    Some(i) => Ok(Value::from(i)),
                    None => Err(py_error(format!("{x} is not in list"))),
                };
            }
            "clear" => {
                let () = from_args(args)?;
                items.clear();
            }
            "reverse" => {
                let () = from_args(args)?;
                items.reverse();
            }
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        }
        Ok(Value::from(()))
    }
}

/// Python's `list.insert` index: negative from the end, clamped.
fn clamp_index(at: i64, len: usize) -> usize {
    let len = len as i64;
    let at = if at < 0 {
        (len + at).max(0)
    } else {
        at.min(len)
    };
    at as usize
}

/// A Python dict: shared, changed in place by its methods.
#[derive(Debug)]
pub struct PyDict(Mutex<IndexMap<Value, Value>>);

impl PyDict {
    fn entries(&self) -> MutexGuard<'_, IndexMap<Value, Value>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Object for PyDict {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.entries().get(key).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.entries().keys().cloned().collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.entries().len())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "update" => {
                let (other, kwargs): (Option<Value>, minijinja::value::Kwargs) = from_args(args)?;
                let mut add = Vec::new();
                if let Some(o) = other {
                    for k in o.try_iter()? {
                        let v = o.get_item(&k)?;
                        add.push((k, v));
                    }
                }
                for k in kwargs.args() {
                    add.push((Value::from(k), kwargs.get::<Value>(k)?));
                }
                self.entries().extend(add);
                Ok(Value::from(()))
            }
            "setdefault" => {
                let (k, d): (Value, Option<Value>) = from_args(args)?;
                let mut e = self.entries();
                Ok(e.entry(k)
                    .or_insert_with(|| d.unwrap_or(Value::from(())))
                    .clone())
            }
            "pop" => {
                let (k, d): (Value, Option<Value>) = from_args(args)?;
                match (self.entries().shift_remove(&k), d) {
                    (Some(v), _) | (None, Some(v)) => Ok(v),
                    (None, None) => Err(py_error(format!("KeyError: {k}"))),
                }
            }
            "clear" => {
                let () = from_args(args)?;
                self.entries().clear();
                Ok(Value::from(()))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// Python list methods that only read, for any sequence: `index`.
pub fn read_only_method(
    value: &Value,
    method: &str,
    args: &[Value],
) -> Option<Result<Value, Error>> {
    if value.kind() != ValueKind::Seq || method != "index" {
        return None;
    }
    Some((|| {
        let (x,): (Value,) = from_args(args)?;
        match value.try_iter()?.position(|v| v == x) {
            Some(i) => Ok(Value::from(i)),
            None => Err(py_error(format!("{x} is not in list"))),
        }
    })())
}

/// The unknown-method fallback for lists and dicts that are not ours:
/// the method exists in Python, but this value cannot change.
pub fn immutable_error(value: &Value, method: &str) -> Option<Error> {
    let kind = match value.kind() {
        ValueKind::Seq => "list",
        ValueKind::Map => "dict",
        _ => return None,
    };
    if !MUTATING_METHODS.contains(&method) || (kind == "list" && method == "update") {
        return None;
    }
    Some(py_error(format!(
        "{kind}.{method}() can only change a {kind} written as a literal in this template \
         (for example `{{% set x = [] %}}`); this {kind} comes from a variable or a filter: \
         copy it into a literal first (`{{% set x = [] + value %}}`, `{{% set d = {{}} %}}{{% set _ = d.update(value) %}}`)"
    )))
}

fn py_error(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

#[cfg(test)]
mod tests {
    use crate::template::new_environment;

    #[test]
    fn mutating_methods_table() {
        let env = new_environment();
        let ctx = minijinja::context! { v => vec![1, 2] };
        let cases = [
            ("{% set l = [] %}{% for i in [1, 2] %}{% set _ = l.append(i) %}{% endfor %}{{ l }}", "[1, 2]"),
            ("{% set l = [1] %}{% set _ = l.extend(['a', 'b']) %}{{ l | length }}", "3"),
            ("{% set l = [1, 3] %}{% set _ = l.insert(1, 2) %}{{ l }}", "[1, 2, 3]"),
            ("{% set l = [1, 2, 3] %}{{ l.pop() }}{{ l.pop(0) }}{{ l }}", "31[2]"),
            ("{% set l = ['a', 'b'] %}{% set _ = l.remove('a') %}{{ l }}{{ l.index('b') }}", "['b']0"),
            ("{% set l = [1, 2] %}{% set m = l %}{% set _ = m.append(3) %}{{ l }}", "[1, 2, 3]"),
            ("{% set l = [1, 2] %}{{ l + [3] }} {{ l[-1] }} {{ 2 in l }}", "[1, 2, 3] 2 True"),
            ("{% set d = {} %}{% set _ = d.update({'a': 1}) %}{% set _ = d.update(b=2) %}{{ d }}", "{'a': 1, 'b': 2}"),
            ("{% set d = {'a': 1} %}{{ d.setdefault('b', 5) }}{{ d.setdefault('a', 9) }}{{ d.pop('a') }}{{ d }}", "511{'b': 5}"),
            ("{% set d = {'k': 'v'} %}{% set _ = d.update({'x': 'y'}) %}{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.keys() | list }}", "k=v;x=y;['k', 'x']"),
            ("{% set d = {'a': [1]} %}{% set _ = d.a.append(2) %}{{ d.a }}", "[1, 2]"),
            ("{% set l = [] %}{% set _ = l.append({'n': 1}) %}{{ l | map(attribute='n') | list }}", "[1]"),
            ("{{ v.index(2) }}", "1"),
        ];
        for (src, want) in cases {
            let got = env
                .render_str(
                    &crate::template::filters::raw_string_literals(src),
                    ctx.clone(),
                )
                .unwrap_or_else(|e| panic!("{src}: {e:#}"));
            assert_eq!(got, want, "{src}");
        }
    }

    #[test]
    fn mutating_errors_table() {
        let env = new_environment();
        let ctx = minijinja::context! { v => vec![1, 2] };
        let cases = [
            ("{% set l = [] %}{{ l.pop() }}", "pop from empty list"),
            ("{% set l = [1] %}{% set _ = l.remove(5) %}", "not in list"),
            ("{% set d = {} %}{{ d.pop('x') }}", "KeyError"),
            (
                "{% set _ = v.append(3) %}",
                "can only change a list written as a literal",
            ),
        ];
        for (src, want) in cases {
            let err = env
                .render_str(
                    &crate::template::filters::raw_string_literals(src),
                    ctx.clone(),
                )
                .unwrap_err();
            assert!(format!("{err:#}").contains(want), "{src}: {err:#}");
        }
    }
}
