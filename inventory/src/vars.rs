//! Variable precedence at inventory level (ansible's VariableManager without
//! a play, default VARIABLE_PRECEDENCE, hash_behaviour=replace).

use crate::error::Result;
use crate::model::{InventoryData, LOCALHOST_NAMES};
use crate::vars_dirs::load_entity_vars;
use serde_json::{Map, Value};
use std::path::PathBuf;

/// Variables ansible-inventory never prints (magic or run-time variables).
pub const INTERNAL_VARS: [&str; 20] = [
    "ansible_diff_mode",
    "ansible_config_file",
    "ansible_facts",
    "ansible_forks",
    "ansible_inventory_sources",
    "ansible_limit",
    "ansible_playbook_python",
    "ansible_run_tags",
    "ansible_skip_tags",
    "ansible_verbosity",
    "ansible_version",
    "inventory_dir",
    "inventory_file",
    "inventory_hostname",
    "inventory_hostname_short",
    "groups",
    "group_names",
    "omit",
    "hostvars",
    "playbook_dir",
];

/// Names ansible warns about when used as variables (play keywords and
/// template globals; `ansible.vars.reserved.get_reserved_names()` in 2.19).
pub const RESERVED_NAMES: [&str; 75] = [
    "action",
    "always",
    "any_errors_fatal",
    "args",
    "async",
    "async_val",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "block",
    "changed_when",
    "check_mode",
    "collections",
    "connection",
    "cycler",
    "debugger",
    "delay",
    "delegate_facts",
    "delegate_to",
    "dict",
    "diff",
    "environment",
    "fact_path",
    "failed_when",
    "force_handlers",
    "gather_facts",
    "gather_timeout",
    "handlers",
    "hosts",
    "ignore_errors",
    "ignore_unreachable",
    "joiner",
    "lipsum",
    "local_action",
    "lookup",
    "loop",
    "loop_control",
    "loop_with",
    "max_fail_percentage",
    "module_defaults",
    "name",
    "namespace",
    "no_log",
    "notify",
    "now",
    "omit",
    "order",
    "poll",
    "port",
    "post_tasks",
    "pre_tasks",
    "q",
    "query",
    "range",
    "register",
    "remote_user",
    "rescue",
    "retries",
    "roles",
    "run_once",
    "serial",
    "strategy",
    "tags",
    "tasks",
    "throttle",
    "timeout",
    "undef",
    "until",
    "vars",
    "vars_files",
    "vars_prompt",
    "when",
    "with_",
];

/// ansible's warnings for reserved variable names among merged host vars.
pub fn reserved_name_warnings(vars: &Map<String, Value>) -> Vec<String> {
    vars.keys()
        .filter(|k| *k != "vars" && RESERVED_NAMES.contains(&k.as_str()))
        .map(|k| {
            format!(
                "Found variable using reserved name {}.",
                crate::pyfmt::str_repr(k)
            )
        })
        .collect()
}

/// Reads `group_vars/` and `host_vars/` for every group and host, from each
/// source directory in order (later sources override earlier ones).
pub fn load_dir_vars(inv: &mut InventoryData, bases: &[PathBuf]) -> Result<()> {
    load_vars_into(inv, bases, false)
}

/// Reads `group_vars/` and `host_vars/` next to a playbook (ansible's
/// play-adjacent vars, applied after the inventory-adjacent ones).
pub fn load_play_vars(inv: &mut InventoryData, playbook_dir: &std::path::Path) -> Result<()> {
    load_vars_into(inv, &[playbook_dir.to_path_buf()], true)
}

fn load_vars_into(inv: &mut InventoryData, bases: &[PathBuf], play: bool) -> Result<()> {
    for base in bases {
        for g in inv.groups.values_mut() {
            let found = load_entity_vars(base, "group_vars", &g.name)?;
            if play {
                &mut g.play_vars
            } else {
                &mut g.dir_vars
            }
            .extend(found);
        }
        for h in inv.hosts.values_mut() {
            let found = load_entity_vars(base, "host_vars", &h.name)?;
            if play {
                &mut h.play_vars
            } else {
                &mut h.dir_vars
            }
            .extend(found);
        }
    }
    Ok(())
}

