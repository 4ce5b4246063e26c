//! Minimal entry point wiring `srplay inventory`; the lead replaces this at merge.

mod inventory_cmd;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "srplay", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show the inventory like ansible-inventory (--list, --graph, --host).
    Inventory(inventory_cmd::InventoryArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Inventory(args) => inventory_cmd::run(args)?,
    };
    std::process::exit(code);
}
