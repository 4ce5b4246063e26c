//! What a task inherits from the blocks, roles and includes around it.

use crate::playbook::{Keywords, Role};
use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub when: Vec<Value>,
    pub tags: Vec<String>,
    pub block_vars: Map<String, Value>,
    pub opts: Map<String, Value>,
    pub include_params: Map<String, Value>,
    pub role: Option<Arc<Role>>,
    /// Inside the `block:` of a block that has a `rescue:`.
    pub rescuable: bool,
    pub handler: bool,
    /// `module_defaults` of the play, blocks and roles around, outermost first.
    pub module_defaults: Vec<Value>,
}

impl Scope {
    /// The scope of a child with these keywords.
    pub fn child(&self, kw: &Keywords) -> Scope {
        let mut s = self.clone();
        s.when.extend(kw.when.iter().cloned());
        for t in &kw.tags {
            if !s.tags.contains(t) {
                s.tags.push(t.clone());
            }
        }
        s.block_vars.extend(kw.vars.clone());
        s.opts.extend(kw.opts.clone());
        if let Some(md) = kw.opts.get("module_defaults") {
            s.module_defaults.push(md.clone());
        }
        s
    }

    /// The default arguments for `action` (short name or FQCN): every
    /// level's entry for it, the nearest level winning per option, then
    /// the task's own `module_defaults`.
    pub fn module_defaults_for(&self, kw: &Keywords, action: &str) -> Map<String, Value> {
        let short = crate::playbook::short_name(action);
        let mut out = Map::new();
        let own = kw.opts.get("module_defaults");
        for level in self.module_defaults.iter().chain(own) {
            let dicts: Vec<&Value> = match level {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for d in dicts {
                let Value::Object(m) = d else { continue };
                for (name, args) in m {
                    if crate::playbook::short_name(name) != short {
                        continue;
                    }
                    if let Value::Object(a) = args {
                        out.extend(a.clone());
                    }
                }
            }
        }
        out
    }

    /// A keyword as the task sees it: its own, else the nearest parent's.
    pub fn opt<'a>(&'a self, kw: &'a Keywords, name: &str) -> Option<&'a Value> {
        kw.opts.get(name).or_else(|| self.opts.get(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inheritance_table() {
        let parent = Keywords {
            when: vec![json!("a")],
            tags: vec!["t1".into()],
            vars: json!({"x": 1, "y": 1}).as_object().cloned().unwrap(),
            opts: json!({"become": true, "ignore_errors": true})
                .as_object()
                .cloned()
                .unwrap(),
            ..Default::default()
        };
        let child = Keywords {
            when: vec![json!("b")],
            tags: vec!["t2".into(), "t1".into()],
            vars: json!({"y": 2}).as_object().cloned().unwrap(),
            opts: json!({"ignore_errors": false})
                .as_object()
                .cloned()
                .unwrap(),
            ..Default::default()
        };
        let s = Scope::default().child(&parent).child(&child);
        assert_eq!(s.when, vec![json!("a"), json!("b")]);
        assert_eq!(s.tags, vec!["t1", "t2"]);
        assert_eq!(s.block_vars["y"], 2);
        assert_eq!(s.opts["become"], true);
        assert_eq!(s.opts["ignore_errors"], false);
        let task_kw = Keywords {
            opts: json!({"become": false}).as_object().cloned().unwrap(),
            ..Default::default()
        };
        assert_eq!(s.opt(&task_kw, "become"), Some(&json!(false)));
        assert_eq!(s.opt(&task_kw, "ignore_errors"), Some(&json!(false)));
    }

    #[test]
    fn module_defaults_nearest_level_wins_per_option() {
        let kw = |v: serde_json::Value| Keywords {
            opts: json!({ "module_defaults": v })
                .as_object()
                .cloned()
                .unwrap(),
            ..Default::default()
        };
        let play = kw(json!({"ansible.builtin.command": {"chdir": "/", "creates": "/x"}}));
        let block = kw(json!([{"command": {"chdir": "/tmp"}}, {"shell": {"chdir": "/srv"}}]));
        let task = kw(json!({"ansible.legacy.command": {"creates": "/y"}}));
        let s = Scope::default().child(&play).child(&block);
        let cases = [
            (
                "command",
                &Keywords::default(),
                json!({"chdir": "/tmp", "creates": "/x"}),
            ),
            (
                "ansible.builtin.command",
                &task,
                json!({"chdir": "/tmp", "creates": "/y"}),
            ),
            ("shell", &Keywords::default(), json!({"chdir": "/srv"})),
            ("debug", &task, json!({})),
        ];
        for (action, own, want) in cases {
            let got = serde_json::Value::Object(s.module_defaults_for(own, action));
            assert_eq!(got, want, "{action}");
        }
    }
}
