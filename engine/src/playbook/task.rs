//! One task mapping -> [`Task`]: find the action, parse its arguments
//! (free-form `k=v` text, a mapping, `args:`), check the keywords.

use super::keywords;
use super::kv::{parse_kv, FREEFORM_MODULES};
use super::model::{FileCtx, Keywords, Loop, Task};
use super::Diagnostic;
use crate::module::ModuleRegistry;
use crate::yaml::{Kind, Node, Pos};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Actions the loader and executor implement themselves (not modules).
pub const INCLUDE_ACTIONS: &[&str] = &[
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "import_playbook",
];

/// Key holding a templated argument mapping (`module: "{{ args }}"`).
pub const ARGS_TEMPLATE: &str = "__srplay_args_template";

/// `with_<lookup>` loops srplay knows.
pub const WITH_LOOKUPS: &[&str] = &[
    "items",
    "list",
    "dict",
    "nested",
    "cartesian",
    "first_found",
    "sequence",
    "together",
    "indexed_items",
    "flattened",
    "subelements",
    "fileglob",
    "lines",
    "random_choice",
    "env",
    "file",
    "vars",
    "dict2items",
];

pub fn is_include_action(name: &str) -> bool {
    INCLUDE_ACTIONS.contains(&super::model::short_name(name))
}

/// What a mapping's non-keyword key is: the action and its arguments.
struct ActionFound {
    name: String,
    args: Map<String, Value>,
    arg_pos: Vec<(String, Pos)>,
    pos: Pos,
}

/// The collection of an FQCN outside the ones srplay implements
/// (`community.general.ufw` -> `community.general`).
fn foreign_collection(name: &str) -> Option<&str> {
    let parts: Vec<&str> = name.splitn(3, '.').collect();
    if parts.len() < 3 {
        return None;
    }
    let collection = &name[..parts[0].len() + 1 + parts[1].len()];
    (!["ansible.builtin", "ansible.legacy", "srplay.starrocks"].contains(&collection))
        .then_some(collection)
}

