//! The `srplay` command line: parsing, wiring, exit codes. Everything else
//! lives in the library crates.

mod compat_cmd;
mod doc_cmd;
mod inventory_cmd;
mod playbook_cmd;
mod playground_cmd;
mod registry;
mod terminal;
mod vault_args;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "srplay",
    version,
    about = "Run Ansible-syntax playbooks over OpenSSH; StarRocks scaling SOP built in",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    playbook: playbook_cmd::PlaybookArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show the inventory like ansible-inventory (--list, --graph, --host).
    Inventory(inventory_cmd::InventoryArgs),
    /// A local simulated StarRocks cluster to rehearse playbooks on.
    Playground(playground_cmd::PlaygroundArgs),
    /// Show module documentation.
    Doc(doc_cmd::DocArgs),
    /// List what an Ansible repository uses that srplay does not support.
    Compat(compat_cmd::CompatArgs),
    /// The embedded StarRocks simulator (used by playground host scripts).
    #[command(hide = true)]
    Srsim {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Some(Command::Inventory(args)) => inventory_cmd::run(&args),
        Some(Command::Playground(args)) => playground_cmd::run(&args),
        Some(Command::Doc(args)) => doc_cmd::run(&args, &registry::documented(&args.module_path)?),
        Some(Command::Compat(args)) => compat_cmd::run(&args, &registry::builtin()),
        Some(Command::Srsim { args }) => {
            let argv = std::iter::once("srsim".to_string()).chain(args).collect();
            Ok(starrocks_sim::cli::main_with_args(argv))
        }
        None => playbook_cmd::run(&cli.playbook, registry::builtin()),
    }
}
