//! `srplay_engine::compat::scan` on small snippets: each case is a set
//! of files and the (kind, name, severity) findings it must produce.

use srplay_engine::compat::{scan, Severity};
use srplay_engine::module::ModuleRegistry;

fn registry() -> ModuleRegistry {
    let mut r = ModuleRegistry::new();
    srplay_modules::register_all(&mut r);
    srplay_engine::actions::register(&mut r);
    r
}

/// (files, expected findings as "severity kind name", tasks, unsupported tasks)
type Case = (
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
    usize,
    usize,
);

const CASES: &[Case] = &[
    // action:/local_action: forms, a block with rescue, handlers with listen
    (
        &[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - action: ping\n    - local_action: module=community.general.x a=1\n    - block:\n        - debug: msg=hi\n      rescue:\n        - nosuchmod: {}\n  handlers:\n    - name: h\n      listen: t\n      command: ls\n",
        )],
        &[
            "error module community.general.x",
            "error module nosuchmod",
        ],
        5,
        2,
    ),
    // bare conditionals are expressions: filters and tests are checked
    (
        &[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - debug: msg=x\n      when: a | bogus_filter_q and b is bogus_test_q\n    - debug: msg=y\n      failed_when: c | default(1) | int > 2\n",
        )],
        &["error filter bogus_filter_q", "error test bogus_test_q"],
        2,
        1,
    ),
    // role dependencies are followed; a missing one is reported
    (
        &[
            ("site.yml", "- hosts: all\n  roles: [a]\n"),
            ("roles/a/meta/main.yml", "dependencies:\n  - role: b\n  - gone\n"),
            ("roles/a/tasks/main.yml", "- shell: echo {{ x | to_toml }}\n"),
            ("roles/b/tasks/main.yml", "- copy: content=x dest=/tmp/x\n"),
            ("roles/b/templates/t.j2", "{{ y | regex_replace('a', 'b') | nope_filter }}\n"),
        ],
        &[
            "error role gone",
            "error filter to_toml",
            "error filter nope_filter",
        ],
        2,
        1,
    ),
    // include_tasks targets are scanned once; a missing one is reported
    (
        &[
            ("site.yml", "- hosts: all\n  tasks:\n    - include_tasks: inc.yml\n    - import_tasks: inc.yml\n    - include_tasks: missing.yml\n    - include_tasks: \"{{ f }}.yml\"\n"),
            ("inc.yml", "- name: in include\n  ansible.builtin.command: ls\n  with_inventory_hostnames: all\n"),
        ],
        &["error lookup inventory_hostnames", "error include missing.yml"],
        5,
        2,
    ),
    // inventory and vars files: ansible_connection values
    (
        &[
            ("hosts", "[w]\nw1 ansible_connection=winrm\nl1 ansible_connection=local\n"),
            ("group_vars/all.yml", "ansible_connection: docker\nother: \"{{ lookup('env', 'HOME') }}\"\n"),
        ],
        &["error connection docker", "error connection winrm"],
        0,
        0,
    ),
    // ansible.cfg: honoured keys are silent; harmless and unknown keys differ
    (
        &[("ansible.cfg", "[defaults]\nforks = 5\nnocows = 1\nwhatever = 2\nstrategy = free\n[ssh_connection]\npipelining = True\n")],
        &["warning config nocows", "warning config whatever"],
        0,
        0,
    ),
];

#[test]
fn scan_table() {
    let reg = registry();
    for (i, (files, want, tasks, unsupported)) in CASES.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in *files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let report = scan(&[dir.path().to_path_buf()], &reg);
        let mut got: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                let sev = match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                format!("{sev} {} {}", f.kind, f.name)
            })
            .collect();
        got.sort();
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "case {i}: {:#?}", report.findings);
        assert_eq!(report.totals.tasks, *tasks, "case {i} tasks");
        assert_eq!(
            report.totals.unsupported, *unsupported,
            "case {i} unsupported"
        );
        let code = if *unsupported > 0 || want.iter().any(|w| w.starts_with("error")) {
            1
        } else {
            0
        };
        assert_eq!(report.exit_code(), code, "case {i} exit");
    }
}

#[test]
fn unreadable_input_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.yml"), "- hosts: all\n  tasks: [\n").unwrap();
    let report = scan(&[dir.path().to_path_buf()], &registry());
    assert_eq!(report.exit_code(), 2, "{:#?}", report.findings);
    let missing = scan(&[dir.path().join("nope")], &registry());
    assert_eq!(missing.exit_code(), 2);
}

#[test]
fn vault_files_and_values_are_not_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secrets.yml"),
        "$ANSIBLE_VAULT;1.1;AES256\n6162\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  vars:\n    pw: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n  tasks:\n    - debug: msg=hi\n",
    )
    .unwrap();
    let report = scan(&[dir.path().to_path_buf()], &registry());
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.totals.tasks, 1);
    assert!(report.files.iter().any(|f| f.kind == "vault"));
}