pub fn parse_task(
    node: &Node,
    ctx: &Arc<FileCtx>,
    registry: &ModuleRegistry,
    handler: bool,
) -> Result<Task, Diagnostic> {
    let pairs = node.as_map().ok_or_else(|| {
        Diagnostic::new(
            format!("a task must be a mapping, got {}", node.type_name()),
            &node.pos,
        )
    })?;
    let is_kw = |k: &str| keywords::is_task_keyword(k) || (handler && k == "listen");
    let candidates: Vec<&(Node, Node)> = pairs
        .iter()
        .filter(|(k, _)| !is_kw(&k.key_string()))
        .collect();
    let level = if handler { "handler" } else { "task" };
    let known = |k: &str| {
        registry.contains(k)
            || is_include_action(k)
            || super::unimplemented::is_unimplemented_core_module(k)
    };
    let modules: Vec<&&(Node, Node)> = candidates
        .iter()
        .filter(|(k, _)| known(&k.key_string()))
        .collect();
    let unknown: Vec<&&(Node, Node)> = candidates
        .iter()
        .filter(|(k, _)| !known(&k.key_string()))
        .collect();
    let explicit_action = node.get("action").or_else(|| node.get("local_action"));
    let action_count = modules.len() + unknown.len() + usize::from(explicit_action.is_some());
    if let Some((k, _)) = unknown.first() {
        let name = k.key_string();
        if action_count > 1 || explicit_action.is_some() {
            let hint = keywords::suggest(&name, level);
            return Err(
                Diagnostic::new(format!("unknown keyword `{name}` for a {level}"), &k.pos)
                    .hint(hint.map(|h| format!("did you mean `{h}`?"))),
            );
        }
        if let Some(collection) = foreign_collection(&name) {
            return Err(Diagnostic::new(
                format!("couldn't resolve module/action '{name}': collection `{collection}` is not supported"),
                &k.pos,
            )
            .hint(Some(
                "srplay implements ansible.builtin and srplay.starrocks; add the module as a plugin (docs/plugins.md) or use a built-in one".into(),
            )));
        }
        let hint = registry
            .suggest(&name)
            .or_else(|| keywords::suggest(&name, level));
        return Err(
            Diagnostic::new(format!("couldn't resolve module/action '{name}'"), &k.pos)
                .hint(hint.map(|h| format!("did you mean `{h}`?"))),
        );
    }
    if action_count == 0 {
        return Err(Diagnostic::new(
            format!("no module/action detected in {level}"),
            &node.pos,
        ));
    }
    if action_count > 1 {
        let names: Vec<String> = modules.iter().map(|(k, _)| k.key_string()).collect();
        return Err(Diagnostic::new(
            format!("conflicting action statements: {}", names.join(", ")),
            &node.pos,
        ));
    }
    let mut found = match (explicit_action, modules.first()) {
        (Some(a), _) => action_from_keyword(a, node.get("local_action").is_some())?,
        (None, Some((k, v))) => ActionFound {
            name: k.key_string(),
            args: Map::new(),
            arg_pos: Vec::new(),
            pos: k.pos.clone(),
        }
        .with_args(v)?,
        (None, None) => unreachable_action(node)?,
    };
    if let Some(extra) = node.get("args") {
        let m = extra
            .as_map()
            .ok_or_else(|| Diagnostic::new("`args` must be a mapping", &extra.pos))?;
        for (k, v) in m {
            let key = k.key_string();
            found.arg_pos.push((key.clone(), k.pos.clone()));
            found.args.entry(key).or_insert_with(|| v.to_json());
        }
    }
    check_args(&mut found, registry)?;
    check_arg_templates(&found)?;
    if let Some(md) = node.get("module_defaults") {
        super::module_defaults::check_module_defaults(md, registry)?;
    }
    check_async(node, &found)?;
    check_end_role(&found, ctx, handler)?;
    let task = build_task(node, found, ctx, handler)?;
    check_keyword_templates(node)?;
    Ok(task)
}

/// `meta: end_role` ends the role it is written in: outside a role, or
/// in a handler, ansible-core refuses it when the playbook loads.
fn check_end_role(found: &ActionFound, ctx: &FileCtx, handler: bool) -> Result<(), Diagnostic> {
    let end_role = super::model::short_name(&found.name) == "meta"
        && found.args.get("_raw_params").and_then(Value::as_str) == Some("end_role");
    let refusal = match (end_role, handler, ctx.role.is_some()) {
        (false, _, _) => return Ok(()),
        (true, true, _) => "Cannot execute 'end_role' from a handler",
        (true, false, false) => "Cannot execute 'end_role' from outside of a role",
        (true, false, true) => return Ok(()),
    };
    Err(Diagnostic::new(refusal, &found.pos))
}

/// `async` / `poll`: whole seconds (or a template), and `async` only on
/// the modules that can run in the background.
fn check_async(node: &Node, found: &ActionFound) -> Result<(), Diagnostic> {
    for key in ["async", "poll"] {
        let Some(v) = node.get(key) else { continue };
        let ok = match &v.kind {
            Kind::Int(i) => *i >= 0,
            Kind::Str(s) => crate::template::is_template(s) || s.trim().parse::<u64>().is_ok(),
            _ => false,
        };
        if !ok {
            return Err(Diagnostic::new(
                format!("`{key}` must be a whole number of seconds (0 or more)"),
                &v.pos,
            ));
        }
    }
    let Some(v) = node.get("async") else {
        return Ok(());
    };
    let short = super::model::short_name(&found.name);
    let zero = matches!(v.kind, Kind::Int(0));
    if !zero && !crate::actions::async_job::ASYNC_MODULES.contains(&short) {
        return Err(Diagnostic::new(
            format!(
                "`async` is not supported for `{short}`: srplay runs {} in the background",
                crate::actions::async_job::ASYNC_MODULES.join(" and ")
            ),
            &v.pos,
        ));
    }
    Ok(())
}

