//! The INI inventory format, as ansible's `ini` inventory plugin parses it.
//!
//! Lines before the first section belong to `ungrouped`; `[g]` lists hosts
//! (with inline `key=value` vars, shell-quoted), `[g:children]` lists child
//! groups (which may be declared later in the file), `[g:vars]` sets group
//! vars. All values are typed with Python literal rules (see `literal`).

use crate::error::{InventoryError, Result};
use crate::host_entry::expand_host_entry;
use crate::literal::literal_eval;
use crate::model::{invalid_var_name_warning, is_valid_identifier, InventoryData};
use indexmap::IndexMap;
use regex::Regex;
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

const COMMENT_MARKERS: [char; 2] = ['#', ';'];

fn section_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$").expect("static regex"))
}

fn groupname_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^([^:\]\s]+)\s*(?:#.*)?$").expect("static regex"))
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Hosts,
    Children,
    Vars,
}

/// A `[child]` named in a `[parent:children]` section before being declared.
struct Pending {
    line: usize,
    parents: Vec<String>,
}

pub fn parse(inv: &mut InventoryData, path: &Path, text: &str) -> Result<()> {
    let mut p = IniParser {
        inv,
        path,
        line: 0,
        pending: IndexMap::new(),
        vars_only: IndexMap::new(),
    };
    p.run(text)
}

struct IniParser<'a> {
    inv: &'a mut InventoryData,
    path: &'a Path,
    line: usize,
    pending: IndexMap<String, Pending>,
    /// Groups seen only in `[g:vars]` so far, with the section's line.
    vars_only: IndexMap<String, usize>,
}

impl IniParser<'_> {
    fn err(&self, msg: impl Into<String>) -> InventoryError {
        InventoryError::parse(self.path, self.line, msg)
    }

    fn run(&mut self, text: &str) -> Result<()> {
        let mut group = "ungrouped".to_string();
        let mut state = State::Hosts;
        for (i, raw) in text.lines().enumerate() {
            self.line = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with(COMMENT_MARKERS) {
                continue;
            }
            if let Some(c) = section_re().captures(line) {
                (group, state) = self.section(&c[1], c.get(2).map(|m| m.as_str()))?;
                continue;
            }
            if line.starts_with('[') && line.ends_with(']') {
                return Err(self.err(format!(
                    "Invalid section entry: '{line}'. Please make sure that there are no spaces in the section entry, and that there are no other invalid characters"
                )));
            }
            match state {
                State::Hosts => self.host_line(&group, line)?,
                State::Vars => self.var_line(&group, line)?,
                State::Children => self.child_line(&group, line)?,
            }
        }
        self.check_pending()
    }

    fn section(&mut self, name: &str, kind: Option<&str>) -> Result<(String, State)> {
        let state = match kind.unwrap_or("hosts") {
            "hosts" => State::Hosts,
            "children" => State::Children,
            "vars" => State::Vars,
            other => {
                return Err(self.err(format!(
                    "Section [{name}:{other}] has unknown type: {other}"
                )));
            }
        };
        // [g:vars] alone does not declare g; anything else does, and resolves
        // children waiting for it.
        if state == State::Vars {
            if !self.inv.groups.contains_key(name) && !self.pending.contains_key(name) {
                self.vars_only.insert(name.to_string(), self.line);
            }
        } else {
            self.vars_only.shift_remove(name);
        }
        self.inv.add_group(name);
        if state != State::Vars {
            if let Some(p) = self.pending.shift_remove(name) {
                for parent in p.parents {
                    self.add_child(&parent, name)?;
                }
            }
        }
        Ok((name.to_string(), state))
    }

    fn add_child(&mut self, parent: &str, child: &str) -> Result<()> {
        self.inv
            .add_child(parent, child)
            .map_err(|e| self.err(e.to_string()))
    }

    fn host_line(&mut self, group: &str, line: &str) -> Result<()> {
        let tokens = shlex_split(line)
            .map_err(|e| self.err(format!("Error parsing host definition '{line}': {e}")))?;
        let Some(first) = tokens.first() else {
            return Ok(());
        };
        let (hosts, port) = expand_host_entry(first).map_err(|e| self.err(e))?;
        if first.trim().ends_with(':') && port.is_none() {
            return Err(self.err(format!(
                "Invalid host pattern '{first}' supplied, ending in ':' is not allowed, this character is reserved to provide a port."
            )));
        }
        if hosts.iter().any(|h| h.trim() == "---") {
            return Err(self.err(format!(
                "Invalid host pattern '{first}' supplied, '---' is normally a sign this is a YAML file."
            )));
        }
        let mut vars: Vec<(String, Value)> = Vec::new();
        for t in &tokens[1..] {
            let Some((k, v)) = t.split_once('=') else {
                return Err(self.err(format!(
                    "Expected key=value host variable assignment, got: {t}"
                )));
            };
            self.check_var_name(k);
            vars.push((k.to_string(), parse_value(v)));
        }
        for h in &hosts {
            self.inv.add_host(h, Some(group), port);
            for (k, v) in &vars {
                self.inv.set_host_var(h, k, v.clone());
            }
        }
        Ok(())
    }

    fn var_line(&mut self, group: &str, line: &str) -> Result<()> {
        let Some((k, v)) = line.split_once('=') else {
            return Err(self.err(format!("Expected key=value, got: {line}")));
        };
        self.check_var_name(k.trim());
        let value = parse_value(v.trim());
        self.inv
            .set_group_var(group, k.trim(), value)
            .map_err(|e| self.err(e))
    }

    fn check_var_name(&mut self, name: &str) {
        if !is_valid_identifier(name) && name != "ansible_group_priority" {
            let w = invalid_var_name_warning(&crate::pyfmt::str_repr(name), self.path, self.line);
            self.inv.warn(w);
        }
    }

    fn child_line(&mut self, group: &str, line: &str) -> Result<()> {
        let Some(c) = groupname_re().captures(line) else {
            return Err(self.err(format!("Expected group name, got: {line}")));
        };
        let child = c[1].to_string();
        if self.inv.groups.contains_key(&child) {
            return self.add_child(group, &child);
        }
        let line_no = self.line;
        self.pending
            .entry(child)
            .or_insert(Pending {
                line: line_no,
                parents: vec![],
            })
            .parents
            .push(group.to_string());
        Ok(())
    }

    fn check_pending(&mut self) -> Result<()> {
        if let Some((name, line)) = self.vars_only.first() {
            self.line = *line;
            return Err(self.err(format!(
                "Section [{name}:vars] not valid for undefined group '{name}'."
            )));
        }
        if let Some((name, p)) = self.pending.first() {
            let parent = p.parents.last().cloned().unwrap_or_default();
            self.line = p.line;
            return Err(self.err(format!(
                "Section [{parent}:children] includes undefined group '{name}'."
            )));
        }
        Ok(())
    }
}

