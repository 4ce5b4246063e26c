//! Filters over lists and dicts: `combine`, `dict2items`, `items2dict`,
//! `flatten`, `unique`, set operations, `subelements`, `extract`,
//! `product`, `zip_longest`, `permutations`, `combinations`.

use super::util::{filter_error, from_json, kwarg, python_repr, to_json};
use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, State};
use serde_json::{Map, Value as Json};

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("combine", combine);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("flatten", flatten_filter);
    env.add_filter("unique", unique_filter);
    env.add_filter("difference", difference);
    env.add_filter("union", union);
    env.add_filter("intersect", intersect);
    env.add_filter("symmetric_difference", symmetric_difference);
    env.add_filter("subelements", subelements);
    env.add_filter("extract", extract);
    env.add_filter("product", product);
    env.add_filter("zip_longest", zip_longest);
    env.add_filter("permutations", permutations);
    env.add_filter("combinations", combinations);
    env.add_function("dict", python_dict);
}

/// Python's `dict(mapping_or_pairs, **kwargs)`; minijinja's `dict()`
/// takes no list of pairs, which `dict(keys | zip(values))` needs.
fn python_dict(args: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    if args.0.len() > 1 {
        return Err(filter_error(format!(
            "dict expected at most 1 argument, got {}",
            args.0.len()
        )));
    }
    let mut out: indexmap::IndexMap<Value, Value> = indexmap::IndexMap::new();
    let mut set = |k: Value, v: Value| {
        out.insert(k, v);
    };
    if let Some(src) = args.0.first() {
        if src.kind() == ValueKind::Map {
            for k in src.try_iter()? {
                let v = src.get_item(&k)?;
                set(k, v);
            }
        } else {
            for pair in src.try_iter()? {
                let items: Vec<Value> = pair.try_iter()?.collect();
                let [k, v] = <[Value; 2]>::try_from(items).map_err(|items| {
                    filter_error(format!(
                        "dictionary update sequence element has length {}; 2 is required",
                        items.len()
                    ))
                })?;
                set(k, v);
            }
        }
    }
    for name in kwargs.args() {
        let v = kwargs.peek::<Value>(name)?;
        set(Value::from(name), v);
    }
    Ok(Value::from(out))
}

/// How `combine` merges two lists found under the same key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ListMerge {
    Replace,
    Keep,
    Append,
    Prepend,
    AppendRp,
    PrependRp,
}

impl ListMerge {
    pub fn parse(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "replace" => ListMerge::Replace,
            "keep" => ListMerge::Keep,
            "append" => ListMerge::Append,
            "prepend" => ListMerge::Prepend,
            "append_rp" => ListMerge::AppendRp,
            "prepend_rp" => ListMerge::PrependRp,
            _ => {
                return Err(filter_error(
                    "merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', \
                     'append', 'prepend', 'append_rp' or 'prepend_rp'",
                ))
            }
        })
    }
}

/// `dict | combine(other, ..., recursive=False, list_merge='replace')`.
fn combine(value: Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive = kwarg(&kwargs, "recursive", false)?;
    let list_merge = ListMerge::parse(&kwarg(&kwargs, "list_merge", "replace".to_string())?)?;
    kwargs.assert_all_used().map_err(|_| {
        filter_error("'recursive' and 'list_merge' are the only valid keyword arguments")
    })?;
    // Ansible flattens the terms one level: a list of dicts counts as dicts.
    let mut dicts = Vec::new();
    for term in std::iter::once(value).chain(others.0) {
        match to_json(&term)? {
            Json::Array(items) => dicts.extend(items),
            other => dicts.push(other),
        }
    }
    let mut iter = dicts.into_iter();
    let Some(mut result) = iter.next() else {
        return Ok(from_json(&Json::Object(Map::new())));
    };
    for next in iter {
        result = merge_hash(result, next, recursive, list_merge)?;
    }
    Ok(from_json(&result))
}

