//! Commands over a real sshd: rc, stdout, stderr, stdin, env, chdir.

use crate::ssh_support;

use srplay_engine::connection::{Connection, ExecRequest, SshConnection, Stdin};
use srplay_testkit::Sshd;
use ssh_support::{rt, target};

struct Case {
    cmd: &'static str,
    stdin: Stdin,
    env: Vec<(&'static str, &'static str)>,
    chdir: Option<&'static str>,
    rc: i32,
    stdout: &'static str,
    stderr: &'static str,
}

fn case(cmd: &'static str, rc: i32, stdout: &'static str, stderr: &'static str) -> Case {
    Case {
        cmd,
        stdin: Stdin::Null,
        env: vec![],
        chdir: None,
        rc,
        stdout,
        stderr,
    }
}

#[test]
fn exec_table() {
    let sshd = Sshd::start();
    let src = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(src.path(), "from a file\nline 2\n").unwrap();
    let cases = vec![
        case("echo hello", 0, "hello\n", ""),
        case("echo oops >&2; exit 3", 3, "", "oops\n"),
        case("exit 127", 127, "", ""),
        case("no-such-command-srplay 2>/dev/null", 127, "", ""),
        case("printf '%s' \"$0\"", 0, "/bin/sh", ""),
        case("kill -9 $$", 255, "", ""),
        Case {
            stdin: Stdin::Bytes(b"abc\0def".to_vec()),
            ..case("od -An -c | tr -s ' '", 0, " a b c \\0 d e f\n", "")
        },
        Case {
            stdin: Stdin::File(src.path().to_path_buf()),
            ..case("wc -l; cat >/dev/null", 0, "2\n", "")
        },
        Case {
            stdin: Stdin::Bytes(b"ignored".to_vec()),
            ..case("echo did not read", 0, "did not read\n", "")
        },
        Case {
            env: vec![("GREETING", "it's me"), ("EMPTY", "")],
            ..case(
                "echo \"$GREETING|$EMPTY|${EMPTY+set}\"",
                0,
                "it's me||set\n",
                "",
            )
        },
        Case {
            chdir: Some("/usr/share"),
            ..case("pwd", 0, "/usr/share\n", "")
        },
        Case {
            chdir: Some("/nonexistent-srplay"),
            ..case("pwd 2>/dev/null", 2, "", "")
        },
    ];
    let conn = SshConnection::new(target(&sshd, 0)).unwrap();
    rt().block_on(async {
        for c in cases {
            let mut req = ExecRequest::new(c.cmd).stdin(c.stdin.clone());
            req.env = c
                .env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            req.chdir = c.chdir.map(str::to_string);
            let out = conn
                .exec(req)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", c.cmd));
            let stderr = out.stderr_str();
            if c.chdir == Some("/nonexistent-srplay") {
                assert!(stderr.contains("can't cd"), "{}: {stderr}", c.cmd);
            } else {
                assert_eq!(stderr, c.stderr, "stderr of {}", c.cmd);
            }
            assert_eq!(
                (out.rc, out.stdout_str().as_str()),
                (c.rc, c.stdout),
                "{}",
                c.cmd
            );
        }
        conn.close().await;
    });
}

#[test]
fn many_commands_share_one_master_and_run_concurrently() {
    let sshd = Sshd::start();
    let conn = std::sync::Arc::new(SshConnection::new(target(&sshd, 0)).unwrap());
    rt().block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..24 {
            let conn = conn.clone();
            tasks.spawn(async move {
                let out = conn
                    .exec(ExecRequest::new(format!("sleep 0.2; echo {i}")))
                    .await
                    .unwrap();
                (i, out.stdout_str())
            });
        }
        let mut seen = 0;
        while let Some(r) = tasks.join_next().await {
            let (i, out) = r.unwrap();
            assert_eq!(out, format!("{i}\n"));
            seen += 1;
        }
        assert_eq!(seen, 24);
        let pid = conn.master_pid().await.expect("a master is open");
        let ctl = conn.control_path().await.unwrap();
        let masters = ssh_support::ssh_processes_mentioning(ctl.to_str().unwrap());
        assert_eq!(masters, vec![pid], "exactly one master for the host");
        conn.close().await;
    });
}

#[test]
fn more_commands_than_sshd_max_sessions_queue_instead_of_failing() {
    // sshd refuses sessions beyond MaxSessions (and briefly after one
    // closes); the transport must wait and retry, adapting to a limit
    // lower than its own, however many commands are asked for at once.
    for max_sessions in [8, 3] {
        let sshd = Sshd::start_with(1, &format!("MaxSessions {max_sessions}"));
        let pool = srplay_engine::connection::Connections::default();
        let conn = pool
            .for_host(
                "h",
                &sshd.host_vars(0),
                &srplay_engine::connection::SshDefaults::default(),
            )
            .unwrap();
        rt().block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..30 {
                let conn = conn.clone();
                tasks.spawn(async move {
                    conn.exec(ExecRequest::new(format!("sleep 0.1; echo {i}")))
                        .await
                });
            }
            let mut ok = 0;
            while let Some(r) = tasks.join_next().await {
                let out = r
                    .unwrap()
                    .unwrap_or_else(|e| panic!("MaxSessions {max_sessions}: {e}"));
                assert!(out.success(), "{}", out.stderr_str());
                ok += 1;
            }
            assert_eq!(ok, 30, "MaxSessions {max_sessions}");
            pool.close_all().await;
        });
    }
}
