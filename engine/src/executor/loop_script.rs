//! The remote side of loop batching: one shell script that runs several
//! exec requests one after another, each exactly as the connection would
//! run it alone, and reports each one's exit status, stdout and stderr,
//! length-prefixed so any bytes (binary, no final newline, megabytes) come
//! back intact.
//!
//! An item runs in a subshell of the script with its own stdin and output
//! files, either as `/bin/sh -c <rendered request>` (what the connection
//! runs), or, for requests made only of srplay's own shell code and quoted
//! words ([`Item::Inline`]), evaluated in that subshell directly, which
//! saves the target one `/bin/sh` start per item.
//!
//! Each item's output goes to files in a private temporary directory,
//! because stdout and stderr must stay apart; the directory is removed
//! when the script exits, whatever happens.

use crate::connection::{ExecOutput, ExecRequest, Stdin};
use crate::shell::quote;

/// The start of every batch: a private directory for the items' output,
/// removed when the script exits. The script's own variables are named
/// `srplay_*` (an inline item unsets them before it runs).
const SETUP: &str = "srplay_d=$(mktemp -d \"${TMPDIR:-/tmp}/srplay-loop.XXXXXX\") || exit 97; \
     trap 'rm -rf \"$srplay_d\"' EXIT;";

/// The command that receives the script on stdin: the script is saved
/// into the private directory (so the items cannot read the script as
/// their stdin), then run in this shell.
const RUNNER: &str = "cat >\"$srplay_d/s\" && . \"$srplay_d/s\"";

/// A script up to this size, quoted as the ssh connection quotes it,
/// goes on the command line when no item has stdin (see [`request`]):
/// half of Linux's limit for one argument (128 KiB), which the target's
/// login shell gets the quoted script in.
const ARGV_MAX: usize = 64 * 1024;

/// The one request that runs `script` (from [`build`]) on the target. On
/// the command line when no item has stdin and it is small (one `cat`
/// less); else on stdin, so that no item's stdin, which may be a secret,
/// ever appears in a process's arguments (the items' commands appear there
/// when run alone too).
pub(super) fn request(script: Vec<u8>, items_have_stdin: bool) -> ExecRequest {
    if !items_have_stdin && script.len() <= ARGV_MAX {
        if let Ok(text) = String::from_utf8(script.clone()) {
            let req = on_argv(&text);
            if quote(&req.cmd).len() <= ARGV_MAX {
                return req;
            }
        }
    }
    on_stdin(script)
}

fn on_argv(script: &str) -> ExecRequest {
    ExecRequest::new(format!("{SETUP}\n{script}"))
}

fn on_stdin(script: Vec<u8>) -> ExecRequest {
    ExecRequest::new(format!("{SETUP} {RUNNER}")).stdin(Stdin::Bytes(script))
}

/// Whether a request sends bytes on stdin.
pub(super) fn has_stdin(req: &ExecRequest) -> bool {
    matches!(&req.stdin, Stdin::Bytes(b) if !b.is_empty())
}

/// Printed once the script has started: before it, no item ran.
const START: &[u8] = b"@@srplay-loop-start\n";
/// `@@srplay-rc <rc> <killed 0|1>\n` after each item.
const RC: &str = "@@srplay-rc ";
/// Then, once all items ran: the sizes of their output files (one `wc -c`
/// for all), and the files themselves (one `cat`): shell builtins and two
/// processes in all, so an item costs the target no more than its own
/// command (a fork, plus `/bin/sh` unless it runs inline).
const SIZES: &str = "@@srplay-sizes";
const DATA: &str = "@@srplay-data";

/// How one request runs inside the batch script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Item {
    /// `/bin/sh -c <rendered request>` in a subshell: exactly what the
    /// connection runs, for any request.
    Shell,
    /// `eval <rendered request>` in a subshell, with the script's own
    /// variables unset. Only for requests that are srplay's own shell code
    /// and quoted words ending in `exec` (the `command` and `shell`
    /// modules' one exec): parsed from a string as `sh -c` parses it (so
    /// the shell's messages say `/bin/sh: 1:` as alone; a syntax error,
    /// which srplay's own code never has, would stay in the item but read
    /// `eval: Syntax error`), and ending in the same process a command run
    /// alone ends in (so a signal is reported the same). `$$`, the one
    /// expansion that differs from a fresh shell's, such a request never
    /// has unquoted.
    Inline,
}

