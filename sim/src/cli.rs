//! The `srsim` command line (also embedded as `srplay srsim ...`).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::exec::Session;
use crate::outcome::Outcome;
use crate::rpc::{self, Request, Response};

#[derive(Parser, Debug)]
#[command(
    name = "srsim",
    about = "StarRocks cluster simulator: FE/BE node processes and a playground"
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Run a BE: binds the ports named in be.conf, writes <home>/bin/be.pid.
    Be {
        #[arg(long)]
        conf: PathBuf,
        /// Address to bind (default: priority_networks, else 127.0.0.1).
        #[arg(long)]
        host: Option<String>,
        /// Accepted for start_be.sh compatibility (the script backgrounds).
        #[arg(long)]
        daemon: bool,
    },
    /// Run a compute node: like `be`, with <home>/bin/cn.pid (cn.conf).
    Cn {
        #[arg(long)]
        conf: PathBuf,
        #[arg(long)]
        host: Option<String>,
        #[arg(long)]
        daemon: bool,
    },
    /// Run an FE: leader of a new cluster, or joins through --helper.
    Fe {
        #[arg(long)]
        conf: PathBuf,
        /// host:edit_log_port of a running FE (first start only).
        #[arg(long)]
        helper: Option<String>,
        #[arg(long)]
        host: Option<String>,
        /// Accepted and ignored (IP or FQDN).
        #[arg(long = "host_type")]
        host_type: Option<String>,
        #[arg(long)]
        daemon: bool,
    },
    /// Run one statement on an FE through its edit_log_port (fault
    /// statements such as ADMIN SIM KILL NODE 'h:p' included).
    Sql {
        /// host:edit_log_port of an FE.
        #[arg(long)]
        fe: String,
        statement: String,
    },
    /// A local cluster under a directory.
    Playground {
        #[command(subcommand)]
        cmd: PlaygroundCmd,
    },
}

#[derive(Subcommand, Debug)]
pub enum PlaygroundCmd {
    Up {
        dir: PathBuf,
        #[arg(long, default_value_t = 1)]
        fe: usize,
        #[arg(long, default_value_t = 3)]
        be: usize,
        #[arg(long, default_value_t = 0)]
        spare_be: usize,
        #[arg(long, default_value_t = 0)]
        spare_fe: usize,
        #[arg(long, default_value = "3.3")]
        version: String,
        /// Loopback /24 for the hosts' addresses.
        #[arg(long, default_value = "127.0.1")]
        subnet: String,
        /// Leader heartbeat interval (ms).
        #[arg(long, default_value_t = 300)]
        heartbeat_interval_ms: u64,
        /// Tablets moved per decommissioned BE per round.
        #[arg(long, default_value_t = 4)]
        migration_tablets_per_round: u64,
    },
    Status {
        dir: PathBuf,
    },
    Down {
        dir: PathBuf,
    },
}

/// Entry point for `srsim ARGS` and `srplay srsim ARGS`; `args[0]` is the
/// program name.
pub fn run_cli(args: Vec<String>) -> anyhow::Result<()> {
    let cli = Cli::try_parse_from(args).map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            anyhow::anyhow!("invalid arguments")
        } else {
            std::process::exit(0)
        }
    })?;
    // own thread: callable from inside an async runtime (srplay's main)
    std::thread::spawn(move || run(cli))
        .join()
        .map_err(|_| anyhow::anyhow!("srsim panicked"))?
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match cli.cmd {
        Cmd::Be { conf, host, .. } => {
            rt.block_on(crate::be_node::run(&conf, host.as_deref(), "be"))
        }
        Cmd::Cn { conf, host, .. } => {
            rt.block_on(crate::be_node::run(&conf, host.as_deref(), "cn"))
        }
        Cmd::Fe {
            conf, helper, host, ..
        } => rt.block_on(crate::fe_node::run(crate::fe_node::FeOptions {
            conf,
            helper,
            host,
        })),
        Cmd::Sql { fe, statement } => rt.block_on(sql(&fe, &statement)),
        Cmd::Playground { cmd } => {
            drop(rt);
            match cmd {
                PlaygroundCmd::Up {
                    dir,
                    fe,
                    be,
                    spare_be,
                    spare_fe,
                    version,
                    subnet,
                    heartbeat_interval_ms,
                    migration_tablets_per_round,
                } => {
                    let argv = self_argv()?;
                    let v = crate::version::SrVersion::parse(&version)?;
                    let opts = crate::playground::UpOptions {
                        subnet,
                        heartbeat_interval_ms,
                        migration_tablets_per_round,
                        ..Default::default()
                    };
                    let c = crate::playground::up_with(
                        &dir, fe, be, spare_be, spare_fe, v, &argv, &opts,
                    )?;
                    println!("{}", c.summary());
                    Ok(())
                }
                PlaygroundCmd::Status { dir } => {
                    print!("{}", crate::playground::status(&dir)?);
                    Ok(())
                }
                PlaygroundCmd::Down { dir } => crate::playground::down(&dir),
            }
        }
    }
}

/// How the generated scripts run this simulator: `[exe]` for the `srsim`
/// binary, `[exe, "srsim"]` when embedded (`srplay srsim ...`).
pub fn self_argv() -> anyhow::Result<Vec<String>> {
    let exe = std::env::current_exe()?;
    let standalone = exe
        .file_stem()
        .map(|s| s.to_string_lossy().starts_with("srsim"))
        .unwrap_or(false);
    let mut v = vec![exe.display().to_string()];
    if !standalone {
        v.push("srsim".into());
    }
    Ok(v)
}

async fn sql(fe: &str, statement: &str) -> anyhow::Result<()> {
    let req = Request::Sql {
        sql: statement.into(),
        session: Session {
            user: "root".into(),
            client_host: "127.0.0.1".into(),
            ..Default::default()
        },
    };
    match rpc::call(fe, &req, Duration::from_secs(30)).await {
        Ok(Response::Executed { executed, .. }) => match executed.outcome {
            Outcome::Rows(rs) => {
                print!("{}", crate::table::render(&rs));
                Ok(())
            }
            Outcome::Ok { .. } => Ok(()),
            Outcome::Err(e) => anyhow::bail!("{e}"),
        },
        Ok(other) => anyhow::bail!("unexpected answer: {other:?}"),
        Err(e) => anyhow::bail!("{fe}: {e}"),
    }
}

/// `run_cli` for a `main`: prints the error (no backtrace) and returns the
/// exit code.
pub fn main_with_args(args: Vec<String>) -> i32 {
    match run_cli(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("ERROR: {e:#}");
            1
        }
    }
}
