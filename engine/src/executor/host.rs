//! One task on one host: conditions, loops, retries, the action itself,
//! `changed_when`/`failed_when`, `register`, and what the result changes.

use super::play::{parse_bool, PlayRt};
use super::scope::Scope;
use super::state::RunState;
use super::vars::{connection_snapshot, rendered_snapshot};
use super::Executor;
use crate::actions::{self, ControlCtx, Evaluator};
use crate::connection::{Become, BecomeMethod};
use crate::module::{ModuleContext, ModuleError, Outcome, TemplateRenderer};
use crate::output::{item_label, HostEvent, Status};
use crate::playbook::{Loop, Task};
use crate::template::{
    all_conditions, condition, render_text_with, render_value_in, LazyVars, TemplateSyntax,
};
use crate::vars::omit_token;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// One loop item's result, before it is printed.
struct ItemRun {
    lv: Map<String, Value>,
    ivars: Arc<LazyVars>,
    label: String,
    r: Map<String, Value>,
    /// This item's `delegate_to`, templated with its variables.
    delegate: Option<String>,
}

/// What the walker needs back from a host.
pub struct HostDone {
    /// Failed, not ignored (the host stops).
    pub failed_hard: bool,
    pub registered: Map<String, Value>,
}

const CENSORED: &str =
    "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

struct Eval(Arc<LazyVars>);

impl Evaluator for Eval {
    fn render(&self, v: &Value) -> Result<Value, String> {
        render_value_in(v, &self.0).map_err(|e| e.msg)
    }
    fn condition(&self, c: &Value) -> Result<bool, String> {
        condition(c, &self.0).map_err(|e| e.msg)
    }
}

struct Renderer(Arc<LazyVars>);

impl TemplateRenderer for Renderer {
    fn render(
        &self,
        name: &str,
        source: &str,
        extra: &Map<String, Value>,
    ) -> Result<String, String> {
        let syntax = TemplateSyntax::default();
        render_text_with(source, &self.0.with_extra(extra), &syntax, &[])
            .map_err(|e| format!("{name}: {}", e.msg))
    }

    fn render_with(
        &self,
        name: &str,
        source: &str,
        extra: &Map<String, Value>,
        syntax: &TemplateSyntax,
    ) -> Result<String, String> {
        // Ansible's template search path: the template's own dir, then
        // the `templates/` dir above it (role or playbook).
        let dir = std::path::Path::new(name).parent().map(|d| d.to_path_buf());
        let dirs: Vec<_> = dir
            .iter()
            .flat_map(|d| [d.clone(), d.join("templates")])
            .collect();
        render_text_with(source, &self.0.with_extra(extra), syntax, &dirs)
            .map_err(|e| format!("{name}: {}", e.msg))
    }
}

fn status_of(r: &Map<String, Value>) -> Status {
    let flag = |k: &str| r.get(k).and_then(Value::as_bool).unwrap_or(false);
    if flag("unreachable") {
        Status::Unreachable
    } else if flag("failed") {
        Status::Failed
    } else if flag("skipped") {
        Status::Skipped
    } else if flag("changed") {
        Status::Changed
    } else {
        Status::Ok
    }
}

fn failed_result(msg: impl Into<String>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("failed".into(), true.into());
    m.insert("msg".into(), Value::String(msg.into()));
    m.insert("changed".into(), false.into());
    m
}