impl Item {
    /// `Inline` where the request allows it: no `become` (its wrapper
    /// does not end in `exec`).
    pub(super) fn for_request(inline: bool, req: &ExecRequest) -> Item {
        if inline && req.r#become.is_none() {
            Item::Inline
        } else {
            Item::Shell
        }
    }
}

/// Whether a request can go into a batch: its stdin is in memory and it
/// needs no become password and no `environment:` values (both travel on
/// stdin, and in a batch would be written into the script, i.e. onto the
/// target's disk).
pub(super) fn batchable(req: &ExecRequest) -> bool {
    !matches!(req.stdin, Stdin::File(_)) && !req.has_stdin_prefix()
}

/// The script for `reqs`, in order, each run as its [`Item`] says. Every
/// item runs whatever the status of the ones before it.
pub(super) fn build(reqs: &[(&ExecRequest, Item)]) -> Vec<u8> {
    let mut s = String::from("printf '@@srplay-loop-start\\n'\n");
    let mut files = String::new();
    for (i, (req, how)) in reqs.iter().enumerate() {
        let (cmd, _) = req.render();
        let (pipe, stdin) = match &req.stdin {
            Stdin::Bytes(b) if !b.is_empty() => (format!("printf '{}' | ", printf_literal(b)), ""),
            _ => (String::new(), " </dev/null"),
        };
        let redirs = format!(">\"$srplay_d/o{i}\" 2>\"$srplay_d/e{i}\"{stdin}");
        // In a subshell, which execs the command: when the command is
        // killed, the shell's "Killed" notice then goes to the group's
        // stderr, `$srplay_d/k`, not into the item's; that notice tells a
        // command killed by a signal from one that exited with 128+N.
        let item = match how {
            Item::Shell => format!("{pipe}( /bin/sh -c {} {redirs} )", quote(&cmd)),
            Item::Inline => format!(
                "{pipe}( unset srplay_d srplay_r srplay_k; eval {} ) {redirs}",
                quote(&cmd)
            ),
        };
        s.push_str(&format!("{{ {item}; srplay_r=$?; }} 2>\"$srplay_d/k\"\n"));
        s.push_str(
            "srplay_k=0; [ \"$srplay_r\" -gt 128 ] && [ -s \"$srplay_d/k\" ] && srplay_k=1\n\
             printf '@@srplay-rc %d %d\\n' \"$srplay_r\" \"$srplay_k\"\n",
        );
        files.push_str(&format!(" \"$srplay_d/o{i}\" \"$srplay_d/e{i}\""));
    }
    s.push_str(&format!(
        "printf '{SIZES}\\n'; wc -c{files}; printf '{DATA}\\n'; cat{files}\n"
    ));
    s.into_bytes()
}

/// `bytes` as a `printf` format that prints exactly them (inside single
/// quotes): octal escapes for everything but plain printable ASCII.
fn printf_literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'%' => out.push_str("%%"),
            b'\'' | b'\\' => out.push_str(&format!("\\{b:03o}")),
            b' '..=b'~' => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out
}

/// One item's output, and whether a signal ended it (its `rc` is then
/// 128 + the signal, as `/bin/sh` reports it).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ItemOutput {
    pub out: ExecOutput,
    pub killed: bool,
}

/// What the script reported.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Report {
    /// How many items finished (in order).
    pub finished: usize,
    /// Every item's output, when the script got to the end; else empty.
    pub outputs: Vec<ItemOutput>,
}

/// The script's report; `None` when it never started (nothing ran, e.g.
/// `mktemp` failed).
pub(super) fn parse(stdout: &[u8]) -> Option<Report> {
    let mut rest = stdout.strip_prefix(START)?;
    let mut status = Vec::new();
    while let Some((line, tail)) = line(rest) {
        let Some(nums) = line.strip_prefix(RC).and_then(numbers) else {
            break;
        };
        let [rc, killed] = nums[..] else { break };
        status.push((rc, killed == 1));
        rest = tail;
    }
    let finished = status.len();
    let outputs = outputs(rest, &status).unwrap_or_default();
    Some(Report { finished, outputs })
}