/// Every template in the arguments must compile (bad Jinja is found
/// before any host is touched).
fn check_arg_templates(found: &ActionFound) -> Result<(), Diagnostic> {
    for (k, v) in &found.args {
        let pos = found
            .arg_pos
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| found.pos.clone());
        check_value_templates(v, &pos)?;
    }
    Ok(())
}

/// Source text quoted in a message: long ones (generated, minified) are
/// cut so the message stays readable; the position points at the rest.
fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        return s.to_string();
    }
    let head: String = s.chars().take(MAX).collect();
    format!("{head}...")
}

fn check_value_templates(v: &Value, pos: &Pos) -> Result<(), Diagnostic> {
    match v {
        Value::String(s) => crate::template::check_syntax(s, false).map_err(|e| {
            Diagnostic::new(
                format!("template syntax error in `{}`: {e}", shorten(s)),
                pos,
            )
        }),
        Value::Array(a) => a.iter().try_for_each(|x| check_value_templates(x, pos)),
        Value::Object(m) => m.values().try_for_each(|x| check_value_templates(x, pos)),
        _ => Ok(()),
    }
}

/// Conditions are bare expressions; other keywords may hold templates.
fn check_keyword_templates(node: &Node) -> Result<(), Diagnostic> {
    for (k, v) in node.as_map().unwrap_or(&[]) {
        let key = k.key_string();
        let is_condition = matches!(
            key.as_str(),
            "when" | "changed_when" | "failed_when" | "until"
        );
        if is_condition {
            let items: Vec<&Node> = match &v.kind {
                Kind::Seq(s) => s.iter().collect(),
                _ => vec![v],
            };
            for item in items {
                if let Kind::Str(s) = &item.kind {
                    crate::template::check_syntax(s, true).map_err(|e| {
                        Diagnostic::new(
                            format!("syntax error in the conditional `{}`: {e}", shorten(s)),
                            &item.pos,
                        )
                    })?;
                }
            }
        } else if matches!(
            key.as_str(),
            "loop" | "vars" | "delegate_to" | "environment"
        ) || key.starts_with("with_")
        {
            check_value_templates(&v.to_json(), &v.pos)?;
        }
    }
    Ok(())
}

fn unreachable_action(node: &Node) -> Result<ActionFound, Diagnostic> {
    Err(Diagnostic::new(
        "no module/action detected in task",
        &node.pos,
    ))
}

/// `action: debug msg=hi` / `local_action: {module: debug, msg: hi}`.
fn action_from_keyword(a: &Node, local: bool) -> Result<ActionFound, Diagnostic> {
    let mut found = match &a.kind {
        Kind::Str(s) => {
            let (name, rest) = s
                .trim()
                .split_once(char::is_whitespace)
                .unwrap_or((s.trim(), ""));
            ActionFound {
                name: name.to_string(),
                args: Map::new(),
                arg_pos: vec![],
                pos: a.pos.clone(),
            }
            .with_args(&Node::new(Kind::Str(rest.to_string()), a.pos.clone()))?
        }
        Kind::Map(pairs) => {
            let module = a
                .get("module")
                .and_then(Node::as_str)
                .ok_or_else(|| Diagnostic::new("`action` mapping needs a `module` key", &a.pos))?;
            let rest: Vec<(Node, Node)> = pairs
                .iter()
                .filter(|(k, _)| k.key_string() != "module")
                .cloned()
                .collect();
            ActionFound {
                name: module.to_string(),
                args: Map::new(),
                arg_pos: vec![],
                pos: a.pos.clone(),
            }
            .with_args(&Node::new(Kind::Map(rest), a.pos.clone()))?
        }
        _ => {
            return Err(Diagnostic::new(
                "`action` must be a string or a mapping",
                &a.pos,
            ))
        }
    };
    if local {
        found.args.insert("_local_action".into(), Value::Bool(true));
    }
    Ok(found)
}

