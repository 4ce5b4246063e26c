//! Per-command latency over one ssh master, against a private loopback sshd.
//!
//! `cargo run -p srplay-engine --example ssh_latency -- [commands] [hosts]`
//! (needs `openssh-server`; run as root or a user that may start sshd).

use srplay_engine::connection::{
    Connection, Connections, ExecRequest, SshConnection, SshDefaults, SshTarget, Stdin,
};
use srplay_testkit::Sshd;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let commands: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let hosts: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let sshd = Sshd::start_hosts(hosts.max(1));
    let target = |i: usize| {
        SshTarget::from_vars("bench", &sshd.host_vars(i), &SshDefaults::default()).unwrap()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conn = SshConnection::new(target(0)).unwrap();
        let t = Instant::now();
        conn.connect().await.unwrap();
        println!("master connect: {:.1} ms", ms(t.elapsed()));

        let seq = time_each(commands, || conn.exec(ExecRequest::new("true"))).await;
        report(&format!("{commands} sequential `true`"), seq);

        // For comparison: the ssh CLI over the same master (a process per command).
        let ctl = conn.control_path().await.unwrap();
        let cli = time_each(commands / 4, || async {
            tokio::process::Command::new("ssh")
                .arg("-S")
                .arg(&ctl)
                .args(["-o", "BatchMode=yes", "placeholder-host", "true"])
                .status()
                .await
                .map(|s| assert!(s.success()))
        })
        .await;
        report(
            &format!(
                "{} x `ssh -S ctl host true` (CLI, same master)",
                commands / 4
            ),
            cli,
        );

        let stdin = || Stdin::Bytes(vec![b'x'; 64 * 1024]);
        let piped = time_each(commands / 2, || {
            conn.exec(ExecRequest::new("cat >/dev/null").stdin(stdin()))
        })
        .await;
        report(&format!("{} x 64 KiB on stdin", commands / 2), piped);

        let conn = std::sync::Arc::new(conn);
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..commands {
            let c = conn.clone();
            tasks.spawn(async move { c.exec(ExecRequest::new("true")).await.unwrap() });
        }
        while tasks.join_next().await.is_some() {}
        let wall = t.elapsed();
        println!(
            "{commands} concurrent `true` (8 channels): {:.0} ms wall, {:.2} ms/command",
            ms(wall),
            ms(wall) / commands as f64
        );
        conn.close().await;

        let pool = Connections::default();
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..hosts {
            let c = pool.get(target(i)).unwrap();
            tasks.spawn(async move { c.exec(ExecRequest::new("true")).await.unwrap() });
        }
        while tasks.join_next().await.is_some() {}
        println!(
            "{hosts} hosts connected + 1 command each: {:.0} ms wall",
            ms(t.elapsed())
        );
        pool.close_all().await;
    });
}

async fn time_each<F, Fut, T, E>(n: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Debug,
{
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await.unwrap();
        v.push(t.elapsed());
    }
    v
}

fn report(what: &str, mut v: Vec<Duration>) {
    v.sort();
    let mean = v.iter().sum::<Duration>() / v.len().max(1) as u32;
    let pct = |p: f64| v[((v.len() as f64 - 1.0) * p) as usize];
    println!(
        "{what}: mean {:.2} ms, p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        ms(mean),
        ms(pct(0.5)),
        ms(pct(0.95)),
        ms(pct(1.0))
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
