//! `srplay inventory`: the `ansible-inventory` command (list, graph, host).
//!
//! Output matches ansible-inventory 2.19. One deliberate difference: when a
//! source fails to parse, ansible prints warnings and exits 0 with that
//! source ignored; srplay prints the same inventory but reports the error
//! with file and line and exits 1.

use crate::vault_args::VaultArgs;
use inventory_parser::{
    graph, host_json, host_yaml, list_json, list_yaml, to_python_json, Inventory,
};
use srplay_engine::config::Settings;
use std::io::Write;

/// ansible's exit status for invalid options (AnsibleOptionsError).
const OPTIONS_ERROR: i32 = 5;

/// ansible's exit status for a file it cannot parse or decrypt
/// (AnsibleParserError), e.g. a vault file without the right password.
const PARSER_ERROR: i32 = 4;

/// ansible's default inventory when no `-i` is given.
const DEFAULT_INVENTORY: &str = "/etc/ansible/hosts";

#[derive(clap::Args, Debug)]
pub struct InventoryArgs {
    /// Inventory source: file, directory or comma-separated host list (repeatable;
    /// default: ANSIBLE_INVENTORY, else ansible.cfg's `inventory`, else /etc/ansible/hosts).
    #[arg(
        short = 'i',
        long = "inventory",
        alias = "inventory-file",
        value_name = "SOURCE"
    )]
    pub inventory: Vec<String>,
    /// Output all hosts info (JSON, or YAML with --yaml).
    #[arg(long)]
    pub list: bool,
    /// Output the group tree, starting at GROUP (default: all).
    #[arg(long)]
    pub graph: bool,
    /// Output the variables of one host.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Use YAML format instead of JSON (ignored with --graph).
    #[arg(short = 'y', long)]
    pub yaml: bool,
    /// With --list: show each group's variables and hosts' own variables
    /// instead of merged per-host variables.
    #[arg(long)]
    pub export: bool,
    /// With --graph: add variables to the tree.
    #[arg(long = "vars")]
    pub show_vars: bool,
    /// Further limit hosts to a pattern (`@file` reads patterns from a file).
    #[arg(short = 'l', long = "limit", value_name = "SUBSET")]
    pub limit: Option<String>,
    /// Also read group_vars/ and host_vars/ from this directory, as if it
    /// held the playbook.
    #[arg(long = "playbook-dir", value_name = "BASEDIR")]
    pub playbook_dir: Option<std::path::PathBuf>,
    /// Write the output to a file instead of stdout.
    #[arg(long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Verbosity (accepted for compatibility; srplay prints the same either way).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(flatten)]
    pub vault: VaultArgs,
    /// Group for --graph (ansible's positional `pattern`).
    #[arg(value_name = "GROUP")]
    pub pattern: Option<String>,
}

/// Runs the subcommand; returns the process exit code.
pub fn run(args: &InventoryArgs) -> anyhow::Result<i32> {
    let modes = [args.list, args.graph, args.host.is_some()]
        .iter()
        .filter(|m| **m)
        .count();
    if modes == 0 {
        eprintln!("[ERROR]: No action selected, at least one of --host, --graph or --list needs to be specified.");
        return Ok(OPTIONS_ERROR);
    }
    if modes > 1 {
        eprintln!("[ERROR]: Conflicting options used, only one of --host, --graph or --list can be used at the same time.");
        return Ok(OPTIONS_ERROR);
    }
    let settings = Settings::load(&std::env::current_dir()?, &Settings::process_env())?;
    install_vault_secrets(args, &settings)?;
    // `-i`, else ansible.cfg's `inventory` (or ANSIBLE_INVENTORY), else
    // ansible's default, as ansible-inventory chooses.
    let sources: Vec<String> = if !args.inventory.is_empty() {
        args.inventory.clone()
    } else if !settings.inventory.is_empty() {
        settings.inventory.clone()
    } else {
        vec![DEFAULT_INVENTORY.to_string()]
    };
    let mut outcome = match Inventory::load_lenient(&sources) {
        Ok(o) => o,
        Err(e) => return Ok(load_failed(&e)),
    };
    if let Some(dir) = &args.playbook_dir {
        if let Err(e) = outcome.inventory.load_playbook_vars(dir) {
            return Ok(load_failed(&e));
        }
    }
    let inv = &outcome.inventory;
    let mut warnings: Vec<String> = inv.warnings().to_vec();
    for e in &outcome.failures {
        eprintln!("[ERROR]: {e}");
    }
    for s in &outcome.unparsed {
        if s != DEFAULT_INVENTORY || std::path::Path::new(s).exists() {
            warnings.push(format!(
                "Unable to parse {} as an inventory source",
                Inventory::display_source(s)
            ));
        }
    }
    if outcome.unparsed.len() == sources.len() {
        warnings.push("No inventory was parsed, only implicit localhost is available".into());
    }
    let result = render(args, inv, &mut warnings);
    print_warnings(&warnings);
    let text = match result {
        Ok(t) => t,
        Err((code, msg)) => {
            eprintln!("[ERROR]: {msg}");
            return Ok(code);
        }
    };
    emit(args, &text)?;
    Ok(if outcome.failures.is_empty() { 0 } else { 1 })
}

