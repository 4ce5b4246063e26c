//! Waiting for a cluster-membership change to show in the FE's node
//! lists: poll every `poll_interval` until `timeout`, reconnecting with
//! backoff when the FE connection drops (FE restart, leader switch,
//! network) instead of failing, and keeping the user informed through
//! the run's progress sink.

use super::membership::FeError;
use srplay_engine::module::{ArgSpec, ArgType, Progress};
use std::future::Future;
use std::time::{Duration, Instant};

/// First pause after a lost connection; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

pub const WAIT: ArgSpec = ArgSpec::new(
    "wait",
    ArgType::Bool,
    "Wait until the change shows in the FE's node list (see the module's notes for what is awaited).",
)
.default("false");
pub const POLL_INTERVAL: ArgSpec = ArgSpec::new(
    "poll_interval",
    ArgType::Float,
    "Seconds between two looks at the node list while waiting.",
)
.default("5");

/// `timeout` and `poll_interval` checked and as durations.
pub fn durations(module: &str, timeout: f64, poll: f64) -> Result<(Duration, Duration), String> {
    if !(timeout.is_finite() && timeout >= 0.0) {
        return Err(format!(
            "{module}: timeout must be a number of seconds >= 0, got {timeout}"
        ));
    }
    if !(poll.is_finite() && poll > 0.0) {
        return Err(format!(
            "{module}: poll_interval must be a number of seconds > 0, got {poll}"
        ));
    }
    Ok((
        Duration::from_secs_f64(timeout),
        Duration::from_secs_f64(poll),
    ))
}

/// What one look at the cluster says about the wait.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Done,
    /// Not yet; the text says what is awaited (for the timeout message).
    Pending(String),
    /// Stop waiting: the wait cannot succeed (a node died, …).
    Fail(String),
}

/// Why a wait ended without success.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitEnd {
    /// `timeout` passed; the last pending status, and the connection
    /// error when the FE could not be reached at the end.
    TimedOut {
        status: String,
        unreachable: Option<String>,
    },
    Failed(String),
}

impl WaitEnd {
    pub fn message(&self, timeout: Duration) -> String {
        match self {
            WaitEnd::TimedOut {
                status,
                unreachable: None,
            } => format!("timed out after {}s: {status}", timeout.as_secs_f64()),
            WaitEnd::TimedOut {
                status,
                unreachable: Some(e),
            } => format!(
                "timed out after {}s: {status}; the FE was unreachable at the end ({e})",
                timeout.as_secs_f64()
            ),
            WaitEnd::Failed(m) => m.clone(),
        }
    }
}

/// Deadline and pacing of one wait.
pub struct Waiter {
    start: Instant,
    deadline: Instant,
    poll: Duration,
    backoff: Duration,
    /// The connection error being recovered from, if any.
    lost: Option<String>,
    pub reconnects: u32,
}

impl Waiter {
    pub fn new(timeout: Duration, poll: Duration) -> Waiter {
        let start = Instant::now();
        Waiter {
            start,
            deadline: start + timeout,
            poll,
            backoff: FIRST_BACKOFF,
            lost: None,
            reconnects: 0,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Sleep `d`, cut short at the deadline; false when the deadline has
    /// passed.
    async fn sleep(&self, d: Duration) -> bool {
        let now = Instant::now();
        if now >= self.deadline {
            return false;
        }
        tokio::time::sleep(d.min(self.deadline - now)).await;
        true
    }

    fn answered(&mut self, progress: &dyn Progress) {
        if let Some(e) = self.lost.take() {
            self.reconnects += 1;
            progress.line(&format!("reconnected to the FE (after: {e})"));
        }
        self.backoff = FIRST_BACKOFF;
    }

    fn lost(&mut self, e: &str, progress: &dyn Progress) -> Duration {
        if self.lost.is_none() {
            progress.line(&format!("lost the FE connection, reconnecting: {e}"));
        }
        self.lost = Some(e.to_string());
        let pause = self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        pause
    }

    /// Look with `probe`, judge with `judge`, until `Done`, `Fail` or the
    /// deadline. The probe reads the cluster; connection failures are
    /// retried, the FE's errors end the wait.
    pub async fn until<P, F, Fut>(
        &mut self,
        progress: &dyn Progress,
        mut probe: F,
        mut judge: impl FnMut(P) -> Verdict,
    ) -> Result<(), WaitEnd>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<P, FeError>>,
    {
        let mut status = String::from("no answer from the FE yet");
        loop {
            let pause = match probe().await {
                Ok(seen) => {
                    self.answered(progress);
                    match judge(seen) {
                        Verdict::Done => return Ok(()),
                        Verdict::Fail(m) => return Err(WaitEnd::Failed(m)),
                        Verdict::Pending(s) => status = s,
                    }
                    self.poll
                }
                Err(FeError::Connection(e)) => self.lost(&e, progress),
                Err(FeError::Server(e)) => return Err(WaitEnd::Failed(e)),
            };
            if !self.sleep(pause).await {
                return Err(WaitEnd::TimedOut {
                    status,
                    unreachable: self.lost.clone(),
                });
            }
        }
    }
}

/// Seconds as `1h02m03s` / `4m05s` / `6s`.
pub fn human_duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m{sec:02}s"),
        (h, m, sec) => format!("{h}h{m:02}m{sec:02}s"),
    }
}