/// Ansible's `merge_hash(x, y)`: `y` wins.
pub fn merge_hash(x: Json, y: Json, recursive: bool, list_merge: ListMerge) -> Result<Json, Error> {
    let (mut x, y) = match (x, y) {
        (Json::Object(x), Json::Object(y)) => (x, y),
        (x, y) => {
            return Err(filter_error(format!(
                "failed to combine variables, expected dicts but got a '{}' and a '{}': \n{}\n{}",
                json_type(&x),
                json_type(&y),
                python_repr(&x),
                python_repr(&y)
            )))
        }
    };
    if x.is_empty() || x == y {
        return Ok(Json::Object(y));
    }
    for (key, y_value) in y {
        let merged = match x.remove_entry_keep(&key) {
            None => y_value,
            Some(x_value) => merge_value(x_value, y_value, recursive, list_merge)?,
        };
        x.insert(key, merged);
    }
    Ok(Json::Object(x))
}

fn merge_value(x: Json, y: Json, recursive: bool, list_merge: ListMerge) -> Result<Json, Error> {
    Ok(match (x, y) {
        (x @ Json::Object(_), y @ Json::Object(_)) if recursive => {
            merge_hash(x, y, recursive, list_merge)?
        }
        (Json::Array(x), Json::Array(y)) => Json::Array(merge_lists(x, y, list_merge)),
        (_, y) => y,
    })
}

fn merge_lists(x: Vec<Json>, y: Vec<Json>, how: ListMerge) -> Vec<Json> {
    let x_without_y = || {
        x.iter()
            .filter(|v| !y.contains(v))
            .cloned()
            .collect::<Vec<_>>()
    };
    match how {
        ListMerge::Replace => y,
        ListMerge::Keep => x,
        ListMerge::Append => x.iter().chain(&y).cloned().collect(),
        ListMerge::Prepend => y.iter().chain(&x).cloned().collect(),
        ListMerge::AppendRp => x_without_y().into_iter().chain(y.iter().cloned()).collect(),
        ListMerge::PrependRp => y.iter().cloned().chain(x_without_y()).collect(),
    }
}

/// `Map::get` that keeps the key's position (preserve_order maps move a
/// removed-then-inserted key to the end, Python's dict does not).
trait KeepOrder {
    fn remove_entry_keep(&mut self, key: &str) -> Option<Json>;
}

impl KeepOrder for Map<String, Json> {
    fn remove_entry_keep(&mut self, key: &str) -> Option<Json> {
        self.get_mut(key).map(|v| v.take())
    }
}

/// The Python type name of a JSON value, for error messages.
pub fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "NoneType",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float",
        Json::Number(_) => "int",
        Json::String(_) => "str",
        Json::Array(_) => "list",
        Json::Object(_) => "dict",
    }
}

/// `dict | dict2items(key_name='key', value_name='value')`.
fn dict2items(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name = kwarg(&kwargs, "key_name", "key".to_string())?;
    let value_name = kwarg(&kwargs, "value_name", "value".to_string())?;
    kwargs.assert_all_used()?;
    let Json::Object(map) = to_json(&value)? else {
        return Err(filter_error(format!(
            "dict2items requires a dictionary, got {} instead.",
            json_type(&to_json(&value)?)
        )));
    };
    let items: Vec<Json> = map
        .into_iter()
        .map(|(k, v)| {
            let mut item = Map::new();
            item.insert(key_name.clone(), Json::String(k));
            item.insert(value_name.clone(), v);
            Json::Object(item)
        })
        .collect();
    Ok(from_json(&Json::Array(items)))
}

/// `list | items2dict(key_name='key', value_name='value')`.
fn items2dict(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name = kwarg(&kwargs, "key_name", "key".to_string())?;
    let value_name = kwarg(&kwargs, "value_name", "value".to_string())?;
    kwargs.assert_all_used()?;
    let json = to_json(&value)?;
    let Json::Array(items) = json else {
        return Err(filter_error(format!(
            "items2dict requires a list, got {} instead.",
            json_type(&json)
        )));
    };
    let mut out = Map::new();
    for item in items {
        let (Some(k), Some(v)) = (item.get(&key_name), item.get(&value_name)) else {
            return Err(filter_error(format!(
                "items2dict requires each dictionary in the list to contain the keys '{key_name}' \
                 and '{value_name}', got {}.",
                python_repr(&item)
            )));
        };
        let key = match k {
            Json::String(s) => s.clone(),
            other => python_repr(other),
        };
        out.insert(key, v.clone());
    }
    Ok(from_json(&Json::Object(out)))
}

