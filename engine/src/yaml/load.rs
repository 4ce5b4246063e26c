//! saphyr-parser events -> [`Node`] trees with positions.

use super::scalar::resolve_plain;
use super::{Kind, Node, Pos, YamlError};
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Read and parse a file; every document of the stream is returned.
pub fn load_file(path: &Path) -> Result<Vec<Node>, YamlError> {
    let file = Arc::new(path.to_path_buf());
    let bytes = std::fs::read(path).map_err(|e| {
        YamlError::new(
            format!("cannot read {}: {e}", path.display()),
            Pos::new(file.clone(), 0, 0),
        )
    })?;
    let text =
        String::from_utf8(bytes).map_err(|e| not_utf8(&file, e.as_bytes(), e.utf8_error()))?;
    if crate::vault::is_vault(text.as_bytes()) {
        return load_vault_file(&text, file);
    }
    load_str(&text, file)
}

/// Where the first byte that is not UTF-8 is, as a position.
fn not_utf8(file: &Arc<PathBuf>, bytes: &[u8], e: std::str::Utf8Error) -> YamlError {
    let valid = &bytes[..e.valid_up_to()];
    let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
    let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let col = 1 + String::from_utf8_lossy(&valid[line_start..])
        .chars()
        .count();
    YamlError::new(
        format!(
            "{} is not valid UTF-8 (byte 0x{:02X} at line {line}, column {col})",
            file.display(),
            bytes[e.valid_up_to()]
        ),
        Pos::new(file.clone(), line, col),
    )
    .hint("save the file as UTF-8")
}

/// A whole vault-encrypted file (`ansible-vault encrypt vars.yml`): every
/// string in it is treated as a secret in output.
fn load_vault_file(text: &str, file: Arc<PathBuf>) -> Result<Vec<Node>, YamlError> {
    let plain =
        crate::vault::decrypt_str(text.as_bytes(), crate::vault::secrets()).map_err(|e| {
            YamlError::new(
                format!("cannot decrypt {}: {e}", file.display()),
                Pos::new(file.clone(), 1, 1),
            )
            .hint("give the password with --vault-password-file, --vault-id or --ask-vault-pass")
        })?;
    let docs = load_str(&plain, file)?;
    for d in &docs {
        reveal_strings(d);
    }
    Ok(docs)
}

fn reveal_strings(node: &Node) {
    match &node.kind {
        Kind::Str(s) => crate::vault::reveal(s),
        Kind::Seq(items) => items.iter().for_each(reveal_strings),
        Kind::Map(entries) => entries.iter().for_each(|(_, v)| reveal_strings(v)),
        _ => {}
    }
}

/// Parse YAML text; `file` is used for positions.
pub fn load_str(text: &str, file: Arc<PathBuf>) -> Result<Vec<Node>, YamlError> {
    let mut b = Builder {
        file,
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        expanded: 0,
        depth: 0,
    };
    b.stream()
}

struct Builder<'a> {
    file: Arc<PathBuf>,
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    /// Anchored nodes and how many nodes each holds.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes copied in by aliases so far (bounded: see [`MAX_ALIAS_NODES`]).
    expanded: usize,
    /// Collections open around the current node.
    depth: usize,
}

/// Deepest collection nesting accepted. Everything that walks the tree
/// later recurses, so a deeper document (`[[[[...`, or thousands of
/// indented mappings) would overflow the stack instead of failing cleanly.
const MAX_DEPTH: usize = 128;

/// How many nodes aliases may copy into one file. Each alias is a full
/// copy, so nested aliases grow exponentially ("billion laughs"): a few
/// hundred bytes would otherwise take all memory.
const MAX_ALIAS_NODES: usize = 100_000;

/// Nodes in a tree (the node itself included).
fn node_count(n: &Node) -> usize {
    1 + match &n.kind {
        Kind::Seq(items) => items.iter().map(node_count).sum(),
        Kind::Map(entries) => entries
            .iter()
            .map(|(k, v)| node_count(k) + node_count(v))
            .sum(),
        _ => 0,
    }
}

impl<'a> Builder<'a> {
    fn pos(&self, span: &Span) -> Pos {
        Pos::new(self.file.clone(), span.start.line(), span.start.col() + 1)
    }

