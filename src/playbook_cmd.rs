//! `srplay PLAYBOOK...`: the `ansible-playbook` command line.
//!
//! Loads and validates every playbook before touching any host, then runs
//! them with the engine and returns `ansible-playbook`'s exit code.

mod list;
mod settings;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{Map, Value};
use srplay_engine::executor::{ConnectionFactory, Executor, RunOptions, SshFactory};
use srplay_engine::inventory_view::InventoryView;
use srplay_engine::module::ModuleRegistry;
use srplay_engine::output::{Callback, JsonCallback, Reporter, TextCallback};
use srplay_engine::playbook::{Item, Loader, LoaderOptions, Playbook, TagFilter};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Default,
    Json,
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct PlaybookArgs {
    /// Playbook(s) to run
    #[arg(value_name = "PLAYBOOK")]
    pub playbooks: Vec<PathBuf>,
    /// Inventory: a file/directory, or a comma-separated host list (`h1,h2,`)
    #[arg(short = 'i', long = "inventory", value_name = "INVENTORY")]
    pub inventory: Vec<String>,
    /// Further limit the selected hosts to a pattern
    #[arg(short = 'l', long = "limit", value_name = "SUBSET")]
    pub limit: Option<String>,
    /// Extra variables: `k=v k2=v2`, YAML/JSON, or `@file`
    #[arg(short = 'e', long = "extra-vars", value_name = "EXTRA_VARS")]
    pub extra_vars: Vec<String>,
    /// Only run plays and tasks tagged with these values
    #[arg(short = 't', long = "tags")]
    pub tags: Vec<String>,
    /// Only run plays and tasks whose tags do not match these values
    #[arg(long = "skip-tags")]
    pub skip_tags: Vec<String>,
    /// Don't make any changes; predict some of the changes that may occur
    #[arg(short = 'C', long = "check")]
    pub check: bool,
    /// Show the differences in files and templates
    #[arg(short = 'D', long = "diff")]
    pub diff: bool,
    /// Number of parallel processes
    #[arg(
        short = 'f',
        long = "forks",
        value_name = "FORKS",
        help = "Number of parallel processes [default: 50]"
    )]
    pub forks: Option<usize>,
    /// Connect as this user
    #[arg(short = 'u', long = "user", value_name = "REMOTE_USER")]
    pub user: Option<String>,
    /// Run operations with become
    #[arg(short = 'b', long = "become")]
    pub r#become: bool,
    /// Run operations as this user (default root)
    #[arg(long = "become-user")]
    pub become_user: Option<String>,
    /// Privilege escalation method (sudo, su)
    #[arg(long = "become-method")]
    pub become_method: Option<String>,
    /// Ask for the privilege escalation password
    #[arg(short = 'K', long = "ask-become-pass")]
    pub ask_become_pass: bool,
    /// Connection type (ssh, local)
    #[arg(short = 'c', long = "connection")]
    pub connection: Option<String>,
    /// Use this file to authenticate the connection
    #[arg(long = "private-key", alias = "key-file")]
    pub private_key: Option<String>,
    /// Connection timeout in seconds
    #[arg(short = 'T', long = "timeout")]
    pub timeout: Option<u64>,
    /// Verbose mode (-vvv for more)
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Outputs a list of matching hosts; does not execute anything else
    #[arg(long = "list-hosts")]
    pub list_hosts: bool,
    /// List all tasks that would be executed
    #[arg(long = "list-tasks")]
    pub list_tasks: bool,
    /// List all available tags
    #[arg(long = "list-tags")]
    pub list_tags: bool,
    /// Perform a syntax check on the playbook, but do not execute it
    #[arg(long = "syntax-check")]
    pub syntax_check: bool,
    /// Start the playbook at the task matching this name
    #[arg(long = "start-at-task")]
    pub start_at_task: Option<String>,
    /// One-step-at-a-time: confirm each task before running (needs a terminal)
    #[arg(long = "step")]
    pub step: bool,
    /// Run handlers even if a task fails
    #[arg(long = "force-handlers")]
    pub force_handlers: bool,
    /// Clear the fact cache (accepted; srplay keeps no fact cache)
    #[arg(long = "flush-cache")]
    pub flush_cache: bool,
    /// Output format
    #[arg(long = "output", value_enum, default_value_t = OutputFormat::Default)]
    pub output: OutputFormat,
    /// Never draw progress bars
    #[arg(long = "no-progress")]
    pub no_progress: bool,
    /// Extra module directories (plugins)
    #[arg(short = 'M', long = "module-path")]
    pub module_path: Vec<PathBuf>,
    /// Role directories from `roles_path` in ansible.cfg (not a flag).
    #[arg(skip)]
    pub roles_path: Vec<PathBuf>,
    #[command(flatten)]
    pub vault: crate::vault_args::VaultArgs,
}

