//! `fe.conf` / `be.conf`: `key = value` lines, `#` comments and blanks.
//!
//! The file is kept as its lines so an edit changes only the value of the
//! lines it touches: comments, blank lines, spacing around `=`, quoting and
//! the order of keys survive. New keys are appended at the end.

/// One line of a conf file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfLine {
    Entry(Entry),
    /// A comment, a blank line, or anything that is not `key = value`.
    Other(String),
}

/// An active `key = value` line, split so that the value can be replaced
/// without touching the layout around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    /// The value as written (quotes included), without surrounding blanks.
    pub value: String,
    /// Everything before the value: indentation, key, blanks, `=`, blanks.
    head: String,
    /// Blanks after the value.
    tail: String,
}

impl Entry {
    fn new(key: &str, value: &str) -> Self {
        Entry {
            key: key.to_string(),
            value: value.to_string(),
            head: format!("{key} = "),
            tail: String::new(),
        }
    }

    fn render(&self) -> String {
        format!("{}{}{}", self.head, self.value, self.tail)
    }

    /// The value without one pair of surrounding quotes.
    pub fn unquoted(&self) -> &str {
        unquote(&self.value).0
    }
}

/// The quote character around a value, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    None,
    Double,
    Single,
}

impl Quote {
    pub fn wrap(self, s: &str) -> String {
        match self {
            Quote::None => s.to_string(),
            Quote::Double => format!("\"{s}\""),
            Quote::Single => format!("'{s}'"),
        }
    }
}

/// Split a value into its text and quoting: `"a b"` -> (`a b`, Double).
pub fn unquote(v: &str) -> (&str, Quote) {
    for (q, kind) in [('"', Quote::Double), ('\'', Quote::Single)] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return (&v[1..v.len() - 1], kind);
        }
    }
    (v, Quote::None)
}

/// What [`ConfFile::set`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetResult {
    Unchanged,
    Updated,
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfFile {
    lines: Vec<ConfLine>,
    /// Whether the text ended with a newline (kept as found).
    trailing_newline: bool,
}

fn is_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn parse_line(line: &str) -> ConfLine {
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') || trimmed.starts_with('!') {
        return ConfLine::Other(line.to_string());
    }
    let Some(eq) = line.find('=') else {
        return ConfLine::Other(line.to_string());
    };
    let key = line[..eq].trim();
    if !is_key(key) {
        return ConfLine::Other(line.to_string());
    }
    let after = &line[eq + 1..];
    let value_start = eq + 1 + (after.len() - after.trim_start().len());
    let value = line[value_start..].trim_end();
    ConfLine::Entry(Entry {
        key: key.to_string(),
        value: value.to_string(),
        head: line[..value_start].to_string(),
        tail: line[value_start + value.len()..].to_string(),
    })
}

impl ConfFile {
    pub fn parse(text: &str) -> Self {
        let trailing_newline = text.ends_with('\n');
        let body = text.strip_suffix('\n').unwrap_or(text);
        let lines = if text.is_empty() {
            Vec::new()
        } else {
            body.split('\n').map(parse_line).collect()
        };
        ConfFile {
            lines,
            trailing_newline,
        }
    }

    pub fn render(&self) -> String {
        let mut out = self
            .lines
            .iter()
            .map(|l| match l {
                ConfLine::Entry(e) => e.render(),
                ConfLine::Other(s) => s.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        if self.trailing_newline && !self.lines.is_empty() {
            out.push('\n');
        }
        out
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.lines.iter().filter_map(|l| match l {
            ConfLine::Entry(e) => Some(e),
            ConfLine::Other(_) => None,
        })
    }

    pub fn entries_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.lines.iter_mut().filter_map(|l| match l {
            ConfLine::Entry(e) => Some(e),
            ConfLine::Other(_) => None,
        })
    }

    /// The effective value of `key` (the last occurrence wins, as in Java
    /// properties and the BE's parser), unquoted.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries()
            .filter(|e| e.key == key)
            .last()
            .map(Entry::unquoted)
    }

    /// Every key with its effective (unquoted) value, in first-seen order.
    pub fn effective(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for e in self.entries() {
            match out.iter_mut().find(|(k, _)| *k == e.key) {
                Some(slot) => slot.1 = e.unquoted().to_string(),
                None => out.push((e.key.clone(), e.unquoted().to_string())),
            }
        }
        out
    }