    fn next(&mut self) -> Result<(Event<'a>, Span), YamlError> {
        match self.parser.next_event() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => Err(YamlError::new(
                format!("invalid YAML: {}", e.info()),
                Pos::new(self.file.clone(), e.marker().line(), e.marker().col() + 1),
            )),
            None => Err(YamlError::new(
                "unexpected end of YAML",
                Pos::new(self.file.clone(), 0, 0),
            )),
        }
    }

    fn stream(&mut self) -> Result<Vec<Node>, YamlError> {
        let mut docs = Vec::new();
        loop {
            let (ev, span) = self.next()?;
            match ev {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => return Ok(docs),
                Event::DocumentStart(_) => {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::DocumentEnd) {
                        docs.push(Node::new(Kind::Null, self.pos(&span)));
                        continue;
                    }
                    docs.push(self.node(ev, span)?);
                }
                other => {
                    return Err(YamlError::new(
                        format!("unexpected YAML event {other:?}"),
                        self.pos(&span),
                    ))
                }
            }
        }
    }

    fn node(&mut self, ev: Event<'a>, span: Span) -> Result<Node, YamlError> {
        let pos = self.pos(&span);
        let (node, anchor) = match ev {
            Event::Alias(id) => {
                let (n, size) = self
                    .anchors
                    .get(&id)
                    .ok_or_else(|| YamlError::new("alias to an unknown anchor", pos.clone()))?;
                self.expanded += size;
                if self.expanded > MAX_ALIAS_NODES {
                    return Err(YamlError::new(
                        format!("YAML aliases expand to more than {MAX_ALIAS_NODES} nodes"),
                        pos,
                    )
                    .hint(
                        "each `*alias` copies its anchor; nested aliases multiply (an alias bomb?)",
                    ));
                }
                let mut n = n.clone();
                n.pos = pos;
                return Ok(n);
            }
            Event::Scalar(text, style, anchor, tag) => {
                (self.scalar(&text, style, tag.as_deref(), &pos)?, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                self.refuse_tag(tag.as_deref(), &pos)?;
                self.enter(&pos)?;
                let mut items = Vec::new();
                loop {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, span)?);
                }
                self.depth -= 1;
                (Node::new(Kind::Seq(items), pos), anchor)
            }
            Event::MappingStart(anchor, tag) => {
                self.refuse_tag(tag.as_deref(), &pos)?;
                self.enter(&pos)?;
                let map = self.mapping(pos)?;
                self.depth -= 1;
                (map, anchor)
            }
            other => {
                return Err(YamlError::new(
                    format!("unexpected YAML event {other:?}"),
                    pos,
                ))
            }
        };
        if anchor > 0 {
            self.anchors
                .insert(anchor, (node.clone(), node_count(&node)));
        }
        Ok(node)
    }

    fn enter(&mut self, pos: &Pos) -> Result<(), YamlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(YamlError::new(
                format!("YAML nested more than {MAX_DEPTH} levels deep"),
                pos.clone(),
            ));
        }
        Ok(())
    }

    fn mapping(&mut self, pos: Pos) -> Result<Node, YamlError> {
        let mut pairs: Vec<(Node, Node)> = Vec::new();
        let mut merged: Vec<(Node, Node)> = Vec::new();
        loop {
            let (ev, span) = self.next()?;
            if matches!(ev, Event::MappingEnd) {
                break;
            }
            let is_merge =
                matches!(&ev, Event::Scalar(t, ScalarStyle::Plain, _, None) if t == "<<");
            let key = self.node(ev, span)?;
            let (ev, span) = self.next()?;
            let value = self.node(ev, span)?;
            if is_merge {
                merge_into(&mut merged, &value)?;
                continue;
            }
            let k = key.key_string();
            if let Some((first, _)) = pairs.iter().find(|(p, _)| p.key_string() == k) {
                return Err(
                    YamlError::new(format!("duplicate key `{k}`"), key.pos.clone())
                        .hint(format!("`{k}` is first set at line {}", first.pos.line)),
                );
            }
            pairs.push((key, value));
        }
        for (k, v) in merged {
            let name = k.key_string();
            if !pairs.iter().any(|(p, _)| p.key_string() == name) {
                pairs.push((k, v));
            }
        }
        Ok(Node::new(Kind::Map(pairs), pos))
    }

    fn refuse_tag(&self, tag: Option<&Tag>, pos: &Pos) -> Result<(), YamlError> {
        match tag {
            Some(t) if !t.is_yaml_core_schema() => Err(YamlError::new(
                format!(
                    "unsupported YAML tag `{}{}` on a collection",
                    t.handle, t.suffix
                ),
                pos.clone(),
            )),
            _ => Ok(()),
        }
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        pos: &Pos,
    ) -> Result<Node, YamlError> {
        let kind = match tag {
            None if style == ScalarStyle::Plain => resolve_plain(text),
            None => Kind::Str(text.to_string()),
            Some(t) if t.is_yaml_core_schema() => core_tagged(&t.suffix, text, pos)?,
            Some(t) if t.suffix == "unsafe" => Kind::Str(unsafe_literal(text)),
            Some(t) if t.suffix == "vault" => Kind::Str(decrypt_value(text, pos)?),
            Some(t) => {
                return Err(YamlError::new(
                    format!("unsupported YAML tag `{}{}`", t.handle, t.suffix),
                    pos.clone(),
                ))
            }
        };
        Ok(Node::new(kind, pos.clone()))
    }
}

