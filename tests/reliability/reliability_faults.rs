//! Faults during runs over real sshd: a host dying mid-play, hosts that
//! cannot be reached at the start (refused, unknown name, changed or
//! unknown host key), a full disk on the target. Each has a documented
//! outcome and exit code (docs/reliability.md, "Faults"), and nothing is
//! lost: the other hosts finish, old files stay intact.

use crate::reliability_support;
use reliability_support::{inventory_vars, temp_litter, wait_for, wait_output, Fleet, Project};
use srplay_testkit::Sshd;
use std::path::Path;
use std::process::Command;

#[test]
fn a_host_whose_sshd_dies_mid_play_is_unreachable_and_the_others_finish() {
    let mut fleet = Fleet::start(3);
    let marks = tempfile::tempdir().unwrap();
    let m = marks.path().display();
    // Every host waits for the test's "go" before finishing the first task,
    // so node1 is surely mid-task when its sshd dies.
    let playbook = format!(
        "- hosts: nodes\n  gather_facts: false\n  tasks:\n\
         \x20   - shell: \"touch {m}/{{{{ inventory_hostname }}}}.started; \
         while [ ! -e {m}/go ]; do sleep 0.05; done\"\n\
         \x20   - shell: \"touch {m}/{{{{ inventory_hostname }}}}.after\"\n"
    );
    let p = Project::new(&playbook, &format!("[nodes]\n{}", fleet.inventory("node")));
    let child = p.spawn(&[]);
    wait_for("every host to start", || {
        (0..3).all(|i| marks.path().join(format!("node{i}.started")).exists())
    });
    fleet.sshds[1].kill();
    std::fs::write(marks.path().join("go"), "").unwrap();
    let run = wait_output(child);
    assert_eq!(run.code, Some(4), "{}", run.all());
    assert!(
        run.recap("node1").contains("unreachable=1"),
        "{}",
        run.all()
    );
    assert!(run.stdout.contains("UNREACHABLE!"), "{}", run.all());
    for i in [0, 2] {
        assert!(
            run.recap(&format!("node{i}")).contains("ok=2"),
            "{}",
            run.all()
        );
        assert!(marks.path().join(format!("node{i}.after")).exists());
    }
    assert!(!marks.path().join("node1.after").exists());
    assert!(p.masters().is_empty(), "{:?}", p.masters());
}

/// A host that cannot be reached at all, and what srplay says about it.
struct Unreachable {
    name: &'static str,
    vars: String,
    says: &'static [&'static str],
}

#[test]
fn hosts_unreachable_at_the_start_are_reported_and_the_others_run() {
    let sshd = Sshd::start();
    let good = inventory_vars(&sshd.host_vars(0));
    let with_known_hosts = |file: &Path| {
        let mut v = sshd.host_vars(0);
        v.insert(
            "ansible_ssh_common_args".into(),
            format!(
                "-o UserKnownHostsFile={} -o IdentitiesOnly=yes -o IdentityAgent=none",
                file.display()
            )
            .into(),
        );
        inventory_vars(&v)
    };
    let empty_known_hosts = sshd.dir().join("empty_known_hosts");
    std::fs::write(&empty_known_hosts, "").unwrap();
    let cases = [
        Unreachable {
            name: "refused",
            // Nothing listens on port 1.
            vars: "ansible_host=127.0.1.250 ansible_port=1".into(),
            says: &["Connection refused"],
        },
        Unreachable {
            name: "unknown_name",
            // `.invalid` never resolves (RFC 2606).
            vars: "ansible_host=no-such-host.invalid".into(),
            says: &["Could not resolve hostname"],
        },
        Unreachable {
            name: "changed_key",
            vars: with_known_hosts(&sshd.wrong_known_hosts()),
            says: &[
                "REMOTE HOST IDENTIFICATION HAS CHANGED",
                "Host key verification failed",
            ],
        },
        Unreachable {
            name: "unknown_key",
            vars: with_known_hosts(&empty_known_hosts),
            says: &["Host key verification failed"],
        },
    ];
    let marks = tempfile::tempdir().unwrap();
    let mut inventory = format!("good {good}\n");
    for c in &cases {
        inventory += &format!("{} {}\n", c.name, c.vars);
    }
    let playbook = format!(
        "- hosts: all\n  gather_facts: false\n  tasks:\n\
         \x20   - shell: \"touch {}/{{{{ inventory_hostname }}}}\"\n",
        marks.path().display()
    );
    let p = Project::new(&playbook, &inventory);
    let run = p.run(&[]);
    assert_eq!(run.code, Some(4), "{}", run.all());
    assert!(run.recap("good").contains("changed=1"), "{}", run.all());
    assert!(marks.path().join("good").exists());
    for c in &cases {
        assert!(
            run.recap(c.name).contains("unreachable=1"),
            "{}: {}",
            c.name,
            run.all()
        );
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(&format!("[{}]: UNREACHABLE!", c.name)))
            .unwrap_or_else(|| panic!("{}: no UNREACHABLE line:\n{}", c.name, run.all()));
        let block: String = run
            .stdout
            .split(line)
            .nth(1)
            .unwrap_or_default()
            .lines()
            .take(12)
            .collect::<Vec<_>>()
            .join("\n");
        let said = format!("{line}\n{block}");
        for s in c.says {
            assert!(said.contains(s), "{}: expected {s:?} in:\n{said}", c.name);
        }
        assert!(!marks.path().join(c.name).exists(), "{} ran", c.name);
    }
}

/// A tiny tmpfs mounted for the test, unmounted on drop.
struct TinyFs(tempfile::TempDir);

impl TinyFs {
    fn mount(size: &str) -> TinyFs {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "srplay-full"])
            .arg(dir.path())
            .output()
            .expect("run mount (needs root and the mount package)");
        assert!(
            out.status.success(),
            "mounting a tmpfs failed (the test needs root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        TinyFs(dir)
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn a_full_disk_fails_the_write_clearly_and_keeps_the_old_file() {
    let sshd = Sshd::start();
    let fs = TinyFs::mount("1m");
    let dest = fs.0.path().join("be.conf");
    std::fs::write(&dest, "old content\n").unwrap();
    let cases = [
        ("copy", "copy: src=big.bin dest={{ dest }}"),
        ("template", "template: src=big.j2 dest={{ dest }}"),
        (
            "lineinfile",
            "lineinfile: path={{ dest }} line={{ lookup('file', 'big.bin') }}",
        ),
    ];
    for (name, task) in cases {
        let playbook = format!("- hosts: target\n  gather_facts: false\n  tasks:\n    - {task}\n");
        let p = Project::new(
            &playbook,
            &format!(
                "target {} dest='{}'\n",
                inventory_vars(&sshd.host_vars(0)),
                dest.display()
            ),
        );
        let big = "x".repeat(4 * 1024 * 1024);
        p.write("big.bin", &big);
        p.write("templates/big.j2", &big);
        let run = p.run(&[]);
        assert_eq!(run.code, Some(2), "{name}: {}", run.all());
        assert!(run.recap("target").contains("failed=1"), "{}", run.all());
        assert!(
            run.stdout.contains("No space left on device"),
            "{name}: the error says why:\n{}",
            run.all()
        );
        assert_eq!(
            std::fs::read_to_string(&dest).unwrap(),
            "old content\n",
            "{name}: the old file is intact"
        );
        let litter = temp_litter(fs.0.path());
        assert!(litter.is_empty(), "{name}: temp files left: {litter:?}");
    }
}