impl ActionFound {
    fn with_args(mut self, v: &Node) -> Result<Self, Diagnostic> {
        match &v.kind {
            Kind::Null => {}
            // `assert: "{{ checks }}"`: the whole argument mapping comes
            // from a template, known only at run time.
            Kind::Str(s) if crate::template::lone_expression(s).is_some() => {
                self.args
                    .insert(ARGS_TEMPLATE.into(), Value::String(s.clone()));
                self.arg_pos.push((ARGS_TEMPLATE.into(), v.pos.clone()));
            }
            Kind::Str(s) => {
                let free_form = FREEFORM_MODULES.contains(&super::model::short_name(&self.name));
                self.args = parse_kv(s, free_form).map_err(|e| Diagnostic::new(e, &v.pos))?;
                for k in self.args.keys() {
                    self.arg_pos.push((k.clone(), v.pos.clone()));
                }
            }
            Kind::Map(pairs) => {
                for (k, val) in pairs {
                    let key = k.key_string();
                    self.arg_pos.push((key.clone(), k.pos.clone()));
                    self.args.insert(key, val.to_json());
                }
            }
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                self.args.insert("_raw_params".into(), v.to_json());
            }
            Kind::Seq(_) => {
                return Err(Diagnostic::new(
                    format!(
                        "arguments of `{}` must be a mapping or a `k=v` string, got a list",
                        self.name
                    ),
                    &v.pos,
                ))
            }
        }
        Ok(self)
    }
}

/// Free-form text -> the module's free-form option, then the spec check.
fn check_args(found: &mut ActionFound, registry: &ModuleRegistry) -> Result<(), Diagnostic> {
    if is_include_action(&found.name) {
        if let Some(raw) = found.args.remove("_raw_params") {
            found.args.insert("file".into(), raw);
        }
        return check_apply(found);
    }
    if found.args.contains_key(ARGS_TEMPLATE) {
        return Ok(());
    }
    let Some(module) = registry.get(&found.name) else {
        if super::unimplemented::is_unimplemented_core_module(&found.name) {
            // Fails when it runs (executor), not at load.
            return Ok(());
        }
        return Err(Diagnostic::new(
            format!("couldn't resolve module/action '{}'", found.name),
            &found.pos,
        ));
    };
    let spec = module.spec();
    if let Some(raw) = found.args.remove("_raw_params") {
        match spec.free_form {
            Some(opt) => {
                found.args.insert(opt.to_string(), raw);
            }
            None => {
                return Err(Diagnostic::new(
                    format!("module `{}` takes no free-form text; write its options as `key=value` or a mapping", spec.name),
                    &found.pos,
                ))
            }
        }
    }
    let mut to_check = found.args.clone();
    to_check.remove("_local_action");
    spec.check(&to_check).map_err(|e| {
        let pos = e
            .option()
            .and_then(|o| found.arg_pos.iter().find(|(k, _)| k == o))
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| found.pos.clone());
        Diagnostic::new(e.to_string(), &pos)
    })
}

