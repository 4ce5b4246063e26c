//! Modes, owners and symlinks with `become` over real ssh: a throwaway
//! user with a NOPASSWD sudo rule logs in to a loopback sshd and becomes
//! root, or becomes a second, unprivileged user. Each case runs in check
//! mode (nothing may change), for real, and again (no change), then the
//! files' owner, group, mode and type are read from this machine.

use crate::common;

use common::{run_module, ssh, tree, Setup};
use serde_json::{json, Map, Value};
use srplay_engine::connection::Become;
use srplay_testkit::{Sshd, SudoRule, SysUser};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What a file must look like after a case.
struct Want {
    path: &'static str,
    kind: Kind,
    /// `Some(true)`: owned by the unprivileged user; `Some(false)`: root.
    owned_by_user: Option<bool>,
    mode: Option<u32>,
    content: Option<&'static str>,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Kind {
    File,
    Dir,
    Link,
}

/// One module run: args (`@DIR@` = the work dir, `@USER@` = the
/// unprivileged user, `@CTL@` = the controller dir) and what it leaves.
struct Case {
    name: &'static str,
    module: &'static str,
    args: Value,
    /// Shell run as root in the work dir before the case.
    setup: &'static str,
    want: Vec<Want>,
}

fn want(path: &'static str, kind: Kind) -> Want {
    Want {
        path,
        kind,
        owned_by_user: None,
        mode: None,
        content: None,
    }
}

impl Want {
    fn user(mut self, yes: bool) -> Self {
        self.owned_by_user = Some(yes);
        self
    }
    fn mode(mut self, m: u32) -> Self {
        self.mode = Some(m);
        self
    }
    fn content(mut self, c: &'static str) -> Self {
        self.content = Some(c);
        self
    }
}

struct Fixture {
    _sshd: std::sync::Arc<Sshd>,
    login: SysUser,
    other: SysUser,
}

fn fixture() -> Fixture {
    let sshd = ssh::shared_sshd();
    Fixture {
        _sshd: sshd,
        login: SysUser::create(SudoRule::NoPassword),
        other: SysUser::create(SudoRule::None),
    }
}

fn setup_as(f: &Fixture, become_user: &str) -> Setup {
    let sshd = ssh::shared_sshd();
    let mut s = Setup::over(ssh::connect_as(&sshd, 0, f.login.name()));
    s.r#become = Some(Become {
        user: become_user.to_string(),
        ..Default::default()
    });
    s
}

fn expand(v: &Value, dir: &Path, ctl: &Path, user: &str) -> Value {
    match v {
        Value::String(s) => Value::String(
            s.replace("@DIR@", &dir.to_string_lossy())
                .replace("@CTL@", &ctl.to_string_lossy())
                .replace("@USER@", user),
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), expand(x, dir, ctl, user)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| expand(x, dir, ctl, user)).collect()),
        other => other.clone(),
    }
}

/// A work dir every user can enter (its parent temp dir is 0700).
fn work_dir(tmp: &Path, name: &str) -> PathBuf {
    let d = tmp.join(name);
    std::fs::create_dir_all(&d).expect("work dir");
    for p in [tmp, d.as_path()] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    d
}

fn sh(script: &str, dir: &Path) {
    let ok = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .status()
        .expect("run sh")
        .success();
    assert!(ok, "setup failed: {script}");
}

