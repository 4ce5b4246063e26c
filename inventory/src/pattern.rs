//! Host patterns (`--limit`, play `hosts:`), as ansible's InventoryManager:
//! `all`, `*`, globs, `a:b` / `a,b` (union), `a:&b` (intersection), `a:!b`
//! (exclusion), subscripts `g[0]`, `g[1:3]`, `g[-1]`, regexes `~re`, and
//! `@file` (one pattern per line, as for retry files).

use crate::error::{InventoryError, Result};
use crate::model::{InventoryData, LOCALHOST_NAMES};
use indexmap::IndexSet;
use regex::Regex;
use std::sync::OnceLock;

/// Splits a pattern string into single patterns: on commas if any, else on
/// colons that are not part of an address or `[x:y]` range.
pub fn split_host_pattern(pattern: &str) -> Vec<String> {
    let parts: Vec<String> = if pattern.contains(',') {
        pattern.split(',').map(String::from).collect()
    } else if crate::address::parse_address(pattern).is_ok() {
        vec![pattern.to_string()]
    } else {
        static R: OnceLock<Regex> = OnceLock::new();
        let re = R.get_or_init(|| Regex::new(r"(?:[^\s:\[\]]|\[[^\]]*\])+").expect("static regex"));
        re.find_iter(pattern)
            .map(|m| m.as_str().to_string())
            .collect()
    };
    parts
        .iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Expands `@file` entries into the file's lines.
pub fn expand_files(patterns: Vec<String>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for p in patterns {
        match p.strip_prefix('@') {
            Some(file) => {
                let path = std::path::Path::new(file);
                if !path.exists() {
                    return Err(InventoryError::Pattern(format!(
                        "Unable to find limit file {file}"
                    )));
                }
                if !path.is_file() {
                    return Err(InventoryError::Pattern(format!(
                        "Limit starting with \"@\" must be valid path to file, not {file}"
                    )));
                }
                let text = std::fs::read_to_string(path).map_err(|e| {
                    InventoryError::Pattern(format!("Unable to read limit file {file}: {e}"))
                })?;
                out.extend(
                    text.split('\n')
                        .map(|l| l.trim().to_string())
                        .filter(|l| !l.is_empty()),
                );
            }
            None => out.push(p),
        }
    }
    Ok(out)
}

/// Regular patterns first, then `&` intersections, then `!` exclusions;
/// only modifiers means "all" with those modifiers.
fn order_patterns(patterns: &[String]) -> Vec<String> {
    let (mut regular, mut inter, mut excl) = (vec![], vec![], vec![]);
    for p in patterns.iter().filter(|p| !p.is_empty()) {
        match p.as_bytes()[0] {
            b'!' => excl.push(p.clone()),
            b'&' => inter.push(p.clone()),
            _ => regular.push(p.clone()),
        }
    }
    if regular.is_empty() {
        regular.push("all".into());
    }
    regular.into_iter().chain(inter).chain(excl).collect()
}

/// Evaluates patterns against the inventory; warnings (unmatched patterns)
/// are appended to `warnings`.
pub fn evaluate(
    inv: &InventoryData,
    patterns: &[String],
    warnings: &mut Vec<String>,
) -> Result<Vec<String>> {
    let mut hosts: IndexSet<String> = IndexSet::new();
    for p in order_patterns(patterns) {
        if inv.hosts.contains_key(&p) {
            hosts.insert(p);
            continue;
        }
        let that: IndexSet<String> = match_one(inv, &p, warnings)?.into_iter().collect();
        match p.as_bytes()[0] {
            b'!' => hosts.retain(|h| !that.contains(h)),
            b'&' => hosts.retain(|h| that.contains(h)),
            _ => hosts.extend(that),
        }
    }
    Ok(hosts.into_iter().collect())
}

fn match_one(
    inv: &InventoryData,
    pattern: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>> {
    let pattern = pattern.trim_start_matches(['&', '!']);
    if pattern.is_empty() {
        return Ok(vec![]);
    }
    let (expr, sub) = split_subscript(pattern, warnings);
    let hosts = enumerate_matches(inv, &expr, warnings)?;
    apply_subscript(hosts, sub).ok_or_else(|| {
        InventoryError::Pattern(format!(
            "No hosts matched the subscripted pattern '{pattern}'"
        ))
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Subscript {
    Index(i64),
    /// Inclusive range; `None` end means "to the last host".
    Range(usize, Option<usize>),
}

fn split_subscript(pattern: &str, warnings: &mut Vec<String>) -> (String, Option<Subscript>) {
    if pattern.starts_with('~') {
        return (pattern.to_string(), None);
    }
    static R: OnceLock<Regex> = OnceLock::new();
    let re = R.get_or_init(|| {
        Regex::new(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$").expect("static regex")
    });
    let Some(c) = re.captures(pattern) else {
        return (pattern.to_string(), None);
    };
    let base = c[1].to_string();
    if let Some(idx) = c.get(2) {
        return (base, idx.as_str().parse().ok().map(Subscript::Index));
    }
    if &c[4] == "-" {
        warnings
            .push("Use [x:y] inclusive subscripts instead of [x-y] which has been removed".into());
    }
    let start = c[3].parse().unwrap_or(0);
    let end = c[5].parse().ok();
    (base, Some(Subscript::Range(start, end)))
}

/// `None` when an index is out of range (ansible raises then).
fn apply_subscript(hosts: Vec<String>, sub: Option<Subscript>) -> Option<Vec<String>> {
    let Some(sub) = sub else { return Some(hosts) };
    if hosts.is_empty() {
        return Some(hosts);
    }
    let n = hosts.len() as i64;
    match sub {
        Subscript::Index(i) => {
            let idx = if i < 0 { n + i } else { i };
            (0..n)
                .contains(&idx)
                .then(|| vec![hosts[idx as usize].clone()])
        }
        // ansible tests `if end:`, so an end of 0 means a single index.
        Subscript::Range(start, Some(0)) => hosts.get(start).map(|h| vec![h.clone()]),
        Subscript::Range(start, end) => {
            let end = end.unwrap_or(hosts.len() - 1);
            Some(
                hosts
                    .iter()
                    .skip(start)
                    .take((end + 1).saturating_sub(start))
                    .cloned()
                    .collect(),
            )
        }
    }
}

fn enumerate_matches(
    inv: &InventoryData,
    pattern: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>> {
    let re = compile(pattern)?;
    let mut results: IndexSet<String> = IndexSet::new();
    let groups: Vec<&String> = inv.groups.keys().filter(|g| re.is_match(g)).collect();
    for g in &groups {
        results.extend(inv.group_hosts(g));
    }
    let special = pattern.starts_with('~') || pattern.contains(['.', '?', '*', '[']);
    if groups.is_empty() || special {
        results.extend(inv.hosts.keys().filter(|h| re.is_match(h)).cloned());
    }
    if results.is_empty() && LOCALHOST_NAMES.contains(&pattern) {
        results.insert(pattern.to_string()); // implicit localhost
    }
    if results.is_empty() && groups.is_empty() && pattern != "all" {
        warnings.push(format!(
            "Could not match supplied host pattern, ignoring: {pattern}"
        ));
    }
    Ok(results.into_iter().collect())
}

/// `~regex` matches at the start (Python `re.match`); anything else is an
/// fnmatch glob that must match the whole name.
fn compile(pattern: &str) -> Result<Regex> {
    let src = match pattern.strip_prefix('~') {
        Some(re) => format!("^(?:{re})"),
        None => format!("(?s)^(?:{})\\z", glob_to_regex(pattern)),
    };
    Regex::new(&src)
        .map_err(|_| InventoryError::Pattern(format!("Invalid host list pattern: {pattern}")))
}

/// Python's `fnmatch.translate`: `*`, `?`, `[seq]`, `[!seq]`.
pub fn glob_to_regex(pat: &str) -> String {
    let cs: Vec<char> = pat.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        i += 1;
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if j < cs.len() && cs[j] == '!' {
                    j += 1;
                }
                if j < cs.len() && cs[j] == ']' {
                    j += 1;
                }
                while j < cs.len() && cs[j] != ']' {
                    j += 1;
                }
                if j >= cs.len() {
                    out.push_str("\\[");
                    continue;
                }
                let body: String = cs[i..j].iter().collect();
                i = j + 1;
                let (neg, body) = match body.strip_prefix('!') {
                    Some(b) => (true, b.to_string()),
                    None => (false, body),
                };
                let escaped: String = body
                    .chars()
                    .map(|c| {
                        if matches!(c, '\\' | '[' | ']' | '^' | '&' | '~') {
                            format!("\\{c}")
                        } else {
                            c.to_string()
                        }
                    })
                    .collect();
                out.push('[');
                if neg {
                    out.push('^');
                }
                out.push_str(&escaped);
                out.push(']');
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv() -> InventoryData {
        let mut inv = InventoryData::default();
        for g in ["web", "db", "staging"] {
            inv.add_group(g);
        }
        for (h, g) in [
            ("web1", "web"),
            ("web2", "web"),
            ("web3", "web"),
            ("db1", "db"),
            ("db2", "db"),
        ] {
            inv.add_host(h, Some(g), None);
        }
        inv.add_host("web1", Some("staging"), None);
        inv.add_host("db1", Some("staging"), None);
        inv.reconcile().unwrap();
        inv
    }

    #[test]
    fn table() {
        let inv = inv();
        let cases: &[(&str, &[&str])] = &[
            ("all", &["web1", "web2", "web3", "db1", "db2"]),
            ("*", &["web1", "web2", "web3", "db1", "db2"]),
            ("web", &["web1", "web2", "web3"]),
            ("web*", &["web1", "web2", "web3"]),
            ("web:db", &["web1", "web2", "web3", "db1", "db2"]),
            ("web,db1", &["web1", "web2", "web3", "db1"]),
            ("web:&staging", &["web1"]),
            ("all:!staging", &["web2", "web3", "db2"]),
            ("!staging", &["web2", "web3", "db2"]),
            ("web[0]", &["web1"]),
            ("web[-1]", &["web3"]),
            ("web[1:2]", &["web2", "web3"]),
            ("web[1:]", &["web2", "web3"]),
            ("~db\\d", &["db1", "db2"]),
            ("db?", &["db1", "db2"]),
            ("nothing", &[]),
            ("localhost", &["localhost"]),
        ];
        for (pat, want) in cases {
            let mut w = vec![];
            let got = evaluate(&inv, &split_host_pattern(pat), &mut w).unwrap();
            assert_eq!(got, *want, "pattern {pat}");
        }
        let mut w = vec![];
        assert!(evaluate(&inv, &split_host_pattern("web[7]"), &mut w).is_err());
    }
}