fn build_task(
    node: &Node,
    found: ActionFound,
    ctx: &Arc<FileCtx>,
    handler: bool,
) -> Result<Task, Diagnostic> {
    let mut task = Task {
        name: None,
        action: found.name,
        args: found.args,
        kw: Keywords::default(),
        loop_: None,
        loop_control: Map::new(),
        register: None,
        until: None,
        retries: None,
        delay: None,
        changed_when: None,
        failed_when: None,
        notify: Vec::new(),
        listen: Vec::new(),
        pos: node.pos.clone(),
        ctx: ctx.clone(),
    };
    for (k, v) in node.as_map().unwrap_or(&[]) {
        let key = k.key_string();
        match key.as_str() {
            "name" => task.name = Some(scalar_text(v)),
            "loop" => set_loop(&mut task, Loop::Items(v.to_json()), v)?,
            "loop_control" => {
                task.loop_control =
                    v.to_json().as_object().cloned().ok_or_else(|| {
                        Diagnostic::new("`loop_control` must be a mapping", &v.pos)
                    })?;
                check_loop_control(v)?;
            }
            "register" => {
                let name = v
                    .as_str()
                    .ok_or_else(|| Diagnostic::new("`register` must be a variable name", &v.pos))?;
                task.register = Some(name.to_string());
            }
            "until" => task.until = Some(v.to_json()),
            "retries" => task.retries = Some(v.to_json()),
            "delay" => task.delay = Some(v.to_json()),
            "changed_when" => task.changed_when = Some(v.to_json()),
            "failed_when" => task.failed_when = Some(v.to_json()),
            "notify" => task.notify = string_list(v)?,
            "listen" if handler => task.listen = string_list(v)?,
            "args" | "action" | "local_action" => {}
            k if k.starts_with("with_") => {
                let lookup = &k[5..];
                if !WITH_LOOKUPS.contains(&lookup) {
                    return Err(
                        Diagnostic::new(format!("unknown loop lookup `{k}`"), &v.pos).hint(
                            crate::suggest::closest(lookup, WITH_LOOKUPS.iter().copied())
                                .map(|s| format!("did you mean `with_{s}`?")),
                        ),
                    );
                }
                set_loop(
                    &mut task,
                    Loop::With {
                        lookup: lookup.to_string(),
                        terms: v.to_json(),
                    },
                    v,
                )?;
            }
            k if keywords::is_task_keyword(k) => apply_keyword(&mut task.kw, k, v)?,
            _ => {}
        }
    }
    if node.get("local_action").is_some() {
        task.args.remove("_local_action");
        task.kw
            .opts
            .insert("delegate_to".into(), Value::String("localhost".into()));
    }
    Ok(task)
}

fn set_loop(task: &mut Task, l: Loop, v: &Node) -> Result<(), Diagnostic> {
    if task.loop_.is_some() {
        return Err(Diagnostic::new(
            "a task can have only one loop (`loop` or one `with_*`)",
            &v.pos,
        ));
    }
    task.loop_ = Some(l);
    Ok(())
}

fn check_loop_control(v: &Node) -> Result<(), Diagnostic> {
    const KNOWN: &[&str] = &[
        "loop_var",
        "index_var",
        "label",
        "pause",
        "extended",
        "extended_allitems",
        "break_when",
    ];
    for (k, _) in v.as_map().unwrap_or(&[]) {
        let key = k.key_string();
        if !KNOWN.contains(&key.as_str()) {
            return Err(
                Diagnostic::new(format!("unknown `loop_control` option `{key}`"), &k.pos).hint(
                    crate::suggest::closest(&key, KNOWN.iter().copied())
                        .map(|s| format!("did you mean `{s}`?")),
                ),
            );
        }
    }
    Ok(())
}