/// Groups of a host except `all`, in merge order: depth, priority, name.
fn sorted_groups(inv: &InventoryData, host: &str) -> Vec<String> {
    let mut gs: Vec<&crate::model::Group> = inv
        .host_groups(host)
        .iter()
        .filter(|g| *g != "all")
        .map(|g| &inv.groups[g.as_str()])
        .collect();
    gs.sort_by(|a, b| (a.depth, a.priority, &a.name).cmp(&(b.depth, b.priority, &b.name)));
    gs.into_iter().map(|g| g.name.clone()).collect()
}

pub fn host_vars(inv: &InventoryData, host: &str) -> Option<Map<String, Value>> {
    let layered = host_vars_with_origin(inv, host)?;
    Some(layered.into_iter().map(|(k, (v, _))| (k, v)).collect())
}

/// Where a merged host variable came from: `Some("group:layer")` for group
/// variables (one shared object per group in ansible, which its YAML output
/// shows as anchors), `None` for the host's own variables.
pub type Origin = Option<String>;

/// Like `host_vars`, keeping each value's origin.
pub fn host_vars_with_origin(
    inv: &InventoryData,
    host: &str,
) -> Option<indexmap::IndexMap<String, (Value, Origin)>> {
    let implicit;
    let h = match inv.hosts.get(host) {
        Some(h) => h,
        None if LOCALHOST_NAMES.contains(&host) => {
            implicit = implicit_localhost(host);
            &implicit
        }
        None => return None,
    };
    let groups = sorted_groups(inv, host);
    let mut out = indexmap::IndexMap::new();
    let mut layer = |m: &Map<String, Value>, origin: Option<String>| {
        for (k, v) in m {
            let o = origin.as_ref().map(|o| format!("{o}:{k}"));
            out.insert(k.clone(), (v.clone(), o));
        }
    };
    let all = &inv.groups["all"];
    layer(&all.vars, Some("all:inv".into()));
    for g in &groups {
        layer(&inv.groups[g.as_str()].vars, Some(format!("{g}:inv")));
    }
    layer(&all.dir_vars, Some("all:dir".into()));
    layer(&all.play_vars, Some("all:play".into()));
    for g in &groups {
        layer(&inv.groups[g.as_str()].dir_vars, Some(format!("{g}:dir")));
    }
    for g in &groups {
        layer(&inv.groups[g.as_str()].play_vars, Some(format!("{g}:play")));
    }
    layer(&h.vars, None);
    layer(&h.dir_vars, None);
    layer(&h.play_vars, None);
    Some(out)
}

/// The host ansible creates when `localhost` is used but not in the inventory.
fn implicit_localhost(name: &str) -> crate::model::Host {
    let mut h = crate::model::Host {
        name: name.to_string(),
        implicit: true,
        ..Default::default()
    };
    h.vars.insert(
        "ansible_python_interpreter".into(),
        Value::String(python3_path()),
    );
    h.vars
        .insert("ansible_connection".into(), Value::String("local".into()));
    h
}

fn python3_path() -> String {
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("python3"))
                .find(|c| c.is_file())
        })
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| "/usr/bin/python3".into())
}

pub fn group_vars(inv: &InventoryData, group: &str) -> Option<Map<String, Value>> {
    let g = inv.groups.get(group)?;
    let mut out = g.vars.clone();
    out.extend(g.dir_vars.clone());
    out.extend(g.play_vars.clone());
    if g.priority != 1 {
        out.insert("ansible_group_priority".into(), Value::from(g.priority));
    }
    Some(out)
}

/// A host's own variables (inventory + host_vars), for `--export`.
pub fn own_host_vars(inv: &InventoryData, host: &str) -> Map<String, Value> {
    let h = &inv.hosts[host];
    let mut out = h.vars.clone();
    out.extend(h.dir_vars.clone());
    out.extend(h.play_vars.clone());
    out
}

/// Drops variables ansible-inventory hides.
pub fn remove_internal(mut m: Map<String, Value>) -> Map<String, Value> {
    m.retain(|k, _| !INTERNAL_VARS.contains(&k.as_str()));
    m
}

#[cfg(test)]
mod tests {
    use crate::Inventory;
    use serde_json::{json, Value};
    use std::path::PathBuf;

    /// One precedence scenario: inventory files (path, content), the host
    /// and variable looked at, and the value ansible-core 2.19 gives.
    struct Case {
        name: &'static str,
        files: &'static [(&'static str, &'static str)],
        host: &'static str,
        var: &'static str,
        want: Value,
    }

