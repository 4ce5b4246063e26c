//! A play's `vars_prompt:` entries, checked when the playbook is loaded.

use super::model::VarPrompt;
use super::task::scalar_text;
use super::Diagnostic;
use crate::yaml::{Kind, Node};

const KEYS: &[&str] = &[
    "name",
    "prompt",
    "default",
    "private",
    "confirm",
    "unsafe",
    "encrypt",
    "salt",
    "salt_size",
];

pub fn parse_vars_prompt(node: &Node) -> Result<Vec<VarPrompt>, Diagnostic> {
    let items = match &node.kind {
        Kind::Null => return Ok(vec![]),
        Kind::Seq(items) => items,
        _ => {
            return Err(Diagnostic::new(
                "`vars_prompt` must be a list of prompts (each with `name` and `prompt`)",
                &node.pos,
            ))
        }
    };
    items.iter().map(parse_entry).collect()
}

fn parse_entry(node: &Node) -> Result<VarPrompt, Diagnostic> {
    let pairs = node.as_map().ok_or_else(|| {
        Diagnostic::new(
            format!(
                "a `vars_prompt` entry must be a mapping, got {}",
                node.type_name()
            ),
            &node.pos,
        )
    })?;
    for (k, _) in pairs {
        let key = k.key_string();
        if !KEYS.contains(&key.as_str()) {
            return Err(
                Diagnostic::new(format!("unknown `vars_prompt` option `{key}`"), &k.pos).hint(
                    crate::suggest::closest(&key, KEYS.iter().copied())
                        .map(|s| format!("did you mean `{s}`?")),
                ),
            );
        }
        if ["encrypt", "salt", "salt_size"].contains(&key.as_str()) {
            return Err(Diagnostic::new(
                format!("`vars_prompt` option `{key}` is not supported by srplay"),
                &k.pos,
            )
            .hint(Some(
                "hash the value in a task instead: `{{ value | password_hash('sha512') }}`".into(),
            )));
        }
    }
    let name = node
        .get("name")
        .map(scalar_text)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Diagnostic::new("a `vars_prompt` entry needs a `name`", &node.pos))?;
    let flag = |k: &str| -> Result<bool, Diagnostic> {
        match node.get(k).map(|v| (v, v.to_json())) {
            None => Ok(false),
            Some((v, value)) => yes_no(&value).ok_or_else(|| {
                Diagnostic::new(format!("`{k}` must be a boolean, got {value}"), &v.pos)
            }),
        }
    };
    Ok(VarPrompt {
        prompt: node
            .get("prompt")
            .map(scalar_text)
            .unwrap_or_else(|| name.clone()),
        name,
        default: node.get("default").map(Node::to_json),
        private: match node.get("private") {
            None => true,
            Some(_) => flag("private")?,
        },
        confirm: flag("confirm")?,
        unsafe_: flag("unsafe")?,
        pos: node.pos.clone(),
    })
}

fn yes_no(v: &serde_json::Value) -> Option<bool> {
    match v {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "yes" | "true" | "on" => Some(true),
            "no" | "false" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}