/// The sizes and data sections, split into each item's output.
fn outputs(rest: &[u8], status: &[(i64, bool)]) -> Option<Vec<ItemOutput>> {
    let (head, mut rest) = line(rest)?;
    if head != SIZES {
        return None;
    }
    let mut sizes = Vec::new();
    loop {
        let (l, tail) = line(rest)?;
        rest = tail;
        if l == DATA {
            break;
        }
        if sizes.len() < status.len() * 2 {
            let n = l.split_whitespace().next()?.parse::<usize>().ok()?;
            sizes.push(n);
        }
    }
    if sizes.len() != status.len() * 2 || rest.len() != sizes.iter().sum::<usize>() {
        return None;
    }
    let mut out = Vec::new();
    for (&(rc, killed), pair) in status.iter().zip(sizes.chunks(2)) {
        let (o, e) = (pair[0], pair[1]);
        out.push(ItemOutput {
            out: ExecOutput {
                rc: i32::try_from(rc).ok()?,
                stdout: rest[..o].to_vec(),
                stderr: rest[o..o + e].to_vec(),
            },
            killed,
        });
        rest = &rest[o + e..];
    }
    Some(out)
}

fn line(buf: &[u8]) -> Option<(&str, &[u8])> {
    let nl = buf.iter().position(|&b| b == b'\n')?;
    Some((std::str::from_utf8(&buf[..nl]).ok()?, &buf[nl + 1..]))
}

