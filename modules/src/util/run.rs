//! Running a user's command and shaping the result like Ansible's
//! command module: `rc`, `stdout(_lines)`, `stderr(_lines)`, `cmd`,
//! `start`, `end`, `delta`, `msg`.

use super::clock;
use serde_json::Value;
use srplay_engine::connection::ExecOutput;
use srplay_engine::module::Outcome;
use srplay_engine::shell::quote;

/// The result of one run, timed on the controller.
pub struct Ran {
    pub out: ExecOutput,
    pub start: chrono::DateTime<chrono::Local>,
    pub end: chrono::DateTime<chrono::Local>,
}

/// `stdout`/`stderr` with their `_lines` twins, trailing newlines
/// stripped when `strip` (Ansible's `strip_empty_ends`).
pub fn with_output(mut o: Outcome, stdout: &str, stderr: &str, strip: bool) -> Outcome {
    let (so, se) = if strip {
        (
            stdout.trim_end_matches(['\r', '\n']),
            stderr.trim_end_matches(['\r', '\n']),
        )
    } else {
        (stdout, stderr)
    };
    o = o
        .with("stdout", so)
        .with("stdout_lines", super::lines(so))
        .with("stderr", se)
        .with("stderr_lines", super::lines(se));
    o
}

/// The outcome of a command that ran: changed, failed on rc != 0.
pub fn command_outcome(cmd: Value, ran: &Ran, strip: bool) -> Outcome {
    let rc = ran.out.rc;
    let mut o = Outcome::changed(true)
        .with("rc", rc)
        .with("cmd", cmd)
        .with("start", clock::format_time(&ran.start))
        .with("end", clock::format_time(&ran.end))
        .with("delta", clock::format_delta(&ran.start, &ran.end));
    o = with_output(o, &ran.out.stdout_str(), &ran.out.stderr_str(), strip);
    if rc != 0 {
        o.failed = true;
        o.msg = Some("non-zero return code".into());
    } else {
        o.msg = Some(String::new());
    }
    o
}

/// A glob pattern for the target's shell: `*?[]` stay active, everything
/// else is literal; a leading `~` expands.
pub fn glob_word(pattern: &str) -> String {
    let (tilde, rest) = match pattern.strip_prefix('~') {
        Some(r) => {
            // `~user/` stays unquoted: quoting any of it stops expansion.
            let end = r.find('/').map(|i| i + 1).unwrap_or(r.len());
            (&pattern[..end + 1], &r[end..])
        }
        None => ("", pattern),
    };
    let mut out = String::from(tilde);
    let mut lit = String::new();
    for c in rest.chars() {
        if "*?[]".contains(c) {
            if !lit.is_empty() {
                out.push_str(&quote(&std::mem::take(&mut lit)));
            }
            out.push(c);
        } else {
            lit.push(c);
        }
    }
    if !lit.is_empty() {
        out.push_str(&quote(&lit));
    }
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

/// Marker lines a guard script prints instead of running the command.
pub const SKIP_CREATES: &str = "@@srplay-skip-creates@@";
pub const SKIP_REMOVES: &str = "@@srplay-skip-removes@@";
pub const NO_CHDIR: &str = "@@srplay-no-chdir@@";

/// `cd`, `creates` and `removes` checks as shell, run before the command
/// in the same round trip. `creates`/`removes` are globs, as in Ansible.
pub fn guard_script(chdir: Option<&str>, creates: Option<&str>, removes: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(d) = chdir {
        // `-P`: Ansible sets the process's working directory, so `$PWD`
        // is the real path with symlinks resolved.
        s.push_str(&format!(
            "cd -P {} 2>/dev/null || {{ echo {NO_CHDIR}; exit 1; }}; ",
            super::tilde::shell_word(d)
        ));
    }
    if let Some(c) = creates {
        s.push_str(&format!(
            "for f in {}; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then echo {SKIP_CREATES}; exit 0; fi; done; ",
            glob_word(c)
        ));
    }
    if let Some(r) = removes {
        s.push_str(&format!(
            "m=; for f in {}; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then m=1; fi; done; \
             [ -n \"$m\" ] || {{ echo {SKIP_REMOVES}; exit 0; }}; ",
            glob_word(r)
        ));
    }
    s
}

/// What the guard decided, read from the first line of output.
#[derive(Debug, PartialEq, Eq)]
pub enum Guard {
    Run,
    SkipCreates,
    SkipRemoves,
    NoChdir,
}

pub fn read_guard(stdout: &str) -> Guard {
    match stdout.lines().next().unwrap_or("") {
        SKIP_CREATES => Guard::SkipCreates,
        SKIP_REMOVES => Guard::SkipRemoves,
        NO_CHDIR => Guard::NoChdir,
        _ => Guard::Run,
    }
}

/// The outcome of a command not run because of `creates`/`removes`,
/// worded as Ansible does ("Did not run…", "Would not run…" in check mode).
pub fn skipped_outcome(
    guard: &Guard,
    cmd: Value,
    check: bool,
    creates: &str,
    removes: &str,
) -> Outcome {
    let verb = if check { "Would" } else { "Did" };
    let (msg, stdout) = match guard {
        Guard::SkipCreates => (
            format!("{verb} not run command since '{creates}' exists"),
            format!("skipped, since {creates} exists"),
        ),
        _ => (
            format!("{verb} not run command since '{removes}' does not exist"),
            format!("skipped, since {removes} does not exist"),
        ),
    };
    let o = Outcome::changed(false)
        .with("rc", 0)
        .with("cmd", cmd)
        .with("start", Value::Null)
        .with("end", Value::Null)
        .with("delta", Value::Null)
        .with_msg(msg);
    with_output(o, &stdout, "", true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_word_table() {
        let cases = [
            ("/tmp/x", "/tmp/x"),
            ("/tmp/a b*", "'/tmp/a b'*"),
            ("/d/*.log", "/d/*.log"),
            ("~/f", "~/f"),
            ("~/a b", "~/'a b'"),
            ("$HOME", "'$HOME'"),
        ];
        for (p, want) in cases {
            assert_eq!(glob_word(p), want, "{p}");
        }
    }
}