    /// Set `key` to `value` on every line that defines it (so no stale
    /// duplicate can win), keeping each line's quoting; append it when
    /// absent. A value equal to the current one once quotes are removed
    /// counts as unchanged.
    pub fn set(&mut self, key: &str, value: &str) -> SetResult {
        let wanted = unquote(value).0;
        let mut found = false;
        let mut changed = false;
        for e in self.entries_mut().filter(|e| e.key == key) {
            found = true;
            if e.unquoted() != wanted {
                let (_, q) = unquote(&e.value);
                let (_, given_q) = unquote(value);
                e.value = if given_q == Quote::None {
                    q.wrap(wanted)
                } else {
                    value.to_string()
                };
                changed = true;
            }
        }
        if !found {
            self.lines.push(ConfLine::Entry(Entry::new(key, value)));
            self.trailing_newline = true;
            return SetResult::Added;
        }
        if changed {
            SetResult::Updated
        } else {
            SetResult::Unchanged
        }
    }

    /// Remove every line that defines `key`; true if any was there.
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.lines.len();
        self.lines
            .retain(|l| !matches!(l, ConfLine::Entry(e) if e.key == key));
        self.lines.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BE_CONF: &str = "\
# Licensed to the Apache Software Foundation
sys_log_level = INFO

# ports for admin, web, heartbeat service
be_port = 9060
be_http_port = 8040
heartbeat_service_port = 9050
brpc_port=8060
# priority_networks = 10.10.10.0/24;192.168.0.0/16
mem_limit = \"90%\"
";

    #[test]
    fn render_is_byte_identical_without_edits() {
        for text in [
            BE_CONF,
            "",
            "a=1",
            "a = 1\n\n\n",
            "  indented =  x  \n# c\n",
        ] {
            assert_eq!(ConfFile::parse(text).render(), text);
        }
    }

    #[test]
    fn edits_table() {
        let cases: &[(&str, &str, SetResult, &str)] = &[
            ("be_port", "9061", SetResult::Updated, "be_port = 9061\n"),
            ("brpc_port", "8061", SetResult::Updated, "brpc_port=8061\n"),
            (
                "mem_limit",
                "80%",
                SetResult::Updated,
                "mem_limit = \"80%\"\n",
            ),
            (
                "mem_limit",
                "90%",
                SetResult::Unchanged,
                "mem_limit = \"90%\"\n",
            ),
            ("be_port", "9060", SetResult::Unchanged, "be_port = 9060\n"),
            (
                "priority_networks",
                "10.0.0.0/8",
                SetResult::Added,
                "priority_networks = 10.0.0.0/8\n",
            ),
        ];
        for (key, value, want, line) in cases {
            let mut conf = ConfFile::parse(BE_CONF);
            assert_eq!(conf.set(key, value), *want, "{key}={value}");
            let text = conf.render();
            assert!(text.contains(line), "{key}: {text}");
            assert!(text.starts_with("# Licensed"), "comments kept");
            assert!(text.contains("# priority_networks = 10.10.10.0/24"));
            if *want == SetResult::Added {
                assert!(text.ends_with(line), "appended at the end");
            }
        }
    }

    #[test]
    fn duplicates_last_wins_and_set_updates_all() {
        let mut conf = ConfFile::parse("a = 1\nb = 2\na = 3\n");
        assert_eq!(conf.get("a"), Some("3"));
        assert_eq!(conf.set("a", "4"), SetResult::Updated);
        assert_eq!(conf.render(), "a = 4\nb = 2\na = 4\n");
        assert!(conf.remove("a"));
        assert_eq!(conf.render(), "b = 2\n");
        assert!(!conf.remove("a"));
    }

    #[test]
    fn append_to_file_without_trailing_newline() {
        let mut conf = ConfFile::parse("a = 1");
        conf.set("b", "2");
        assert_eq!(conf.render(), "a = 1\nb = 2\n");
    }

    #[test]
    fn comments_and_junk_are_not_entries() {
        let conf = ConfFile::parse("# a = 1\n!b=2\nnot a pair\nweird key = 1\nx.y-z = ok\n");
        let keys: Vec<_> = conf.entries().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["x.y-z"]);
    }
}
