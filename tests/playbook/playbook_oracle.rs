//! Differential tests: every `tests/fixtures/playbooks/<case>/play.yml`
//! runs under real `ansible-playbook` (the oracle) and under `srplay`;
//! their output (minus warnings) and exit codes must be identical.
//! All mismatches are reported at once.

use crate::playbook_support;

use playbook_support::{normalize, oracle_bin, run_case, Case};
use std::path::PathBuf;

#[test]
fn playbooks_match_ansible() {
    let oracle = oracle_bin();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/playbooks");
    let mut cases: Vec<Case> = std::fs::read_dir(&root)
        .expect("fixtures dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("play.yml").is_file())
        .map(|e| Case::load(&e.path()))
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(
        cases.len() >= 40,
        "expected at least 40 cases, found {}",
        cases.len()
    );
    let srplay = PathBuf::from(env!("CARGO_BIN_EXE_srplay"));
    let results = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let theirs = run_case(&oracle.join("ansible-playbook"), case, &oracle);
                let mine = run_case(&srplay, case, &oracle);
                results
                    .lock()
                    .unwrap()
                    .push((case.name.clone(), theirs, mine));
            });
        }
    });
    let mut failures = Vec::new();
    let results = results.into_inner().unwrap();
    for (name, theirs, mine) in &results {
        let (mut t, mut m) = (
            job_ids(&normalize(&theirs.stdout)),
            job_ids(&normalize(&mine.stdout)),
        );
        if root.join(name).join("ignore_error_text").exists() {
            (t, m) = (strip_error_blocks(&t), strip_error_blocks(&m));
        }
        if t != m || theirs.code != mine.code {
            failures.push(format!(
                "=== {name}: exit ansible={} srplay={}\n{}\n--- srplay stderr:\n{}",
                theirs.code,
                mine.code,
                srplay_engine::output::unified_diff(&t, &m, "ansible-playbook", "srplay"),
                mine.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

/// Without the `[ERROR]: …` blocks of failed tasks: for cases marked
/// `ignore_error_text`, whose failures are checked through registered
/// results instead (ansible-core's wording of a templating failure,
/// "Finalization of task args …", is its own).
fn strip_error_blocks(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut skipping = false;
    for line in s.lines() {
        if line.starts_with("[ERROR]") {
            skipping = true;
            continue;
        }
        let resumes = [
            "ok: [",
            "changed: [",
            "skipping: [",
            "failed: [",
            "fatal: [",
            "...ignoring",
        ]
        .iter()
        .any(|p| line.starts_with(p))
            || line.ends_with("***");
        if skipping && !resumes {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn error_blocks_are_stripped() {
    let input = "TASK [debug] ***\n[ERROR]: Task failed: x\nOrigin: p.yml:1:1\n\n1 - debug\nfatal: [h]: FAILED! => {}\n...ignoring\nok: [h] => {}\n";
    assert_eq!(
        strip_error_blocks(input),
        "TASK [debug] ***\nfatal: [h]: FAILED! => {}\n...ignoring\nok: [h] => {}\n"
    );
}

/// Async job ids are random (`ASYNC OK on h: jid=j123456789012.4242`):
/// `j<digits>.<digits>` after a non-word character becomes `<JID>`.
fn job_ids(s: &str) -> String {
    let b = s.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let starts_word = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if b[i] == b'j' && starts_word {
            let n = digits(i + 1);
            if n >= 6 && b.get(i + 1 + n) == Some(&b'.') {
                let m = digits(i + 2 + n);
                if m > 0 {
                    out.push_str("<JID>");
                    i += 2 + n + m;
                    continue;
                }
            }
        }
        let ch = s[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[test]
fn job_ids_are_masked() {
    let cases = [
        ("jid=j150042533601.26418 x", "jid=<JID> x"),
        (
            "/root/.ansible_async/j150042533601.26418\"",
            "/root/.ansible_async/<JID>\"",
        ),
        ("j12.3 and xj1234567.8", "j12.3 and xj1234567.8"),
    ];
    for (input, want) in cases {
        assert_eq!(job_ids(input), want, "{input}");
    }
}
