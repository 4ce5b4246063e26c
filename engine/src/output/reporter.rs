//! The one place output is written: through indicatif's `suspend` when
//! bars are drawn, directly otherwise (DEPENDENCIES.md §7).

use crate::module::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Reporter {
    mp: MultiProgress,
    bars: bool,
    color: bool,
    /// Captured output (tests); `None` writes to stdout.
    capture: Option<Arc<Mutex<Vec<u8>>>>,
}

impl Reporter {
    /// `progress`: draw bars (only honoured on a terminal).
    pub fn stdout(progress: bool, color: bool) -> Arc<Self> {
        let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
        let bars = progress && tty && std::env::var_os("CI").is_none();
        let mp = if bars {
            MultiProgress::new()
        } else {
            MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
        };
        Arc::new(Reporter {
            mp,
            bars,
            color,
            capture: None,
        })
    }

    /// A reporter writing into a buffer (tests, library users).
    pub fn buffer() -> (Arc<Self>, Arc<Mutex<Vec<u8>>>) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let r = Reporter {
            mp: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()),
            bars: false,
            color: false,
            capture: Some(buf.clone()),
        };
        (Arc::new(r), buf)
    }

    pub fn color(&self) -> bool {
        self.color
    }

    /// Write text (with its newlines) above any bars.
    pub fn print(&self, text: &str) {
        // Values decrypted from a vault are no_log wherever they surface.
        let text = &*crate::vault::mask(text);
        if let Some(buf) = &self.capture {
            buf.lock()
                .expect("not poisoned")
                .extend_from_slice(text.as_bytes());
            return;
        }
        let write = || {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        };
        if self.bars {
            self.mp.suspend(write);
        } else {
            write();
        }
    }

    /// Progress for one host's long wait.
    pub fn host_progress(self: &Arc<Self>, host: &str) -> Arc<HostProgress> {
        Arc::new(HostProgress {
            reporter: self.clone(),
            host: host.to_string(),
            bar: Mutex::new(None),
            last_line: Mutex::new(None),
            last_msg: Mutex::new(String::new()),
        })
    }
}

/// `module::Progress` for one host: a bar on a terminal, a line every
/// 10 seconds otherwise.
pub struct HostProgress {
    reporter: Arc<Reporter>,
    host: String,
    bar: Mutex<Option<ProgressBar>>,
    last_line: Mutex<Option<Instant>>,
    /// The last line printed, so a final state is printed once.
    last_msg: Mutex<String>,
}

impl Progress for HostProgress {
    fn update(&self, done: u64, total: u64, msg: &str) {
        if self.reporter.bars {
            let mut bar = self.bar.lock().expect("not poisoned");
            let b = bar.get_or_insert_with(|| {
                let b = self.reporter.mp.add(ProgressBar::new(total));
                b.set_style(
                    ProgressStyle::with_template("  [{prefix}] {bar:30} {pos}/{len} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                b.set_prefix(self.host.clone());
                b
            });
            b.set_length(total);
            b.set_position(done);
            b.set_message(msg.to_string());
            if done >= total {
                b.finish_and_clear();
            }
            return;
        }
        let mut last = self.last_line.lock().expect("not poisoned");
        let mut last_msg = self.last_msg.lock().expect("not poisoned");
        let line = format!("  [{}] {done}/{total} {msg}\n", self.host);
        // a final state is shown (once), however soon after the last line
        let final_news = done >= total && *last_msg != line;
        if final_news || last.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
            *last = Some(Instant::now());
            self.reporter.print(&line);
            *last_msg = line;
        }
    }

    fn line(&self, msg: &str) {
        self.reporter.print(&format!("  [{}] {msg}\n", self.host));
    }
}

impl Drop for HostProgress {
    fn drop(&mut self) {
        if let Some(b) = self.bar.lock().ok().and_then(|mut b| b.take()) {
            b.finish_and_clear();
        }
    }
}
