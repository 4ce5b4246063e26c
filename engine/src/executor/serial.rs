//! `serial`: split a play's hosts into batches, as Ansible does.

use serde_json::Value;

/// One batch size from `5`, `"30%"` or `"5"`; a percentage rounds down
/// but never below one host.
fn size(v: &Value, total: usize) -> Result<usize, String> {
    let n = match v {
        Value::Number(n) => n
            .as_i64()
            .ok_or("serial must be an integer or a percentage")?,
        Value::String(s) if s.trim().ends_with('%') => {
            let pct: f64 = s
                .trim()
                .trim_end_matches('%')
                .trim()
                .parse()
                .map_err(|_| format!("bad serial `{s}`"))?;
            let n = ((total as f64) * pct / 100.0) as i64;
            return Ok((n.max(1)) as usize);
        }
        Value::String(s) => s.trim().parse().map_err(|_| format!("bad serial `{s}`"))?,
        other => return Err(format!("bad serial `{other}`")),
    };
    Ok(if n <= 0 { total.max(1) } else { n as usize })
}

/// The batches: `serial: [1, 2, "50%"]` uses each size in turn, repeating the last.
pub fn batches(hosts: &[String], serial: Option<&Value>) -> Result<Vec<Vec<String>>, String> {
    let total = hosts.len();
    let sizes: Vec<usize> = match serial {
        None | Some(Value::Null) => vec![total.max(1)],
        Some(Value::Array(a)) if a.is_empty() => vec![total.max(1)],
        Some(Value::Array(a)) => a.iter().map(|v| size(v, total)).collect::<Result<_, _>>()?,
        Some(v) => vec![size(v, total)?],
    };
    let mut out = Vec::new();
    let mut i = 0;
    let mut k = 0;
    while i < total {
        let n = sizes[k.min(sizes.len() - 1)];
        out.push(hosts[i..(i + n).min(total)].to_vec());
        i += n;
        k += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn batches_table() {
        let hosts: Vec<String> = (1..=5).map(|i| format!("h{i}")).collect();
        let cases = [
            (None, vec![5]),
            (Some(json!(2)), vec![2, 2, 1]),
            (Some(json!("40%")), vec![2, 2, 1]),
            (Some(json!("10%")), vec![1, 1, 1, 1, 1]),
            (Some(json!([1, 2])), vec![1, 2, 2]),
            (Some(json!([1, "50%"])), vec![1, 2, 2]),
            (Some(json!(0)), vec![5]),
            (Some(json!("3")), vec![3, 2]),
        ];
        for (serial, want) in cases {
            let got: Vec<usize> = batches(&hosts, serial.as_ref())
                .unwrap()
                .iter()
                .map(Vec::len)
                .collect();
            assert_eq!(got, want, "{serial:?}");
        }
        assert!(batches(&hosts, Some(&json!("x"))).is_err());
    }
}