/// Run every case; panics listing every problem of every case.
fn run_cases(f: &Fixture, become_user: &str, cases: &[Case]) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let ctl = tmp.path().join("ctl");
    std::fs::create_dir_all(ctl.join("templates")).expect("ctl dir");
    std::fs::write(ctl.join("templates/t.j2"), "greeting={{ greeting }}\n").expect("template");
    std::fs::create_dir_all(ctl.join("files/tree/d")).expect("tree dir");
    std::fs::write(ctl.join("files/tree/a"), "a\n").expect("tree file");
    std::fs::write(ctl.join("files/tree/d/b"), "b\n").expect("tree file");
    let setup = setup_as(f, become_user);
    let uid = std::fs::metadata(f.other.home()).expect("home").uid();
    let mut problems = Vec::new();
    for c in cases {
        let dir = work_dir(tmp.path(), c.name);
        sh(&c.setup.replace("@USER@", f.other.name()), &dir);
        let args = match expand(&c.args, &dir, &ctl, f.other.name()) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let mut s = setup.clone();
        s.search_paths = vec![ctl.clone()];
        let errs = run_thrice(c, args, &s, &dir);
        let errs = errs.into_iter().chain(check_files(c, &dir, uid));
        problems.extend(errs.map(|e| format!("{}: {e}", c.name)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Check mode (no change on disk), the real run (changed), a second run
/// (not changed); the problems found.
fn run_thrice(c: &Case, args: Map<String, Value>, s: &Setup, dir: &Path) -> Vec<String> {
    let mut errs = Vec::new();
    let changed = |r: &Map<String, Value>| r.get("changed") == Some(&json!(true));
    let failed = |r: &Map<String, Value>| r.get("failed") == Some(&json!(true));
    let before = tree::snapshot(dir);
    let mut check = s.clone();
    check.check_mode = true;
    let r = run_module(c.module, args.clone(), &check);
    if failed(&r) || !changed(&r) {
        errs.push(format!("check mode: want changed, got {r:?}"));
    }
    if tree::snapshot(dir) != before {
        errs.push("check mode changed files".into());
    }
    let r = run_module(c.module, args.clone(), s);
    if failed(&r) || !changed(&r) {
        errs.push(format!("want changed, got {r:?}"));
    }
    let r = run_module(c.module, args, s);
    if failed(&r) || changed(&r) {
        errs.push(format!("second run: want ok and unchanged, got {r:?}"));
    }
    errs
}

fn check_files(c: &Case, dir: &Path, user_uid: u32) -> Vec<String> {
    let mut errs = Vec::new();
    for w in &c.want {
        let p = dir.join(w.path);
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            errs.push(format!("{}: missing", w.path));
            continue;
        };
        let kind = if md.file_type().is_symlink() {
            Kind::Link
        } else if md.is_dir() {
            Kind::Dir
        } else {
            Kind::File
        };
        if kind != w.kind {
            errs.push(format!("{}: a {kind:?}, want a {:?}", w.path, w.kind));
        }
        if let Some(user) = w.owned_by_user {
            let want_uid = if user { user_uid } else { 0 };
            if md.uid() != want_uid || md.gid() != if user { md.gid() } else { 0 } {
                errs.push(format!(
                    "{}: owned by {}:{}, want uid {want_uid}",
                    w.path,
                    md.uid(),
                    md.gid()
                ));
            }
        }
        if let Some(m) = w.mode {
            if md.mode() & 0o7777 != m {
                errs.push(format!(
                    "{}: mode {:04o}, want {m:04o}",
                    w.path,
                    md.mode() & 0o7777
                ));
            }
        }
        if let Some(text) = w.content {
            let got = std::fs::read_to_string(&p).unwrap_or_default();
            if got != text {
                errs.push(format!("{}: content {got:?}, want {text:?}", w.path));
            }
        }
    }
    errs
}

#[test]
fn become_root_sets_owner_group_and_mode() {
    let f = fixture();
    let cases = vec![
        Case {
            name: "copy_content",
            module: "copy",
            args: json!({"content": "k=v\n", "dest": "@DIR@/f.conf", "owner": "@USER@", "group": "@USER@", "mode": "0640"}),
            setup: "",
            want: vec![want("f.conf", Kind::File)
                .user(true)
                .mode(0o640)
                .content("k=v\n")],
        },
        Case {
            name: "copy_mode_of_existing_root_file",
            module: "copy",
            args: json!({"content": "same\n", "dest": "@DIR@/f", "owner": "@USER@", "mode": "u=rw,g=r,o="}),
            setup: "printf 'same\\n' > f && chmod 0644 f",
            want: vec![want("f", Kind::File).user(true).mode(0o640)],
        },
        Case {
            // Ansible chowns a remote tree throughout; modes stay as copied.
            name: "copy_remote_tree",
            module: "copy",
            args: json!({"src": "@DIR@/src/", "remote_src": true, "dest": "@DIR@/t", "owner": "@USER@", "group": "@USER@"}),
            setup: "mkdir -p src/d && echo a > src/a && echo b > src/d/b && chmod 0640 src/d/b",
            want: vec![
                want("t/a", Kind::File)
                    .user(true)
                    .mode(0o644)
                    .content("a\n"),
                want("t/d", Kind::Dir).user(true),
                want("t/d/b", Kind::File).user(true).mode(0o640),
            ],
        },
        Case {
            name: "copy_tree_from_the_controller",
            module: "copy",
            args: json!({"src": "tree/", "dest": "@DIR@/t", "owner": "@USER@", "mode": "0600"}),
            setup: "",
            want: vec![
                want("t/a", Kind::File)
                    .user(true)
                    .mode(0o600)
                    .content("a\n"),
                want("t/d/b", Kind::File).user(true).mode(0o600),
            ],
        },
        Case {
            name: "template",
            module: "template",
            args: json!({"src": "t.j2", "dest": "@DIR@/rendered", "owner": "@USER@", "group": "@USER@", "mode": "0604"}),
            setup: "",
            want: vec![want("rendered", Kind::File)
                .user(true)
                .mode(0o604)
                .content("greeting=hello\n")],
        },
        Case {
            name: "file_directory",
            module: "file",
            args: json!({"path": "@DIR@/d/e", "state": "directory", "owner": "@USER@", "group": "@USER@", "mode": "0750"}),
            setup: "",
            want: vec![want("d/e", Kind::Dir).user(true).mode(0o750)],
        },
        Case {
            name: "file_touch",
            module: "file",
            args: json!({"path": "@DIR@/new", "state": "touch", "owner": "@USER@", "mode": "0600", "modification_time": "preserve", "access_time": "preserve"}),
            setup: "",
            want: vec![want("new", Kind::File).user(true).mode(0o600)],
        },
    ];
    run_cases(&f, "root", &cases);
}

/// Links are followed as Ansible does: `file` on a link changes its
/// target (`follow: true` by default), also with `state=link`: the link
/// itself gets the owner only with `follow: false`; `copy` writes through a link only with `follow: true` and
/// otherwise replaces the link by a file.
#[test]
fn become_root_follows_symlinks_like_ansible() {
    let f = fixture();
    let cases = vec![
        Case {
            name: "file_on_a_link_changes_the_target",
            module: "file",
            args: json!({"path": "@DIR@/link", "owner": "@USER@", "mode": "0600"}),
            setup: "echo x > target && chmod 0644 target && ln -s target link",
            want: vec![
                want("link", Kind::Link),
                want("target", Kind::File).user(true).mode(0o600),
            ],
        },
        Case {
            name: "link_owner_goes_to_the_target_when_following",
            module: "file",
            args: json!({"src": "target", "dest": "@DIR@/link", "state": "link", "owner": "@USER@"}),
            setup: "echo x > target",
            want: vec![
                want("link", Kind::Link).user(false),
                want("target", Kind::File).user(true).mode(0o644),
            ],
        },
        Case {
            name: "link_owner_is_the_links_without_follow",
            module: "file",
            args: json!({"src": "target", "dest": "@DIR@/link", "state": "link", "owner": "@USER@", "follow": false}),
            setup: "echo x > target",
            want: vec![
                want("link", Kind::Link).user(true),
                want("target", Kind::File).user(false).mode(0o644),
            ],
        },
        Case {
            name: "copy_follow_writes_the_target",
            module: "copy",
            args: json!({"content": "new\n", "dest": "@DIR@/link", "follow": true, "owner": "@USER@", "mode": "0640"}),
            setup: "echo old > target && ln -s target link",
            want: vec![
                want("link", Kind::Link),
                want("target", Kind::File)
                    .user(true)
                    .mode(0o640)
                    .content("new\n"),
            ],
        },
        Case {
            name: "copy_without_follow_replaces_the_link",
            module: "copy",
            args: json!({"content": "new\n", "dest": "@DIR@/link", "owner": "@USER@"}),
            setup: "echo old > target && ln -s target link",
            want: vec![
                want("link", Kind::File).user(true).content("new\n"),
                want("target", Kind::File).user(false).content("old\n"),
            ],
        },
    ];
    run_cases(&f, "root", &cases);
}

/// Becoming an unprivileged user: what it writes is its own, with the
/// default umask's mode; it cannot write where it has no permission.
#[test]
fn become_an_unprivileged_user() {
    let f = fixture();
    let cases = vec![
        Case {
            name: "copy_into_its_dir",
            module: "copy",
            args: json!({"content": "mine\n", "dest": "@DIR@/own/f"}),
            setup: "mkdir own && chown @USER@ own",
            want: vec![want("own/f", Kind::File).user(true).content("mine\n")],
        },
        Case {
            name: "file_mode_in_its_dir",
            module: "file",
            args: json!({"path": "@DIR@/own/d", "state": "directory", "mode": "0700"}),
            setup: "mkdir own && chown @USER@ own",
            want: vec![want("own/d", Kind::Dir).user(true).mode(0o700)],
        },
        Case {
            name: "template_into_its_dir",
            module: "template",
            args: json!({"src": "t.j2", "dest": "@DIR@/own/t", "mode": "0600"}),
            setup: "mkdir own && chown @USER@ own",
            want: vec![want("own/t", Kind::File).user(true).mode(0o600)],
        },
    ];
    run_cases(&f, f.other.name(), &cases);

    // The commands really run as that user, and root's files stay closed.
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = work_dir(tmp.path(), "closed");
    sh("mkdir locked && chmod 0755 locked", &dir);
    let setup = setup_as(&f, f.other.name());
    let id = run_module(
        "command",
        json!({"_raw_params": "id -un"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        &setup,
    );
    assert_eq!(
        id.get("stdout").and_then(Value::as_str),
        Some(f.other.name()),
        "{id:?}"
    );
    let denied = run_module(
        "copy",
        json!({"content": "x", "dest": dir.join("locked/f").to_string_lossy()})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        &setup,
    );
    assert_eq!(denied.get("failed"), Some(&json!(true)), "{denied:?}");
    let msg = denied.get("msg").and_then(Value::as_str).unwrap_or("");
    assert!(msg.to_lowercase().contains("permission denied"), "{msg}");
    assert!(!dir.join("locked/f").exists());
}

/// `~` in path options is the home of the user the module runs as on the
/// target — the login user's without become, the become user's with it —
/// never the controller's (these tests run as root, home `/root`). So are
/// `$HOME` and `$USER` there: with become, the variables are those of the
/// become user's environment (sudo's), plus the task's `environment:`.
#[test]
fn tilde_is_the_target_users_home() {
    let f = fixture();
    let sshd = ssh::shared_sshd();
    let cases: [(Option<&SysUser>, &SysUser); 2] = [(None, &f.login), (Some(&f.other), &f.other)];
    let mut errs = Vec::new();
    for (become_user, owner) in cases {
        let mut s = Setup::over(ssh::connect_as(&sshd, 0, f.login.name()));
        s.r#become = become_user.map(|u| Become {
            user: u.name().to_string(),
            ..Default::default()
        });
        s.environment = vec![("SUB".into(), "e".into())];
        let home = owner.home();
        let uid = uid_of(owner.name());
        let who = format!("become {:?}", become_user.map(SysUser::name));
        // (module, args, result key, expected result value)
        let runs = [
            (
                "file",
                json!({"path": "~/d", "state": "directory"}),
                "path",
                json!(home.join("d")),
            ),
            (
                "lineinfile",
                json!({"path": "~/d/t.conf", "line": "k=v", "create": true}),
                "changed",
                json!(true),
            ),
            (
                "copy",
                json!({"content": "c\n", "dest": "~/d/c.txt"}),
                "dest",
                json!(home.join("d/c.txt")),
            ),
            (
                "stat",
                json!({"path": "~/d/t.conf"}),
                "stat.path",
                json!(home.join("d/t.conf")),
            ),
            (
                "command",
                json!({"_raw_params": "pwd", "chdir": "~/d"}),
                "stdout",
                json!(home.join("d")),
            ),
            (
                "file",
                json!({"path": "$HOME/${SUB}", "state": "directory"}),
                "path",
                json!(home.join("e")),
            ),
            (
                "copy",
                json!({"content": "c\n", "dest": "~$USER/$SUB/c.txt"}),
                "dest",
                json!(home.join("e/c.txt")),
            ),
            (
                "stat",
                json!({"path": "${HOME}/$SUB/c.txt"}),
                "stat.path",
                json!(home.join("e/c.txt")),
            ),
            (
                "command",
                json!({"_raw_params": "pwd", "chdir": "$HOME/$SUB", "creates": "$HOME/$SUB/*.no"}),
                "stdout",
                json!(home.join("e")),
            ),
        ];
        for (module, args, key, want) in runs {
            let res = run_module(module, args.as_object().cloned().unwrap_or_default(), &s);
            let got = common::cases::lookup(&res, key);
            if got.as_ref() != Some(&want) {
                errs.push(format!(
                    "{who}: {module} {args}: {key} = {got:?}, expected {want}; {res:?}"
                ));
            }
        }
        for (rel, content) in [
            ("d/t.conf", "k=v\n"),
            ("d/c.txt", "c\n"),
            ("e/c.txt", "c\n"),
        ] {
            let p = home.join(rel);
            match std::fs::metadata(&p) {
                Ok(md) if md.uid() == uid => {}
                Ok(md) => errs.push(format!(
                    "{who}: {} owned by uid {}, expected {uid}",
                    p.display(),
                    md.uid()
                )),
                Err(e) => errs.push(format!("{who}: {}: {e}", p.display())),
            }
            let got = std::fs::read_to_string(&p).unwrap_or_default();
            if got != content {
                errs.push(format!("{who}: {} holds {got:?}", p.display()));
            }
        }
        if std::path::Path::new("/root/d/t.conf").exists() {
            errs.push(format!("{who}: wrote under the controller's home"));
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

fn uid_of(user: &str) -> u32 {
    let out = std::process::Command::new("id")
        .args(["-u", user])
        .output()
        .expect("run id");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a numeric uid")
}
