//! One play: pick its hosts, split them into batches, gather facts, run
//! the sections and their handlers.

use super::scope::Scope;
use super::Executor;
use crate::playbook::{Diagnostic, FileCtx, Item, Keywords, Play, Role, Task};
use crate::template::{render_value_in, LazyVars, VarMap, VarValue};
use crate::vars::MagicVars;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A play while it runs on one batch.
pub struct PlayRt {
    pub play: Arc<Play>,
    pub vars_files: Map<String, Value>,
    pub magic: MagicVars,
    pub handlers: Mutex<Vec<Arc<Task>>>,
    /// (handler index, hosts) in notification order.
    pub notified: Mutex<Vec<(usize, Vec<String>)>>,
    pub roles: Mutex<Vec<Arc<Role>>>,
    pub end_play: AtomicBool,
    pub batch: Vec<String>,
    pub any_errors_fatal: bool,
    pub max_fail_percentage: Option<f64>,
    pub free: bool,
    /// `force_handlers` (play keyword or `--force-handlers`).
    pub force_handlers: bool,
    pub no_hosts_reported: AtomicBool,
    /// Tasks whose banner was printed (`strategy: free`).
    pub banners: Mutex<std::collections::HashSet<usize>>,
}

impl PlayRt {
    pub fn ended(&self) -> bool {
        self.end_play.load(Ordering::SeqCst)
    }
}

fn truthy(v: Option<&Value>, default: bool) -> bool {
    match v {
        None => default,
        Some(v) => parse_bool(v).unwrap_or(default),
    }
}

pub fn parse_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_f64() != Some(0.0)),
        Value::String(s) => match s.to_ascii_lowercase().trim() {
            "yes" | "y" | "true" | "t" | "on" | "1" => Some(true),
            "no" | "n" | "false" | "f" | "off" | "0" | "" => Some(false),
            _ => None,
        },
        Value::Null => Some(false),
        _ => None,
    }
}

impl Executor {
    /// Vars available where no host is known yet (`hosts:`, `vars_files:`).
    pub(crate) fn play_level_vars(&self, play: &Play) -> Arc<LazyVars> {
        let mut m = VarMap::new();
        for (k, v) in &play.kw.vars {
            m.insert(k.clone(), VarValue::raw(v.clone()));
        }
        for (k, v) in &self.opts.extra_vars {
            m.insert(k.clone(), VarValue::raw(v.clone()));
        }
        let groups = self.inventory.groups();
        m.insert(
            "groups".into(),
            VarValue::literal(serde_json::to_value(&groups).unwrap_or_default()),
        );
        m.insert(
            "playbook_dir".into(),
            VarValue::literal(Value::String(
                self.loader.playbook_dir().display().to_string(),
            )),
        );
        LazyVars::new(m, Default::default())
    }

    fn play_hosts(&self, play: &Play) -> Result<Vec<String>, String> {
        let vars = self.play_level_vars(play);
        let pattern =
            match render_value_in(&play.hosts, &vars).map_err(|e| format!("{}: {e}", play.pos))? {
                Value::Array(a) => a
                    .iter()
                    .map(|v| v.as_str().map(str::to_string).unwrap_or(v.to_string()))
                    .collect::<Vec<_>>()
                    .join(","),
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            };
        let mut hosts = self.inventory.select(&pattern)?;
        if pattern.split([',', ':']).any(|p| p.trim() == "localhost")
            && !hosts.iter().any(|h| h == "localhost")
        {
            hosts.push("localhost".into());
        }
        if let Some(limit) = &self.opts.limit {
            let allowed = self.inventory.select(limit)?;
            hosts.retain(|h| {
                allowed.contains(h)
                    || (h == "localhost"
                        && limit.split([',', ':']).any(|p| p.trim() == "localhost"))
            });
        }
        let st = self.state();
        hosts.retain(|h| !st.failed_hosts.contains(h) && !st.unreachable.contains(h));
        drop(st);
        match play
            .order
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or("inventory")
        {
            "sorted" => hosts.sort(),
            "reverse_sorted" => {
                hosts.sort();
                hosts.reverse()
            }
            "reverse_inventory" => hosts.reverse(),
            _ => {}
        }
        Ok(hosts)
    }

