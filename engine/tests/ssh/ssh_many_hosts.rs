//! Fifty hosts at once, one master each, through the connection pool.

use crate::ssh_support;

use srplay_engine::connection::{Connection, Connections, ExecRequest, SshTarget};
use srplay_testkit::Sshd;
use ssh_support::{rt, ssh_processes_mentioning, target};

const HOSTS: usize = 50;

#[test]
fn fifty_hosts_each_run_commands_on_their_own_master() {
    let sshd = Sshd::start_hosts(HOSTS);
    // Its own control directory: the other tests of this binary run at the
    // same time, and their masters must not count as left over here.
    let control_base = tempfile::tempdir().unwrap();
    let target = |i| SshTarget {
        control_dir: Some(control_base.path().to_path_buf()),
        ..target(&sshd, i)
    };
    let pool = Connections::default();
    rt().block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..HOSTS {
            let conn = pool.get(target(i)).unwrap();
            let want = sshd.address(i);
            tasks.spawn(async move {
                // $SSH_CONNECTION = "client_ip client_port server_ip server_port"
                for round in 0..3 {
                    let out = conn
                        .exec(ExecRequest::new(format!(
                            "set -- $SSH_CONNECTION; echo \"$3 {round}\""
                        )))
                        .await
                        .unwrap_or_else(|e| panic!("host {want}: {e}"));
                    assert_eq!(out.stdout_str(), format!("{want} {round}\n"));
                }
                conn.master_pid().await.expect("connected")
            });
        }
        let mut pids = Vec::new();
        while let Some(r) = tasks.join_next().await {
            pids.push(r.unwrap());
        }
        pids.sort();
        pids.dedup();
        assert_eq!(pids.len(), HOSTS, "one distinct master per host");
        assert_eq!(pool.len(), HOSTS);

        // Asking again for the same target gives the same connection.
        let again = pool.get(target(7)).unwrap();
        let pid7 = again.master_pid().await.unwrap();
        assert!(pids.contains(&pid7));

        let dir = again
            .control_path()
            .await
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        drop(again);
        pool.close_all().await;
        assert!(pool.is_empty());
        let left = ssh_processes_mentioning(dir.to_str().unwrap());
        assert!(
            left.is_empty(),
            "ssh processes left after close_all: {left:?}"
        );
    });
}
