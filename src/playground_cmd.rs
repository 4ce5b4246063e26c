//! `srplay playground`: a local simulated StarRocks cluster to rehearse
//! the SOP playbooks on, as `tiup playground` does for TiDB.

use anyhow::Context;
use starrocks_sim::playground::{self, Setup, Shape, UpOptions};
use starrocks_sim::version::SrVersion;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct PlaygroundArgs {
    #[command(subcommand)]
    pub cmd: PlaygroundCmd,
}

/// The shape of the simulated cluster.
#[derive(clap::Args, Debug, Clone)]
pub struct ClusterShape {
    /// Running FEs (the first is the leader, the others join as followers).
    #[arg(long, default_value_t = 1)]
    pub fe: usize,
    /// Running BEs.
    #[arg(long, default_value_t = 3)]
    pub be: usize,
    /// Spare BE hosts (group `new_be`): prepared, not started, not added.
    #[arg(long, default_value_t = 1)]
    pub spare_be: usize,
    /// Spare FE hosts (group `new_fe`): prepared, not started, not added.
    #[arg(long, default_value_t = 1)]
    pub spare_fe: usize,
    /// StarRocks version to imitate: 2.5, 3.1, 3.3 or latest.
    #[arg(long, default_value = "3.3")]
    pub version: String,
    /// Loopback /24 the hosts' addresses come from.
    #[arg(long, default_value = "127.0.1")]
    pub subnet: String,
    /// Give spare hosts a full fe/ or be/ tree (by default they are empty,
    /// so the add playbooks copy it from a reference node).
    #[arg(long)]
    pub spare_trees: bool,
    /// Do not create the demo database (by default `demo` has tables with
    /// replication_num 3 whose tablets are spread over the BEs).
    #[arg(long)]
    pub no_demo_data: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum PlaygroundCmd {
    /// Start a cluster; returns once it answers SQL and every node is alive.
    Up {
        #[arg(long, default_value = ".srplay/playground")]
        dir: PathBuf,
        #[command(flatten)]
        shape: ClusterShape,
    },
    /// Print SHOW FRONTENDS / SHOW BACKENDS of the cluster (main columns).
    Status {
        #[arg(long, default_value = ".srplay/playground")]
        dir: PathBuf,
        /// Every column.
        #[arg(long)]
        full: bool,
    },
    /// Stop every process the playground started.
    Down {
        #[arg(long, default_value = ".srplay/playground")]
        dir: PathBuf,
    },
    /// Up, run a playbook against it (`-i DIR/hosts`), show status, down.
    Run {
        #[arg(long, default_value = ".srplay/playground")]
        dir: PathBuf,
        /// Leave the cluster running afterwards.
        #[arg(long)]
        keep: bool,
        #[command(flatten)]
        shape: ClusterShape,
        /// The playbook to run.
        playbook: PathBuf,
        /// Further `srplay` flags for the playbook run (after `--`).
        #[arg(last = true)]
        args: Vec<String>,
    },
}

pub fn run(args: &PlaygroundArgs) -> anyhow::Result<i32> {
    match &args.cmd {
        PlaygroundCmd::Up { dir, shape } => {
            print!("{}", up(dir, shape)?.summary());
            print_demo(shape);
            Ok(0)
        }
        PlaygroundCmd::Status { dir, full } => {
            let shown = if *full {
                playground::status(dir)?
            } else {
                starrocks_sim::playground_status::status(dir)?
            };
            print!("{shown}");
            Ok(0)
        }
        PlaygroundCmd::Down { dir } => {
            playground::down(dir)?;
            println!("playground in {} stopped", dir.display());
            Ok(0)
        }
        PlaygroundCmd::Run {
            dir,
            keep,
            shape,
            playbook,
            args,
        } => run_playbook(dir, *keep, shape, playbook, args),
    }
}

fn up(dir: &Path, shape: &ClusterShape) -> anyhow::Result<playground::Cluster> {
    let version = SrVersion::parse(&shape.version)?;
    let opts = UpOptions {
        subnet: shape.subnet.clone(),
        // slow enough that a decommission's progress can be watched
        migration_tablets_per_round: 2,
        migration_interval_ms: 1000,
        ..Default::default()
    };
    let argv = starrocks_sim::cli::self_argv()?;
    let sizes = Shape {
        fe: shape.fe,
        be: shape.be,
        spare_be: shape.spare_be,
        spare_fe: shape.spare_fe,
        version,
    };
    let setup = Setup {
        empty_spares: !shape.spare_trees,
        demo_data: !shape.no_demo_data,
    };
    playground::up_full(dir, &sizes, &argv, &opts, setup)
        .with_context(|| format!("starting the playground in {}", dir.display()))
}

fn run_playbook(
    dir: &Path,
    keep: bool,
    shape: &ClusterShape,
    playbook: &Path,
    args: &[String],
) -> anyhow::Result<i32> {
    if !playbook.is_file() {
        anyhow::bail!("playbook {} not found", playbook.display());
    }
    let cluster = up(dir, shape)?;
    print!("{}", cluster.summary());
    print_demo(shape);
    println!();
    // The playbook runs in a child srplay so that its exit code, output and
    // signals are exactly those of `srplay PLAYBOOK -i DIR/hosts`.
    let status = std::process::Command::new(std::env::current_exe()?)
        .arg(playbook)
        .arg("-i")
        .arg(dir.join("hosts"))
        .args(args)
        .status();
    let shown = starrocks_sim::playground_status::status(dir).map(|s| print!("\n{s}"));
    if !keep {
        playground::down(dir)?;
        println!("playground stopped (use --keep to leave it running)");
    }
    shown?;
    Ok(status.context("running the playbook")?.code().unwrap_or(1))
}

fn print_demo(shape: &ClusterShape) {
    if !shape.no_demo_data {
        println!("  {}", starrocks_sim::playground_demo::describe(shape.be));
    }
}
