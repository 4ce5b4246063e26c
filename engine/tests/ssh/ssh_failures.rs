//! What the ssh transport reports when hosts are down, keys are wrong,
//! host keys do not match, or a host dies under a running command.

use crate::ssh_support;

use serde_json::Value;
use srplay_engine::connection::{
    Connection, ConnectionError, Connections, ExecRequest, FileAttrs, PutSource, SshConnection,
    SshDefaults, SshTarget,
};
use srplay_testkit::Sshd;
use ssh_support::{rt, ssh_processes_mentioning, target};
use std::time::{Duration, Instant};

/// A loopback address and port where nothing listens.
fn dead_target() -> SshTarget {
    let l = std::net::TcpListener::bind("127.0.2.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let mut t = SshTarget::new("127.0.2.1");
    t.port = Some(port);
    t
}

fn unreachable_reason(r: Result<impl std::fmt::Debug, ConnectionError>) -> String {
    match r {
        Err(ConnectionError::Unreachable(why)) => why,
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

/// Wait (bounded) until `cond` holds; the bound only guards against hangs.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_unreachable_host_does_not_disturb_reachable_ones() {
    let sshd = Sshd::start_hosts(2);
    let pool = Connections::default();
    let targets = [target(&sshd, 0), dead_target(), target(&sshd, 1)];
    rt().block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, t) in targets.into_iter().enumerate() {
            let conn = pool.get(t).unwrap();
            tasks.spawn(async move { (i, conn.exec(ExecRequest::new("echo up")).await) });
        }
        let mut results: Vec<_> = Vec::new();
        while let Some(r) = tasks.join_next().await {
            results.push(r.unwrap());
        }
        results.sort_by_key(|(i, _)| *i);
        let mut results = results.into_iter().map(|(_, r)| r);
        assert_eq!(results.next().unwrap().unwrap().stdout_str(), "up\n");
        let why = unreachable_reason(results.next().unwrap());
        assert!(
            why.starts_with("Failed to connect to the host via ssh:")
                && why.contains("Connection refused"),
            "{why}"
        );
        assert_eq!(results.next().unwrap().unwrap().stdout_str(), "up\n");
        pool.close_all().await;
    });
}

#[test]
fn connect_failures_carry_ssh_reason() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let other_key = dir.path().join("other_key");
    let st = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other_key)
        .status()
        .unwrap();
    assert!(st.success());

    let wrong_key = {
        let mut v = sshd.host_vars(0);
        v.insert(
            "ansible_ssh_private_key_file".into(),
            other_key.display().to_string().into(),
        );
        v
    };
    let wrong_host_key = |checking: &str| {
        let mut v = sshd.host_vars(0);
        v.insert(
            "ansible_ssh_common_args".into(),
            format!(
                "-o UserKnownHostsFile={} -o IdentitiesOnly=yes -o IdentityAgent=none",
                sshd.wrong_known_hosts().display()
            )
            .into(),
        );
        v.insert("ansible_host_key_checking".into(), Value::from(checking));
        v
    };
    let hanging_proxy = {
        let mut v = sshd.host_vars(0);
        v.insert(
            "ansible_ssh_extra_args".into(),
            "-o 'ProxyCommand=sleep 60'".into(),
        );
        v.insert("ansible_ssh_timeout".into(), 1.into());
        v
    };
    // (case, host vars, what the reason must contain; None = connects)
    let cases = [
        (
            "wrong client key",
            wrong_key,
            Some("Permission denied (publickey"),
        ),
        (
            "host key mismatch, checking on",
            wrong_host_key("true"),
            Some("Host key verification failed"),
        ),
        (
            "host key mismatch, checking off",
            wrong_host_key("false"),
            None,
        ),
        (
            "no answer within the timeout",
            hanging_proxy,
            Some("timed out"),
        ),
    ];
    rt().block_on(async {
        for (name, vars, want) in cases {
            let t = SshTarget::from_vars("h", &vars, &SshDefaults::default()).unwrap();
            let conn = SshConnection::new(t).unwrap();
            let r = conn.exec(ExecRequest::new("echo in")).await;
            match want {
                Some(want) => {
                    let why = unreachable_reason(r);
                    assert!(why.contains(want), "{name}: {why}");
                }
                None => assert_eq!(r.unwrap().stdout_str(), "in\n", "{name}"),
            }
            conn.close().await;
        }
    });
}

#[test]
fn a_host_dying_mid_command_drops_that_task_and_the_next_is_unreachable() {
    let mut sshd = Sshd::start();
    let marker = tempfile::tempdir().unwrap();
    let started = marker.path().join("started");
    let conn = std::sync::Arc::new(SshConnection::new(target(&sshd, 0)).unwrap());
    let rt = rt();
    let running = {
        let conn = conn.clone();
        let cmd = format!("touch {}; sleep 60", started.display());
        rt.spawn(async move { conn.exec(ExecRequest::new(cmd)).await })
    };
    wait_until("the command to start", || started.exists());
    sshd.kill();
    let err = rt.block_on(running).unwrap().unwrap_err();
    assert!(matches!(err, ConnectionError::Dropped(_)), "{err:?}");
    assert!(err.is_unreachable());
    // The next task tries to reconnect and finds nobody there.
    let why = unreachable_reason(rt.block_on(conn.exec(ExecRequest::new("true"))));
    assert!(why.contains("Connection refused"), "{why}");
}