fn numbers(text: &str) -> Option<Vec<i64>> {
    text.split(' ').map(|w| w.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::{Connection, LocalConnection};

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn req(cmd: &str, stdin: &[u8], env: &[(&str, &str)], chdir: Option<&str>) -> ExecRequest {
        let mut r = ExecRequest::new(cmd).stdin(Stdin::Bytes(stdin.to_vec()));
        r.env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        r.chdir = chdir.map(str::to_string);
        r
    }

    /// Runs `reqs` alone and in one batch (each as `how`) over the local
    /// connection, asserts the same output item by item, and returns the
    /// batch's outputs.
    fn same_as_alone(reqs: &[ExecRequest], how: Item) -> Vec<ItemOutput> {
        let conn = LocalConnection::new();
        let alone: Vec<ExecOutput> = reqs
            .iter()
            .map(|r| rt().block_on(conn.exec(r.clone())).unwrap())
            .collect();
        let items: Vec<(&ExecRequest, Item)> = reqs.iter().map(|r| (r, how)).collect();
        let script = build(&items);
        let with_stdin = reqs.iter().any(has_stdin);
        let mut forms = vec![("stdin", on_stdin(script.clone()))];
        if !with_stdin {
            let text = String::from_utf8(script.clone()).unwrap();
            forms.push(("argv", on_argv(&text)));
        }
        let chosen = request(script, with_stdin);
        assert_eq!(chosen.cmd, forms.last().unwrap().1.cmd, "the smaller form");
        let mut outs = Vec::new();
        for (form, batch) in forms {
            let batch = rt().block_on(conn.exec(batch)).unwrap();
            assert_eq!(batch.rc, 0, "{form}: {}", batch.stderr_str());
            let report = parse(&batch.stdout).expect("the script started");
            assert_eq!(report.finished, reqs.len(), "{form}");
            outs = report.outputs;
            assert_eq!(outs.len(), reqs.len(), "{form}");
            for (i, (a, b)) in alone.iter().zip(&outs).enumerate() {
                assert_eq!(a, &b.out, "{how:?} {form} item {i}: {:?}", reqs[i].cmd);
            }
        }
        outs
    }

    /// Differential: every request of the table gives the same output in
    /// the batch as run alone over the local connection.
    #[test]
    fn batched_requests_give_the_same_outputs_as_alone() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let all_bytes: Vec<u8> = (0..=255u8).collect();
        let reqs = vec![
            req("echo hi", b"", &[], None),
            req(
                "printf 'no newline'; printf 'err' >&2; exit 3",
                b"",
                &[],
                None,
            ),
            req("cat", b"it's 100% \\n\0 bin\xff\n'\"$HOME`x`", &[], None),
            req("cat", &all_bytes, &[], None),
            req("head -c 300000 /dev/zero | tr '\\0' x", b"", &[], None),
            req("echo \"[$0]\"; pwd", b"", &[], Some(d)),
            req("pwd", b"", &[], Some("/nonexistent-srplay-dir")),
            req("exit 137", b"", &[], None),
            req("kill -9 $$", b"", &[], None),
            req("read x; echo \"[$x]\"; cat", b"first\nsecond", &[], None),
            ExecRequest::new("cat; echo done"),
        ];
        let outs = same_as_alone(&reqs, Item::Shell);
        for (i, o) in outs.iter().enumerate() {
            assert_eq!(o.killed, i == 8, "item {i}: {:?}", reqs[i].cmd);
        }
        assert_eq!(outs[3].out.stdout, all_bytes);
        assert_eq!(outs[1].out.rc, 3);
    }

    /// The `shell` module's request: `exec /bin/sh -c <text>`.
    fn shell_req(text: &str, stdin: &[u8], chdir: Option<&str>) -> ExecRequest {
        let cmd = format!("exec '/bin/sh' -c {}", quote(text));
        req(&cmd, stdin, &[], chdir)
    }

    /// The `command` module's request for `argv` (words already quoted as
    /// it quotes them), with its not-found check and optional guard.
    fn command_req(guard: &str, argv: &[&str]) -> ExecRequest {
        let cmd = format!(
            "{guard}command -v -- {} >/dev/null 2>&1 || {{ echo @@srplay-enoent@@ >&2; exit 2; }}; exec {}",
            argv[0],
            argv.join(" ")
        );
        ExecRequest::new(cmd)
    }

    /// Inline items (the requests of `command` and `shell`) give the same
    /// output as alone too: shell messages with their line number, `$$`
    /// and `$0` of the item's own shell, the batch script's variables not
    /// visible, a signal reported as a signal, stdin and chdir.
    #[test]
    fn inline_requests_give_the_same_outputs_as_alone() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let noexec = dir.path().join("noexec");
        std::fs::write(&noexec, "echo never\n").unwrap();
        let noexec = noexec.to_str().unwrap();
        let reqs = vec![
            command_req("", &["echo", "hi"]),
            command_req(
                "",
                &[
                    "printf",
                    "'%s|'",
                    "\"${srplay_d-\\$srplay_d}\"",
                    "\"${HOME-\\$HOME}\"",
                ],
            ),
            command_req("", &["no-such-srplay-program"]),
            // not executable: the shell's own message, `/bin/sh: 1: exec: …`
            command_req("", &[noexec]),
            command_req(
                "cd /nonexistent-srplay-dir 2>/dev/null || { echo @@srplay-nochdir@@; exit 1; }; ",
                &["pwd"],
            ),
            command_req(
                &format!("cd '{d}' 2>/dev/null || {{ exit 1; }}; "),
                &["pwd"],
            ),
            command_req("", &["cat"]),
            shell_req("echo \"[$0]\"; echo err >&2; exit 3", b"", None),
            shell_req("kill -9 $$", b"", None),
            shell_req("if", b"", None),
            shell_req("read x; echo \"[$x]\"; cat", b"first\nsecond", Some(d)),
            shell_req("head -c 300000 /dev/zero | tr '\\0' x", b"", None),
            ExecRequest::new(
                "for f in /nonexistent-srplay-*; do [ -e \"$f\" ] && exit 9; done; true",
            ),
        ];
        let outs = same_as_alone(&reqs, Item::Inline);
        for (i, o) in outs.iter().enumerate() {
            assert_eq!(o.killed, i == 8, "item {i}: {:?}", reqs[i].cmd);
        }
        assert_eq!(outs[0].out.stdout, b"hi\n");
        assert_eq!(
            outs[1].out.stdout_str(),
            format!(
                "$srplay_d|{}|",
                std::env::var("HOME").unwrap_or_else(|_| "$HOME".into())
            )
        );
        let denied = outs[3].out.stderr_str();
        assert!(denied.starts_with("/bin/sh: 1: exec: "), "{denied}");
        assert_eq!(outs[3].out.rc, 126, "{denied}");
        assert_eq!(outs[7].out.rc, 3);
        assert_eq!(outs[9].out.rc, 2, "the inner shell's syntax error");
    }

    #[test]
    fn truncated_or_missing_output_is_reported_as_such() {
        let whole = b"@@srplay-loop-start\n@@srplay-rc 0 0\n@@srplay-rc 137 1\n\
            @@srplay-sizes\n3 /t/o0\n 0 /t/e0\n2 /t/o1\n1 /t/e1\n6 total\n@@srplay-data\nhi\nabc";
        let r = parse(whole).unwrap();
        assert_eq!(r.finished, 2);
        assert_eq!(r.outputs[0].out.stdout, b"hi\n");
        assert_eq!(r.outputs[1].out.stdout, b"ab");
        assert_eq!(r.outputs[1].out.stderr, b"c");
        assert!(r.outputs[1].killed && !r.outputs[0].killed);
        // Cut anywhere after the start: the finished count stays right and
        // no output is made up.
        for cut in 20..whole.len() {
            let r = parse(&whole[..cut]).unwrap();
            assert!(r.finished <= 2 && r.outputs.is_empty(), "cut at {cut}");
        }
        assert_eq!(parse(b""), None);
        assert_eq!(parse(b"mktemp: failed\n"), None);
    }

    /// Without stdin the script goes on the command line; both ways give
    /// what the items give alone.
    #[test]
    fn requests_without_stdin_give_the_same_outputs_on_the_command_line() {
        let reqs = vec![
            command_req("", &["echo", &quote("it's")]),
            shell_req("printf '%s' \"$0\"; echo err >&2; exit 4", b"", None),
            shell_req("kill -9 $$", b"", None),
            ExecRequest::new("echo \"[$srplay_d]\""),
        ];
        let outs = same_as_alone(&reqs, Item::Inline);
        assert_eq!(outs[0].out.stdout, b"it's\n");
        assert_eq!(outs[1].out.rc, 4);
        assert!(outs[2].killed);
        assert_eq!(
            outs[3].out.stdout, b"[]\n",
            "the script's variables stay its own"
        );
        let shell = same_as_alone(&reqs, Item::Shell);
        assert_eq!(shell[3].out.stdout, b"[]\n");
    }

    #[test]
    fn a_script_too_long_for_one_argument_goes_on_stdin() {
        let small = build(&[(&ExecRequest::new("exec true"), Item::Inline)]);
        assert!(matches!(request(small.clone(), false).stdin, Stdin::Null));
        assert!(matches!(request(small, true).stdin, Stdin::Bytes(_)));
        // quotes grow fourfold when quoted again: measured after quoting
        let quotes = ExecRequest::new(format!("echo {}", "'".repeat(ARGV_MAX / 8)));
        let big = build(&[(&quotes, Item::Inline)]);
        assert!(big.len() <= ARGV_MAX);
        assert!(matches!(request(big, false).stdin, Stdin::Bytes(_)));
    }

    #[test]
    fn become_requests_never_run_inline() {
        use crate::connection::Become;
        let plain = ExecRequest::new("exec true");
        assert_eq!(Item::for_request(true, &plain), Item::Inline);
        assert_eq!(Item::for_request(false, &plain), Item::Shell);
        let sudo = plain.clone().become_as(Some(Become {
            user: "root".into(),
            ..Become::default()
        }));
        assert_eq!(Item::for_request(true, &sudo), Item::Shell);
    }

    #[test]
    fn only_in_memory_stdin_without_password_is_batchable() {
        use crate::connection::{Become, BecomeMethod};
        let sudo = |password: Option<&str>| Become {
            method: BecomeMethod::Sudo,
            user: "root".into(),
            password: password.map(str::to_string),
            flags: None,
            exe: None,
        };
        assert!(batchable(&ExecRequest::new("true")));
        assert!(batchable(
            &ExecRequest::new("true").become_as(Some(sudo(None)))
        ));
        assert!(!batchable(
            &ExecRequest::new("true").become_as(Some(sudo(Some("pw"))))
        ));
        assert!(!batchable(
            &ExecRequest::new("cat").stdin(Stdin::File("/etc/hostname".into()))
        ));
        // `environment:` values travel on stdin (they may be secrets); in a
        // batch they would be written into the script on the target's disk.
        assert!(!batchable(&req("true", b"", &[("TOKEN", "s3cret")], None)));
    }
}
