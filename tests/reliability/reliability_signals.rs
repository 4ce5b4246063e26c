//! SIGINT / SIGTERM to a running `srplay` over ssh (several hosts): no new task starts,
//! tasks in flight finish (or are stopped after the grace period, or at a
//! second signal), the recap is printed, the ssh masters are closed, the
//! exit code is 130 / 143 and no ssh process is left behind.

use crate::reliability_support;
use reliability_support::{processes, signal, wait_for, wait_output, Fleet, Project, Run};

const HOSTS: usize = 3;

/// Each host touches `<host>.started`, runs `wait` (a shell snippet),
/// touches `<host>.finished`; a second task touches `<host>.after`.
fn project(fleet: &Fleet, marks: &std::path::Path, wait: &str) -> Project {
    let playbook = format!(
        "- hosts: nodes\n  gather_facts: false\n  tasks:\n\
         \x20   - name: slow\n      shell: \"touch {m}/{{{{ inventory_hostname }}}}.started && \
         {wait} && touch {m}/{{{{ inventory_hostname }}}}.finished\"\n\
         \x20   - name: after\n      shell: \"touch {m}/{{{{ inventory_hostname }}}}.after\"\n",
        m = marks.display()
    );
    Project::new(&playbook, &format!("[nodes]\n{}", fleet.inventory("node")))
}

fn marks_exist(marks: &std::path::Path, suffix: &str) -> usize {
    (0..HOSTS)
        .filter(|i| marks.join(format!("node{i}.{suffix}")).exists())
        .count()
}

/// What must hold after any interrupted run.
fn assert_clean_exit(p: &Project, run: &Run, code: i32) {
    assert_eq!(run.code, Some(code), "{}", run.all());
    assert!(run.stdout.contains("PLAY RECAP"), "{}", run.all());
    assert!(
        p.masters().is_empty(),
        "ssh masters left running: {:?}",
        p.masters()
    );
    assert!(
        p.control_leftovers().is_empty(),
        "control sockets left: {:?}",
        p.control_leftovers()
    );
}

/// Remote commands outlive a stopped task (see docs/reliability.md,
/// "Signals"); the test removes its own.
fn kill_leftover_sleeps(tag: &str) -> usize {
    let left: Vec<u32> = processes()
        .into_iter()
        .filter(|(_, c)| c.starts_with("sleep ") && c.contains(tag))
        .map(|(p, _)| p)
        .collect();
    for &p in &left {
        signal(p, "KILL");
    }
    left.len()
}

/// Starts the project's run with `grace` seconds of interrupt grace and
/// returns once every host is inside the slow task.
fn start_slow_run(p: &Project, marks: &std::path::Path, grace: &str) -> std::process::Child {
    let child = p
        .command(&["-f", "10"])
        .env("SRPLAY_INTERRUPT_GRACE", grace)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("every host to start the slow task", || {
        marks_exist(marks, "started") == HOSTS
    });
    child
}

#[test]
fn a_signal_lets_running_tasks_finish_then_stops_with_the_recap() {
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        let fleet = Fleet::start(HOSTS);
        let marks = tempfile::tempdir().unwrap();
        // The task ends only when the test says "go", after the signal.
        let go = marks.path().join("go");
        let wait = format!("while [ ! -e {} ]; do sleep 0.05; done", go.display());
        let p = project(&fleet, marks.path(), &wait);
        let child = start_slow_run(&p, marks.path(), "120");
        let pid = child.id();
        signal(pid, sig);
        // Give srplay time to act on the signal (stopping the task at
        // once would show as missing `.finished` marks).
        std::thread::sleep(std::time::Duration::from_millis(500));
        std::fs::write(&go, "").unwrap();
        let run = wait_output(child);
        assert_clean_exit(&p, &run, code);
        assert_eq!(
            marks_exist(marks.path(), "finished"),
            HOSTS,
            "SIG{sig}: the in-flight task was not allowed to finish:\n{}",
            run.all()
        );
        assert_eq!(
            marks_exist(marks.path(), "after"),
            0,
            "SIG{sig}: a new task started after the signal:\n{}",
            run.all()
        );
        for i in 0..HOSTS {
            let line = run.recap(&format!("node{i}"));
            assert!(
                line.contains("ok=1 ") && line.contains("changed=1 "),
                "SIG{sig}: the finished task is counted: {line}"
            );
        }
    }
}

#[test]
fn after_the_grace_period_running_tasks_are_stopped() {
    let fleet = Fleet::start(HOSTS);
    let marks = tempfile::tempdir().unwrap();
    let p = project(&fleet, marks.path(), "sleep 600.0301");
    let child = start_slow_run(&p, marks.path(), "1");
    signal(child.id(), "TERM");
    let run = wait_output(child);
    kill_leftover_sleeps("600.0301");
    assert_clean_exit(&p, &run, 143);
    assert_eq!(marks_exist(marks.path(), "finished"), 0, "{}", run.all());
    assert_eq!(marks_exist(marks.path(), "after"), 0, "{}", run.all());
}

#[test]
fn a_second_signal_stops_running_tasks_at_once() {
    let fleet = Fleet::start(HOSTS);
    let marks = tempfile::tempdir().unwrap();
    let p = project(&fleet, marks.path(), "sleep 600.0302");
    // A grace period longer than the hang guard: only the second signal
    // can end this run in time.
    let child = start_slow_run(&p, marks.path(), "3600");
    signal(child.id(), "INT");
    std::thread::sleep(std::time::Duration::from_millis(300));
    signal(child.id(), "INT");
    let run = wait_output(child);
    kill_leftover_sleeps("600.0302");
    assert_clean_exit(&p, &run, 130);
    assert_eq!(marks_exist(marks.path(), "after"), 0, "{}", run.all());
}
