//! ansible-core's own modules that srplay does not implement. A task using
//! one still loads (ansible-playbook knows the name, and a `when:` may skip
//! it, as in `apt:` guarded by `when: ansible_distribution == 'Ubuntu'`);
//! it fails only if it runs.

use super::model::{short_name, Item, Playbook, Task};
use crate::module::ModuleRegistry;
use std::collections::HashSet;

/// ansible-core 2.19's `ansible.builtin` modules srplay lacks; names srplay
/// implements are found in the registry first, so listing extra is harmless.
const ANSIBLE_CORE_MODULES: &[&str] = &[
    "apt",
    "apt_key",
    "apt_repository",
    "async_status",
    "cron",
    "deb822_repository",
    "debconf",
    "dnf",
    "dnf5",
    "dpkg_selections",
    "expect",
    "git",
    "iptables",
    "mount_facts",
    "package",
    "package_facts",
    "pip",
    "reboot",
    "rpm_key",
    "service",
    "service_facts",
    "set_stats",
    "subversion",
    "systemd",
    "systemd_service",
    "sysvinit",
    "validate_argument_spec",
    "wait_for_connection",
    "yum_repository",
];

/// Is `action` an ansible-core module (bare, `ansible.builtin.` or
/// `ansible.legacy.`) that srplay does not implement?
pub fn is_unimplemented_core_module(action: &str) -> bool {
    !action.starts_with("srplay.") && ANSIBLE_CORE_MODULES.contains(&short_name(action))
}

/// The failure a task using one reports when it runs.
pub fn unimplemented_message(action: &str) -> String {
    format!(
        "couldn't resolve module/action '{action}': ansible.builtin.{} is not implemented by srplay",
        short_name(action)
    )
}

/// One load-time warning per task (blocks, rescue/always and handlers
/// included) whose action is an ansible-core module srplay lacks: the run
/// proceeds, but the operator hears before any host is touched that the
/// task fails if it runs.
pub fn unimplemented_warnings(pb: &Playbook, registry: &ModuleRegistry) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut visit = |t: &Task| {
        let missing = registry.get(&t.action).is_none() && is_unimplemented_core_module(&t.action);
        if missing && seen.insert(t.pos.to_string()) {
            out.push(unimplemented_warning(t));
        }
    };
    for play in &pb.plays {
        for items in [&play.pre_tasks, &play.tasks, &play.post_tasks] {
            walk(items, &mut visit);
        }
        play.handlers.iter().for_each(|h| visit(h));
    }
    out
}

fn walk(items: &[Item], visit: &mut impl FnMut(&Task)) {
    for item in items {
        match item {
            Item::Task(t) => visit(t),
            Item::Block(b) => {
                for part in [&b.block, &b.rescue, &b.always] {
                    walk(part, visit);
                }
            }
        }
    }
}

fn unimplemented_warning(t: &Task) -> String {
    format!(
        "module '{}' at {}: ansible.builtin.{} is not implemented by srplay; the task fails if it runs (`srplay compat` lists such modules)",
        t.action,
        t.pos,
        short_name(&t.action)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_table() {
        let cases = [
            ("pip", true),
            ("ansible.builtin.apt", true),
            ("ansible.legacy.dnf", true),
            ("copy", false),
            ("community.general.pip", false),
            ("srplay.starrocks.apt", false),
            ("no_such_module", false),
        ];
        for (name, want) in cases {
            assert_eq!(is_unimplemented_core_module(name), want, "{name}");
        }
    }
}