fn flatten_filter(value: Value, levels: Option<i64>, kwargs: Kwargs) -> Result<Value, Error> {
    let levels = match levels {
        Some(l) => Some(l),
        None => kwargs.get::<Option<i64>>("levels")?,
    };
    let skip_nulls = kwarg(&kwargs, "skip_nulls", true)?;
    kwargs.assert_all_used()?;
    let Json::Array(items) = to_json(&value)? else {
        return Err(filter_error("flatten expects a list"));
    };
    Ok(from_json(&Json::Array(flatten(&items, levels, skip_nulls))))
}

/// Ansible's `flatten`: `None`, `'None'` and `'null'` are dropped unless
/// `skip_nulls` is false.
pub fn flatten(items: &[Json], levels: Option<i64>, skip_nulls: bool) -> Vec<Json> {
    let mut out = Vec::new();
    for item in items {
        let is_null = matches!(item, Json::Null)
            || matches!(item, Json::String(s) if s == "None" || s == "null");
        match item {
            _ if skip_nulls && is_null => {}
            Json::Array(inner) if levels.is_none_or(|l| l >= 1) => {
                out.extend(flatten(inner, levels.map(|l| l - 1), skip_nulls));
            }
            other => out.push(other.clone()),
        }
    }
    out
}

/// Jinja's `unique`: case-insensitive for strings unless asked otherwise,
/// first occurrence kept.
fn unique_filter(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let case_sensitive = kwarg(&kwargs, "case_sensitive", false)?;
    let attribute = kwargs.get::<Option<String>>("attribute")?;
    kwargs.assert_all_used()?;
    let items = list_of(&value, "unique")?;
    let key = |v: &Json| -> Json {
        let v = match &attribute {
            Some(a) => v.get(a).cloned().unwrap_or(Json::Null),
            None => v.clone(),
        };
        match v {
            Json::String(s) if !case_sensitive => Json::String(s.to_lowercase()),
            other => other,
        }
    };
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for item in items {
        let k = key(&item);
        if !seen.contains(&k) {
            seen.push(k);
            out.push(item);
        }
    }
    Ok(from_json(&Json::Array(out)))
}

fn list_of(value: &Value, filter: &str) -> Result<Vec<Json>, Error> {
    match to_json(value)? {
        Json::Array(items) => Ok(items),
        Json::Object(map) => Ok(map.into_iter().map(|(k, _)| Json::String(k)).collect()),
        Json::String(s) => Ok(s.chars().map(|c| Json::String(c.to_string())).collect()),
        other => Err(filter_error(format!(
            "{filter} expects a list, got {}",
            json_type(&other)
        ))),
    }
}

