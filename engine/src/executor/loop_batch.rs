//! Loop batching: the items of a loop whose module needs one command per
//! run ([`Module::single_exec`](crate::module::Module::single_exec)) reach
//! the host in ONE round trip instead of one per item. On the target the
//! items still run one after another, in order, each with its own stdin,
//! environment and directory, and every item runs whatever the earlier
//! ones returned (Ansible runs all items of a loop; the task fails at the
//! end if one did).
//!
//! How: the controller-side part of every item (its `when`, templating,
//! the module's `run`) runs concurrently, each item under a task-local
//! [`ItemSlot`]. The executor's connection is then a [`BatchedConn`]
//! that parks the item's one request. Once every item has either parked
//! its request or finished without one, the parked requests go out as one
//! script (see `loop_script`), and each item's `run` gets its own output
//! back and builds its outcome exactly as if it had run alone. The results
//! are printed afterwards, in item order, as before.
//!
//! `SRPLAY_LOOP_BATCH=0` turns batching off (differential tests, or a
//! command whose `delta` must be its own: a batched item's `start`, `end`
//! and `delta` span the whole batch).

use super::loop_script;
use crate::connection::{
    Become, Connection, ConnectionError, ExecOutput, ExecRequest, FileAttrs, PutSource,
};
use crate::playbook::Task;
use async_trait::async_trait;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use tokio::sync::oneshot;

/// The switch: `0`, `false`, `no` or `off` disable batching.
pub const DISABLE_ENV: &str = "SRPLAY_LOOP_BATCH";

pub(crate) fn enabled() -> bool {
    !matches!(
        std::env::var(DISABLE_ENV).as_deref(),
        Ok("0" | "false" | "no" | "off")
    )
}

impl super::Executor {
    /// A loop may be batched when its module runs one command per item and
    /// nothing has to happen between items on the controller: no retries
    /// (`until`), no `loop_control.pause`, and no `delegate_to`.
    pub(super) fn can_batch_loop(
        &self,
        scope: &super::scope::Scope,
        task: &Task,
        items: usize,
        pause: f64,
    ) -> bool {
        items > 1
            && pause <= 0.0
            // each item may delegate elsewhere (`delegate_to` is per item)
            && scope.opt(&task.kw, "delegate_to").is_none()
            && task.until.is_none()
            && enabled()
            && self
                .loader
                .registry()
                .get(&task.action)
                .is_some_and(|m| m.single_exec())
    }

    /// Whether a batched loop's items may run inline in the batch script
    /// ([`loop_script::Item::Inline`]): those of the built-in `command` and
    /// `shell`, whose one exec is srplay's own shell code and quoted words
    /// ending in `exec` (or a builtin). Only built-ins are batched at all
    /// (plugin modules do not declare `single_exec`), so the name is
    /// enough.
    pub(super) fn inline_loop(&self, task: &Task) -> bool {
        self.loader
            .registry()
            .get(&task.action)
            .is_some_and(|m| m.single_exec() && INLINE_MODULES.contains(&m.spec().name))
    }
}

/// Modules whose batched items run inline.
const INLINE_MODULES: [&str; 2] = ["command", "shell"];

tokio::task_local! {
    static ITEM: ItemSlot;
}

/// Which batch, and which item of it, the current future works for.
#[derive(Clone)]
struct ItemSlot {
    batch: Arc<Batch>,
    index: usize,
}

