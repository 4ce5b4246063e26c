//! Projects that need Vault and ansible.cfg wired into the loader/CLI
//! (vault-encrypted vars_files, `roles_path` from ansible.cfg). Same
//! comparison as compat_projects.rs.

mod compat_support;

#[test]
fn vault_and_config_projects_match_ansible() {
    compat_support::compare_suite("pending", 4);
}
