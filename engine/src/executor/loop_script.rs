//! The remote side of loop batching: one shell script that runs several
//! exec requests one after another, each exactly as the connection would
//! run it alone (`/bin/sh -c <rendered request>`, its own stdin), and
//! reports each one's exit status, stdout and stderr, length-prefixed so
//! any bytes (binary, no final newline, megabytes) come back intact.
//!
//! Each item's output goes to files in a private temporary directory,
//! because stdout and stderr must stay apart; the directory is removed
//! when the script exits, whatever happens.

use crate::connection::{ExecOutput, ExecRequest, Stdin};
use crate::shell::quote;

/// The command that receives the script on stdin: a private directory,
/// the script saved into it (so the items cannot read the script as their
/// stdin), then run in this shell.
pub(super) const RUNNER: &str =
    "d=$(mktemp -d \"${TMPDIR:-/tmp}/srplay-loop.XXXXXX\") || exit 97; \
     trap 'rm -rf \"$d\"' EXIT; cat >\"$d/s\" && . \"$d/s\"";

/// Printed once the script has started: before it, no item ran.
const START: &[u8] = b"@@srplay-loop-start\n";
/// `@@srplay-rc <rc> <killed 0|1>\n` after each item.
const RC: &str = "@@srplay-rc ";
/// Then, once all items ran: the sizes of their output files (one `wc -c`
/// for all), and the files themselves (one `cat`): shell builtins and two
/// processes in all, so an item costs the target no more than its own
/// command (a fork and `/bin/sh`).
const SIZES: &str = "@@srplay-sizes";
const DATA: &str = "@@srplay-data";

/// Whether a request can go into a batch: its stdin is in memory and it
/// needs no become password and no `environment:` values (both travel on
/// stdin, and in a batch would be written into the script, i.e. onto the
/// target's disk).
pub(super) fn batchable(req: &ExecRequest) -> bool {
    !matches!(req.stdin, Stdin::File(_)) && !req.has_stdin_prefix()
}

/// The script for `reqs`, in order. Every item runs whatever the status
/// of the ones before it.
pub(super) fn build(reqs: &[&ExecRequest]) -> Vec<u8> {
    let mut s = String::from("printf '@@srplay-loop-start\\n'\n");
    let mut files = String::new();
    for (i, req) in reqs.iter().enumerate() {
        let (cmd, _) = req.render();
        // In a subshell, which execs the command: when the command is
        // killed, the shell's "Killed" notice then goes to the group's
        // stderr, `$d/k`, not into the item's; that notice tells a command
        // killed by a signal from one that exited with 128+N.
        let run = format!("/bin/sh -c {} >\"$d/o{i}\" 2>\"$d/e{i}\"", quote(&cmd));
        let item = match &req.stdin {
            Stdin::Bytes(b) if !b.is_empty() => {
                format!("printf '{}' | ( {run} )", printf_literal(b))
            }
            _ => format!("( {run} </dev/null )"),
        };
        s.push_str(&format!("{{ {item}; r=$?; }} 2>\"$d/k\"\n"));
        s.push_str(
            "k=0; [ \"$r\" -gt 128 ] && [ -s \"$d/k\" ] && k=1\n\
             printf '@@srplay-rc %d %d\\n' \"$r\" \"$k\"\n",
        );
        files.push_str(&format!(" \"$d/o{i}\" \"$d/e{i}\""));
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
        let conn = LocalConnection::new();
        let alone: Vec<ExecOutput> = reqs
            .iter()
            .map(|r| rt().block_on(conn.exec(r.clone())).unwrap())
            .collect();
        let refs: Vec<&ExecRequest> = reqs.iter().collect();
        let batch = rt()
            .block_on(conn.exec(ExecRequest::new(RUNNER).stdin(Stdin::Bytes(build(&refs)))))
            .unwrap();
        assert_eq!(batch.rc, 0, "{}", batch.stderr_str());
        let report = parse(&batch.stdout).expect("the script started");
        assert_eq!(report.finished, reqs.len());
        let outs = report.outputs;
        assert_eq!(outs.len(), reqs.len());
        for (i, (a, b)) in alone.iter().zip(&outs).enumerate() {
            assert_eq!(a, &b.out, "item {i}: {:?}", reqs[i].cmd);
            assert_eq!(b.killed, i == 8, "item {i}: {:?}", reqs[i].cmd);
        }
        assert_eq!(outs[3].out.stdout, all_bytes);
        assert_eq!(outs[1].out.rc, 3);
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