/// The connection a module should use: inside a batched loop item, one
/// that parks the item's command; otherwise `conn` itself.
pub(crate) fn wrap(conn: Arc<dyn Connection>) -> Arc<dyn Connection> {
    match ITEM.try_with(Clone::clone) {
        Ok(slot) => Arc::new(BatchedConn { slot, inner: conn }),
        Err(_) => conn,
    }
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Run `n` loop items' futures (from `item`) as one batch; results in
/// item order. `inline`: the items' commands may run inline in the batch
/// script (see [`super::Executor::inline_loop`]).
pub(crate) async fn run_items<'a, T: Send + 'a>(
    n: usize,
    inline: bool,
    item: impl Fn(usize) -> BoxFut<'a, T>,
) -> Vec<T> {
    let batch = Arc::new(Batch::new(n, inline));
    let futs: Vec<BoxFut<'a, T>> = (0..n)
        .map(|index| {
            let slot = ItemSlot {
                batch: batch.clone(),
                index,
            };
            let fut = ITEM.scope(slot, item(index));
            let batch = batch.clone();
            Box::pin(async move {
                let r = fut.await;
                batch.finished(index).await;
                r
            }) as BoxFut<'a, T>
        })
        .collect();
    join_in_order(futs).await
}

/// Poll all futures until each is done (no `futures` crate needed).
async fn join_in_order<T>(futs: Vec<BoxFut<'_, T>>) -> Vec<T> {
    let mut futs: Vec<Option<BoxFut<'_, T>>> = futs.into_iter().map(Some).collect();
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, done) in futs.iter_mut().zip(out.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        *done = Some(v);
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

type Reply = Result<ExecOutput, ConnectionError>;

/// One item's command, waiting for the batch.
struct Parked {
    index: usize,
    req: ExecRequest,
    conn: Arc<dyn Connection>,
    reply: oneshot::Sender<Reply>,
}

struct Batch {
    state: Mutex<State>,
    inline: bool,
}

struct State {
    /// Items that have neither parked a command nor finished.
    waiting: usize,
    /// Items already counted out of `waiting`.
    counted: Vec<bool>,
    parked: Vec<Parked>,
    fired: bool,
}

impl State {
    fn count(&mut self, index: usize) {
        if !std::mem::replace(&mut self.counted[index], true) {
            self.waiting -= 1;
        }
    }

    /// The parked commands, once nobody else can join the batch.
    fn take_if_ready(&mut self) -> Option<Vec<Parked>> {
        if self.waiting > 0 || self.fired {
            return None;
        }
        self.fired = true;
        Some(std::mem::take(&mut self.parked))
    }
}

impl Batch {
    fn new(n: usize, inline: bool) -> Self {
        Batch {
            inline,
            state: Mutex::new(State {
                waiting: n,
                counted: vec![false; n],
                parked: Vec::new(),
                fired: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn exec(&self, index: usize, req: ExecRequest, conn: Arc<dyn Connection>) -> Reply {
        let (reply, answer) = oneshot::channel();
        let direct = {
            let st = self.lock();
            // A second command of the same item (not a single-exec module
            // after all), or too late: it runs directly.
            st.fired || st.counted[index]
        };
        if direct {
            return conn.exec(req).await;
        }
        let ready = {
            let mut st = self.lock();
            st.count(index);
            st.parked.push(Parked {
                index,
                req,
                conn,
                reply,
            });
            st.take_if_ready()
        };
        if let Some(parked) = ready {
            fire(parked, self.inline).await;
        }
        answer.await.unwrap_or_else(|_| {
            Err(ConnectionError::Other(
                "the batched loop lost this item's result".into(),
            ))
        })
    }

    async fn finished(&self, index: usize) {
        let ready = {
            let mut st = self.lock();
            st.count(index);
            st.take_if_ready()
        };
        if let Some(parked) = ready {
            fire(parked, self.inline).await;
        }
    }
}

/// Run the parked commands: as one script when there are several, all
/// for the same connection and all batchable; otherwise one by one, in
/// item order. `inline`: see [`run_items`].
async fn fire(mut parked: Vec<Parked>, inline: bool) {
    parked.sort_by_key(|p| p.index);
    let Some(first) = parked.first() else { return };
    let conn = first.conn.clone();
    let together = parked.len() > 1
        && parked
            .iter()
            .all(|p| std::ptr::addr_eq(Arc::as_ptr(&p.conn), Arc::as_ptr(&conn)))
        && parked.iter().all(|p| loop_script::batchable(&p.req));
    if !together {
        return one_by_one(parked).await;
    }
    let reqs: Vec<(&ExecRequest, loop_script::Item)> = parked
        .iter()
        .map(|p| (&p.req, loop_script::Item::for_request(inline, &p.req)))
        .collect();
    let script = loop_script::build(&reqs);
    let with_stdin = parked.iter().any(|p| loop_script::has_stdin(&p.req));
    let batch = loop_script::request(script, with_stdin);
    let out = match conn.exec(batch).await {
        Ok(out) => out,
        Err(e) => {
            for p in parked {
                let _ = p.reply.send(Err(same_error(&e)));
            }
            return;
        }
    };
    let Some(report) = loop_script::parse(&out.stdout) else {
        // The script never started: nothing ran yet.
        return one_by_one(parked).await;
    };
    let mut rest = parked.into_iter();
    if report.outputs.len() == rest.len() {
        for (p, o) in rest.by_ref().zip(report.outputs) {
            let _ = p.reply.send(Ok(as_alone(&*conn, o)));
        }
        return;
    }
    // The script stopped part-way: the items that finished, and the one it
    // stopped in, ran but their output is lost; the later ones never
    // started, so they run now, one by one.
    let why = format!(
        "the batched loop stopped before reporting this item's output (rc {}): {}",
        out.rc,
        out.stderr_str().trim()
    );
    for p in rest.by_ref().take(report.finished + 1) {
        let _ = p.reply.send(Err(ConnectionError::Other(why.clone())));
    }
    one_by_one(rest.collect()).await;
}

/// An item's output as its connection reports a command run alone: over
/// ssh a command killed by a signal has no exit status, which the ssh
/// connection reports as rc 255; locally it is 128 + the signal.
fn as_alone(conn: &dyn Connection, o: loop_script::ItemOutput) -> ExecOutput {
    let mut out = o.out;
    if o.killed && conn.transport() == "ssh" {
        out.rc = crate::connection::ssh::RC_KILLED;
    }
    out
}

async fn one_by_one(parked: Vec<Parked>) {
    for p in parked {
        let out = p.conn.exec(p.req).await;
        let _ = p.reply.send(out);
    }
}

/// The batch's connection error, for each of its items.
fn same_error(e: &ConnectionError) -> ConnectionError {
    match e {
        ConnectionError::Unreachable(m) => ConnectionError::Unreachable(m.clone()),
        ConnectionError::Dropped(m) => ConnectionError::Dropped(m.clone()),
        ConnectionError::Io(io) => {
            ConnectionError::Io(std::io::Error::new(io.kind(), io.to_string()))
        }
        ConnectionError::Other(m) => ConnectionError::Other(m.clone()),
    }
}

/// A loop item's view of the host's connection: its command waits for the
/// batch; file transfers go straight through.
struct BatchedConn {
    slot: ItemSlot,
    inner: Arc<dyn Connection>,
}

#[async_trait]
impl Connection for BatchedConn {
    fn transport(&self) -> &'static str {
        self.inner.transport()
    }

    async fn exec(&self, req: ExecRequest) -> Reply {
        self.slot
            .batch
            .exec(self.slot.index, req, self.inner.clone())
            .await
    }

    async fn put(
        &self,
        src: PutSource,
        dest: &str,
        attrs: &FileAttrs,
        r#become: Option<Become>,
    ) -> Result<(), ConnectionError> {
        self.inner.put(src, dest, attrs, r#become).await
    }

    async fn get(&self, path: &str, r#become: Option<Become>) -> Result<Vec<u8>, ConnectionError> {
        self.inner.get(path, r#become).await
    }

    async fn close(&self) {
        self.inner.close().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::Stdin;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts round trips and runs them locally.
    #[derive(Default)]
    struct Counting {
        execs: AtomicUsize,
    }

    #[async_trait]
    impl Connection for Counting {
        fn transport(&self) -> &'static str {
            "local"
        }
        async fn exec(&self, req: ExecRequest) -> Reply {
            self.execs.fetch_add(1, Ordering::SeqCst);
            crate::connection::LocalConnection::new().exec(req).await
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// Items 0..n: odd ones skip (no command), even ones echo and fail
    /// with their index as rc; one round trip in all, outputs in order,
    /// whether the items run in their own `/bin/sh` or inline.
    #[test]
    fn items_share_one_round_trip_and_keep_their_own_outputs() {
        for inline in [false, true] {
            let counting = Arc::new(Counting::default());
            let conn: Arc<dyn Connection> = counting.clone();
            let outs = rt().block_on(run_items(6, inline, |i| {
                let conn = conn.clone();
                Box::pin(async move {
                    if i % 2 == 1 {
                        return None;
                    }
                    let c = wrap(conn);
                    let req = ExecRequest::new(format!("echo item{i}; exit {i}"));
                    Some(c.exec(req).await.unwrap())
                })
            }));
            assert_eq!(counting.execs.load(Ordering::SeqCst), 1, "inline {inline}");
            for (i, o) in outs.iter().enumerate() {
                match o {
                    None => assert_eq!(i % 2, 1),
                    Some(o) => {
                        assert_eq!(o.stdout_str(), format!("item{i}\n"), "inline {inline}");
                        assert_eq!(o.rc, i as i32, "inline {inline}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_lone_command_or_an_unbatchable_one_runs_directly() {
        let counting = Arc::new(Counting::default());
        let conn: Arc<dyn Connection> = counting.clone();
        let outs = rt().block_on(run_items(3, false, |i| {
            let conn = conn.clone();
            Box::pin(async move {
                let c = wrap(conn);
                let stdin = if i == 1 {
                    Stdin::File("/dev/null".into())
                } else {
                    Stdin::Null
                };
                c.exec(ExecRequest::new(format!("echo {i}")).stdin(stdin))
                    .await
                    .unwrap()
                    .stdout_str()
            })
        }));
        assert_eq!(outs, ["0\n", "1\n", "2\n"]);
        assert_eq!(counting.execs.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn outside_a_batch_the_connection_is_unchanged() {
        let conn: Arc<dyn Connection> = Arc::new(Counting::default());
        let same = wrap(conn.clone());
        assert!(std::ptr::addr_eq(Arc::as_ptr(&same), Arc::as_ptr(&conn)));
    }
}