/// Order-preserving, case-sensitive de-duplication (Ansible's set filters).
fn dedup(items: impl IntoIterator<Item = Json>) -> Vec<Json> {
    let mut out: Vec<Json> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn difference(a: Value, b: Value) -> Result<Value, Error> {
    let (a, b) = (list_of(&a, "difference")?, list_of(&b, "difference")?);
    Ok(from_json(&Json::Array(dedup(
        a.into_iter().filter(|x| !b.contains(x)),
    ))))
}

fn union(a: Value, b: Value) -> Result<Value, Error> {
    let (a, b) = (list_of(&a, "union")?, list_of(&b, "union")?);
    Ok(from_json(&Json::Array(dedup(a.into_iter().chain(b)))))
}

fn intersect(a: Value, b: Value) -> Result<Value, Error> {
    let (a, b) = (list_of(&a, "intersect")?, list_of(&b, "intersect")?);
    Ok(from_json(&Json::Array(dedup(
        a.into_iter().filter(|x| b.contains(x)),
    ))))
}

fn symmetric_difference(a: Value, b: Value) -> Result<Value, Error> {
    let (a, b) = (
        list_of(&a, "symmetric_difference")?,
        list_of(&b, "symmetric_difference")?,
    );
    let both: Vec<Json> = a.iter().filter(|x| b.contains(x)).cloned().collect();
    let all = dedup(a.into_iter().chain(b));
    Ok(from_json(&Json::Array(
        all.into_iter().filter(|x| !both.contains(x)).collect(),
    )))
}

/// `users | subelements('groups', skip_missing=False)`: pairs of
/// (element, sub-item).
fn subelements(
    value: Value,
    path: Value,
    skip_missing: Option<bool>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let skip_missing = match skip_missing {
        Some(s) => s,
        None => kwarg(&kwargs, "skip_missing", false)?,
    };
    kwargs.assert_all_used()?;
    let elements = match to_json(&value)? {
        Json::Array(items) => items,
        Json::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        _ => return Err(filter_error("obj must be a list of dicts or a nested dict")),
    };
    let keys: Vec<String> = match to_json(&path)? {
        Json::String(s) => s.split('.').map(str::to_string).collect(),
        Json::Array(a) => a.iter().map(super::util::python_str_json).collect(),
        _ => return Err(filter_error("subelements must be a list or a string")),
    };
    let mut out = Vec::new();
    for element in elements {
        let Some(values) = walk_subelement(&element, &keys, skip_missing)? else {
            continue;
        };
        let Json::Array(values) = values else {
            return Err(filter_error(format!(
                "the key {} should point to a list, got {}",
                python_repr(&Json::String(keys.last().cloned().unwrap_or_default())),
                python_repr(&values)
            )));
        };
        for v in values {
            out.push(Json::Array(vec![element.clone(), v]));
        }
    }
    Ok(from_json(&Json::Array(out)))
}

fn walk_subelement(
    element: &Json,
    keys: &[String],
    skip_missing: bool,
) -> Result<Option<Json>, Error> {
    let mut current = element.clone();
    for key in keys {
        let Json::Object(map) = &current else {
            return Err(filter_error(format!(
                "the key {key} should point to a dictionary, got '{}'",
                python_repr(&current)
            )));
        };
        match map.get(key) {
            Some(v) => current = v.clone(),
            None if skip_missing => return Ok(None),
            None => {
                return Err(filter_error(format!(
                    "could not find '{key}' key in iterated item {}",
                    python_repr(&current)
                )))
            }
        }
    }
    Ok(Some(current))
}

/// `key | extract(container, morekeys)`: `container[key][morekeys...]`.
fn extract(
    state: &State,
    item: Value,
    container: Value,
    morekeys: Option<Value>,
) -> Result<Value, Error> {
    let _ = state;
    let mut value = container.get_item(&item)?;
    if let Some(more) = morekeys {
        let keys: Vec<Value> = if more.kind() == ValueKind::Seq {
            more.try_iter()?.collect()
        } else {
            vec![more]
        };
        for key in keys {
            value = value.get_item(&key)?;
        }
    }
    Ok(value)
}

fn seqs(first: &Value, rest: &[Value]) -> Result<Vec<Vec<Value>>, Error> {
    std::iter::once(first)
        .chain(rest)
        .map(|v| Ok(v.try_iter()?.collect()))
        .collect()
}

/// `itertools.product(a, b, ...)` as a list of lists.
fn product(value: Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let repeat = kwarg(&kwargs, "repeat", 1usize)?;
    kwargs.assert_all_used()?;
    let mut pools = seqs(&value, &others.0)?;
    let base = pools.clone();
    for _ in 1..repeat {
        pools.extend(base.iter().cloned());
    }
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for pool in pools {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                pool.iter().map(move |item| {
                    let mut next = prefix.clone();
                    next.push(item.clone());
                    next
                })
            })
            .collect();
    }
    Ok(Value::from(
        out.into_iter().map(Value::from).collect::<Vec<_>>(),
    ))
}

/// `itertools.zip_longest(a, b, ..., fillvalue=None)`.
fn zip_longest(value: Value, others: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let fill = kwargs
        .get::<Option<Value>>("fillvalue")?
        .unwrap_or(Value::from(()));
    kwargs.assert_all_used()?;
    let lists = seqs(&value, &others.0)?;
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    let rows: Vec<Value> = (0..longest)
        .map(|i| {
            let row: Vec<Value> = lists
                .iter()
                .map(|l| l.get(i).cloned().unwrap_or_else(|| fill.clone()))
                .collect();
            Value::from(row)
        })
        .collect();
    Ok(Value::from(rows))
}

/// `itertools.permutations(list, r)`.
fn permutations(value: Value, r: Option<usize>) -> Result<Value, Error> {
    let items: Vec<Value> = value.try_iter()?.collect();
    let r = r.unwrap_or(items.len());
    let mut out = Vec::new();
    permute(
        &items,
        r,
        &mut Vec::new(),
        &mut vec![false; items.len()],
        &mut out,
    );
    Ok(Value::from(out))
}

