//! The `playbook` integration tests, in one binary: one link instead of one per file
//! keeps the build small and fast (each test binary links the whole engine).

mod playbook_support;

mod loop_batch;
mod pause_tty;
mod playbook_cli;
mod playbook_errors;
mod playbook_oracle;
mod settings_cli;
mod ssh_playbook;
mod vars_prompt_tty;
mod vault_cli;
