//! `with_<lookup>` terms -> the list of loop items.

use serde_json::{json, Value};

/// Items of a `with_*` loop from its rendered terms.
pub fn with_items(
    lookup: &str,
    terms: Value,
    find: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Value>, String> {
    let list = |v: Value| match v {
        Value::Array(a) => a,
        Value::Null => vec![],
        other => vec![other],
    };
    Ok(match lookup {
        "items" => list(terms)
            .into_iter()
            .flat_map(|v| match v {
                Value::Array(a) => a,
                other => vec![other],
            })
            .collect(),
        "list" => list(terms),
        "flattened" => flatten(list(terms)),
        "indexed_items" => list(terms)
            .into_iter()
            .enumerate()
            .map(|(i, v)| json!([i, v]))
            .collect(),
        "dict" | "dict2items" => match terms {
            Value::Object(m) => m
                .into_iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect(),
            other => return Err(dict_lookup_error(&other)),
        },
        "nested" | "cartesian" => {
            let lists: Vec<Vec<Value>> = list(terms).into_iter().map(list).collect();
            let mut acc: Vec<Vec<Value>> = vec![vec![]];
            for l in lists {
                acc = acc
                    .into_iter()
                    .flat_map(|prefix| {
                        l.iter().map(move |x| {
                            let mut p = prefix.clone();
                            p.push(x.clone());
                            p
                        })
                    })
                    .collect();
            }
            acc.into_iter().map(Value::Array).collect()
        }
        "together" => {
            let lists: Vec<Vec<Value>> = list(terms).into_iter().map(list).collect();
            let n = lists.iter().map(Vec::len).max().unwrap_or(0);
            (0..n)
                .map(|i| {
                    Value::Array(
                        lists
                            .iter()
                            .map(|l| l.get(i).cloned().unwrap_or(Value::Null))
                            .collect(),
                    )
                })
                .collect()
        }
        "sequence" => sequence(&terms)?,
        "subelements" => {
            let l = list(terms);
            let (Some(items), Some(key)) = (l.first(), l.get(1).and_then(Value::as_str)) else {
                return Err("subelements expects [list, key]".into());
            };
            let mut out = Vec::new();
            for it in list(items.clone()) {
                let mut parent = it.clone();
                if let Value::Object(m) = &mut parent {
                    m.remove(key);
                }
                for sub in list(it.get(key).cloned().unwrap_or(Value::Null)) {
                    out.push(json!([parent.clone(), sub]));
                }
            }
            out
        }
        "first_found" => {
            let names: Vec<String> = flatten(list(terms.clone()))
                .iter()
                .flat_map(|t| match t {
                    Value::Object(m) => m
                        .get("files")
                        .map(|f| list(f.clone()))
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect(),
                    Value::String(s) => vec![s.clone()],
                    _ => vec![],
                })
                .collect();
            match names.iter().find_map(|n| find(n)) {
                Some(p) => vec![Value::String(p)],
                None => return Err("No file was found when using first_found.".into()),
            }
        }
        "fileglob" => {
            let mut out = Vec::new();
            for pat in list(terms) {
                let p = pat.as_str().unwrap_or_default().to_string();
                let full = find(&p).unwrap_or(p);
                if let Ok(paths) = glob::glob(&full) {
                    out.extend(
                        paths
                            .flatten()
                            .filter(|p| p.is_file())
                            .map(|p| Value::String(p.display().to_string())),
                    );
                }
            }
            out
        }
        "lines" => {
            let mut out = Vec::new();
            for cmd in list(terms) {
                let o = std::process::Command::new("/bin/sh")
                    .arg("-c")
                    .arg(cmd.as_str().unwrap_or_default())
                    .output()
                    .map_err(|e| e.to_string())?;
                out.extend(
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .map(|l| Value::String(l.to_string())),
                );
            }
            out
        }
        "file" => {
            let mut out = Vec::new();
            for f in list(terms) {
                let name = f.as_str().unwrap_or_default();
                let p =
                    find(name).ok_or_else(|| format!("could not locate file in lookup: {name}"))?;
                out.push(Value::String(
                    std::fs::read_to_string(&p)
                        .map_err(|e| e.to_string())?
                        .trim_end()
                        .to_string(),
                ));
            }
            out
        }
        "env" => list(terms)
            .iter()
            .map(|t| {
                Value::String(std::env::var(t.as_str().unwrap_or_default()).unwrap_or_default())
            })
            .collect(),
        "random_choice" => list(terms).into_iter().take(1).collect(),
        other => return Err(format!("lookup plugin '{other}' not found")),
    })
}

fn flatten(v: Vec<Value>) -> Vec<Value> {
    v.into_iter()
        .flat_map(|x| match x {
            Value::Array(a) => flatten(a),
            other => vec![other],
        })
        .collect()
}

/// `with_sequence: start=1 end=5 format=web%02d` or `count=3`.
fn sequence(terms: &Value) -> Result<Vec<Value>, String> {
    let text = match terms {
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str().map(str::to_string).unwrap_or(v.to_string())
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => return Err(format!("bad with_sequence terms {other}")),
    };
    let kv = crate::playbook::parse_kv(&text, false)?;
    let num = |k: &str| -> Result<Option<i64>, String> {
        match kv.get(k).and_then(Value::as_str) {
            None => Ok(None),
            Some(s) => {
                let s = s.trim();
                let parsed = if let Some(h) = s.strip_prefix("0x") {
                    i64::from_str_radix(h, 16)
                } else {
                    s.parse()
                };
                parsed
                    .map(Some)
                    .map_err(|_| format!("can't parse {k}={s} as integer"))
            }
        }
    };
    let (mut start, mut end, stride, count) = (
        num("start")?.unwrap_or(1),
        num("end")?,
        num("stride")?.unwrap_or(1),
        num("count")?,
    );
    if let Some(raw) = kv.get("_raw_params").and_then(Value::as_str) {
        // shortcut form: [start-]end[/stride][:format]
        let body = raw.split(':').next().unwrap_or(raw);
        let (range, _) = body.split_once('/').unwrap_or((body, ""));
        match range.split_once('-') {
            Some((a, b)) => {
                start = a.parse().map_err(|_| format!("bad sequence `{raw}`"))?;
                end = Some(b.parse().map_err(|_| format!("bad sequence `{raw}`"))?);
            }
            None => end = Some(range.parse().map_err(|_| format!("bad sequence `{raw}`"))?),
        }
    }
    let end = match (end, count) {
        (Some(_), Some(_)) => {
            return Err("can't specify both count and end in with_sequence".into())
        }
        (Some(e), None) => e,
        (None, Some(c)) => start + (c - 1) * stride,
        (None, None) => return Err("must specify count or end in with_sequence".into()),
    };
    let format = kv
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("%d")
        .to_string();
    let mut out = Vec::new();
    let mut i = start;
    if stride == 0 {
        return Ok(out);
    }
    while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
        out.push(Value::String(printf_int(&format, i)));
        i += stride;
    }
    Ok(out)
}