/// The vault options plus ansible.cfg's `vault_password_file` /
/// `vault_identity_list`, installed before any vars file is read (as in
/// `srplay PLAYBOOK`), so encrypted `group_vars/`/`host_vars/` decrypt.
fn install_vault_secrets(args: &InventoryArgs, settings: &Settings) -> anyhow::Result<()> {
    let mut vault = args.vault.clone();
    vault.apply_settings(settings);
    vault.install()
}

/// Prints a load error; returns ansible's exit status for it (4 for a vault
/// file that cannot be decrypted, as ansible-inventory).
fn load_failed(e: &inventory_parser::InventoryError) -> i32 {
    eprintln!("[ERROR]: {e}");
    if e.is_vault_error() {
        PARSER_ERROR
    } else {
        1
    }
}

fn print_warnings(warnings: &[String]) {
    let mut seen: Vec<&String> = Vec::new();
    if warnings
        .iter()
        .any(|w| w.starts_with("[DEPRECATION WARNING]"))
    {
        eprintln!("[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg.");
    }
    for w in warnings {
        if seen.contains(&w) {
            continue;
        }
        seen.push(w);
        if w.starts_with("[DEPRECATION WARNING]") {
            eprintln!("{w}");
        } else {
            eprintln!("[WARNING]: {w}");
        }
    }
}

/// Produces the output text, or an exit status and error message.
/// `--host` and `--graph` ignore `--limit`, as in ansible.
fn render(
    args: &InventoryArgs,
    inv: &Inventory,
    warnings: &mut Vec<String>,
) -> Result<String, (i32, String)> {
    let failed = |e: inventory_parser::InventoryError| (1, e.to_string());
    if let Some(host) = &args.host {
        let hosts = inv.select_limited(host, None, warnings).map_err(failed)?;
        if hosts.len() != 1 {
            return Err((
                OPTIONS_ERROR,
                "You must pass a single valid host to --host parameter".into(),
            ));
        }
        if !args.export {
            warnings.extend(inv.reserved_name_warnings(&hosts[0]));
        }
        return Ok(if args.yaml {
            host_yaml(inv, &hosts[0], args.export)
        } else {
            to_python_json(&host_json(inv, &hosts[0], args.export))
        });
    }
    if args.graph {
        let group = args.pattern.as_deref().unwrap_or("all");
        // A bad group is an option error; a `!vault` value that cannot be
        // decrypted exits 1, as in ansible-inventory.
        return graph(inv, group, args.show_vars).map_err(|e| match e {
            inventory_parser::InventoryError::Pattern(_) => (OPTIONS_ERROR, e.to_string()),
            _ => (1, e.to_string()),
        });
    }
    let available = inv
        .select_limited("all", args.limit.as_deref(), warnings)
        .map_err(failed)?;
    if !args.export {
        for h in &available {
            warnings.extend(inv.reserved_name_warnings(h));
        }
    }
    Ok(if args.yaml {
        list_yaml(inv, &available, args.export)
    } else {
        to_python_json(&list_json(inv, &available, args.export))
    })
}

fn emit(args: &InventoryArgs, text: &str) -> anyhow::Result<()> {
    match &args.output {
        Some(path) => std::fs::write(path, text)?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            if !text.ends_with('\n') {
                out.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}