fn permute(
    items: &[Value],
    r: usize,
    cur: &mut Vec<usize>,
    used: &mut [bool],
    out: &mut Vec<Value>,
) {
    if cur.len() == r {
        out.push(Value::from(
            cur.iter().map(|&i| items[i].clone()).collect::<Vec<_>>(),
        ));
        return;
    }
    for i in 0..items.len() {
        if !used[i] {
            used[i] = true;
            cur.push(i);
            permute(items, r, cur, used, out);
            cur.pop();
            used[i] = false;
        }
    }
}

/// `itertools.combinations(list, r)`.
fn combinations(value: Value, r: usize) -> Result<Value, Error> {
    let items: Vec<Value> = value.try_iter()?.collect();
    let mut out = Vec::new();
    combine_from(&items, r, 0, &mut Vec::new(), &mut out);
    Ok(Value::from(out))
}

fn combine_from(
    items: &[Value],
    r: usize,
    start: usize,
    cur: &mut Vec<Value>,
    out: &mut Vec<Value>,
) {
    if cur.len() == r {
        out.push(Value::from(cur.clone()));
        return;
    }
    for i in start..items.len() {
        cur.push(items[i].clone());
        combine_from(items, r, i + 1, cur, out);
        cur.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_hash_table() {
        let base = json!({"a": {"x": 1, "l": [1, 2]}, "b": 1});
        let patch = json!({"a": {"y": 2, "l": [2, 3]}, "c": 3});
        let cases = [
            (
                false,
                ListMerge::Replace,
                json!({"a": {"y": 2, "l": [2, 3]}, "b": 1, "c": 3}),
            ),
            (
                true,
                ListMerge::Replace,
                json!({"a": {"x": 1, "l": [2, 3], "y": 2}, "b": 1, "c": 3}),
            ),
            (
                true,
                ListMerge::Append,
                json!({"a": {"x": 1, "l": [1, 2, 2, 3], "y": 2}, "b": 1, "c": 3}),
            ),
            (
                true,
                ListMerge::Prepend,
                json!({"a": {"x": 1, "l": [2, 3, 1, 2], "y": 2}, "b": 1, "c": 3}),
            ),
            (
                true,
                ListMerge::AppendRp,
                json!({"a": {"x": 1, "l": [1, 2, 3], "y": 2}, "b": 1, "c": 3}),
            ),
            (
                true,
                ListMerge::PrependRp,
                json!({"a": {"x": 1, "l": [2, 3, 1], "y": 2}, "b": 1, "c": 3}),
            ),
            (
                true,
                ListMerge::Keep,
                json!({"a": {"x": 1, "l": [1, 2], "y": 2}, "b": 1, "c": 3}),
            ),
        ];
        for (recursive, how, want) in cases {
            let got = merge_hash(base.clone(), patch.clone(), recursive, how).unwrap();
            assert_eq!(got, want, "recursive={recursive} {how:?}");
            // Key order follows the first dict, as Python's dict.update does.
            let keys: Vec<_> = got.as_object().unwrap().keys().cloned().collect();
            assert_eq!(keys, ["a", "b", "c"]);
        }
        assert!(merge_hash(json!([1]), json!({}), false, ListMerge::Replace).is_err());
    }

    #[test]
    fn flatten_table() {
        let input = json!([1, [2, [3, [4]]], null, "None", "x"]);
        let items = input.as_array().unwrap();
        let cases = [
            (None, true, json!([1, 2, 3, 4, "x"])),
            (Some(1), true, json!([1, 2, [3, [4]], "x"])),
            (Some(0), true, json!([1, [2, [3, [4]]], "x"])),
            (None, false, json!([1, 2, 3, 4, null, "None", "x"])),
        ];
        for (levels, skip, want) in cases {
            assert_eq!(
                Json::Array(flatten(items, levels, skip)),
                want,
                "{levels:?}"
            );
        }
    }

    #[test]
    fn set_operations_table() {
        let a = || from_json(&json!([1, 2, 2, 3]));
        let b = || from_json(&json!([3, 4, 4]));
        let run = |r: Result<Value, Error>| to_json(&r.unwrap()).unwrap();
        assert_eq!(run(difference(a(), b())), json!([1, 2]));
        assert_eq!(run(union(a(), b())), json!([1, 2, 3, 4]));
        assert_eq!(run(intersect(a(), b())), json!([3]));
        assert_eq!(run(symmetric_difference(a(), b())), json!([1, 2, 4]));
    }
}