/// The `%d`, `%02d`, `%x` subset of printf that `with_sequence` formats use.
fn printf_int(fmt: &str, n: i64) -> String {
    let re = regex::Regex::new(r"%(0?)(\d*)([dxXo])").expect("valid pattern");
    re.replace(fmt, |c: &regex::Captures| {
        let width: usize = c[2].parse().unwrap_or(0);
        let body = match &c[3] {
            "x" => format!("{n:x}"),
            "X" => format!("{n:X}"),
            "o" => format!("{n:o}"),
            _ => n.to_string(),
        };
        if c[1].is_empty() {
            format!("{body:>width$}")
        } else {
            format!("{body:0>width$}")
        }
    })
    .into_owned()
}

/// ansible-core's message: the lookup checks each term (a list's first
/// item, when it was given a list).
fn dict_lookup_error(terms: &Value) -> String {
    let term = match terms {
        Value::Array(a) => a.first().unwrap_or(terms),
        other => other,
    };
    let ty = match term {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    };
    let shown = crate::template::filters::python_str_json(term);
    format!("the 'dict' lookup plugin expects a dictionary, got '{shown}' of type <class '{ty}'>)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_table() {
        let none = |_: &str| None;
        let cases = [
            ("items", json!([1, [2, 3]]), json!([1, 2, 3])),
            ("list", json!([1, [2, 3]]), json!([1, [2, 3]])),
            ("dict", json!({"a": 1}), json!([{"key": "a", "value": 1}])),
            (
                "nested",
                json!([[1, 2], ["a"]]),
                json!([[1, "a"], [2, "a"]]),
            ),
            (
                "together",
                json!([[1, 2], ["a"]]),
                json!([[1, "a"], [2, null]]),
            ),
            (
                "sequence",
                json!("start=1 end=3 format=web%02d"),
                json!(["web01", "web02", "web03"]),
            ),
            ("sequence", json!("count=2"), json!(["1", "2"])),
            ("sequence", json!("4-6"), json!(["4", "5", "6"])),
            ("indexed_items", json!(["a"]), json!([[0, "a"]])),
            (
                "subelements",
                json!([[{"n": 1, "s": ["x", "y"]}], "s"]),
                json!([[{"n": 1}, "x"], [{"n": 1}, "y"]]),
            ),
        ];
        for (lookup, terms, want) in cases {
            assert_eq!(
                Value::Array(with_items(lookup, terms.clone(), &none).unwrap()),
                want,
                "{lookup} {terms}"
            );
        }
    }
}
