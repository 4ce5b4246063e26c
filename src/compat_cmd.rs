//! `srplay compat PATH...`: list what an Ansible repository uses that
//! srplay does not support, before anything runs.

use srplay_engine::compat;
use srplay_engine::module::ModuleRegistry;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CompatArgs {
    /// Playbooks, roles, inventories, ansible.cfg files or directories
    /// (scanned recursively).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// `text` (one line per finding and a summary) or `json`.
    #[arg(long, short = 'o', default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

/// Exit 0: everything supported; 1: something is not; 2: unreadable input.
pub fn run(args: &CompatArgs, registry: &ModuleRegistry) -> anyhow::Result<i32> {
    let mut registry = registry.clone();
    srplay_engine::actions::register(&mut registry);
    let report = compat::scan(&args.paths, &registry);
    let text = match args.output.as_str() {
        "json" => compat::render_json(&report),
        _ => compat::render_text(&report),
    };
    print!("{text}");
    Ok(report.exit_code())
}