    fn cases() -> Vec<Case> {
        vec![
            Case {
                name: "child group beats parent group",
                files: &[("hosts.ini", "[c]\nh\n[p:children]\nc\n[p:vars]\nv=p\n[c:vars]\nv=c\n")],
                host: "h",
                var: "v",
                want: json!("c"),
            },
            Case {
                name: "any group beats all",
                files: &[("hosts.ini", "[g]\nh\n[all:vars]\nv=all\n[g:vars]\nv=g\n")],
                host: "h",
                var: "v",
                want: json!("g"),
            },
            Case {
                name: "host beats groups",
                files: &[("hosts.ini", "[g]\nh v=host\n[g:vars]\nv=g\n")],
                host: "h",
                var: "v",
                want: json!("host"),
            },
            Case {
                name: "siblings at the same depth: by name",
                files: &[("hosts.ini", "[b]\nh\n[a]\nh\n[a:vars]\nv=a\n[b:vars]\nv=b\n")],
                host: "h",
                var: "v",
                want: json!("b"),
            },
            Case {
                name: "higher ansible_group_priority wins",
                files: &[("hosts.ini", "[a]\nh\n[b]\nh\n[a:vars]\nv=a\nansible_group_priority=5\n[b:vars]\nv=b\n")],
                host: "h",
                var: "v",
                want: json!("a"),
            },
            Case {
                name: "depth beats priority",
                files: &[(
                    "hosts.ini",
                    "[c]\nh\n[p:children]\nc\n[p:vars]\nv=p\nansible_group_priority=99\n[c:vars]\nv=c\n",
                )],
                host: "h",
                var: "v",
                want: json!("c"),
            },
            Case {
                name: "group_vars/all beats inventory group vars",
                files: &[("hosts.ini", "[g]\nh\n[g:vars]\nv=inventory\n"), ("group_vars/all.yml", "v: all_file\n")],
                host: "h",
                var: "v",
                want: json!("all_file"),
            },
            Case {
                name: "group_vars/<g> beats group_vars/all",
                files: &[("hosts.ini", "[g]\nh\n"), ("group_vars/all.yml", "v: all\n"), ("group_vars/g.yml", "v: g\n")],
                host: "h",
                var: "v",
                want: json!("g"),
            },
            Case {
                name: "inventory host vars beat group_vars files",
                files: &[("hosts.ini", "[g]\nh v=host\n"), ("group_vars/g.yml", "v: g\n")],
                host: "h",
                var: "v",
                want: json!("host"),
            },
            Case {
                name: "host_vars file beats inventory host vars",
                files: &[("hosts.ini", "[g]\nh v=inline\n"), ("host_vars/h.yml", "v: file\n")],
                host: "h",
                var: "v",
                want: json!("file"),
            },
            Case {
                name: "later line for the same host wins",
                files: &[("hosts.ini", "[a]\nh v=1\n[b]\nh v=2\n")],
                host: "h",
                var: "v",
                want: json!(2),
            },
            Case {
                name: "dictionaries are replaced, not merged",
                files: &[("hosts.yml", "all:\n  vars:\n    d: {a: 1, b: 2}\n  hosts:\n    h:\n      d: {a: 9}\n")],
                host: "h",
                var: "d",
                want: json!({"a": 9}),
            },
            Case {
                name: "group_vars directory files merge in sorted order",
                files: &[
                    ("hosts.ini", "[g]\nh\n"),
                    ("group_vars/g/b.yml", "v: b\n"),
                    ("group_vars/g/a.yml", "v: a\nw: a\n"),
                ],
                host: "h",
                var: "v",
                want: json!("b"),
            },
        ]
    }

    fn write_case(case: &Case, idx: usize) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("srplay-prec-{}-{idx}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in case.files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    #[test]
    fn precedence_table() {
        let mut failures = Vec::new();
        for (i, case) in cases().iter().enumerate() {
            let dir = write_case(case, i);
            let source = dir.join(case.files[0].0);
            let inv = Inventory::load(&[source.to_string_lossy()]).unwrap();
            let got = inv.host_vars(case.host).unwrap().get(case.var).cloned();
            if got.as_ref() != Some(&case.want) {
                failures.push(format!("{}: got {got:?}, want {}", case.name, case.want));
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
