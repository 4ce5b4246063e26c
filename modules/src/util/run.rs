//! Running a user's command and shaping the result like Ansible's
//! command module: `rc`, `stdout(_lines)`, `stderr(_lines)`, `cmd`,
//! `start`, `end`, `delta`, `msg`.

use super::clock;
use super::path_script::{self, Home};
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

/// Marker lines a guard script prints instead of running the command.
pub const SKIP_CREATES: &str = "@@srplay-skip-creates@@";
pub const SKIP_REMOVES: &str = "@@srplay-skip-removes@@";
pub const NO_CHDIR: &str = "@@srplay-no-chdir@@";

/// `cd`, `creates` and `removes` checks as shell, run before the command
/// in the same round trip, in the shell the module's command runs from
/// (with its become and environment), so `$VAR` and `~` in them expand as
/// in Ansible's module process (see [`path_script`]). `creates`/`removes`
/// are globs, as in Ansible: `*?[` are active in the expanded value, and
/// it is never split at spaces. The guard's own variables are unset again
/// before the command, which may expand variables itself.
pub fn guard_script(chdir: Option<&str>, creates: Option<&str>, removes: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(d) = chdir {
        // `-P`: Ansible sets the process's working directory, so `$PWD`
        // is the real path with symlinks resolved.
        s.push_str(&format!(
            "{}cd -P \"$srplay_p\" 2>/dev/null || {{ echo {NO_CHDIR}; exit 1; }}; ",
            path_script::assign("srplay_p", d, Home::OfShell)
        ));
    }
    if let Some(c) = creates {
        s.push_str(&format!(
            "{}if {}; then echo {SKIP_CREATES}; exit 0; fi; ",
            path_script::assign("srplay_p", c, Home::OfShell),
            ANY_MATCH
        ));
    }
    if let Some(r) = removes {
        s.push_str(&format!(
            "{}if ! {}; then echo {SKIP_REMOVES}; exit 0; fi; ",
            path_script::assign("srplay_p", r, Home::OfShell),
            ANY_MATCH
        ));
    }
    if !s.is_empty() {
        s.push_str(path_script::UNSET_VARIABLES);
    }
    s
}

/// `creates` and `removes` of `script`, which Ansible's action plugin
/// tests as given (`test -e <quoted path>`, as the task's become): no
/// `$VAR`, `~` or glob, a dangling link counts as missing.
pub fn literal_guard_script(creates: Option<&str>, removes: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(c) = creates {
        s.push_str(&format!(
            "if test -e {}; then echo {SKIP_CREATES}; exit 0; fi; ",
            quote(c)
        ));
    }
    if let Some(r) = removes {
        s.push_str(&format!(
            "if ! test -e {}; then echo {SKIP_REMOVES}; exit 0; fi; ",
            quote(r)
        ));
    }
    s
}

/// Whether the glob `$srplay_p` names an existing file (or a dangling
/// link): in a subshell with an empty `IFS`, so the expansion is globbed
/// but never split, and the script's `IFS` stays as it was. A pattern
/// matching nothing stays as written and is tested as a file name.
const ANY_MATCH: &str = "( IFS=; for f in $srplay_p; do \
     if [ -e \"$f\" ] || [ -L \"$f\" ]; then exit 0; fi; done; exit 1 )";

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

    /// Run the guard (then `pwd`) in `/bin/sh` in a temp dir holding
    /// the files `a b/x.log`, `d/f` and `*lit`, with `HOME` and `V`
    /// pointing into it.
    fn guard_in_dir(chdir: Option<&str>, creates: Option<&str>, removes: Option<&str>) -> String {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        for f in ["a b/x.log", "d/f", "*lit"] {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let script = format!(
            "{}echo run; pwd; echo \"[${{srplay_p-unset}}]\"",
            guard_script(chdir, creates, removes)
        );
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .current_dir(dir)
            .env("HOME", dir)
            .env("V", dir.join("a b"))
            .env("STAR", "*")
            .output()
            .expect("run /bin/sh");
        String::from_utf8_lossy(&out.stdout).replace(&*dir.to_string_lossy(), "@DIR@")
    }

    #[test]
    fn guard_table() {
        let cases = [
            ((None, Some("~/a b/*.log"), None), SKIP_CREATES),
            ((None, Some("$V/*.log"), None), SKIP_CREATES),
            ((None, Some("${V}/x.log"), None), SKIP_CREATES),
            ((None, Some("~/d/$STAR"), None), SKIP_CREATES),
            ((None, Some("~/$STAR"), None), SKIP_CREATES),
            ((None, Some("~/a b/*.txt"), None), "run"),
            ((None, Some("$NOPE/*.log"), None), "run"),
            ((None, None, Some("$V/x.log")), "run"),
            ((None, None, Some("$V/y.log")), SKIP_REMOVES),
            ((None, None, Some("~/\\*lit")), SKIP_REMOVES),
            ((Some("$V"), None, None), "run"),
            ((Some("~/d"), Some("f"), None), SKIP_CREATES),
            ((Some("$NOPE"), None, None), NO_CHDIR),
        ];
        for ((chdir, creates, removes), want) in cases {
            let out = guard_in_dir(chdir, creates, removes);
            let first = out.lines().next().unwrap_or("");
            assert_eq!(first, want, "{chdir:?} {creates:?} {removes:?}: {out}");
            if want == "run" {
                assert!(
                    out.ends_with("[unset]\n"),
                    "guard variables left set: {out}"
                );
            }
        }
        let out = guard_in_dir(Some("$V"), None, None);
        assert_eq!(out, "run\n@DIR@/a b\n[unset]\n");
    }
}