/// A scalar as text (names may be written as numbers).
pub fn scalar_text(v: &Node) -> String {
    match v.to_json() {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// `notify: h` or `notify: [a, b]`.
pub fn string_list(v: &Node) -> Result<Vec<String>, Diagnostic> {
    match &v.kind {
        Kind::Seq(items) => Ok(items.iter().map(scalar_text).collect()),
        Kind::Null => Ok(vec![]),
        Kind::Map(_) => Err(Diagnostic::new(
            "expected a string or a list of strings",
            &v.pos,
        )),
        _ => Ok(vec![scalar_text(v)]),
    }
}

/// The keywords of an include's `apply:` (block keywords; already checked
/// at load time).
pub fn apply_keywords(apply: &Value) -> Keywords {
    let mut kw = Keywords::default();
    let Value::Object(m) = apply else {
        return kw;
    };
    for (k, v) in m {
        match k.as_str() {
            "when" => {
                kw.when = match v {
                    Value::Array(a) => a.clone(),
                    Value::Null => vec![],
                    other => vec![other.clone()],
                }
            }
            "tags" => {
                kw.tags = match v {
                    Value::Array(a) => a
                        .iter()
                        .map(|t| t.as_str().map(str::to_string).unwrap_or(t.to_string()))
                        .collect(),
                    Value::String(s) => s
                        .split(',')
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty())
                        .collect(),
                    other => vec![other.to_string()],
                }
            }
            "vars" => kw.vars = v.as_object().cloned().unwrap_or_default(),
            "name" => {}
            _ => {
                kw.opts.insert(k.clone(), v.clone());
            }
        }
    }
    kw
}

/// `apply:` of `include_tasks` / `include_role`: a mapping of block keywords.
fn check_apply(found: &ActionFound) -> Result<(), Diagnostic> {
    let Some(apply) = found.args.get("apply") else {
        return Ok(());
    };
    let pos = found
        .arg_pos
        .iter()
        .find(|(n, _)| n == "apply")
        .map(|(_, p)| p.clone())
        .unwrap_or_else(|| found.pos.clone());
    let short = super::model::short_name(&found.name);
    if !["include_tasks", "include_role"].contains(&short) {
        return Err(Diagnostic::new(
            format!("`apply` is only valid for include_tasks and include_role, not `{short}`"),
            &pos,
        ));
    }
    let Value::Object(m) = apply else {
        return Err(Diagnostic::new(
            "`apply` must be a mapping of keywords for the included tasks",
            &pos,
        ));
    };
    for k in m.keys() {
        let allowed = keywords::is_block_keyword(k)
            && !["block", "rescue", "always", "name"].contains(&k.as_str());
        if !allowed {
            return Err(
                Diagnostic::new(format!("`{k}` is not a keyword `apply` can set"), &pos)
                    .hint(keywords::suggest(k, "block").map(|h| format!("did you mean `{h}`?"))),
            );
        }
        if k == "vars" && !m[k].is_object() {
            return Err(Diagnostic::new("`vars` in `apply` must be a mapping", &pos));
        }
    }
    Ok(())
}

/// Apply a shared keyword (`when`, `tags`, `vars`, inherited options).
pub fn apply_keyword(kw: &mut Keywords, key: &str, v: &Node) -> Result<(), Diagnostic> {
    match key {
        "when" => {
            kw.when = match &v.kind {
                Kind::Seq(items) => items.iter().map(Node::to_json).collect(),
                Kind::Null => vec![],
                _ => vec![v.to_json()],
            }
        }
        "tags" => {
            kw.tags = match &v.kind {
                Kind::Str(s) => s
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect(),
                _ => string_list(v)?,
            }
        }
        "vars" => match v.to_json() {
            Value::Object(m) => kw.vars = m,
            Value::Null => {}
            _ => return Err(Diagnostic::new("`vars` must be a mapping", &v.pos)),
        },
        "name" => {}
        _ => {
            check_bool_keyword(key, v)?;
            kw.opts.insert(key.to_string(), v.to_json());
            kw.positions.insert(key.to_string(), v.pos.clone());
        }
    }
    Ok(())
}

/// Keywords whose value ansible converts to a boolean.
const BOOL_KEYWORDS: &[&str] = &[
    "any_errors_fatal",
    "become",
    "check_mode",
    "delegate_facts",
    "diff",
    "force_handlers",
    "gather_facts",
    "ignore_errors",
    "ignore_unreachable",
    "no_log",
    "run_once",
];

/// A literal string that is not one of ansible's boolean spellings is
/// refused when loading (ansible fails the task at run time, after the
/// tasks before it have run). Templates are checked when rendered.
fn check_bool_keyword(key: &str, v: &Node) -> Result<(), Diagnostic> {
    const SPELLINGS: &[&str] = &[
        "y", "yes", "on", "1", "true", "t", "n", "no", "off", "0", "false", "f",
    ];
    match &v.kind {
        Kind::Str(s)
            if BOOL_KEYWORDS.contains(&key)
                && !crate::template::is_template(s)
                && !SPELLINGS.contains(&s.trim().to_lowercase().as_str()) =>
        {
            Err(Diagnostic::new(
                format!("Error processing keyword '{key}': The value '{s}' could not be converted to 'bool'."),
                &v.pos,
            ))
        }
        _ => Ok(()),
    }
}
