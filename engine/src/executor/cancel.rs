//! Stopping a run on SIGINT/SIGTERM: no new task starts, tasks already
//! running get a grace period to finish (their results are reported), then
//! they are stopped; a second signal stops them at once.

use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How long running tasks may take to finish after the first signal.
pub const DEFAULT_INTERRUPT_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug)]
struct State {
    /// The exit code of the first signal (130, 143); 0 while running.
    code: AtomicI32,
    signals: AtomicU32,
    grace_ms: AtomicU64,
    notify: Notify,
}

/// Shared by the signal watcher and the executor.
#[derive(Debug, Clone)]
pub struct Cancel(Arc<State>);

impl Default for Cancel {
    fn default() -> Self {
        Cancel(Arc::new(State {
            code: AtomicI32::new(0),
            signals: AtomicU32::new(0),
            grace_ms: AtomicU64::new(DEFAULT_INTERRUPT_GRACE.as_millis() as u64),
            notify: Notify::new(),
        }))
    }
}

impl Cancel {
    /// A signal arrived. The first one's `code` is the run's exit code;
    /// a second one ends the grace period.
    pub fn trigger(&self, code: i32) {
        let _ = self
            .0
            .code
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
        self.0.signals.fetch_add(1, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// The exit code once cancelled.
    pub fn code(&self) -> Option<i32> {
        match self.0.code.load(Ordering::SeqCst) {
            0 => None,
            c => Some(c),
        }
    }

    /// Set how long running tasks may take to finish after the first signal.
    pub fn set_grace(&self, grace: Duration) {
        self.0
            .grace_ms
            .store(grace.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn grace(&self) -> Duration {
        Duration::from_millis(self.0.grace_ms.load(Ordering::SeqCst))
    }

    /// Resolves when the run is cancelled.
    pub async fn cancelled(&self) {
        self.signals_reach(1).await
    }

    /// Resolves when running tasks must stop now: a second signal, or the
    /// grace period is over.
    pub async fn forced(&self) {
        tokio::select! {
            _ = self.signals_reach(2) => {}
            _ = tokio::time::sleep(self.grace()) => {}
        }
    }

    async fn signals_reach(&self, n: u32) {
        loop {
            let notified = self.0.notify.notified();
            if self.0.signals.load(Ordering::SeqCst) >= n {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn the_first_signal_sets_the_code_and_a_second_forces() {
        rt().block_on(async {
            let c = Cancel::default();
            c.set_grace(Duration::from_secs(3600));
            assert_eq!(c.code(), None);
            c.trigger(130);
            c.cancelled().await;
            assert_eq!(c.code(), Some(130));
            let forced = tokio::time::timeout(Duration::from_millis(50), c.forced()).await;
            assert!(forced.is_err(), "one signal does not force");
            c.trigger(143);
            c.forced().await;
            assert_eq!(c.code(), Some(130), "the first signal's code stays");
        });
    }

    #[test]
    fn the_grace_period_ends_by_itself() {
        rt().block_on(async {
            let c = Cancel::default();
            c.set_grace(Duration::from_millis(10));
            c.trigger(143);
            c.forced().await;
        });
    }
}