/// Every `-i` source (files, directories, `h1,h2,` lists) through
/// `inventory-parser`; a broken source is an error, not a warning, since
/// running against half an inventory is never what an operator wants.
pub fn load_inventory(sources: &[String]) -> Result<Box<dyn InventoryView>> {
    // ansible-playbook only warns about a missing -i path and runs against
    // nothing; an operator who named an inventory wants to hear it is gone.
    if let Some(missing) = sources
        .iter()
        .find(|s| !s.contains(',') && !Path::new(s.as_str()).exists())
    {
        bail!("the inventory {missing} does not exist");
    }
    let inventory = inventory_parser::Inventory::load(sources)?;
    for w in inventory.warnings() {
        eprintln!("[WARNING]: {w}");
    }
    Ok(Box::new(inventory))
}

/// `-e` values merged in order.
pub fn parse_extra_vars(values: &[String]) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for v in values {
        let v = v.trim();
        let parsed = if let Some(file) = v.strip_prefix('@') {
            let docs = srplay_engine::yaml::load_file(Path::new(file))
                .map_err(|e| anyhow!("{}: {}", e.pos, e.msg))?;
            docs.first().map(|d| d.to_json()).unwrap_or(Value::Null)
        } else if v.starts_with('{') || v.starts_with('[') {
            let docs = srplay_engine::yaml::load_str(v, Arc::new(PathBuf::from("--extra-vars")))
                .map_err(|e| anyhow!("-e {v}: {}", e.msg))?;
            docs.first().map(|d| d.to_json()).unwrap_or(Value::Null)
        } else {
            Value::Object(
                srplay_engine::playbook::parse_kv(v, false).map_err(|e| anyhow!("-e {v}: {e}"))?,
            )
        };
        match parsed {
            Value::Object(m) => {
                if m.contains_key("_raw_params") {
                    bail!(
                        "invalid extra vars `{v}`: expected key=value pairs, YAML/JSON, or @file"
                    );
                }
                out.extend(m)
            }
            Value::Null => {}
            _ => bail!("invalid extra vars `{v}`: they must be a mapping"),
        }
    }
    Ok(out)
}

fn color_wanted() -> bool {
    let flag = |k: &str| {
        std::env::var(k).ok().map(|v| {
            let v = v.trim().to_ascii_lowercase();
            !(v.is_empty() || v == "0" || v == "false" || v == "no" || v == "off")
        })
    };
    if flag("NO_COLOR") == Some(true) || flag("ANSIBLE_NOCOLOR") == Some(true) {
        return false;
    }
    if flag("ANSIBLE_FORCE_COLOR") == Some(true) {
        return true;
    }
    std::io::stdout().is_terminal()
}

/// `-f` when neither the command line nor ansible.cfg says (Ansible's is 5;
/// srplay's forks are cheap tokio tasks, not processes).
const DEFAULT_FORKS: usize = 50;

