//! Loop batching is invisible: the same loop playbook prints the same
//! output with batching on (the default) and off (`SRPLAY_LOOP_BATCH=0`),
//! over the local connection and over a real loopback sshd; and a probe
//! shows that batching really happened (the items' parent shell is the
//! batch script).

use srplay_testkit::Sshd;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/loop_batch")
        .join(name)
}

/// One run in a fresh work directory; its stdout with the parts that
/// differ between any two runs (times, the work directory) masked.
fn run(playbook: &str, inventory: &Path, batch: bool) -> (Option<i32>, String) {
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_srplay"))
        .arg(fixture(playbook))
        .arg("-i")
        .arg(inventory)
        .arg("-e")
        .arg(format!("work_root={}", work.path().display()))
        .env("NO_COLOR", "1")
        .env("SRPLAY_LOOP_BATCH", if batch { "1" } else { "0" })
        .output()
        .expect("run srplay");
    let stdout =
        String::from_utf8_lossy(&out.stdout).replace(&work.path().display().to_string(), "<work>");
    (out.status.code(), mask_times(&stdout))
}

/// `"start": "…"`, `"end": "…"`, `"delta": "…"` -> `"<key>": "<t>"`.
fn mask_times(text: &str) -> String {
    let mut out = text.to_string();
    for key in ["start", "end", "delta"] {
        let open = format!("\"{key}\": \"");
        let mut from = 0;
        while let Some(at) = out[from..].find(&open) {
            let value = from + at + open.len();
            let Some(len) = out[value..].find('"') else {
                break;
            };
            out.replace_range(value..value + len, "<t>");
            from = value;
        }
    }
    out
}

fn assert_same_both_ways(inventory: &Path) {
    let (rc_on, on) = run("loops.yml", inventory, true);
    let (rc_off, off) = run("loops.yml", inventory, false);
    assert_eq!(rc_on, rc_off, "batched:\n{on}\nunbatched:\n{off}");
    if let Some((a, b)) = on.lines().zip(off.lines()).find(|(a, b)| a != b) {
        panic!("batched and unbatched output differ:\n  batched: {a}\nunbatched: {b}\n{on}");
    }
    assert_eq!(on, off, "batched and unbatched output differ");
    // The playbook's own expectations, so that "the same" is also right.
    for want in [
        r#""order": ["1", "2", "3", "4"]"#,
        r#""rcs": [0, 3, 0, 1]"#,
        r#""rcs_out": ["0", "3", "0", "1"]"#,
        r#""io_out": [29, 5, 10, 200000, 30]"#,
        r#""io_last": "[it's 100%  \" $HOME `x` stdin]""#,
        r#""argv_home": true"#,
        r#""argv_rest": "$1x|$PPID|${SRPLAY_UNSET_VAR}|""#,
        r#""stat": [true, true, false]"#,
        "failed: [h0] (item=3)",
        "changed: [h0] => (item=dir /tmp)",
        "skipping: [h0] => (item=dir /)",
        "failed: [h0] (item=dir /nonexistent-srplay-dir)",
        "echo after",
    ] {
        let flat = |s: &str| s.split_whitespace().collect::<String>();
        assert!(
            flat(&on).contains(&flat(want)),
            "missing {want:?} in:\n{on}"
        );
    }
    assert_eq!(rc_on, Some(0), "{on}");
}

fn assert_probe(inventory: &Path) {
    let (_, on) = run("probe.yml", inventory, true);
    assert!(on.contains("batched=1,1,1"), "{on}");
    let (_, off) = run("probe.yml", inventory, false);
    assert!(off.contains("batched=0,0,0"), "{off}");
}

fn local_inventory(dir: &Path) -> PathBuf {
    let inv = dir.join("hosts");
    std::fs::write(&inv, "h0 ansible_connection=local\n").unwrap();
    inv
}

#[test]
fn local_loops_print_the_same_with_and_without_batching() {
    let dir = tempfile::tempdir().unwrap();
    let inv = local_inventory(dir.path());
    assert_same_both_ways(&inv);
    assert_probe(&inv);
}

#[test]
fn ssh_loops_print_the_same_with_and_without_batching() {
    let sshd = Sshd::start_hosts(1);
    let vars: Vec<String> = sshd
        .host_vars(0)
        .iter()
        .map(|(k, v)| {
            let v = v.as_str().map(str::to_string).unwrap_or(v.to_string());
            format!("{k}='{v}'")
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("hosts");
    std::fs::write(&inv, format!("h0 {}\n", vars.join(" "))).unwrap();
    assert_same_both_ways(&inv);
    assert_probe(&inv);
}