#[test]
fn an_interrupted_put_leaves_the_old_file_intact() {
    let mut sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("fe.conf");
    std::fs::write(&dest, "old content\n").unwrap();
    // A FIFO as the source lets the test decide when the transfer stalls.
    let fifo = dir.path().join("source.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: c is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (release, wait_release) = std::sync::mpsc::channel::<()>();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            let _ = f.write_all(&vec![b'x'; 256 * 1024]);
            let _ = wait_release.recv();
        })
    };
    let conn = std::sync::Arc::new(SshConnection::new(target(&sshd, 0)).unwrap());
    let rt = rt();
    let put = {
        let conn = conn.clone();
        let d = dest.display().to_string();
        rt.spawn(async move {
            conn.put(PutSource::File(fifo), &d, &FileAttrs::default(), None)
                .await
        })
    };
    let temp_has_data = || {
        std::fs::read_dir(dir.path()).unwrap().flatten().any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".fe.conf.srplay-tmp-")
                && e.metadata().map(|m| m.len() >= 256 * 1024).unwrap_or(false)
        })
    };
    wait_until("the temp file to fill", temp_has_data);
    sshd.kill();
    let err = rt.block_on(put).unwrap().unwrap_err();
    assert!(err.is_unreachable(), "{err:?}");
    release.send(()).unwrap();
    writer.join().unwrap();
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old content\n");
}

#[test]
fn a_master_that_went_away_between_commands_is_reopened() {
    let sshd = Sshd::start();
    let conn = SshConnection::new(target(&sshd, 0)).unwrap();
    let rt = rt();
    rt.block_on(async {
        assert!(conn.exec(ExecRequest::new("true")).await.unwrap().success());
        let first = conn.master_pid().await.unwrap();
        // SAFETY: kill(2); the pid is our own master.
        unsafe { libc::kill(first as i32, libc::SIGKILL) };
        wait_until("the master to die", || gone(first));
        let out = conn.exec(ExecRequest::new("echo again")).await.unwrap();
        assert_eq!(out.stdout_str(), "again\n");
        let second = conn.master_pid().await.unwrap();
        assert_ne!(first, second);
        conn.close().await;
    });
}

/// The process no longer runs (missing, or a zombie nobody reaped yet).
fn gone(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

#[test]
fn close_and_drop_leave_no_ssh_process_behind() {
    let sshd = Sshd::start_hosts(2);
    let rt = rt();
    // close(): the master is gone when close returns.
    let conn = SshConnection::new(target(&sshd, 0)).unwrap();
    let ctl = rt.block_on(async {
        conn.connect().await.unwrap();
        let ctl = conn.control_path().await.unwrap();
        assert_eq!(ssh_processes_mentioning(ctl.to_str().unwrap()).len(), 1);
        conn.close().await;
        conn.close().await; // idempotent
        ctl
    });
    assert_eq!(
        ssh_processes_mentioning(ctl.to_str().unwrap()),
        Vec::<u32>::new()
    );
    assert!(!ctl.exists(), "control socket removed");

    // drop without close: the master is told to exit.
    let conn = SshConnection::new(target(&sshd, 1)).unwrap();
    let ctl = rt.block_on(async {
        conn.connect().await.unwrap();
        conn.control_path().await.unwrap()
    });
    drop(conn);
    wait_until("the dropped connection's master to exit", || {
        ssh_processes_mentioning(ctl.to_str().unwrap()).is_empty()
    });
}

#[test]
fn a_put_cut_off_by_the_controller_dying_leaves_the_old_file_intact() {
    // Our side of the connection dies (srplay killed, network cut) while the
    // content streams: the remote `cat` sees a clean EOF, and only a size
    // check stops the shortened file from being renamed into place.
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("be.conf");
    std::fs::write(&dest, "old content\n").unwrap();
    let src = dir.path().join("source.bin");
    std::fs::write(&src, vec![b'y'; 4 * 1024 * 1024]).unwrap();
    let fifo = dir.path().join("source.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: c is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (release, wait_release) = std::sync::mpsc::channel::<()>();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            let _ = f.write_all(&vec![b'y'; 256 * 1024]);
            let _ = wait_release.recv();
        })
    };
    // The script a put of `src` runs, fed from the FIFO that stalls.
    let len = std::fs::metadata(&src).unwrap().len();
    let script = srplay_engine::connection::atomic_write_script_checked(
        dest.to_str().unwrap(),
        &FileAttrs::default(),
        Some(len),
    );
    let conn = std::sync::Arc::new(SshConnection::new(target(&sshd, 0)).unwrap());
    let rt = rt();
    let put = {
        let conn = conn.clone();
        rt.spawn(async move {
            conn.exec(ExecRequest::new(script).stdin(srplay_engine::connection::Stdin::File(fifo)))
                .await
        })
    };
    let temp_has_data = || {
        std::fs::read_dir(dir.path()).unwrap().flatten().any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".be.conf.srplay-tmp-")
                && e.metadata().map(|m| m.len() >= 256 * 1024).unwrap_or(false)
        })
    };
    wait_until("the temp file to fill", temp_has_data);
    let master = rt.block_on(conn.master_pid()).unwrap();
    // SAFETY: kill(2) on our own ssh master.
    unsafe { libc::kill(master as i32, libc::SIGKILL) };
    let r = rt.block_on(put).unwrap();
    assert!(r.is_err(), "{r:?}");
    release.send(()).unwrap();
    writer.join().unwrap();
    // The remote script finishes on its own after the disconnect; give it
    // time to (wrongly) rename before checking that it did not.
    wait_until("the temp file to go", || !temp_has_data());
    std::thread::sleep(Duration::from_millis(300));
    let now = std::fs::read(&dest).unwrap();
    assert!(
        now == b"old content\n",
        "destination replaced by {} bytes",
        now.len()
    );
}