/// Load and validate every playbook; print diagnostics. `None` = bad input.
fn load_all(
    args: &PlaybookArgs,
    registry: &ModuleRegistry,
) -> Option<Vec<(Arc<Loader>, Playbook)>> {
    let mut out = Vec::new();
    let mut ok = true;
    for p in &args.playbooks {
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let loader = Arc::new(Loader::new(
            registry.clone(),
            LoaderOptions {
                roles_path: args.roles_path.clone(),
            },
            dir,
        ));
        let loaded = loader.load_playbook(&abs).and_then(|pb| {
            srplay_engine::playbook::check_adjacent_vars(loader.playbook_dir())?;
            Ok(pb)
        });
        match loaded {
            Ok(pb) => {
                for w in srplay_engine::playbook::unimplemented_warnings(&pb, registry) {
                    eprintln!("[WARNING]: {w}");
                }
                out.push((loader, pb))
            }
            Err(d) => {
                eprintln!("{}", d.render());
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// Run `srplay PLAYBOOK...` over the OpenSSH transport; returns the exit
/// code.
pub fn run(args: &PlaybookArgs, registry: ModuleRegistry) -> Result<i32> {
    run_with_transport(args, registry, None)
}

/// [`run`] with the factory that opens non-local connections (SSH).
pub fn run_with_transport(
    args: &PlaybookArgs,
    registry: ModuleRegistry,
    factory: Option<Arc<dyn ConnectionFactory>>,
) -> Result<i32> {
    if args.playbooks.is_empty() {
        bail!("no playbook given: srplay PLAYBOOK... [-i INVENTORY]");
    }
    if args.step && !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        bail!("--step needs an interactive terminal to confirm each task");
    }
    let (args, settings) = settings::apply(args)?;
    let args = &args;
    let factory = match factory {
        Some(f) => f,
        None => ssh_factory(&settings)?,
    };
    args.vault.install()?;
    let mut registry = registry;
    srplay_engine::actions::register(&mut registry);
    settings::install_plugins(args, &mut registry)?;
    let Some(playbooks) = load_all(args, &registry) else {
        return Ok(1);
    };
    if args.syntax_check {
        for (_, pb) in &playbooks {
            println!("\nplaybook: {}", display_path(&pb.path));
        }
        return Ok(0);
    }
    let inventory: Arc<dyn InventoryView> = Arc::from(load_inventory(&args.inventory)?);
    let extra_vars = parse_extra_vars(&args.extra_vars)?;
    let become_pass = if args.ask_become_pass {
        Some(ask_password()?)
    } else {
        None
    };
    let opts = RunOptions {
        forks: args.forks.unwrap_or(DEFAULT_FORKS).max(1),
        check: args.check,
        diff: args.diff,
        verbosity: args.verbose,
        tags: TagFilter::new(args.tags.clone(), args.skip_tags.clone()),
        limit: args.limit.clone(),
        extra_vars,
        start_at_task: args.start_at_task.clone(),
        r#become: args.r#become,
        become_user: args.become_user.clone(),
        become_method: args.become_method.clone(),
        become_pass,
        remote_user: args.user.clone(),
        connection: args.connection.clone(),
        private_key: args.private_key.clone(),
        timeout: args.timeout,
        interactive: std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
        step: args.step,
        force_handlers: args.force_handlers,
    };
    if args.list_hosts || args.list_tasks || args.list_tags {
        for ((_, pb), given) in playbooks.iter().zip(&args.playbooks) {
            print!(
                "{}",
                list::listing(
                    pb,
                    given,
                    inventory.as_ref(),
                    &opts,
                    args.list_hosts,
                    args.list_tasks,
                    args.list_tags
                )?
            );
        }
        return Ok(0);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_playbooks(args, playbooks, inventory, opts, factory))
}

/// The OpenSSH transport with `ANSIBLE_*` / ansible.cfg defaults (`-u`,
/// `--private-key` and `-T` reach it through each host's variables).
fn ssh_factory(settings: &srplay_engine::config::Settings) -> Result<Arc<dyn ConnectionFactory>> {
    // Hundreds of hosts each hold an ssh master and its sockets.
    let _ = srplay_engine::connection::ssh::raise_nofile_limit();
    let mut defaults = srplay_engine::connection::SshDefaults::from_env()?;
    // ansible.cfg's values (the environment already overrides them there).
    if let Some(check) = settings.host_key_checking {
        defaults.host_key_checking = check;
    }
    if let Some(ssh_args) = &settings.ssh_args {
        defaults.ssh_args = srplay_engine::connection::ssh::split_words(ssh_args)
            .map_err(|e| anyhow!("ssh_args: {e}"))?;
    }
    Ok(Arc::new(SshFactory::new(defaults)))
}

/// Run loaded playbooks over the given transport factory.
pub async fn run_playbooks(
    args: &PlaybookArgs,
    playbooks: Vec<(Arc<Loader>, Playbook)>,
    inventory: Arc<dyn InventoryView>,
    opts: RunOptions,
    factory: Arc<dyn ConnectionFactory>,
) -> Result<i32> {
    let reporter = Reporter::stdout(
        !args.no_progress && args.output == OutputFormat::Default,
        color_wanted(),
    );
    let grace = interrupt_grace()?;
    let mut code = 0;
    for (loader, pb) in playbooks {
        let cb: Arc<dyn Callback> = match args.output {
            OutputFormat::Default => Arc::new(TextCallback::new(
                reporter.clone(),
                opts.verbosity,
                opts.diff,
            )),
            OutputFormat::Json => Arc::new(JsonCallback::new(reporter.clone())),
        };
        let exec = Executor::new(
            loader,
            inventory.clone(),
            opts.clone(),
            cb,
            reporter.clone(),
            factory.clone(),
        );
        let cancel = exec.cancel_handle();
        cancel.set_grace(grace);
        let watcher = tokio::spawn(watch_signals(cancel));
        let outcome = exec.run(&pb).await;
        watcher.abort();
        code = outcome.exit_code;
        if code != 0 {
            break;
        }
    }
    Ok(code)
}

/// Every SIGINT/SIGTERM goes to `cancel`: the first stops new tasks, the
/// second stops running ones.
async fn watch_signals(cancel: srplay_engine::executor::Cancel) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    loop {
        tokio::select! {
            _ = int.recv() => cancel.trigger(130),
            _ = term.recv() => cancel.trigger(143),
        }
    }
}

/// `SRPLAY_INTERRUPT_GRACE`: seconds running tasks may take to finish
/// after Ctrl-C / SIGTERM (default 10).
fn interrupt_grace() -> Result<std::time::Duration> {
    parse_grace(std::env::var("SRPLAY_INTERRUPT_GRACE").ok().as_deref())
}

fn parse_grace(value: Option<&str>) -> Result<std::time::Duration> {
    let Some(v) = value else {
        return Ok(srplay_engine::executor::DEFAULT_INTERRUPT_GRACE);
    };
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && (0.0..=1e9).contains(s))
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| anyhow!("SRPLAY_INTERRUPT_GRACE={v:?} is not a number of seconds"))
}