/// Types a value like ansible's INI `_parse_value` (Python literal or string).
pub fn parse_value(v: &str) -> Value {
    literal_eval(v).unwrap_or_else(|| Value::String(v.to_string()))
}

/// POSIX `shlex.split(line, comments=True)`: whitespace-separated words,
/// single and double quotes, backslash escapes, unquoted `#` ends the line.
pub fn shlex_split(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut tok = String::new();
    let mut in_tok = false;
    let mut cs = line.chars().peekable();
    while let Some(c) = cs.next() {
        match c {
            c if c.is_whitespace() => {
                if in_tok {
                    out.push(std::mem::take(&mut tok));
                    in_tok = false;
                }
            }
            '#' => break,
            '\'' => {
                in_tok = true;
                loop {
                    match cs.next() {
                        Some('\'') => break,
                        Some(x) => tok.push(x),
                        None => return Err("No closing quotation".into()),
                    }
                }
            }
            '"' => {
                in_tok = true;
                loop {
                    match cs.next() {
                        Some('"') => break,
                        Some('\\') => match cs.next() {
                            Some(x @ ('"' | '\\')) => tok.push(x),
                            Some(x) => {
                                tok.push('\\');
                                tok.push(x);
                            }
                            None => return Err("No closing quotation".into()),
                        },
                        Some(x) => tok.push(x),
                        None => return Err("No closing quotation".into()),
                    }
                }
            }
            '\\' => {
                in_tok = true;
                match cs.next() {
                    Some(x) => tok.push(x),
                    None => return Err("No escaped character".into()),
                }
            }
            c => {
                in_tok = true;
                tok.push(c);
            }
        }
    }
    if in_tok {
        out.push(tok);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::shlex_split;

    #[test]
    fn shlex_table() {
        let cases: &[(&str, &[&str])] = &[
            ("h a=1 b=2", &["h", "a=1", "b=2"]),
            ("h a=\"x y\" # c", &["h", "a=x y"]),
            ("h d=a#b", &["h", "d=a"]),
            ("h a='it''s'", &["h", "a=its"]),
            ("h a=\"q\\\"x\"", &["h", "a=q\"x"]),
            ("h a=x\\ y", &["h", "a=x y"]),
        ];
        for (src, want) in cases {
            assert_eq!(shlex_split(src).unwrap(), *want, "{src}");
        }
        assert!(shlex_split("h a=\"open").is_err());
    }
}
