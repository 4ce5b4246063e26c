//! The vault options shared by `srplay PLAYBOOK...` and `srplay inventory`
//! (as in ansible-playbook and ansible-inventory), and the one place that
//! turns them into the engine's vault secrets.

use crate::terminal::ask_secret;
use anyhow::Result;
use srplay_engine::config::Settings;
use srplay_engine::vault::{VaultError, VaultSecret};
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct VaultArgs {
    /// Vault password file (an executable one is run for the password)
    #[arg(
        long = "vault-password-file",
        alias = "vault-pass-file",
        value_name = "FILE"
    )]
    pub vault_password_files: Vec<PathBuf>,
    /// Vault identity: `label@file`, `label@prompt` or `file`
    #[arg(long = "vault-id", value_name = "ID")]
    pub vault_ids: Vec<String>,
    /// Ask for the vault password
    #[arg(short = 'J', long = "ask-vault-pass", alias = "ask-vault-password")]
    pub ask_vault_pass: bool,
}

impl VaultArgs {
    /// Adds `vault_password_file` (when no `--vault-password-file` was
    /// given) and `vault_identity_list` from ansible.cfg / `ANSIBLE_*`.
    pub fn apply_settings(&mut self, settings: &Settings) {
        if self.vault_password_files.is_empty() {
            self.vault_password_files
                .extend(settings.vault_password_file.clone());
        }
        self.vault_ids
            .extend(settings.vault_identity_list.iter().cloned());
    }

    /// Installs the secrets for the whole run, before anything is loaded:
    /// the YAML loader and inventory-parser (whole vault-encrypted
    /// `group_vars/` and `host_vars/` files) decrypt with them.
    pub fn install(&self) -> Result<()> {
        srplay_engine::vault::set_secrets(self.secrets()?);
        Ok(())
    }

    /// The vault secrets from `--vault-id`, `--vault-password-file`,
    /// `ANSIBLE_VAULT_PASSWORD_FILE` and `--ask-vault-pass`, in that order.
    pub fn secrets(&self) -> Result<Vec<VaultSecret>> {
        let ask = |prompt: &str| {
            ask_secret(prompt, "--vault-id …@prompt").map_err(|e| VaultError::Prompt(e.to_string()))
        };
        let mut secrets = Vec::new();
        for id in &self.vault_ids {
            secrets.push(VaultSecret::from_vault_id(id, ask)?);
        }
        let env_file = std::env::var_os("ANSIBLE_VAULT_PASSWORD_FILE").map(PathBuf::from);
        for file in self.password_files(env_file) {
            secrets.push(VaultSecret::from_file(None, &file)?);
        }
        if self.ask_vault_pass {
            let pw = ask_secret("Vault password: ", "--ask-vault-pass")?;
            secrets.push(VaultSecret::new(None, pw.into_bytes()));
        }
        Ok(secrets)
    }

    /// `--vault-password-file` files, then `ANSIBLE_VAULT_PASSWORD_FILE`
    /// unless it is already one of them ([`Self::apply_settings`] adds it
    /// when no file was given): an executable password file runs once.
    fn password_files(&self, env_file: Option<PathBuf>) -> Vec<PathBuf> {
        let mut files = self.vault_password_files.clone();
        files.extend(env_file.filter(|f| !files.contains(f)));
        files
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_password_file_is_added_once() {
        let p = |s: &&str| PathBuf::from(*s);
        let cases: [(&[&str], Option<&str>, &[&str]); 4] = [
            (&[], None, &[]),
            (&[], Some("env"), &["env"]),
            (&["cli"], Some("env"), &["cli", "env"]),
            (&["env"], Some("env"), &["env"]),
        ];
        for (cli, env, want) in cases {
            let args = VaultArgs {
                vault_password_files: cli.iter().map(p).collect(),
                ..VaultArgs::default()
            };
            let want: Vec<PathBuf> = want.iter().map(p).collect();
            assert_eq!(
                args.password_files(env.map(PathBuf::from)),
                want,
                "{cli:?} {env:?}"
            );
        }
    }
}
