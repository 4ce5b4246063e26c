//! Host name ranges: `web[01:20:2]`, `db-[a:f]`, several ranges per name.
//! Mirrors ansible's `expand_hostname_range` (first `[...]` expanded first,
//! then recursively the rest), with two deliberate differences: a range whose
//! begin is after its end is an error instead of silently yielding no hosts,
//! and expansions are bounded so `h[0:99999999]` cannot exhaust memory.

/// Most host names a single inventory entry may expand to.
pub const MAX_RANGE_HOSTS: usize = 100_000;

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// True when `name` contains a range expression (ansible: any `[`).
pub fn has_range(name: &str) -> bool {
    name.contains('[')
}

/// Expands every range in `pattern`; names without ranges are returned as is.
pub fn expand(pattern: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    expand_into(pattern, &mut out)?;
    Ok(out)
}

fn expand_into(pattern: &str, out: &mut Vec<String>) -> Result<(), String> {
    if !has_range(pattern) {
        out.push(pattern.to_string());
        return Ok(());
    }
    let (head, rest) = pattern.split_once('[').expect("has '['");
    let (body, tail) = rest
        .split_once(']')
        .ok_or_else(|| format!("invalid range {pattern}: missing ']'"))?;
    for item in range_items(pattern, body)? {
        if out.len() >= MAX_RANGE_HOSTS {
            return Err(format!(
                "invalid range {pattern}: expands to more than {MAX_RANGE_HOSTS} hosts"
            ));
        }
        expand_into(&format!("{head}{item}{tail}"), out)?;
    }
    Ok(())
}

/// The items of one `[begin:end(:step)]` body, already zero-padded.
fn range_items(pattern: &str, body: &str) -> Result<Vec<String>, String> {
    let err = |why: &str| format!("invalid range {pattern}: {why}");
    let bounds: Vec<&str> = body.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err(err("host range must be begin:end or begin:end:step"));
    }
    let beg = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    if end.is_empty() {
        return Err(err("host range must specify end value"));
    }
    let step: usize = match bounds.get(2) {
        None => 1,
        Some(s) => s
            .parse()
            .map_err(|_| err("step must be a positive integer"))?,
    };
    if step == 0 {
        return Err(err("step must not be zero"));
    }
    let width = if beg.len() > 1 && beg.starts_with('0') {
        if beg.len() != end.len() {
            return Err(err(
                "host range must specify equal-length begin and end formats",
            ));
        }
        beg.len()
    } else {
        0
    };
    if let (Some(b), Some(e)) = (letter_index(beg), letter_index(end)) {
        if b > e {
            return Err(err("host range must have begin <= end"));
        }
        return Ok(LETTERS[b..=e]
            .chars()
            .step_by(step)
            .map(String::from)
            .collect());
    }
    let (b, e): (u64, u64) = match (beg.parse(), end.parse()) {
        (Ok(b), Ok(e)) => (b, e),
        _ => {
            return Err(err(
                "begin and end must both be numbers or both single letters",
            ))
        }
    };
    if b > e {
        return Err(err("host range must have begin <= end"));
    }
    let count = (e - b) / step as u64 + 1;
    if count > MAX_RANGE_HOSTS as u64 {
        return Err(err(&format!(
            "expands to more than {MAX_RANGE_HOSTS} hosts"
        )));
    }
    Ok((b..=e)
        .step_by(step)
        .map(|n| format!("{n:0width$}"))
        .collect())
}

fn letter_index(s: &str) -> Option<usize> {
    let mut cs = s.chars();
    let c = cs.next()?;
    if cs.next().is_some() {
        return None;
    }
    LETTERS.find(c)
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn table() {
        let ok: &[(&str, &[&str])] = &[
            ("web", &["web"]),
            ("web[1:3]", &["web1", "web2", "web3"]),
            ("web[01:03]", &["web01", "web02", "web03"]),
            ("web[01:07:3]", &["web01", "web04", "web07"]),
            ("db-[a:c]", &["db-a", "db-b", "db-c"]),
            ("x[y:B]", &["xy", "xz", "xA", "xB"]),
            ("h[:2]", &["h0", "h1", "h2"]),
            ("r[1:2]-[a:b]", &["r1-a", "r1-b", "r2-a", "r2-b"]),
            ("10.0.0.[1:2]", &["10.0.0.1", "10.0.0.2"]),
        ];
        for (pat, want) in ok {
            assert_eq!(expand(pat).unwrap(), *want, "{pat}");
        }
        let bad = [
            "web[05:01]",
            "web[1:2:0]",
            "web[01:100]",
            "web[1]",
            "web[1:]",
            "web[a:5]",
            "h[0:99999999]",
            "h[0:999][0:999]",
            "[bad",
        ];
        for pat in bad {
            assert!(expand(pat).is_err(), "{pat} should be refused");
        }
    }
}
