//! Walking items over the batch: blocks (rescue/always), includes,
//! handlers, meta, and one task on many hosts at once.

use super::host::{controller_event, count_failure, HostDone};
use super::play::{parse_bool, PlayRt};
use super::scope::Scope;
use super::state::role_key;
use super::Executor;
use crate::actions::MetaAction;
use crate::output::{Status, TaskKind};
use crate::playbook::{Block, Item, Task};
use crate::template::{all_conditions, condition, render_value_in};
use serde_json::{json, Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;

type Fut<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// One include a host makes: file path (or role name), params, item label.
type IncludePlan = (String, Map<String, Value>, Option<String>);

impl Executor {
    pub(crate) fn active(&self, prt: &PlayRt, hosts: &[String]) -> Vec<String> {
        if prt.ended() {
            return vec![];
        }
        let st = self.state();
        hosts.iter().filter(|h| st.is_active(h)).cloned().collect()
    }

    /// The task's name for its banner, templated with the first host's
    /// variables (ansible-core 2.19).
    fn banner_name(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Task,
        scope: &Scope,
        hosts: &[String],
    ) -> String {
        let name = task.display_name();
        // Only a written `name:` is templated (not `include_role : {{ x }}`).
        let templated = task
            .name
            .as_deref()
            .is_some_and(crate::template::is_template);
        match hosts.first() {
            Some(h) if templated => {
                let vars = self.task_vars(prt, Some(task), scope, h, &Map::new());
                super::banner::render_name(&name, &vars)
            }
            _ => name,
        }
    }

    /// The hosts a handler runs on: with `force_handlers`, failed hosts
    /// too (their notifications were recorded before they failed).
    fn handler_hosts(&self, prt: &PlayRt, hosts: &[String]) -> Vec<String> {
        if !prt.force_handlers || prt.ended() {
            return self.active(prt, hosts);
        }
        let st = self.state();
        hosts
            .iter()
            .filter(|h| !st.unreachable.contains(*h) && st.hosts.get(*h).is_none_or(|s| !s.ended))
            .cloned()
            .collect()
    }

    pub(crate) fn run_items<'a>(
        self: &'a Arc<Self>,
        prt: &'a Arc<PlayRt>,
        items: &'a [Item],
        scope: &'a Scope,
        hosts: Vec<String>,
    ) -> Fut<'a> {
        Box::pin(async move {
            for item in items {
                if self.cancel.code().is_some() {
                    return;
                }
                let hosts = self.outside_ended_role(scope, hosts.clone());
                if self.active(prt, &hosts).is_empty() {
                    return;
                }
                match item {
                    Item::Task(t) => self.run_task(prt, t, scope, &hosts).await,
                    Item::Block(b) => self.run_block(prt, b, scope, &hosts).await,
                }
            }
        })
    }

    fn run_block<'a>(
        self: &'a Arc<Self>,
        prt: &'a Arc<PlayRt>,
        b: &'a Arc<Block>,
        scope: &'a Scope,
        hosts: &'a [String],
    ) -> Fut<'a> {
        Box::pin(async move {
            let mut inner = scope.child(&b.kw);
            // A block that starts a role invocation (its own `Role`, not
            // the one of the tasks around it).
            let enters_role = b.ctx.role.as_ref().filter(|r| {
                scope
                    .role
                    .as_ref()
                    .is_none_or(|outer| !Arc::ptr_eq(r, outer))
            });
            if b.ctx.role.is_some() {
                inner.role = b.ctx.role.clone();
            }
            let entered = self.active(prt, hosts);
            if entered.is_empty() {
                return;
            }
            let mut body = inner.clone();
            body.rescuable = scope.rescuable || !b.rescue.is_empty();
            self.run_items(prt, &b.block, &body, entered.clone()).await;
            let failed: Vec<String> = {
                let st = self.state();
                entered
                    .iter()
                    .filter(|h| st.hosts.get(*h).is_some_and(|s| s.failed))
                    .cloned()
                    .collect()
            };
            if !b.rescue.is_empty() && !failed.is_empty() && !prt.ended() {
                {
                    let mut st = self.state();
                    for h in &failed {
                        st.host(h).failed = false;
                    }
                }
                self.run_items(prt, &b.rescue, &inner, failed.clone()).await;
            }
            if !b.always.is_empty() && !prt.ended() {
                let still_failed: Vec<(String, u64)> = {
                    let mut st = self.state();
                    let f: Vec<String> = entered
                        .iter()
                        .filter(|h| st.hosts.get(*h).is_some_and(|s| s.failed))
                        .cloned()
                        .collect();
                    f.into_iter()
                        .map(|h| {
                            let hs = st.host(&h);
                            hs.failed = false;
                            let gen = hs.errors_cleared;
                            (h, gen)
                        })
                        .collect()
                };
                self.run_items(prt, &b.always, &inner, entered.clone())
                    .await;
                let mut st = self.state();
                for (h, gen) in &still_failed {
                    let hs = st.host(h);
                    // `meta: clear_host_errors` in `always:` forgives the failure.
                    if hs.errors_cleared == *gen {
                        hs.failed = true;
                    }
                }
            }
            if let Some(role) = enters_role {
                // `meta: end_role` lasts until the invocation it ended is over.
                let key = role_key(role);
                for hs in self.state().hosts.values_mut() {
                    hs.ended_roles.remove(&key);
                }
            }
        })
    }

    /// `hosts` without those for which `meta: end_role` ended the role
    /// invocation these items belong to.
    fn outside_ended_role(&self, scope: &Scope, hosts: Vec<String>) -> Vec<String> {
        let Some(role) = &scope.role else {
            return hosts;
        };
        let key = role_key(role);
        let st = self.state();
        hosts
            .into_iter()
            .filter(|h| {
                st.hosts
                    .get(h)
                    .is_none_or(|s| !s.ended_roles.contains(&key))
            })
            .collect()
    }

    fn tags_allow(&self, task: &Task, scope: &Scope) -> bool {
        let mut tags = scope.tags.clone();
        for t in &task.kw.tags {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        self.opts.tags.should_run(&tags)
    }

    /// `--start-at-task`: skip until the named task, then run everything.
    fn start_at_allows(&self, task: &Task) -> bool {
        if !self.start_at_pending.load(Ordering::SeqCst) {
            return true;
        }
        let want = self.opts.start_at_task.as_deref().unwrap_or_default();
        let names = [task.name.clone().unwrap_or_default(), task.display_name()];
        let matches = names
            .iter()
            .any(|n| n == want || glob::Pattern::new(want).is_ok_and(|p| p.matches(n)));
        if matches {
            self.start_at_pending.store(false, Ordering::SeqCst);
        }
        matches
    }

    async fn run_task(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Arc<Task>,
        scope: &Scope,
        hosts: &[String],
    ) {
        if !scope.handler && (!self.tags_allow(task, scope) || !self.start_at_allows(task)) {
            return;
        }
        let hosts = if scope.handler {
            self.handler_hosts(prt, hosts)
        } else {
            self.active(prt, hosts)
        };
        if hosts.is_empty() {
            return;
        }
        match task.short_action() {
            "include_tasks" | "include_role" => {
                return self.run_include(prt, task, scope, &hosts).await
            }
            "meta" => return self.run_meta(prt, task, scope, &hosts).await,
            _ => {}
        }
        let kind = if scope.handler {
            TaskKind::Handler
        } else {
            TaskKind::Task
        };
        // With `strategy: free` hosts reach a task at different times; its
        // banner is printed once, by the first.
        let first = !prt.free
            || prt
                .banners
                .lock()
                .expect("not poisoned")
                .insert(Arc::as_ptr(task) as usize);
        if first {
            self.cb
                .task_start(&self.banner_name(prt, task, scope, &hosts), kind);
        }
        if self.opts.step && !self.step_confirm(task) {
            return;
        }
        let run_once = scope
            .opt(&task.kw, "run_once")
            .and_then(parse_bool)
            .unwrap_or(false);
        // `pause` runs for the first host only, like a `run_once` task but
        // without handing its result to the others (ansible-core's
        // BYPASS_HOST_LOOP): one pause or prompt, not one per host.
        let bypass = crate::actions::bypasses_host_loop(task.short_action());
        let targets: Vec<String> = if run_once || bypass {
            hosts[..1].to_vec()
        } else {
            hosts.clone()
        };
        let throttle = scope
            .opt(&task.kw, "throttle")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let limit = match throttle {
            0 => self.opts.forks.max(1),
            t => t.min(self.opts.forks.max(1)),
        };
        let sem = Arc::new(tokio::sync::Semaphore::new(limit));
        let mut set = tokio::task::JoinSet::new();
        for (i, h) in targets.iter().enumerate() {
            let (me, prt, task, scope, h, sem) = (
                self.clone(),
                prt.clone(),
                task.clone(),
                scope.clone(),
                h.clone(),
                sem.clone(),
            );
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                // Interrupted while waiting for a fork: do not start.
                if me.cancel.code().is_some() {
                    return None;
                }
                let done = me.run_on_host(&prt, &task, &scope, &h).await;
                Some((i, h, done))
            });
        }
        let mut results: Vec<(usize, String, HostDone)> = Vec::new();
        loop {
            tokio::select! {
                next = set.join_next() => match next {
                    Some(Ok(Some(r))) => results.push(r),
                    Some(_) => {}
                    None => break,
                },
                _ = self.cancel.cancelled() => {
                    self.finish_in_flight(&mut set).await;
                    return;
                }
            }
        }
        results.sort_by_key(|r| r.0);
        if run_once {
            // The one result stands for every host: registered values and
            // set_fact/include_vars results are applied to all of them.
            if let Some((_, _, done)) = results.first() {
                let short = self
                    .loader
                    .registry()
                    .get(&task.action)
                    .map(|m| m.spec().name)
                    .unwrap_or("");
                let facts = done
                    .registered
                    .get("ansible_facts")
                    .and_then(Value::as_object)
                    .cloned();
                let ok = done.registered.get("failed").and_then(Value::as_bool) != Some(true);
                let mut st = self.state();
                for h in &hosts[1..] {
                    let hs = st.host(h);
                    if let Some(reg) = &task.register {
                        hs.set_facts
                            .insert(reg.clone(), Value::Object(done.registered.clone()));
                    }
                    if let (Some(f), true) = (&facts, ok) {
                        match short {
                            "set_fact" => hs.set_facts.extend(f.clone()),
                            "include_vars" => hs.include_vars.extend(f.clone()),
                            _ => hs.facts.extend(f.clone()),
                        }
                    }
                }
            }
        }
        let failed_now: Vec<&String> = results
            .iter()
            .filter(|r| r.2.failed_hard)
            .map(|r| &r.1)
            .collect();
        // A task that ran once for every host fails every host (ansible-core
        // treats run_once and BYPASS_HOST_LOOP tasks as any_errors_fatal).
        let fatal = run_once
            || bypass
            || scope
                .opt(&task.kw, "any_errors_fatal")
                .and_then(parse_bool)
                .unwrap_or(prt.any_errors_fatal);
        if !failed_now.is_empty() && fatal && !scope.rescuable {
            // Every host of the batch fails here: their `always:` sections
            // still run, nothing else does (ansible-core's any_errors_fatal).
            let mut st = self.state();
            for h in &prt.batch {
                st.host(h).failed = true;
            }
        }
        if let Some(pct) = prt.max_fail_percentage {
            let st = self.state();
            let failed = prt
                .batch
                .iter()
                .filter(|h| {
                    st.hosts.get(*h).is_some_and(|s| s.failed) || st.unreachable.contains(*h)
                })
                .count();
            drop(st);
            if (failed as f64) * 100.0 / (prt.batch.len().max(1) as f64) > pct {
                prt.end_play.store(true, Ordering::SeqCst);
                // ansible-core announces it from the strategy and again from the play.
                if !prt.no_hosts_reported.swap(true, Ordering::SeqCst) {
                    self.reporter_banner("NO MORE HOSTS LEFT");
                    self.reporter_banner("NO MORE HOSTS LEFT");
                }
            }
        }
    }

    fn step_confirm(&self, task: &Task) -> bool {
        use std::io::{BufRead, Write};
        let mut out = std::io::stdout();
        let _ = write!(
            out,
            "Perform task: TASK: {} (N)o/(y)es/(c)ontinue: ",
            task.display_name()
        );
        let _ = out.flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        matches!(line.trim(), "y" | "yes" | "c" | "continue")
    }

    /// `meta:` acts on the run, once, for the hosts whose `when` holds.
    async fn run_meta(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Arc<Task>,
        scope: &Scope,
        hosts: &[String],
    ) {
        let kind = if scope.handler {
            TaskKind::Handler
        } else {
            TaskKind::Task
        };
        let what = task
            .args
            .get("_raw_params")
            .and_then(Value::as_str)
            .and_then(MetaAction::parse)
            .unwrap_or(MetaAction::Noop);
        // ansible-core's linear strategy runs these once per host (a
        // banner each); the others once, for the first host's condition.
        let per_host = matches!(
            what,
            MetaAction::Noop
                | MetaAction::EndHost
                | MetaAction::FlushHandlers
                | MetaAction::ResetConnection
                | MetaAction::EndRole
        ) && !prt.free;
        let judged: &[String] = if per_host || prt.free {
            hosts
        } else {
            &hosts[..hosts.len().min(1)]
        };
        if !per_host {
            self.cb
                .task_start(&self.banner_name(prt, task, scope, hosts), kind);
        }
        let mut selected = Vec::new();
        for h in judged {
            if per_host {
                self.cb.task_start(
                    &self.banner_name(prt, task, scope, std::slice::from_ref(h)),
                    kind,
                );
            }
            let vars = self.task_vars(prt, Some(task), scope, h, &Map::new());
            let ok = all_conditions(scope.when.iter().chain(&task.kw.when), &vars);
            match ok {
                Ok(true) => selected.push(h.clone()),
                Ok(false) if what == MetaAction::Noop => {}
                Ok(false) => self.meta_skipped(task, h),
                Err(e) => self.fail_host(prt, task, scope, h, &e.msg),
            }
        }
        // Run once for the first host, they act on every host.
        if !per_host && !selected.is_empty() {
            selected = hosts.to_vec();
        }
        if selected.is_empty() {
            return;
        }
        match what {
            MetaAction::FlushHandlers => self.flush_handlers(prt, scope).await,
            MetaAction::EndPlay => prt.end_play.store(true, Ordering::SeqCst),
            MetaAction::EndHost | MetaAction::EndBatch => {
                let mut st = self.state();
                let targets = if what == MetaAction::EndBatch {
                    prt.batch.clone()
                } else {
                    selected
                };
                for h in targets {
                    st.host(&h).ended = true;
                }
            }
            MetaAction::ClearFacts => {
                let mut st = self.state();
                for h in selected {
                    st.host(&h).facts.clear();
                }
            }
            MetaAction::ClearHostErrors => {
                let mut st = self.state();
                for h in &prt.batch {
                    let hs = st.host(h);
                    hs.failed = false;
                    hs.errors_cleared += 1;
                    st.failed_hosts.remove(h);
                }
            }
            MetaAction::EndRole => {
                // The loader refuses end_role outside a role.
                if let Some(role) = &scope.role {
                    let mut st = self.state();
                    for h in selected {
                        st.host(&h).ended_roles.insert(role_key(role));
                    }
                }
            }
            MetaAction::Noop | MetaAction::RefreshInventory | MetaAction::ResetConnection => {}
        }
    }

    /// `skipping: [host]` of a meta task whose condition is false (not
    /// counted in the recap, as in ansible-core).
    fn meta_skipped(&self, task: &Task, host: &str) {
        let result = json!({"changed": false, "skipped": true});
        self.cb.host_result(&controller_event(
            task,
            host,
            Status::Skipped,
            result.as_object().cloned().unwrap_or_default(),
        ));
    }

    pub(crate) fn fail_host(
        &self,
        _prt: &PlayRt,
        task: &Task,
        scope: &Scope,
        host: &str,
        msg: &str,
    ) {
        let result = json!({"failed": true, "msg": msg, "changed": false});
        self.cb.host_result(&controller_event(
            task,
            host,
            Status::Failed,
            result.as_object().cloned().unwrap_or_default(),
        ));
        count_failure(&mut self.state(), task, host, result, scope.rescuable);
    }

    /// `include_tasks` / `include_role`: per host, decide (when, loop),
    /// load the file, then run its tasks for the hosts that included it.
    async fn run_include(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Arc<Task>,
        scope: &Scope,
        hosts: &[String],
    ) {
        self.cb.task_start(
            &self.banner_name(prt, task, scope, hosts),
            if scope.handler {
                TaskKind::Handler
            } else {
                TaskKind::Task
            },
        );
        // (key, path or role name, include params, item label) -> hosts
        let mut groups: Vec<(IncludePlan, Vec<String>)> = Vec::new();
        for h in hosts {
            match self.include_plan(prt, task, scope, h) {
                Ok(plans) => {
                    if plans.is_empty() {
                        self.report_skip(prt, task, scope, h);
                    }
                    for plan in plans {
                        match groups.iter_mut().find(|g| g.0 == plan) {
                            Some(g) => g.1.push(h.clone()),
                            None => groups.push((plan, vec![h.clone()])),
                        }
                    }
                }
                Err(e) => self.fail_host(prt, task, scope, h, &e),
            }
        }
        let mut loaded_groups = Vec::new();
        for ((target, params, label), group_hosts) in groups {
            let is_role = task.short_action() == "include_role";
            let loaded = if is_role {
                let mut req = crate::playbook::RoleRequest::named(&target);
                let s = |k: &str| task.args.get(k).and_then(Value::as_str).map(str::to_string);
                req.tasks_from = s("tasks_from").unwrap_or_else(|| "main".into());
                req.vars_from = s("vars_from").unwrap_or_else(|| "main".into());
                req.defaults_from = s("defaults_from").unwrap_or_else(|| "main".into());
                req.handlers_from = s("handlers_from").unwrap_or_else(|| "main".into());
                self.loader.include_role(&req, &task.ctx, &task.pos).map(
                    |(item, handlers, roles)| {
                        prt.handlers.lock().expect("not poisoned").extend(handlers);
                        prt.roles.lock().expect("not poisoned").extend(roles);
                        vec![item]
                    },
                )
            } else {
                self.loader
                    .include_tasks(std::path::Path::new(&target), task.ctx.role.clone())
            };
            match loaded {
                Ok(items) => {
                    self.cb.included(&target, &group_hosts, label.as_deref());
                    let mut st = self.state();
                    for h in &group_hosts {
                        st.stats(h).ok += 1;
                    }
                    drop(st);
                    loaded_groups.push((items, params, group_hosts));
                }
                Err(d) => {
                    for h in &group_hosts {
                        self.fail_host(prt, task, scope, h, &d.render());
                    }
                }
            }
        }
        // `apply:` keywords wrap the included tasks like a block's.
        let apply = task
            .args
            .get("apply")
            .map(crate::playbook::apply_keywords)
            .unwrap_or_default();
        for (items, params, group_hosts) in loaded_groups {
            let mut inner = scope.clone();
            inner.block_vars.extend(task.kw.vars.clone());
            inner.include_params.extend(params);
            for (k, v) in &task.kw.opts {
                inner.opts.insert(k.clone(), v.clone());
            }
            if let Some(md) = task.kw.opts.get("module_defaults") {
                inner.module_defaults.push(md.clone());
            }
            let inner = inner.child(&apply);
            self.run_items(prt, &items, &inner, group_hosts).await;
        }
    }

    /// The includes a host makes: (file path or role name, params, item label).
    fn include_plan(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Arc<Task>,
        scope: &Scope,
        host: &str,
    ) -> Result<Vec<IncludePlan>, String> {
        let items: Vec<Option<(Value, Map<String, Value>)>> = match &task.loop_ {
            None => vec![None],
            Some(_) => {
                let vars = self.task_vars(prt, Some(task), scope, host, &Map::new());
                let all = self.loop_items(task, &vars)?;
                all.iter()
                    .enumerate()
                    .map(|(i, it)| Some((it.clone(), self.loop_vars(task, &all, i, &vars))))
                    .collect()
            }
        };
        let mut out = Vec::new();
        let n = items.len();
        for (i, it) in items.into_iter().enumerate() {
            let mut extra = it.as_ref().map(|x| x.1.clone()).unwrap_or_default();
            if let Some(Value::Object(lv)) = extra.get("ansible_loop").cloned() {
                let mut lv = lv;
                lv.insert("length".into(), n.into());
                extra.insert("ansible_loop".into(), Value::Object(lv));
            }
            let _ = i;
            let vars = self.task_vars(prt, Some(task), scope, host, &extra);
            let ok =
                all_conditions(scope.when.iter().chain(&task.kw.when), &vars).map_err(|e| e.msg)?;
            if !ok {
                continue;
            }
            let args =
                render_value_in(&Value::Object(task.args.clone()), &vars).map_err(|e| e.msg)?;
            let args = args.as_object().cloned().unwrap_or_default();
            let target = if task.short_action() == "include_role" {
                args.get("name")
                    .or_else(|| args.get("role"))
                    .and_then(Value::as_str)
                    .ok_or("include_role needs a `name`")?
                    .to_string()
            } else {
                let file = args
                    .get("file")
                    .and_then(Value::as_str)
                    .ok_or("include_tasks needs a file")?;
                self.loader
                    .resolve_task_file(file, &task.ctx)
                    .ok_or_else(|| format!("Could not find or access '{file}'"))?
                    .display()
                    .to_string()
            };
            let mut params = Map::new();
            if let Some((_, lv)) = &it {
                params.extend(lv.clone());
            }
            if task.short_action() == "include_tasks" {
                for (k, v) in &args {
                    if k != "file" && k != "apply" {
                        params.insert(k.clone(), v.clone());
                    }
                }
            }
            let label = it.map(|(item, _)| self.item_label(task, &item, &vars));
            out.push((target, params, label));
        }
        Ok(out)
    }

    fn report_skip(
        self: &Arc<Self>,
        prt: &Arc<PlayRt>,
        task: &Arc<Task>,
        scope: &Scope,
        host: &str,
    ) {
        let vars = self.task_vars(prt, Some(task), scope, host, &Map::new());
        let cond = scope
            .when
            .iter()
            .chain(&task.kw.when)
            .find(|c| matches!(condition(c, &vars), Ok(false)))
            .cloned()
            .unwrap_or(Value::Bool(false));
        let result = json!({"changed": false, "skipped": true, "skip_reason": "Conditional result was False", "false_condition": cond});
        self.cb.host_result(&controller_event(
            task,
            host,
            Status::Skipped,
            result.as_object().cloned().unwrap_or_default(),
        ));
        self.state().stats(host).skipped += 1;
    }

    /// Interrupted: tasks already running on a host may finish (each
    /// reports its result) until a second signal or the end of the grace
    /// period; then the rest are dropped, which kills their local commands
    /// and closes their ssh sessions.
    async fn finish_in_flight<T: 'static>(&self, set: &mut tokio::task::JoinSet<T>) {
        let drain = async { while set.join_next().await.is_some() {} };
        tokio::select! {
            _ = drain => {}
            _ = self.cancel.forced() => {}
        }
        set.abort_all();
        while set.join_next().await.is_some() {}
    }

    /// Run the notified handlers, in the order they are defined.
    pub(crate) fn flush_handlers<'a>(
        self: &'a Arc<Self>,
        prt: &'a Arc<PlayRt>,
        scope: &'a Scope,
    ) -> Fut<'a> {
        Box::pin(async move {
            loop {
                let pending: Vec<(usize, Vec<String>)> =
                    std::mem::take(&mut *prt.notified.lock().expect("not poisoned"));
                if pending.is_empty() || self.cancel.code().is_some() {
                    return;
                }
                let handlers = prt.handlers.lock().expect("not poisoned").clone();
                let mut order: Vec<(usize, Vec<String>)> = Vec::new();
                for (idx, hosts) in pending {
                    match order.iter_mut().find(|o| o.0 == idx) {
                        Some(o) => o.1.extend(
                            hosts
                                .into_iter()
                                .filter(|h| !o.1.contains(h))
                                .collect::<Vec<_>>(),
                        ),
                        None => order.push((idx, hosts)),
                    }
                }
                order.sort_by_key(|o| o.0);
                for (idx, hosts) in order {
                    let Some(h) = handlers.get(idx) else { continue };
                    let mut hs = Scope {
                        handler: true,
                        ..scope.clone()
                    };
                    hs.role = h.ctx.role.clone();
                    hs.rescuable = false;
                    self.run_task(prt, h, &hs, &hosts).await;
                }
            }
        })
    }

    /// Record `notify:` of a changed task for `host`.
    pub(crate) fn notify(&self, prt: &PlayRt, task: &Task, host: &str) -> Result<(), String> {
        let handlers = prt.handlers.lock().expect("not poisoned").clone();
        for name in &task.notify {
            let matches: Vec<usize> = handlers
                .iter()
                .enumerate()
                .filter(|(_, h)| {
                    h.name.as_deref() == Some(name)
                        || h.display_name() == *name
                        || h.listen.contains(name)
                })
                .map(|(i, _)| i)
                .collect();
            if matches.is_empty() {
                return Err(format!("The requested handler '{name}' was not found in either the main handlers list nor in the listening handlers list"));
            }
            let mut n = prt.notified.lock().expect("not poisoned");
            for i in matches {
                match n.iter_mut().find(|e| e.0 == i) {
                    Some(e) if !e.1.iter().any(|x| x == host) => e.1.push(host.to_string()),
                    Some(_) => {}
                    None => n.push((i, vec![host.to_string()])),
                }
            }
        }
        Ok(())
    }
}