/// Tablets-moved bookkeeping for a decommission: rate and ETA from the
/// first count seen in this run.
#[derive(Debug, Clone)]
pub struct TabletProgress {
    start: Instant,
    first: Option<i64>,
    /// The largest count seen: the bar's total.
    pub total: i64,
    pub left: Option<i64>,
    last_line: Option<Instant>,
}

impl Default for TabletProgress {
    fn default() -> Self {
        TabletProgress {
            start: Instant::now(),
            first: None,
            total: 0,
            left: None,
            last_line: None,
        }
    }
}

/// How often a plain progress line is printed while tablets move.
const LINE_EVERY: Duration = Duration::from_secs(30);

impl TabletProgress {
    /// Record a count; the status text `tablets left N, rate R/s, ETA …`.
    pub fn observe(&mut self, left: i64) -> String {
        let first = *self.first.get_or_insert(left);
        self.total = self.total.max(left);
        self.left = Some(left);
        let secs = self.start.elapsed().as_secs_f64();
        let moved = (first - left).max(0) as f64;
        let rate = if secs > 0.0 { moved / secs } else { 0.0 };
        let eta = if rate > 0.0 {
            human_duration(left as f64 / rate)
        } else {
            "unknown".to_string()
        };
        format!("tablets left {left}, rate {rate:.2}/s, ETA {eta}")
    }

    /// Whether a periodic line is due (the first one at once).
    pub fn line_due(&mut self) -> bool {
        let due = self.last_line.is_none_or(|t| t.elapsed() >= LINE_EVERY);
        if due {
            self.last_line = Some(Instant::now());
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Lines(Mutex<Vec<String>>);
    impl Progress for Lines {
        fn update(&self, _: u64, _: u64, _: &str) {}
        fn line(&self, m: &str) {
            self.0.lock().unwrap().push(m.to_string());
        }
    }

    #[test]
    fn durations_read_well() {
        for (s, want) in [
            (0.0, "0s"),
            (59.4, "59s"),
            (61.0, "1m01s"),
            (3723.0, "1h02m03s"),
        ] {
            assert_eq!(human_duration(s), want);
        }
    }

    #[test]
    fn tablet_status_has_count_rate_and_eta() {
        let mut p = TabletProgress::default();
        let s = p.observe(12);
        assert!(
            s.starts_with("tablets left 12, rate 0.00/s, ETA unknown"),
            "{s}"
        );
        assert_eq!(p.total, 12);
        std::thread::sleep(Duration::from_millis(20));
        let s = p.observe(6);
        assert!(s.starts_with("tablets left 6, rate "), "{s}");
        assert!(!s.ends_with("ETA unknown"), "{s}");
        assert_eq!((p.total, p.left), (12, Some(6)));
        assert!(p.line_due(), "first line at once");
        assert!(!p.line_due(), "then only every 30 s");
    }

    #[test]
    fn connection_loss_is_retried_server_errors_end_it() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let lines = Lines::default();
        // connection lost twice, then pending, then done
        let answers = Mutex::new(vec![
            Ok(true),
            Ok(false),
            Err(FeError::Connection("reset".into())),
            Err(FeError::Connection("refused".into())),
        ]);
        let mut w = Waiter::new(Duration::from_secs(10), Duration::from_millis(1));
        let r = rt.block_on(w.until(
            &lines,
            || {
                let next = answers.lock().unwrap().pop().unwrap();
                async move { next }
            },
            |done: bool| {
                if done {
                    Verdict::Done
                } else {
                    Verdict::Pending("not yet".into())
                }
            },
        ));
        assert_eq!(r, Ok(()));
        assert_eq!(w.reconnects, 1);
        let lines = lines.0.lock().unwrap().clone();
        assert_eq!(
            lines,
            [
                "lost the FE connection, reconnecting: refused",
                "reconnected to the FE (after: reset)"
            ]
        );
        let mut w = Waiter::new(Duration::from_secs(10), Duration::from_millis(1));
        let r = rt.block_on(w.until(
            &NoLines,
            || async { Err::<bool, _>(FeError::Server("ERROR 1064".into())) },
            |_| Verdict::Done,
        ));
        assert_eq!(r, Err(WaitEnd::Failed("ERROR 1064".into())));
    }

    #[test]
    fn timeout_reports_the_last_status() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let mut w = Waiter::new(Duration::from_millis(30), Duration::from_millis(5));
        let r = rt.block_on(w.until(
            &NoLines,
            || async { Ok::<i64, FeError>(3) },
            |n| Verdict::Pending(format!("still {n} tablets")),
        ));
        let end = r.unwrap_err();
        assert_eq!(
            end,
            WaitEnd::TimedOut {
                status: "still 3 tablets".into(),
                unreachable: None
            }
        );
        assert_eq!(
            end.message(Duration::from_secs(2)),
            "timed out after 2s: still 3 tablets"
        );
    }

    struct NoLines;
    impl Progress for NoLines {
        fn update(&self, _: u64, _: u64, _: &str) {}
        fn line(&self, _: &str) {}
    }
}
