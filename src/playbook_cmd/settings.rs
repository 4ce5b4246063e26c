//! `ansible.cfg` / `ANSIBLE_*` settings and library plugins applied to a
//! run: the command line wins, then the environment, then the config file.

use super::PlaybookArgs;
use anyhow::Result;
use srplay_engine::config::Settings;
use srplay_engine::module::ModuleRegistry;
use std::path::{Path, PathBuf};

/// Read the settings, print their warnings (and, at `-v`, the keys that
/// have no effect), and fill in what the command line left unset.
pub fn apply(args: &PlaybookArgs) -> Result<(PlaybookArgs, Settings)> {
    let cwd = std::env::current_dir()?;
    let settings = Settings::load(&cwd, &Settings::process_env())?;
    for w in &settings.warnings {
        eprintln!("[WARNING]: {w}");
    }
    if args.verbose > 0 {
        if let Some(src) = &settings.source {
            eprintln!("Using {} as config file", src.display());
        }
        for note in &settings.ignored {
            eprintln!("[NOTE]: {note}");
        }
    }
    let mut a = args.clone();
    if a.inventory.is_empty() {
        a.inventory = settings.inventory.clone();
    }
    a.forks = a.forks.or(settings.forks);
    a.user = a.user.or_else(|| settings.remote_user.clone());
    a.private_key = a.private_key.or_else(|| {
        settings
            .private_key_file
            .as_ref()
            .map(|p| p.display().to_string())
    });
    a.timeout = a.timeout.or(settings.timeout);
    a.r#become |= settings.r#become == Some(true);
    a.become_user = a.become_user.or_else(|| settings.become_user.clone());
    a.become_method = a.become_method.or_else(|| settings.become_method.clone());
    a.ask_become_pass |= settings.become_ask_pass == Some(true);
    // Ansible: `--force-handlers` defaults to the config value.
    a.force_handlers |= settings.force_handlers == Some(true);
    a.vault.apply_settings(&settings);
    a.module_path.extend(settings.library.iter().cloned());
    a.roles_path.extend(settings.roles_path.iter().cloned());
    Ok((a, settings))
}

/// Register the modules found in `library/` next to the playbook, in the
/// playbook's roles, on `--module-path`, `library` and `$SRPLAY_LIBRARY`,
/// before the playbook is validated (so their names resolve).
pub fn install_plugins(args: &PlaybookArgs, registry: &mut ModuleRegistry) -> Result<()> {
    let playbook_dir = args
        .playbooks
        .first()
        .and_then(|p| std::path::absolute(p).ok())
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let mut role_bases: Vec<PathBuf> = playbook_dir.iter().map(|d| d.join("roles")).collect();
    role_bases.extend(args.roles_path.iter().cloned());
    let role_dirs: Vec<PathBuf> = role_bases
        .iter()
        .filter_map(|b| std::fs::read_dir(b).ok())
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("library").is_dir())
        .collect();
    let dirs =
        srplay_engine::plugin::library_dirs(playbook_dir.as_deref(), &role_dirs, &args.module_path);
    for w in srplay_engine::plugin::install(registry, &dirs)? {
        eprintln!("[WARNING]: {w}");
    }
    Ok(())
}
