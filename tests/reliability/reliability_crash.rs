//! Crash safety of file writes over ssh: a copy / template / lineinfile /
//! jvm_options write of a large file is interrupted while its temp file
//! is being filled — srplay killed with SIGKILL, the host's sshd killed
//! (all its sessions die with SIGKILL, as when a host crashes), or the ssh
//! master killed. The destination must hold the old or the new content,
//! never a mix, and the next run must complete and leave no temp file and
//! no ssh master behind.

use crate::reliability_support;
use reliability_support::{
    big_text, inventory_vars, processes, signal, temp_litter, wait_for, wait_output, Project,
};
use srplay_testkit::Sshd;
use std::path::PathBuf;

/// Large enough that the write is still in flight when we look.
const SIZE: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy)]
enum Module {
    Copy,
    Template,
    Lineinfile,
    JvmOptions,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Killer {
    /// `kill -9` the srplay process.
    Srplay,
    /// Kill the host's sshd and every session (SIGKILL), then restart it.
    HostDies,
    /// `kill -9` the ssh master of the run.
    Master,
}

struct Case {
    module: Module,
    p: Project,
    work: tempfile::TempDir,
    dest: PathBuf,
    old: Vec<u8>,
}

/// The project, the target directory and the destination's old content.
fn setup(module: Module, sshd: &Sshd) -> Case {
    let work = tempfile::tempdir().unwrap();
    let (task, dest, old): (&str, &str, Vec<u8>) = match module {
        Module::Copy => (
            "copy: src=big.bin dest={{ work }}/data.bin",
            "data.bin",
            b"old\n".to_vec(),
        ),
        Module::Template => (
            "template: src=big.j2 dest={{ work }}/big.conf",
            "big.conf",
            b"old\n".to_vec(),
        ),
        Module::Lineinfile => (
            "lineinfile: path={{ work }}/lines.txt line=added-line",
            "lines.txt",
            big_text(SIZE, "line"),
        ),
        Module::JvmOptions => {
            let mut conf = big_text(SIZE, "# comment");
            conf.extend_from_slice(b"JAVA_OPTS=\"-Xmx1g -XX:+UseG1GC\"\n");
            (
                "jvm_options: path={{ work }}/fe.conf xmx=2g",
                "fe.conf",
                conf,
            )
        }
    };
    let playbook = format!("- hosts: target\n  gather_facts: false\n  tasks:\n    - {task}\n");
    let inventory = format!(
        "target {} work='{}'\n",
        inventory_vars(&sshd.host_vars(0)),
        work.path().display()
    );
    let p = Project::new(&playbook, &inventory);
    match module {
        Module::Copy => p.write("big.bin", big_text(SIZE, "new")),
        Module::Template => {
            let mut t = big_text(SIZE, "rendered");
            t.extend_from_slice(b"{{ inventory_hostname }}\n");
            p.write("templates/big.j2", t);
        }
        _ => {}
    }
    let dest = work.path().join(dest);
    std::fs::write(&dest, &old).unwrap();
    Case {
        module,
        p,
        work,
        dest,
        old,
    }
}

fn ssh_master_pids(p: &Project) -> Vec<u32> {
    p.masters()
        .into_iter()
        .filter(|(_, c)| c.starts_with("ssh ") || c.contains("/ssh "))
        .map(|(pid, _)| pid)
        .collect()
}

/// Interrupt one write with `killer`; returns what the destination held
/// right after, and the run's output.
fn interrupt(case: &Case, sshd: &mut Sshd, killer: Killer) -> (Vec<u8>, usize, String) {
    let child = case.p.spawn(&[]);
    let pid = child.id();
    let work = case.work.path().to_path_buf();
    let mut exited = false;
    let mut child = Some(child);
    wait_for("the temp file of the write to appear", || {
        if !temp_litter(&work).is_empty() {
            return true;
        }
        if let Ok(Some(_)) = child.as_mut().unwrap().try_wait() {
            exited = true;
            return true;
        }
        false
    });
    let child = child.take().unwrap();
    if exited {
        let out = wait_output(child);
        panic!(
            "{:?}: the run ended before its write could be interrupted \
             (make SIZE bigger):\n{}",
            case.module,
            out.all()
        );
    }
    match killer {
        Killer::Srplay => signal(pid, "KILL"),
        Killer::HostDies => sshd.kill(),
        Killer::Master => {
            let masters = ssh_master_pids(&case.p);
            assert!(
                !masters.is_empty(),
                "no ssh master found: {:?}",
                processes()
            );
            for m in masters {
                signal(m, "KILL");
            }
        }
    }
    let out = wait_output(child);
    match killer {
        Killer::Srplay => {
            assert_eq!(out.code, None, "killed by a signal");
            // The master is a daemon of its own: it outlives a killed srplay
            // (the next run must stop it, checked after the rerun).
            assert!(
                !case.p.masters().is_empty(),
                "expected the killed run's ssh master to linger"
            );
        }
        // The connection broke under a running task: the host is unreachable.
        _ => {
            assert_eq!(out.code, Some(4), "{:?}: {}", case.module, out.all());
            assert!(
                out.recap("target").contains("unreachable=1"),
                "{}",
                out.all()
            );
        }
    }
    if killer == Killer::HostDies {
        sshd.restart();
    }
    let litter = temp_litter(case.work.path()).len();
    (std::fs::read(&case.dest).unwrap(), litter, out.all())
}

fn run_case(module: Module, killer: Killer) {
    let mut sshd = Sshd::start();
    let case = setup(module, &sshd);
    let (after_crash, litter_after_crash, crash_out) = interrupt(&case, &mut sshd, killer);
    if killer == Killer::HostDies {
        // The writing shell died with SIGKILL: its temp file stays until
        // the next write cleans it up (checked below).
        assert!(
            litter_after_crash > 0,
            "{module:?}: expected the killed write's temp file"
        );
    }

    let rerun = case.p.run(&[]);
    assert_eq!(
        rerun.code,
        Some(0),
        "{module:?}/{killer:?}: the next run failed:\n{}",
        rerun.all()
    );
    let new = std::fs::read(&case.dest).unwrap();
    assert_ne!(new, case.old, "{module:?}: the rerun changed nothing");
    assert!(
        after_crash == case.old || after_crash == new,
        "{module:?}/{killer:?}: the destination was left partial ({} bytes; old {}, new {}):\n{crash_out}",
        after_crash.len(),
        case.old.len(),
        new.len()
    );
    let litter = temp_litter(case.work.path());
    assert!(
        litter.is_empty(),
        "{module:?}/{killer:?}: temp files left after the next run: {litter:?}"
    );
    assert!(
        case.p.masters().is_empty(),
        "{module:?}/{killer:?}: ssh masters left: {:?}",
        case.p.masters()
    );
    assert!(
        case.p.control_leftovers().is_empty(),
        "{module:?}/{killer:?}: control files left: {:?}",
        case.p.control_leftovers()
    );
}

const MODULES: [Module; 4] = [
    Module::Copy,
    Module::Template,
    Module::Lineinfile,
    Module::JvmOptions,
];

#[test]
fn srplay_killed_mid_write_leaves_old_or_new_content_and_no_litter() {
    for m in MODULES {
        run_case(m, Killer::Srplay);
    }
}

#[test]
fn host_dying_mid_write_leaves_old_or_new_content_and_no_litter() {
    for m in MODULES {
        run_case(m, Killer::HostDies);
    }
}

#[test]
fn ssh_master_killed_mid_write_leaves_old_or_new_content_and_no_litter() {
    for m in MODULES {
        run_case(m, Killer::Master);
    }
}
