//! The executor: plays, batches, the linear and free strategies, tasks on
//! many hosts at once (bounded by `forks`), handlers, blocks.

mod async_task;
mod banner;
mod cancel;
mod conn;
mod host;
mod loop_batch;
mod loop_script;
mod loops;
mod play;
pub(crate) mod prompt;
mod scope;
mod serial;
mod state;
mod vars;
mod walk;

pub use cancel::{Cancel, DEFAULT_INTERRUPT_GRACE};
pub use conn::{ConnectionFactory, NoRemoteTransport, SshFactory};
pub use serial::batches;

use crate::inventory_view::InventoryView;
use crate::output::{Callback, Reporter, Stats};
use crate::playbook::{Loader, Playbook, TagFilter};
use serde_json::{Map, Value};
use state::RunState;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The run's settings (the command line).
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub forks: usize,
    pub check: bool,
    pub diff: bool,
    pub verbosity: u8,
    pub tags: TagFilter,
    pub limit: Option<String>,
    pub extra_vars: Map<String, Value>,
    pub start_at_task: Option<String>,
    pub r#become: bool,
    pub become_user: Option<String>,
    pub become_method: Option<String>,
    /// From `-K`; never printed.
    pub become_pass: Option<String>,
    pub remote_user: Option<String>,
    pub connection: Option<String>,
    pub private_key: Option<String>,
    pub timeout: Option<u64>,
    /// stdin/stdout are a terminal (`pause` prompts, `--step`).
    pub interactive: bool,
    pub step: bool,
    /// `--force-handlers`: notified handlers run even on hosts that failed.
    pub force_handlers: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            forks: 50,
            check: false,
            diff: false,
            verbosity: 0,
            tags: TagFilter::default(),
            limit: None,
            extra_vars: Map::new(),
            start_at_task: None,
            r#become: false,
            become_user: None,
            become_method: None,
            become_pass: None,
            remote_user: None,
            connection: None,
            private_key: None,
            timeout: None,
            interactive: false,
            step: false,
            force_handlers: false,
        }
    }
}

/// How the run ended.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub stats: Stats,
    /// 0 ok, 1 error, 2 a host failed, 4 a host unreachable, 130/143 interrupted.
    pub exit_code: i32,
}

pub struct Executor {
    pub(crate) loader: Arc<Loader>,
    pub(crate) inventory: Arc<dyn InventoryView>,
    pub(crate) opts: RunOptions,
    pub(crate) cb: Arc<dyn Callback>,
    pub(crate) reporter: Arc<Reporter>,
    pub(crate) factory: Arc<dyn ConnectionFactory>,
    pub(crate) state: Mutex<RunState>,
    pub(crate) pool: conn::Pool,
    pub(crate) cancel: Cancel,
    pub(crate) start_at_pending: AtomicBool,
    /// Set when a play ran out of hosts: later plays do not run.
    pub(crate) stop_all: AtomicBool,
    /// `group_vars/`, `host_vars/` next to the playbook, per host.
    pub(crate) pb_vars_cache: Mutex<std::collections::HashMap<String, PlaybookDirVars>>,
}

/// A host's (group vars, host vars) read from next to the playbook.
pub(crate) type PlaybookDirVars = (Map<String, Value>, Map<String, Value>);

impl Executor {
    pub fn new(
        loader: Arc<Loader>,
        inventory: Arc<dyn InventoryView>,
        opts: RunOptions,
        cb: Arc<dyn Callback>,
        reporter: Arc<Reporter>,
        factory: Arc<dyn ConnectionFactory>,
    ) -> Arc<Self> {
        let start_at = opts.start_at_task.is_some();
        // Local modules run in the playbook's directory, as in ansible-core.
        let pool = match loader.playbook_dir().canonicalize() {
            Ok(dir) if !loader.playbook_dir().as_os_str().is_empty() => conn::Pool::in_dir(dir),
            _ => conn::Pool::default(),
        };
        Arc::new(Executor {
            loader,
            inventory,
            opts,
            cb,
            reporter,
            factory,
            state: Mutex::new(RunState::default()),
            pool,
            cancel: Cancel::default(),
            start_at_pending: AtomicBool::new(start_at),
            stop_all: AtomicBool::new(false),
            pb_vars_cache: Mutex::new(Default::default()),
        })
    }

    pub fn cancel_handle(&self) -> Cancel {
        self.cancel.clone()
    }

    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, RunState> {
        self.state.lock().expect("run state is never poisoned")
    }

    /// Run every play of a playbook, print the recap, close connections.
    pub async fn run(self: &Arc<Self>, playbook: &Playbook) -> RunOutcome {
        let mut fatal_error = false;
        for p in &playbook.plays {
            if self.cancel.code().is_some() || self.stop_all.load(Ordering::SeqCst) {
                break;
            }
            if let Err(e) = self.run_play(p.clone()).await {
                self.cb.error(&e);
                fatal_error = true;
                break;
            }
        }
        self.pool.close_all().await;
        let (stats, unreachable, failed) = {
            let st = self.state();
            // ansible-core's recap lists hosts sorted by name.
            let mut stats = st.stats.clone();
            stats.sort_keys();
            (
                stats,
                !st.unreachable.is_empty(),
                !st.failed_hosts.is_empty(),
            )
        };
        self.cb.recap(&stats);
        self.cb.finish();
        // Like ansible-playbook, the exit code reflects hosts still failed
        // at the end (`meta: clear_host_errors` forgives), not the counters.
        let exit_code = match self.cancel.code() {
            Some(c) => c,
            None if fatal_error => 1,
            None if unreachable => 4,
            None if failed => 2,
            None => 0,
        };
        RunOutcome { stats, exit_code }
    }
}
