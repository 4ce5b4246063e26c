//! Minimal entry point for the engine branch; the lead's `main.rs` replaces it.

mod playbook_cmd;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(
    name = "srplay",
    version,
    about = "Run Ansible-syntax playbooks over OpenSSH"
)]
struct Cli {
    #[command(flatten)]
    playbook: playbook_cmd::PlaybookArgs,
}

fn main() {
    let cli = Cli::parse();
    let code = match playbook_cmd::run(&cli.playbook, srplay_engine::module::ModuleRegistry::new())
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}