fn ask_password() -> Result<String> {
    crate::terminal::ask_secret("BECOME password: ", "-K")
}

pub(crate) fn display_path(p: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    p.strip_prefix(&cwd)
        .map(|r| r.display().to_string())
        .unwrap_or_else(|_| p.display().to_string())
}

/// Tasks of a section, flattened through blocks, with their effective tags.
pub(crate) fn flatten_tasks(
    items: &[Item],
    inherited: &[String],
    out: &mut Vec<(String, Vec<String>)>,
) {
    for it in items {
        match it {
            Item::Task(t) => {
                let mut tags = inherited.to_vec();
                for tag in &t.kw.tags {
                    if !tags.contains(tag) {
                        tags.push(tag.clone());
                    }
                }
                out.push((t.display_name(), tags));
            }
            Item::Block(b) => {
                let mut tags = inherited.to_vec();
                for tag in &b.kw.tags {
                    if !tags.contains(tag) {
                        tags.push(tag.clone());
                    }
                }
                flatten_tasks(&b.block, &tags, out);
                flatten_tasks(&b.rescue, &tags, out);
                flatten_tasks(&b.always, &tags, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn interrupt_grace_table() {
        use std::time::Duration;
        let cases = [
            (None, Some(Duration::from_secs(10))),
            (Some("0"), Some(Duration::ZERO)),
            (Some(" 2.5 "), Some(Duration::from_millis(2500))),
            (Some("600"), Some(Duration::from_secs(600))),
            (Some("-1"), None),
            (Some("soon"), None),
            (Some("inf"), None),
            (Some("NaN"), None),
        ];
        for (input, want) in cases {
            let got = parse_grace(input);
            match want {
                Some(d) => assert_eq!(got.unwrap(), d, "{input:?}"),
                None => assert!(
                    got.unwrap_err()
                        .to_string()
                        .contains("SRPLAY_INTERRUPT_GRACE"),
                    "{input:?}"
                ),
            }
        }
    }

    #[test]
    fn extra_vars_table() {
        let cases: Vec<(Vec<&str>, Value)> = vec![
            (vec!["a=1 b=two"], json!({"a": "1", "b": "two"})),
            (vec!["a=1", "a=2"], json!({"a": "2"})),
            (vec!["{\"n\": 3, \"l\": [1]}"], json!({"n": 3, "l": [1]})),
            (vec!["{n: yes}"], json!({"n": true})),
            (vec!["msg='hello world'"], json!({"msg": "hello world"})),
        ];
        for (input, want) in cases {
            let args: Vec<String> = input.iter().map(|s| s.to_string()).collect();
            assert_eq!(
                Value::Object(parse_extra_vars(&args).unwrap()),
                want,
                "{input:?}"
            );
        }
        for bad in ["just words", "[1, 2]"] {
            assert!(parse_extra_vars(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
