//! POSIX ACLs survive the atomic rewrites of file modules (temp file +
//! rename), as Ansible's `atomic_move` keeps them: each case gives a file
//! an ACL entry for `nobody`, rewrites it with a module, and reads the
//! ACL back with `getfacl` (package `acl`; the tests fail without it).

use super::{run_module, Setup};
use serde_json::{json, Map, Value};
use std::path::Path;
use std::process::Command;

/// One rewrite: module, args (`@DIR@` = the work dir, the file is
/// `@DIR@/f` holding `old\n` with `user:nobody:rwx`), the content after,
/// and ACL lines `getfacl` must print afterwards.
struct Case {
    module: &'static str,
    args: Value,
    content: &'static str,
    acl: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    const KEPT: &[&str] = &["user::rw-", "user:nobody:rwx", "group::r--", "other::r--"];
    vec![
        Case {
            module: "lineinfile",
            args: json!({"path": "@DIR@/f", "regexp": "^old", "line": "new"}),
            content: "new\n",
            acl: KEPT,
        },
        Case {
            module: "blockinfile",
            args: json!({"path": "@DIR@/f", "block": "b"}),
            content: "old\n# BEGIN ANSIBLE MANAGED BLOCK\nb\n# END ANSIBLE MANAGED BLOCK\n",
            acl: KEPT,
        },
        Case {
            module: "replace",
            args: json!({"path": "@DIR@/f", "regexp": "old", "replace": "new"}),
            content: "new\n",
            acl: KEPT,
        },
        Case {
            module: "copy",
            args: json!({"content": "new\n", "dest": "@DIR@/f"}),
            content: "new\n",
            acl: KEPT,
        },
        Case {
            module: "copy",
            args: json!({"content": "new\n", "dest": "@DIR@/f", "validate": "grep -q new %s", "backup": true}),
            content: "new\n",
            acl: KEPT,
        },
        Case {
            // The mode asked for is applied after the ACL is copied: it
            // sets the mask (the group bits), as Ansible's chmod does.
            module: "copy",
            args: json!({"content": "new\n", "dest": "@DIR@/f", "mode": "0640"}),
            content: "new\n",
            acl: &["user::rw-", "user:nobody:rwx", "mask::r--", "other::---"],
        },
        Case {
            module: "starrocks_config",
            args: json!({"path": "@DIR@/f", "settings": {"k": "v"}}),
            content: "old\nk = v\n",
            acl: KEPT,
        },
        Case {
            module: "template",
            args: json!({"src": "@DIR@/t.j2", "dest": "@DIR@/f"}),
            content: "hello\n",
            acl: KEPT,
        },
    ]
}

fn sh(script: &str, dir: &Path) -> String {
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("run /bin/sh");
    assert!(
        out.status.success(),
        "`{script}` failed (is package `acl` installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn with_dir(v: &Value, dir: &Path) -> Map<String, Value> {
    let text = v.to_string().replace("@DIR@", &dir.to_string_lossy());
    serde_json::from_str(&text).expect("args stay JSON")
}

/// Run every case with `setup`; panics listing every problem.
pub fn run_all(setup: &Setup) {
    let mut errs = Vec::new();
    for (i, c) in cases().iter().enumerate() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        std::fs::write(dir.join("t.j2"), "{{ greeting }}\n").expect("template");
        sh(
            "printf 'old\\n' > f && chmod 0644 f && setfacl -m u:nobody:rwx f",
            dir,
        );
        let res = run_module(c.module, with_dir(&c.args, dir), setup);
        let name = format!("{i}: {} {}", c.module, c.args);
        if res.get("changed") != Some(&json!(true)) || res.get("failed") == Some(&json!(true)) {
            errs.push(format!("{name}: expected a change, got {res:?}"));
            continue;
        }
        let content = std::fs::read_to_string(dir.join("f")).unwrap_or_default();
        if content != c.content {
            errs.push(format!(
                "{name}: content {content:?}, expected {:?}",
                c.content
            ));
        }
        let acl = sh("getfacl -p f", dir);
        for line in c.acl {
            // `getfacl` may append `#effective:…` after tabs.
            if !acl.lines().any(|l| l.split('\t').next() == Some(*line)) {
                errs.push(format!("{name}: ACL lacks {line:?}:\n{acl}"));
            }
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}
