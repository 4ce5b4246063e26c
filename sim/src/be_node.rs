//! `srsim be`: a BE process. It binds the four BE ports on its address,
//! writes `bin/be.pid`, and answers the leader's heartbeats with its ports,
//! version and disk figures.

use std::path::Path;

use crate::backend::BeReport;
use crate::conf::Conf;
use crate::format;
use crate::node;
use crate::rpc::{self, Request, Response};
use crate::version::SrVersion;

pub async fn run(conf_path: &Path, host: Option<&str>) -> anyhow::Result<()> {
    let conf = Conf::load(conf_path)?;
    let host = conf.bind_host(host);
    let hb_port = conf.port("heartbeat_service_port", 9050)?;
    let be_port = conf.port("be_port", 9060)?;
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
    let pid = node::write_pid_file(&conf.home, "be")?;
    node::exit_on_signal(pid);
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
        mem_limit: conf
            .get("sim_mem_limit")
            .and_then(format::parse_size)
            .unwrap_or(6664717107),
        disk_total: total,
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
        let report = report.clone();
        tokio::spawn(async move {
            match rpc::read_request(&mut s).await {
                Some(Request::Heartbeat) => {
                    rpc::write_response(&mut s, &Response::Be { report }).await
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