/// A `!vault` value, decrypted with the run's secrets and masked in output.
fn decrypt_value(text: &str, pos: &Pos) -> Result<String, YamlError> {
    let plain =
        crate::vault::decrypt_str(text.as_bytes(), crate::vault::secrets()).map_err(|e| {
            YamlError::new(
                format!("cannot decrypt this !vault value: {e}"),
                pos.clone(),
            )
            .hint("give the password with --vault-password-file, --vault-id or --ask-vault-pass")
        })?;
    crate::vault::reveal(&plain);
    Ok(plain.to_string())
}

/// `!unsafe` text must never be templated: wrap it so rendering yields it as is.
fn unsafe_literal(text: &str) -> String {
    if crate::template::is_template(text) {
        format!("{{% raw %}}{text}{{% endraw %}}")
    } else {
        text.to_string()
    }
}

fn core_tagged(suffix: &str, text: &str, pos: &Pos) -> Result<Kind, YamlError> {
    let bad = || YamlError::new(format!("`{text}` is not a valid !!{suffix}"), pos.clone());
    Ok(match suffix {
        "str" => Kind::Str(text.to_string()),
        "int" => match resolve_plain(text) {
            Kind::Int(i) => Kind::Int(i),
            _ => return Err(bad()),
        },
        "float" => match resolve_plain(text) {
            Kind::Float(f) => Kind::Float(f),
            Kind::Int(i) => Kind::Float(i as f64),
            _ => return Err(bad()),
        },
        "bool" => match resolve_plain(text) {
            Kind::Bool(b) => Kind::Bool(b),
            _ => return Err(bad()),
        },
        "null" => Kind::Null,
        _ => resolve_plain(text),
    })
}

fn merge_into(merged: &mut Vec<(Node, Node)>, value: &Node) -> Result<(), YamlError> {
    let maps: Vec<&Node> = match &value.kind {
        Kind::Map(_) => vec![value],
        Kind::Seq(items) => items.iter().collect(),
        _ => {
            return Err(YamlError::new(
                "a merge key `<<` needs a mapping or a list of mappings",
                value.pos.clone(),
            ))
        }
    };
    for m in maps {
        let pairs = m
            .as_map()
            .ok_or_else(|| YamlError::new("a merge key `<<` needs mappings", m.pos.clone()))?;
        for (k, v) in pairs {
            if !merged.iter().any(|(p, _)| p.key_string() == k.key_string()) {
                merged.push((k.clone(), v.clone()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> Result<Node, YamlError> {
        load_str(s, Arc::new(PathBuf::from("t.yml"))).map(|mut d| d.remove(0))
    }

    #[test]
    fn values_table() {
        let cases = [
            (
                "a: yes\nb: 'yes'\nc: 0644\n",
                json!({"a": true, "b": "yes", "c": 420}),
            ),
            (
                "base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n",
                json!({"base": {"x": 1, "y": 2}, "c": {"y": 3, "x": 1}}),
            ),
            (
                "- !!str 12\n- !unsafe '{{ x }}'\n",
                json!(["12", "{% raw %}{{ x }}{% endraw %}"]),
            ),
            ("a: |\n  l1\n  l2\n", json!({"a": "l1\nl2\n"})),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).unwrap().to_json(), want, "{input}");
        }
    }

    #[test]
    fn positions_are_one_based() {
        let n = parse("- name: x\n  debug:\n    msg: hi\n").unwrap();
        let task = &n.as_seq().unwrap()[0];
        let msg = task.get("debug").unwrap().get("msg").unwrap();
        assert_eq!((msg.pos.line, msg.pos.col), (3, 10));
    }

    #[test]
    fn errors_table() {
        let cases = [
            ("a: 1\na: 2\n", "duplicate key `a`", 2),
            ("a: [1, 2\n", "invalid YAML", 2),
            ("a: !vault x\n", "cannot decrypt this !vault value", 1),
        ];
        for (input, want, line) in cases {
            let e = parse(input).unwrap_err();
            assert!(e.msg.contains(want), "{input}: {}", e.msg);
            assert_eq!(e.pos.line, line, "{input}");
        }
    }
}
