//! `vars_prompt`: ask before the play runs, on a terminal; otherwise
//! (and for a variable given with `-e`) do as ansible-core does: take the
//! extra var, else the default.

use super::Executor;
use crate::playbook::{Play, VarPrompt};
use crate::template::render_value_in;
use serde_json::{Map, Value};
use std::io::{BufRead, Write};

impl Executor {
    /// The answers of a play's prompts, as play variables.
    pub(crate) fn prompt_vars(&self, play: &Play) -> Result<Map<String, Value>, String> {
        let vars = self.play_level_vars(play);
        let mut out = Map::new();
        for p in &play.vars_prompt {
            if self.opts.extra_vars.contains_key(&p.name) {
                continue;
            }
            let default = match &p.default {
                Some(d) => Some(render_value_in(d, &vars).map_err(|e| format!("{}: {e}", p.pos))?),
                None => None,
            };
            let answer = if self.opts.interactive {
                ask(p, default.as_ref())?
            } else {
                // ansible-core: "Not prompting as we are not in interactive mode".
                match default {
                    Some(Value::String(s)) => s,
                    Some(other) => other.to_string(),
                    None => "None".to_string(),
                }
            };
            let value = if p.unsafe_ && crate::template::is_template(&answer) {
                // Never templated: kept verbatim through Jinja's raw block.
                format!("{{% raw %}}{answer}{{% endraw %}}")
            } else {
                answer
            };
            out.insert(p.name.clone(), Value::String(value));
        }
        Ok(out)
    }
}

/// Ask on the terminal (twice with `confirm`); an empty answer takes the default.
fn ask(p: &VarPrompt, default: Option<&Value>) -> Result<String, String> {
    let shown_default = default.map(|d| match d {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    loop {
        let label = match &shown_default {
            Some(d) => format!("{} [{d}]: ", p.prompt),
            None => format!("{}: ", p.prompt),
        };
        let first = read_line(&label, p.private)?;
        if p.confirm {
            let second = read_line(&format!("confirm {}: ", p.prompt), p.private)?;
            if first != second {
                println!("***** VALUES ENTERED DO NOT MATCH ****");
                continue;
            }
        }
        return Ok(match (first.is_empty(), &shown_default) {
            (true, Some(d)) => d.clone(),
            _ => first,
        });
    }
}

pub(crate) fn read_line(label: &str, private: bool) -> Result<String, String> {
    // Echo goes off before the label shows, so an answer typed (or pasted)
    // right after it is never echoed.
    if private {
        let _ = std::process::Command::new("stty").arg("-echo").status();
    }
    let mut out = std::io::stdout();
    let _ = write!(out, "{label}");
    let _ = out.flush();
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if private {
        let _ = std::process::Command::new("stty").arg("echo").status();
        println!();
    }
    read.map_err(|e| format!("reading the answer to `{label}`: {e}"))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