/// Registered values hold no internal keys.
fn public(r: &Map<String, Value>) -> Map<String, Value> {
    r.iter()
        .filter(|(k, _)| !k.starts_with("_ansible"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

impl Executor {
    fn bool_opt(
        &self,
        scope: &Scope,
        task: &Task,
        name: &str,
        vars: &Arc<LazyVars>,
    ) -> Option<bool> {
        let v = scope.opt(&task.kw, name)?;
        let rendered = render_value_in(v, vars).ok()?;
        parse_bool(&rendered)
    }

    /// The items of a task's loop.
    pub(crate) fn loop_items(
        &self,
        task: &Task,
        vars: &Arc<LazyVars>,
    ) -> Result<Vec<Value>, String> {
        match &task.loop_ {
            None => Ok(vec![]),
            Some(Loop::Items(v)) => match render_value_in(v, vars).map_err(|e| e.msg)? {
                Value::Array(a) => Ok(a),
                Value::Null => Ok(vec![]),
                other => Err(format!("Invalid data passed to 'loop', it requires a list, got this instead: {other}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.")),
            },
            Some(Loop::With { lookup, terms }) => {
                let rendered = render_value_in(terms, vars).map_err(|e| e.msg)?;
                let dirs = self.search_paths(task);
                let find = |name: &str| -> Option<String> {
                    let p = PathBuf::from(name);
                    if p.is_absolute() {
                        return p.exists().then(|| name.to_string());
                    }
                    dirs.iter().flat_map(|d| [d.join("files").join(name), d.join(name)]).find(|c| c.exists()).map(|c| c.display().to_string())
                };
                super::loops::with_items(lookup, rendered, &find)
            }
        }
    }

    /// `item` (or `loop_var`), `index_var`, `ansible_loop` for one item.
    pub(crate) fn loop_vars(
        &self,
        task: &Task,
        items: &[Value],
        index: usize,
        vars: &Arc<LazyVars>,
    ) -> Map<String, Value> {
        let lc = &task.loop_control;
        let item = items.get(index).cloned().unwrap_or(Value::Null);
        let len = items.len();
        // `loop_var` / `index_var` may be templates (`"{{ name }}"`).
        let name_of = |key: &str| -> Option<String> {
            let raw = lc.get(key)?.as_str()?;
            match crate::template::render_str(raw, vars) {
                Ok(Value::String(s)) => Some(s),
                _ => Some(raw.to_string()),
            }
        };
        let var = name_of("loop_var").unwrap_or_else(|| "item".to_string());
        let mut m = Map::new();
        m.insert(var.clone(), item);
        m.insert("ansible_loop_var".into(), Value::String(var));
        if let Some(iv) = name_of("index_var") {
            m.insert(iv.clone(), index.into());
            m.insert("ansible_index_var".into(), Value::String(iv));
        }
        if lc.get("extended").and_then(parse_bool).unwrap_or(false) {
            let mut l = json!({
                "index": index + 1, "index0": index, "revindex": len - index, "revindex0": len - index - 1,
                "first": index == 0, "last": index + 1 == len, "length": len,
            });
            // `extended_allitems: false` leaves out the (possibly large) list.
            if lc
                .get("extended_allitems")
                .and_then(parse_bool)
                .unwrap_or(true)
            {
                l["allitems"] = Value::Array(items.to_vec());
            }
            if index > 0 {
                l["previtem"] = items[index - 1].clone();
            }
            if let Some(next) = items.get(index + 1) {
                l["nextitem"] = next.clone();
            }
            m.insert("ansible_loop".into(), l);
        }
        m
    }

    /// ansible-core registers each iteration's result before templating
    /// `loop_control.label`, so a label may use it (`"{{ r.stdout }}"`); an
    /// undefined value there fails the item. `None` when the task has no
    /// label or no `register`.
    fn label_after_run(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Task,
        scope: &Scope,
        host: &str,
        lv: &Map<String, Value>,
        r: &Map<String, Value>,
    ) -> Option<Result<String, String>> {
        let (reg, label) = (task.register.as_ref()?, task.loop_control.get("label")?);
        let mut extra = lv.clone();
        extra.insert(reg.clone(), Value::Object(public(r)));
        let vars = self.task_vars(prt, Some(task), scope, host, &extra);
        Some(match render_value_in(label, &vars) {
            Ok(Value::String(s)) => Ok(s),
            Ok(other) => Ok(item_label(&other)),
            Err(e) if e.undefined => Err(e.msg),
            Err(_) => return None,
        })
    }

    pub(crate) fn item_label(&self, task: &Task, item: &Value, vars: &Arc<LazyVars>) -> String {
        match task.loop_control.get("label") {
            Some(l) => match render_value_in(l, vars) {
                Ok(Value::String(s)) => s,
                Ok(other) => item_label(&other),
                Err(_) => item_label(item),
            },
            None => item_label(item),
        }
    }

    fn search_paths(&self, task: &Task) -> Vec<PathBuf> {
        let mut v = Vec::new();
        if let Some(r) = &task.ctx.role {
            v.push(r.path.clone());
        }
        for d in [task.ctx.dir(), self.loader.playbook_dir().to_path_buf()] {
            if !v.contains(&d) {
                v.push(d);
            }
        }
        v
    }

    pub(crate) async fn run_on_host(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Arc<Task>,
        scope: &Scope,
        host: &str,
    ) -> HostDone {
        let vars = self.task_vars(prt, Some(task), scope, host, &Map::new());
        // ansible-core templates `delegate_to` before `when` (a template
        // error fails the task even when its condition is false).
        let delegate = match scope
            .opt(&task.kw, "delegate_to")
            .filter(|_| task.loop_.is_none())
        {
            Some(d) => match render_value_in(d, &vars) {
                Ok(Value::String(s)) if !s.is_empty() => Some(s),
                Ok(_) => None,
                Err(e) => {
                    return self.keyword_error(prt, task, scope, host, "delegate_to", &e.msg, &vars)
                }
            },
            None => None,
        };
        let no_log = self.bool_opt(scope, task, "no_log", &vars).unwrap_or(false);
        let result = match &task.loop_ {
            None => {
                let conds: Vec<&Value> = scope.when.iter().chain(&task.kw.when).collect();
                match first_false(&conds, &vars) {
                    Err(e) => failed_result(e),
                    Ok(Some(c)) => skipped(c),
                    Ok(None) => {
                        let no_extra = Map::new();
                        self.attempts(
                            prt,
                            task,
                            scope,
                            host,
                            &no_extra,
                            &vars,
                            delegate.as_deref(),
                        )
                        .await
                    }
                }
            }
            Some(_) => {
                return self
                    .run_loop(prt, task, scope, host, &vars, delegate, no_log)
                    .await
            }
        };
        self.emit(
            task,
            host,
            delegate.as_deref(),
            None,
            &result,
            no_log,
            scope,
            &vars,
        );
        self.finish(
            prt,
            task,
            scope,
            host,
            delegate.as_deref(),
            result,
            Some(&vars),
        )
    }

    #[allow(clippy::too_many_arguments)]
    async fn run_loop(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Arc<Task>,
        scope: &Scope,
        host: &str,
        vars: &Arc<LazyVars>,
        delegate: Option<String>,
        no_log: bool,
    ) -> HostDone {
        // Conditions of the surrounding blocks are checked once, before the loop.
        let outer: Vec<&Value> = scope.when.iter().collect();
        match first_false(&outer, vars) {
            Err(e) => {
                let r = failed_result(e);
                self.emit(
                    task,
                    host,
                    delegate.as_deref(),
                    None,
                    &r,
                    no_log,
                    scope,
                    vars,
                );
                return self.finish(prt, task, scope, host, delegate.as_deref(), r, Some(vars));
            }
            Ok(Some(c)) => {
                let r = skipped(c);
                self.emit(
                    task,
                    host,
                    delegate.as_deref(),
                    None,
                    &r,
                    no_log,
                    scope,
                    vars,
                );
                return self.finish(prt, task, scope, host, delegate.as_deref(), r, Some(vars));
            }
            Ok(None) => {}
        }
        let items = match self.loop_items(task, vars) {
            Ok(i) => i,
            Err(e) => {
                // As ansible-core: a loop that cannot be templated still
                // skips when the task's own `when` is false without `item`.
                let own: Vec<&Value> = task.kw.when.iter().collect();
                let r = match first_false(&own, vars) {
                    Ok(Some(c)) => skipped(c),
                    _ => failed_result(e),
                };
                self.emit(
                    task,
                    host,
                    delegate.as_deref(),
                    None,
                    &r,
                    no_log,
                    scope,
                    vars,
                );
                return self.finish(prt, task, scope, host, delegate.as_deref(), r, Some(vars));
            }
        };
        if items.is_empty() {
            let r = json!({"changed": false, "skipped": true, "skipped_reason": "No items in the list", "results": []});
            let r = r.as_object().cloned().unwrap_or_default();
            self.emit(
                task,
                host,
                delegate.as_deref(),
                None,
                &r,
                no_log,
                scope,
                vars,
            );
            return self.finish(prt, task, scope, host, delegate.as_deref(), r, Some(vars));
        }
        let pause = task
            .loop_control
            .get("pause")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let mut results = Vec::new();
        let n = items.len();
        // Items of a single-exec module share one round trip (loop_batch.rs).
        let mut batched: Vec<Option<ItemRun>> = if self.can_batch_loop(scope, task, n, pause) {
            super::loop_batch::run_items(n, self.inline_loop(task), |i| {
                Box::pin(self.run_item(prt, task, scope, host, &items, i, vars))
            })
            .await
            .into_iter()
            .map(Some)
            .collect()
        } else {
            Vec::new()
        };
        for i in 0..n {
            let done = match batched.get_mut(i).and_then(Option::take) {
                Some(done) => done,
                None => {
                    if i > 0 && pause > 0.0 {
                        tokio::time::sleep(std::time::Duration::from_secs_f64(pause)).await;
                    }
                    self.run_item(prt, task, scope, host, &items, i, vars).await
                }
            };
            let ItemRun {
                lv,
                ivars,
                label,
                mut r,
                delegate,
            } = done;
            for (k, v) in &lv {
                if k != "ansible_loop" || task.loop_control.get("extended").is_some() {
                    r.insert(k.clone(), v.clone());
                }
            }
            r.insert("_ansible_item_label".into(), Value::String(label.clone()));
            self.emit(
                task,
                host,
                delegate.as_deref(),
                Some(label),
                &r,
                no_log,
                scope,
                &ivars,
            );
            self.apply_effects(prt, task, host, delegate.as_deref(), &r);
            results.push(Value::Object(public(&r)));
        }
        let statuses: Vec<Status> = results
            .iter()
            .map(|r| status_of(r.as_object().unwrap_or(&Map::new())))
            .collect();
        let mut agg = Map::new();
        let any = |s: Status| statuses.contains(&s);
        agg.insert("changed".into(), any(Status::Changed).into());
        let all_skipped = statuses.iter().all(|s| *s == Status::Skipped);
        if any(Status::Failed) || any(Status::Unreachable) {
            agg.insert("failed".into(), true.into());
            agg.insert("msg".into(), "One or more items failed".into());
        } else if all_skipped {
            agg.insert("skipped".into(), true.into());
            agg.insert("msg".into(), "All items skipped".into());
        } else {
            agg.insert("msg".into(), "All items completed".into());
            agg.insert("skipped".into(), false.into());
        }
        if any(Status::Unreachable) && statuses.iter().all(|s| *s == Status::Unreachable) {
            agg.insert("unreachable".into(), true.into());
        }
        agg.insert("results".into(), Value::Array(results));
        agg.insert("_ansible_action".into(), task.short_action().into());
        let status = status_of(&agg);
        self.cb.loop_done(host, status, all_skipped, &agg);
        self.finish_loop(prt, task, scope, host, delegate.as_deref(), agg, vars)
    }

    /// `delegate_to` for one loop item: the target, none, or the error.
    fn item_delegate(
        &self,
        scope: &Scope,
        task: &Task,
        vars: &Arc<LazyVars>,
    ) -> Result<Option<String>, String> {
        match scope.opt(&task.kw, "delegate_to") {
            Some(d) => match render_value_in(d, vars) {
                Ok(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
                Ok(_) => Ok(None),
                Err(e) => Err(super::banner::bare(&e.msg).to_string()),
            },
            None => Ok(None),
        }
    }

    /// One loop item up to its result: its variables, label, `when`,
    /// `delegate_to` (templated per item: it may use `item`), and the
    /// action (with retries), then the label that needs the result.
    #[allow(clippy::too_many_arguments)]
    async fn run_item(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Arc<Task>,
        scope: &Scope,
        host: &str,
        items: &[Value],
        i: usize,
        vars: &Arc<LazyVars>,
    ) -> ItemRun {
        let lv = self.loop_vars(task, items, i, vars);
        let ivars = self.task_vars(prt, Some(task), scope, host, &lv);
        let label = self.item_label(task, &items[i], &ivars);
        let conds: Vec<&Value> = task.kw.when.iter().collect();
        let delegate = self.item_delegate(scope, task, &ivars);
        let mut r = match (&delegate, first_false(&conds, &ivars)) {
            (Err(e), _) => failed_result(format!("Task failed: {e}")),
            (_, Err(e)) => failed_result(e),
            (_, Ok(Some(c))) => skipped(c),
            (Ok(delegate), Ok(None)) => {
                self.attempts(prt, task, scope, host, &lv, &ivars, delegate.as_deref())
                    .await
            }
        };
        let delegate = delegate.ok().flatten();
        let label = match self.label_after_run(prt, task, scope, host, &lv, &r) {
            Some(Ok(l)) => l,
            Some(Err(e)) => {
                r.insert("failed".into(), true.into());
                r.insert(
                    "msg".into(),
                    format!("Failed to template loop_control.label: {e}").into(),
                );
                label
            }
            None => label,
        };
        ItemRun {
            lv,
            ivars,
            label,
            r,
            delegate,
        }
    }

    /// The action, retried per `until`/`retries`/`delay`, with
    /// `changed_when`/`failed_when` applied to each attempt. `vars` are the
    /// task's variables with `extra` (the loop item's) already in them:
    /// the caller built them for `when`, and a loop item must not pay for
    /// building them twice.
    #[allow(clippy::too_many_arguments)]
    async fn attempts(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Arc<Task>,
        scope: &Scope,
        host: &str,
        extra: &Map<String, Value>,
        vars: &Arc<LazyVars>,
        delegate: Option<&str>,
    ) -> Map<String, Value> {
        let num = |v: &Option<Value>, d: f64| -> f64 {
            v.as_ref()
                .and_then(|v| render_value_in(v, vars).ok())
                .and_then(|v| {
                    v.as_f64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                })
                .unwrap_or(d)
        };
        let retries = if task.until.is_some() {
            num(&task.retries, 3.0).max(0.0) as u64
        } else {
            0
        };
        let delay = num(&task.delay, 5.0).max(0.0);
        let mut attempt = 0u64;
        loop {
            attempt += 1;
            let mut r = self.execute(prt, task, scope, host, vars, delegate).await;
            self.post_conditions(task, vars, &mut r);
            let Some(until) = &task.until else {
                Self::ensure_failure_msg(task, &mut r);
                return r;
            };
            if status_of(&r) == Status::Unreachable {
                return r;
            }
            // `until` sees this attempt's number (ansible-core sets it first).
            r.insert("attempts".into(), attempt.into());
            let mut with_reg = extra.clone();
            if let Some(reg) = &task.register {
                with_reg.insert(reg.clone(), Value::Object(public(&r)));
            }
            let uvars = vars.with_extra(&with_reg);
            let done = condition(until, &uvars).unwrap_or(false);
            if done {
                r.insert(
                    "failed".into(),
                    r.get("failed").cloned().unwrap_or(false.into()),
                );
                return r;
            }
            // ansible-core runs `retries + 1` attempts and reports at most `retries`.
            if attempt > retries {
                r.insert("attempts".into(), retries.max(1).into());
                r.insert("failed".into(), true.into());
                Self::ensure_failure_msg(task, &mut r);
                return r;
            }
            // Through the callback: `--output json` keeps it in its document.
            self.cb.notice(&format!(
                "FAILED - RETRYING: [{host}]: {} ({} retries left).\n",
                task.display_name(),
                retries + 1 - attempt
            ));
            tokio::time::sleep(std::time::Duration::from_secs_f64(delay)).await;
        }
    }

    fn post_conditions(&self, task: &Task, vars: &Arc<LazyVars>, r: &mut Map<String, Value>) {
        if task.changed_when.is_none() && task.failed_when.is_none() {
            return;
        }
        if status_of(r) == Status::Unreachable || status_of(r) == Status::Skipped {
            return;
        }
        let mut extra = Map::new();
        if let Some(reg) = &task.register {
            extra.insert(reg.clone(), Value::Object(public(r)));
        }
        let v = vars.with_extra(&extra);
        let eval_all = |c: &Value| -> Result<bool, String> {
            match c {
                Value::Array(list) => all_conditions(list, &v).map_err(|e| e.msg),
                other => condition(other, &v).map_err(|e| e.msg),
            }
        };
        if let Some(c) = &task.changed_when {
            match eval_all(c) {
                Ok(b) => {
                    r.insert("changed".into(), b.into());
                }
                Err(e) => {
                    *r = failed_result(format!(
                        "The conditional check '{}' failed. The error was: {e}",
                        cond_text(c)
                    ));
                    return;
                }
            }
        }
        if let Some(c) = &task.failed_when {
            match eval_all(c) {
                Ok(b) => {
                    r.insert("failed_when_result".into(), b.into());
                    r.insert("failed".into(), b.into());
                    if b {
                        r.entry("exception")
                            .or_insert_with(|| "(traceback unavailable)".into());
                    }
                }
                Err(e) => {
                    *r = failed_result(format!(
                        "The conditional check '{}' failed. The error was: {e}",
                        cond_text(c)
                    ))
                }
            }
        }
    }

    /// One run of the task's action on the host.
    async fn execute(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Arc<Task>,
        scope: &Scope,
        host: &str,
        vars: &Arc<LazyVars>,
        delegate: Option<&str>,
    ) -> Map<String, Value> {
        let Some(module) = self.loader.registry().get(&task.action) else {
            let msg = if crate::playbook::is_unimplemented_core_module(&task.action) {
                crate::playbook::unimplemented_message(&task.action)
            } else {
                format!("couldn't resolve module/action '{}'", task.action)
            };
            return failed_result(msg);
        };
        let spec = module.spec();
        let short = spec.name;
        let raw = actions::raw_args(short);
        let mut args = Map::new();
        let templated;
        let source = match task.args.get(crate::playbook::ARGS_TEMPLATE) {
            Some(t) => match render_value_in(t, vars) {
                Ok(Value::Object(m)) => {
                    templated = m;
                    &templated
                }
                // `shell: "{{ item }}"`: for a free-form module the
                // template is its command line, as in ansible-core.
                Ok(Value::String(line)) if spec.free_form.is_some() => {
                    let opt = spec.free_form.unwrap_or_default();
                    templated = Map::from_iter([(opt.to_string(), Value::String(line))]);
                    &templated
                }
                Ok(other) => {
                    return failed_result(format!(
                        "the arguments of `{}` must be a mapping, got {other}",
                        task.action
                    ))
                }
                Err(e) => return failed_result(format!("{e} (task at {})", task.pos)),
            },
            None => &task.args,
        };
        // `module_defaults`: options the task does not set itself.
        let defaults = scope.module_defaults_for(&task.kw, &task.action);
        let with_defaults;
        let source = if defaults.is_empty() {
            source
        } else {
            with_defaults = defaults
                .into_iter()
                .filter(|(k, _)| !source.contains_key(k))
                .chain(source.clone())
                .collect::<Map<String, Value>>();
            &with_defaults
        };
        for (k, v) in source {
            if raw.contains(&k.as_str()) {
                args.insert(k.clone(), v.clone());
                continue;
            }
            match render_value_in(v, vars) {
                Ok(Value::String(s)) if s == omit_token() => {}
                Ok(r) => {
                    args.insert(k.clone(), r);
                }
                Err(e) => return failed_result(format!("{e} (task at {})", task.pos)),
            }
        }
        let args = match spec.normalize(args) {
            Ok(a) => a,
            Err(e) => return failed_result(e.to_string()),
        };
        // Values of `no_log` options are masked wherever a result repeats them.
        let secrets: Vec<String> = spec
            .secret_options()
            .filter_map(|o| args.get(o).and_then(Value::as_str))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let check = self
            .bool_opt(scope, task, "check_mode", vars)
            .unwrap_or(self.opts.check);
        let diff = self
            .bool_opt(scope, task, "diff", vars)
            .unwrap_or(self.opts.diff);
        if actions::is_controller_action(short) {
            let eval = Eval(vars.clone());
            let reporter = self.reporter.clone();
            let say = move |line: &str| reporter.print(&format!("{line}\n"));
            let ctx = ControlCtx {
                say: &say,
                host,
                task_name: task.display_name(),
                eval: &eval,
                check_mode: check,
                verbosity: self.opts.verbosity,
                search_paths: self.search_paths(task),
                role_path: task.ctx.role.as_ref().map(|r| r.path.clone()),
                task_dir: task.ctx.dir(),
                interactive: self.opts.interactive,
                cancel: Some(self.cancel.clone()),
            };
            return outcome_map(actions::run_control(short, &ctx, args).await);
        }
        let target = delegate.unwrap_or(host);
        let conn_vars = if delegate.is_some_and(|d| d != host) {
            self.inventory.host_vars(target)
        } else {
            connection_snapshot(vars)
        };
        let conn_vars = self.with_cli_defaults(conn_vars);
        let transport = self.transport(target, &conn_vars);
        let conn = match self
            .pool
            .get(target, &transport, &conn_vars, self.factory.as_ref())
            .await
        {
            Ok(c) => c,
            Err(e) => return unreachable(e.to_string()),
        };
        let conn = super::loop_batch::wrap(conn);
        let r#become = match self.resolve_become(scope, task, vars) {
            Ok(b) => b,
            Err(e) => return failed_result(e),
        };
        let environment = match self.environment(scope, task, vars) {
            Ok(e) => e,
            Err(e) => return failed_result(e),
        };
        let ctx = ModuleContext {
            host: target.to_string(),
            conn,
            check_mode: check,
            diff,
            r#become,
            environment,
            vars: Arc::new(rendered_snapshot(vars)),
            search_paths: self.search_paths(task),
            renderer: Arc::new(Renderer(vars.clone())),
            progress: self.reporter.host_progress(host),
        };
        let _ = prt;
        let async_opts = match self.async_opts(scope, task, vars) {
            Ok(a) => a,
            Err(e) => return failed_result(e),
        };
        let mut r = match async_opts {
            Some((limit, poll)) if !check => {
                self.run_async(module, &ctx, args, host, limit, poll).await
            }
            _ => outcome_map(module.run(&ctx, args).await),
        };
        if !secrets.is_empty() {
            for v in r.values_mut() {
                mask(v, &secrets);
            }
        }
        r
    }

    /// `async` (seconds, 0 = not async) and `poll` of a task, rendered.
    fn async_opts(
        &self,
        scope: &Scope,
        task: &Task,
        vars: &Arc<LazyVars>,
    ) -> Result<Option<(u64, u64)>, String> {
        let num = |k: &str| -> Result<Option<u64>, String> {
            let Some(v) = scope.opt(&task.kw, k) else {
                return Ok(None);
            };
            let r = render_value_in(v, vars).map_err(|e| e.msg)?;
            r.as_u64()
                .or_else(|| r.as_str().and_then(|s| s.trim().parse().ok()))
                .map(Some)
                .ok_or_else(|| format!("`{k}` must be a whole number of seconds, got {r}"))
        };
        match num("async")? {
            None | Some(0) => Ok(None),
            Some(limit) => Ok(Some((
                limit,
                num("poll")?.unwrap_or(super::async_task::DEFAULT_POLL),
            ))),
        }
    }

    fn with_cli_defaults(&self, mut vars: Map<String, Value>) -> Map<String, Value> {
        let mut set = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                vars.entry(k.to_string())
                    .or_insert_with(|| Value::String(v.clone()));
            }
        };
        set("ansible_user", &self.opts.remote_user);
        set("ansible_ssh_private_key_file", &self.opts.private_key);
        set("ansible_timeout", &self.opts.timeout.map(|t| t.to_string()));
        vars
    }

    fn transport(&self, target: &str, vars: &Map<String, Value>) -> String {
        if let Some(c) = vars.get("ansible_connection").and_then(Value::as_str) {
            return c.to_string();
        }
        if let Some(c) = &self.opts.connection {
            return c.clone();
        }
        // Implicit localhost (not in the inventory) is local, as in Ansible;
        // only look the host up for those names (hosts() copies the list).
        if ["localhost", "127.0.0.1", "::1"].contains(&target)
            && !self.inventory.hosts().iter().any(|h| h == target)
        {
            return "local".into();
        }
        "ssh".into()
    }

    fn resolve_become(
        &self,
        scope: &Scope,
        task: &Task,
        vars: &Arc<LazyVars>,
    ) -> Result<Option<Become>, String> {
        let var = |k: &str| {
            vars.resolve(k)
                .ok()
                .flatten()
                .and_then(|v| crate::template::to_json(&v).ok())
        };
        let on = self
            .bool_opt(scope, task, "become", vars)
            .or_else(|| var("ansible_become").as_ref().and_then(parse_bool))
            .unwrap_or(self.opts.r#become);
        if !on {
            return Ok(None);
        }
        let text = |kw: &str, v: &str, cli: &Option<String>| -> Option<String> {
            scope
                .opt(&task.kw, kw)
                .and_then(|x| render_value_in(x, vars).ok())
                .or_else(|| var(v))
                .and_then(|x| x.as_str().map(str::to_string))
                .or_else(|| cli.clone())
        };
        let method_name = text(
            "become_method",
            "ansible_become_method",
            &self.opts.become_method,
        )
        .unwrap_or_else(|| "sudo".into());
        let method = BecomeMethod::parse(&method_name)
            .ok_or_else(|| format!("become method '{method_name}' is not supported (sudo, su)"))?;
        Ok(Some(Become {
            method,
            user: text("become_user", "ansible_become_user", &self.opts.become_user)
                .unwrap_or_else(|| "root".into()),
            password: var("ansible_become_password")
                .or_else(|| var("ansible_become_pass"))
                .and_then(|v| v.as_str().map(str::to_string))
                .or_else(|| self.opts.become_pass.clone()),
            flags: text("become_flags", "ansible_become_flags", &None),
            exe: text("become_exe", "ansible_become_exe", &None),
        }))
    }

    fn environment(
        &self,
        scope: &Scope,
        task: &Task,
        vars: &Arc<LazyVars>,
    ) -> Result<Vec<(String, String)>, String> {
        let Some(env) = scope.opt(&task.kw, "environment") else {
            return Ok(vec![]);
        };
        let rendered = render_value_in(env, vars).map_err(|e| e.msg)?;
        let maps: Vec<Value> = match rendered {
            Value::Array(a) => a,
            Value::Null => vec![],
            other => vec![other],
        };
        let mut out = Vec::new();
        for m in maps {
            let Value::Object(m) = m else {
                return Err("environment must be a mapping".into());
            };
            for (k, v) in m {
                let s = match v {
                    Value::String(s) => s,
                    Value::Bool(b) => {
                        if b {
                            "True".into()
                        } else {
                            "False".into()
                        }
                    }
                    other => other.to_string(),
                };
                out.retain(|(x, _): &(String, String)| x != &k);
                out.push((k, s));
            }
        }
        Ok(out)
    }

    /// A task keyword whose value cannot be templated (`delegate_to`):
    /// the task fails on the host, shown as ansible-core shows it.
    #[allow(clippy::too_many_arguments)]
    fn keyword_error(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Task,
        scope: &Scope,
        host: &str,
        keyword: &str,
        msg: &str,
        vars: &Arc<LazyVars>,
    ) -> HostDone {
        let msg = super::banner::bare(msg);
        let r = failed_result(format!("Task failed: {msg}"));
        let raw = scope.opt(&task.kw, keyword).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let mut ev = self.event(task, host, raw.as_deref(), None, &r, false, scope, vars);
        ev.result.remove("changed");
        ev.cause = task
            .kw
            .positions
            .get(keyword)
            .map(|p| (msg.to_string(), p.clone()));
        self.cb.host_result(&ev);
        self.finish(prt, task, scope, host, None, r, Some(vars))
    }

    /// Print a result (censored under `no_log`).
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &self,
        task: &Task,
        host: &str,
        delegate: Option<&str>,
        item: Option<String>,
        r: &Map<String, Value>,
        no_log: bool,
        scope: &Scope,
        vars: &Arc<LazyVars>,
    ) {
        let ev = self.event(task, host, delegate, item, r, no_log, scope, vars);
        self.cb.host_result(&ev);
    }

    /// The event a result is printed from.
    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        task: &Task,
        host: &str,
        delegate: Option<&str>,
        item: Option<String>,
        r: &Map<String, Value>,
        no_log: bool,
        scope: &Scope,
        vars: &Arc<LazyVars>,
    ) -> HostEvent {
        let status = status_of(r);
        let ignored = status == Status::Failed
            && item.is_none()
            && self
                .bool_opt(scope, task, "ignore_errors", vars)
                .unwrap_or(false);
        let ignored = ignored
            || (status == Status::Unreachable
                && self
                    .bool_opt(scope, task, "ignore_unreachable", vars)
                    .unwrap_or(false));
        let shown = if no_log {
            let mut m = Map::new();
            m.insert("censored".into(), CENSORED.into());
            m.insert(
                "changed".into(),
                r.get("changed").cloned().unwrap_or(false.into()),
            );
            for k in ["attempts", "failed", "skipped", "unreachable"] {
                if let Some(v) = r.get(k) {
                    m.insert(k.into(), v.clone());
                }
            }
            m
        } else {
            r.clone()
        };
        HostEvent {
            host: host.to_string(),
            delegated_to: delegate.map(str::to_string),
            status,
            item,
            result: shown,
            ignored,
            action: task.short_action().to_string(),
            origin: (status == Status::Failed && task.pos.line > 0).then(|| task.pos.clone()),
            controller: actions::is_controller_action(task.short_action()),
            error_msg: r.get("msg").map(|m| {
                m.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| m.to_string())
            }),
            cause: None,
        }
    }

    /// ansible-core 2.19 words a failure that carries no message.
    fn ensure_failure_msg(task: &Task, r: &mut Map<String, Value>) {
        if status_of(r) == Status::Failed && !r.contains_key("msg") {
            let kind = if actions::is_controller_action(task.short_action()) {
                "Action"
            } else {
                "Module"
            };
            r.insert(
                "msg".into(),
                format!("Task failed: {kind} failed: Unknown error.").into(),
            );
        }
    }

    /// Facts, set_fact, include_vars and notifications of one result.
    fn apply_effects(
        &self,
        prt: &PlayRt,
        task: &Task,
        host: &str,
        delegate: Option<&str>,
        r: &Map<String, Value>,
    ) {
        let status = status_of(r);
        if matches!(status, Status::Ok | Status::Changed) {
            if let Some(Value::Object(facts)) = r.get("ansible_facts") {
                let short = self
                    .loader
                    .registry()
                    .get(&task.action)
                    .map(|m| m.spec().name)
                    .unwrap_or("");
                let delegate_facts = task
                    .kw
                    .opts
                    .get("delegate_facts")
                    .and_then(parse_bool)
                    .unwrap_or(false);
                let target = if delegate_facts {
                    delegate.unwrap_or(host)
                } else {
                    host
                };
                let mut st = self.state();
                let hs = st.host(target);
                match short {
                    "set_fact" => hs.set_facts.extend(facts.clone()),
                    "include_vars" => hs.include_vars.extend(facts.clone()),
                    _ => hs.facts.extend(facts.clone()),
                }
            }
        }
        if status == Status::Changed && !task.notify.is_empty() {
            if let Err(e) = self.notify(prt, task, host) {
                self.cb.error(&e);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Task,
        scope: &Scope,
        host: &str,
        delegate: Option<&str>,
        r: Map<String, Value>,
        vars: Option<&Arc<LazyVars>>,
    ) -> HostDone {
        self.apply_effects(prt, task, host, delegate, &r);
        let vars = vars
            .cloned()
            .unwrap_or_else(|| self.task_vars(prt, Some(task), scope, host, &Map::new()));
        self.record(prt, task, scope, host, r, &vars)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_loop(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Task,
        scope: &Scope,
        host: &str,
        _delegate: Option<&str>,
        r: Map<String, Value>,
        vars: &Arc<LazyVars>,
    ) -> HostDone {
        if status_of(&r) == Status::Failed
            && self
                .bool_opt(scope, task, "ignore_errors", vars)
                .unwrap_or(false)
        {
            self.cb.raw("...ignoring\n");
        }
        self.record(prt, task, scope, host, r, vars)
    }

    /// Stats, `register`, and the host's failed/unreachable state.
    fn record(
        self: &Arc<Self>,
        _prt: &Arc<PlayRt>,
        task: &Task,
        scope: &Scope,
        host: &str,
        r: Map<String, Value>,
        vars: &Arc<LazyVars>,
    ) -> HostDone {
        let status = status_of(&r);
        let ignore_errors = self
            .bool_opt(scope, task, "ignore_errors", vars)
            .unwrap_or(false);
        let ignore_unreachable = self
            .bool_opt(scope, task, "ignore_unreachable", vars)
            .unwrap_or(false);
        let registered = public(&r);
        let mut st = self.state();
        if let Some(reg) = &task.register {
            st.host(host)
                .set_facts
                .insert(reg.clone(), Value::Object(registered.clone()));
        }
        let mut failed_hard = false;
        match status {
            Status::Ok => st.stats(host).ok += 1,
            Status::Changed => {
                let s = st.stats(host);
                s.ok += 1;
                s.changed += 1;
            }
            Status::Skipped => st.stats(host).skipped += 1,
            Status::Failed if ignore_errors => {
                let changed = r.get("changed").and_then(Value::as_bool) == Some(true);
                let s = st.stats(host);
                s.ok += 1;
                s.ignored += 1;
                // ansible-core counts an ignored failure's change too.
                if changed {
                    s.changed += 1;
                }
            }
            Status::Failed => {
                failed_hard = true;
                count_failure(
                    &mut st,
                    task,
                    host,
                    Value::Object(registered.clone()),
                    scope.rescuable,
                );
            }
            Status::Unreachable if ignore_unreachable => {
                let s = st.stats(host);
                s.skipped += 1;
            }
            Status::Unreachable => {
                failed_hard = true;
                st.stats(host).unreachable += 1;
                st.unreachable.insert(host.to_string());
            }
        }
        HostDone {
            failed_hard,
            registered,
        }
    }
}

/// The bookkeeping of a failure that stops the host: marked failed, the
/// task and result `rescue:` sees (`ansible_failed_task`,
/// `ansible_failed_result`), and the recap's count (`rescued` inside a
/// block with a `rescue:`, else `failed`).
pub(crate) fn count_failure(
    st: &mut RunState,
    task: &Task,
    host: &str,
    result: Value,
    rescuable: bool,
) {
    let hs = st.host(host);
    hs.failed = true;
    hs.failed_task = Some((
        json!({"name": task.name.clone().unwrap_or_default(), "action": task.action}),
        result,
    ));
    let s = st.stats(host);
    if rescuable {
        s.rescued += 1;
    } else {
        s.failed += 1;
    }
}

/// A result the controller decided itself (a false condition, a failed
/// include, a meta task), printed like a module's.
pub(crate) fn controller_event(
    task: &Task,
    host: &str,
    status: Status,
    result: Map<String, Value>,
) -> HostEvent {
    HostEvent {
        host: host.to_string(),
        delegated_to: None,
        status,
        item: None,
        result,
        ignored: false,
        action: task.short_action().to_string(),
        origin: None,
        controller: true,
        error_msg: None,
        cause: None,
    }
}

/// Replace every occurrence of a secret inside string values (Ansible's
/// `remove_values`).
fn mask(v: &mut Value, secrets: &[String]) {
    match v {
        Value::String(s) => {
            for secret in secrets {
                if s.contains(secret.as_str()) {
                    *s = s.replace(secret.as_str(), "********");
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| mask(x, secrets)),
        Value::Object(m) => m.values_mut().for_each(|x| mask(x, secrets)),
        _ => {}
    }
}

fn cond_text(c: &Value) -> String {
    match c {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The first condition that is false, or an error message.
fn first_false<'a>(conds: &[&'a Value], vars: &Arc<LazyVars>) -> Result<Option<&'a Value>, String> {
    for c in conds {
        match condition(c, vars) {
            Ok(true) => {}
            Ok(false) => return Ok(Some(c)),
            Err(e) => {
                return Err(format!(
                    "The conditional check '{}' failed. The error was: {}",
                    cond_text(c),
                    e.msg
                ))
            }
        }
    }
    Ok(None)
}

fn skipped(cond: &Value) -> Map<String, Value> {
    let r = json!({"changed": false, "skipped": true, "skip_reason": "Conditional result was False", "false_condition": cond});
    r.as_object().cloned().unwrap_or_default()
}

fn unreachable(msg: String) -> Map<String, Value> {
    let r = json!({"changed": false, "unreachable": true, "msg": msg});
    r.as_object().cloned().unwrap_or_default()
}

fn outcome_map(o: Result<Outcome, ModuleError>) -> Map<String, Value> {
    match o {
        Ok(o) => o.to_result(),
        Err(ModuleError::Connection(e)) if e.is_unreachable() => unreachable(e.to_string()),
        Err(e) => failed_result(e.to_string()),
    }
}