    /// The play's `vars_files`, merged; errors read like Ansible's
    /// (message, `Origin:` and the source lines).
    fn load_vars_files(&self, play: &Play) -> Result<Map<String, Value>, String> {
        let vars = self.play_level_vars(play);
        let mut out = Map::new();
        for (entry, pos) in &play.vars_files {
            let candidates: Vec<Value> = match entry {
                Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            let mut loaded = false;
            for c in &candidates {
                let name = match render_value_in(c, &vars)
                    .map_err(|e| Diagnostic::new(e.msg, pos).render_origin())?
                {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let path = play.ctx.dir().join(&name);
                if path.is_file() {
                    let file_vars = self
                        .loader
                        .vars_file(&path)
                        .map_err(|d| d.render_origin())?;
                    out.extend(file_vars);
                    loaded = true;
                    break;
                }
            }
            if !loaded {
                let d = Diagnostic::new(
                    format!(
                        "Could not find or access the vars file {}.",
                        Value::Array(candidates)
                    ),
                    pos,
                )
                .hint(Some(format!("Searched in {}.", play.ctx.dir().display())));
                return Err(d.render_origin());
            }
        }
        Ok(out)
    }

    pub(crate) async fn run_play(self: &Arc<Self>, play: Arc<Play>) -> Result<(), String> {
        let play = if play.vars_prompt.is_empty() {
            play
        } else {
            let mut with_answers = (*play).clone();
            with_answers.kw.vars.extend(self.prompt_vars(&play)?);
            Arc::new(with_answers)
        };
        let hosts = self.play_hosts(&play)?;
        if hosts.is_empty() {
            self.cb.play_start(&play.display_name());
            self.cb.no_hosts();
            return Ok(());
        }
        {
            let mut st = self.state();
            // A host enters the recap with its first counted result (a
            // host that only met `meta: end_host` is not listed).
            for h in &hosts {
                let hs = st.host(h);
                hs.failed = false;
                hs.ended = false;
            }
        }
        let vars_files = self.load_vars_files(&play)?;
        let batches = super::serial::batches(&hosts, play.serial.as_ref())
            .map_err(|e| format!("{}: {e}", play.pos))?;
        let any_errors_fatal = truthy(play.kw.opts.get("any_errors_fatal"), false);
        let max_fail = play.max_fail_percentage.as_ref().and_then(|v| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim_end_matches('%').parse().ok(),
            _ => None,
        });
        let free = play.strategy.as_ref().and_then(Value::as_str) == Some("free");
        // The play keyword wins, even `false` over `--force-handlers`
        // (ansible-core: the CLI flag and ansible.cfg are its default).
        let force_handlers = truthy(play.force_handlers.as_ref(), self.opts.force_handlers);
        for batch in batches {
            if self.cancel.code().is_some() {
                break;
            }
            self.cb.play_start(&play.display_name());
            let magic = MagicVars {
                groups: self.inventory.groups(),
                // `order:` changes the run order, not these lists.
                play_hosts_all: self.inventory_order(&hosts),
                play_hosts: self.inventory_order(&batch),
                play_batch: self.inventory_order(&batch),
                playbook_dir: self.loader.playbook_dir().display().to_string(),
                play_name: play.display_name(),
                check_mode: self.opts.check,
                diff_mode: self.opts.diff,
                verbosity: self.opts.verbosity,
                forks: self.opts.forks,
                run_tags: self.opts.tags.only.clone(),
                skip_tags: self.opts.tags.skip.clone(),
                shared_cache: Default::default(),
            };
            let prt = Arc::new(PlayRt {
                play: play.clone(),
                vars_files: vars_files.clone(),
                magic,
                handlers: Mutex::new(play.handlers.clone()),
                notified: Mutex::new(Vec::new()),
                roles: Mutex::new(play.roles.clone()),
                end_play: AtomicBool::new(false),
                batch: batch.clone(),
                any_errors_fatal,
                max_fail_percentage: max_fail,
                free,
                force_handlers,
                no_hosts_reported: AtomicBool::new(false),
                banners: Mutex::new(Default::default()),
            });
            self.run_batch(&prt).await;
            let st = self.state();
            let remaining = batch
                .iter()
                .filter(|h| {
                    !st.unreachable.contains(*h) && st.hosts.get(*h).is_none_or(|s| !s.failed)
                })
                .count();
            drop(st);
            if prt.ended() {
                break;
            }
            if remaining == 0 {
                self.stop_all.store(true, Ordering::SeqCst);
                break;
            }
        }
        let mut st = self.state();
        for h in &hosts {
            if st.hosts.get(h).is_some_and(|s| s.failed) {
                st.failed_hosts.insert(h.clone());
            }
        }
        Ok(())
    }

    /// Hosts in inventory order (hosts not in the inventory, such as the
    /// implicit localhost, last).
    fn inventory_order(&self, hosts: &[String]) -> Vec<String> {
        let all = self.inventory.hosts();
        let mut out = hosts.to_vec();
        out.sort_by_key(|h| all.iter().position(|x| x == h).unwrap_or(usize::MAX));
        out
    }

    pub(crate) fn reporter_banner(&self, msg: &str) {
        let stars = 79usize.saturating_sub(msg.len()).max(3);
        self.cb.raw(&format!("\n{msg} {}\n", "*".repeat(stars)));
    }

    async fn run_batch(self: &Arc<Self>, prt: &Arc<PlayRt>) {
        let play = &prt.play;
        // Play vars are their own layer, not block vars.
        let play_kw = crate::playbook::Keywords {
            vars: Map::new(),
            ..play.kw.clone()
        };
        let scope = Scope::default().child(&play_kw);
        if truthy(play.gather_facts.as_ref(), true) {
            let task = gather_task(play);
            self.run_items(prt, &[task], &scope, prt.batch.clone())
                .await;
        }
        for section in [&play.pre_tasks, &play.tasks, &play.post_tasks] {
            if prt.ended() || self.cancel.code().is_some() {
                break;
            }
            if prt.free {
                // `strategy: free`: every host walks the section on its own.
                let mut set = tokio::task::JoinSet::new();
                for h in prt.batch.clone() {
                    let (me, prt, scope, section) =
                        (self.clone(), prt.clone(), scope.clone(), section.clone());
                    set.spawn(async move { me.run_items(&prt, &section, &scope, vec![h]).await });
                }
                while set.join_next().await.is_some() {}
            } else {
                self.run_items(prt, section, &scope, prt.batch.clone())
                    .await;
            }
            self.flush_handlers(prt, &scope).await;
        }
    }
}

/// The implicit "Gathering Facts" task.
fn gather_task(play: &Play) -> Item {
    let mut args = Map::new();
    if let Some(s) = play.kw.opts.get("gather_subset") {
        args.insert("gather_subset".into(), s.clone());
    }
    let kw = Keywords {
        tags: vec!["always".into()],
        ..Default::default()
    };
    Item::Task(Arc::new(Task {
        name: Some("Gathering Facts".into()),
        action: "setup".into(),
        args,
        kw,
        loop_: None,
        loop_control: Map::new(),
        register: None,
        until: None,
        retries: None,
        delay: None,
        changed_when: None,
        failed_when: None,
        notify: vec![],
        listen: vec![],
        pos: play.pos.clone(),
        ctx: Arc::new(FileCtx {
            file: play.ctx.file.clone(),
            role: None,
        }),
    }))
}
