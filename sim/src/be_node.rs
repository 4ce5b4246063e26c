//! `srsim be`: a BE process. It binds the four BE ports on its address,
//! writes `bin/be.pid`, and answers the leader's heartbeats with its ports,
//! version and disk figures.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::backend::BeReport;
use crate::conf::Conf;
use crate::format;
use crate::node;
use crate::rpc::{self, Request, Response};
use crate::version::SrVersion;

/// `pid_name`: `be` (bin/be.pid) or `cn` (bin/cn.pid, a compute node).
pub async fn run(conf_path: &Path, host: Option<&str>, pid_name: &str) -> anyhow::Result<()> {
    let conf = Conf::load(conf_path)?;
    let host = conf.bind_host(host);
    let hb_port = conf.port("heartbeat_service_port", 9050)?;
    let be_port = conf.port("be_port", conf.port("thrift_port", 9060)?)?;
    let http_port = conf.port("be_http_port", conf.port("webserver_port", 8040)?)?;
    let brpc_port = conf.port("brpc_port", 8060)?;
    let version = SrVersion::parse(conf.get("sim_version").unwrap_or("3.3"))?;
    let hb = node::bind(&host, hb_port, "heartbeat_service_port").await?;
    node::spawn_stub(node::bind(&host, be_port, "be_port").await?);
    node::spawn_http(
        node::bind(&host, http_port, "be_http_port").await?,
        "{\"status\":\"OK\",\"msg\":\"OK\"}",
    );
    node::spawn_stub(node::bind(&host, brpc_port, "brpc_port").await?);
    let pid = node::write_pid_file(&conf.home, pid_name)?;
    let shutting_down = Arc::new(AtomicBool::new(false));
    let reported = Arc::new(Notify::new());
    if version >= SrVersion::V3_3 {
        // graceful exit (3.3+): report SHUTDOWN to the leader, then exit
        let (flag, reported) = (shutting_down.clone(), reported.clone());
        let max_wait = conf.u64("sim_graceful_exit_ms", 10_000);
        let pid = pid.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            term.recv().await;
            flag.store(true, Ordering::SeqCst);
            let _ =
                tokio::time::timeout(Duration::from_millis(max_wait), reported.notified()).await;
            let _ = std::fs::remove_file(&pid);
            std::process::exit(0);
        });
    } else {
        node::exit_on_signal(pid);
    }
    let total = conf
        .get("sim_disk_capacity")
        .and_then(format::parse_size)
        .unwrap_or(100 << 30);
    let report = BeReport {
        be_port: be_port as i32,
        http_port: http_port as i32,
        brpc_port: brpc_port as i32,
        version: version.full().into(),
        start_time_ms: format::now_ms(),
        cpu_cores: std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(1),
        // an absolute mem_limit ("100G") is reported as is
        mem_limit: conf
            .get("sim_mem_limit")
            .or(conf.get("mem_limit"))
            .and_then(format::parse_size)
            .unwrap_or(6664717107),
        disk_total: total,
        shutting_down: false,
        disk_other_used: conf
            .get("sim_disk_other_used")
            .and_then(format::parse_size)
            .unwrap_or(total / 5),
    };
    eprintln!(
        "starrocks_be (srsim) {} listening on {host}:{hb_port}",
        version.full()
    );
    loop {
        let Ok((mut s, _)) = hb.accept().await else {
            continue;
        };
        let mut report = report.clone();
        let (flag, reported) = (shutting_down.clone(), reported.clone());
        tokio::spawn(async move {
            match rpc::read_request(&mut s).await {
                Some(Request::Heartbeat) => {
                    report.shutting_down = flag.load(Ordering::SeqCst);
                    let down = report.shutting_down;
                    rpc::write_response(&mut s, &Response::Be { report }).await;
                    if down {
                        reported.notify_one();
                    }
                }
                Some(Request::Exit) => {
                    rpc::write_response(&mut s, &Response::Ok).await;
                    node::die_soon();
                }
                Some(_) => {
                    rpc::write_response(
                        &mut s,
                        &Response::Err {
                            msg: "not an FE".into(),
                        },
                    )
                    .await;
                }
                None => {}
            }
        });
    }
}
