//! `srplay playground run`: the README's main job as written (an empty
//! spare host gets be/ copied from the reference BE) and the decommission
//! demo on the seeded demo data (tablets really move, with progress).

use crate::sop_support;
use sop_support::{root, text, SRPLAY};
use std::process::Command;

/// A working directory whose `playbooks` is the repository's.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(root().join("playbooks"), dir.path().join("playbooks"))
        .expect("symlink playbooks/");
    dir
}

#[test]
fn the_readme_main_job_copies_be_to_an_empty_spare_and_adds_it() {
    let dir = workdir();
    // twice in the same directory: the spare is empty again the second time
    for _ in 0..2 {
        readme_main_job(dir.path());
    }
}

/// Exactly the README's command (`cargo run -- ` is this binary) in `dir`.
fn readme_main_job(dir: &std::path::Path) {
    let out = Command::new(SRPLAY)
        .args(["playground", "run", "playbooks/add_be.yml"])
        .current_dir(dir)
        .output()
        .expect("run srplay playground run");
    let out_text = text(&out);
    assert_eq!(out.status.code(), Some(0), "{out_text}");
    let be4 = out_text
        .lines()
        .find(|l| l.trim_start().starts_with("be4 ") && l.contains("new_be"))
        .unwrap_or_else(|| panic!("no be4 in the summary:\n{out_text}"));
    assert!(be4.contains("(empty: nothing deployed yet)"), "{be4}");
    assert!(out_text.contains("demo data: database demo"), "{out_text}");
    for step in [
        "TASK [sr_deploy : Archive the reference node's directory]",
        "TASK [sr_deploy : Fetch the archive to the controller (checksummed)]",
        "TASK [sr_deploy : Unpack it on the node]",
    ] {
        let after = out_text
            .split(step)
            .nth(1)
            .unwrap_or_else(|| panic!("no {step}:\n{out_text}"));
        // the first line after the task's header
        let result = after
            .lines()
            .skip(1)
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        assert!(result.starts_with("changed: [be4"), "{step}: {result}");
    }
    // the compact status at the end lists the new BE alive
    let ip = be4.split_whitespace().nth(2).expect("be4's address");
    let row = out_text
        .lines()
        .rev()
        .find(|l| l.starts_with(&format!("| {ip} ")))
        .unwrap_or_else(|| panic!("{ip} not in the final status:\n{out_text}"));
    assert!(row.contains("| true "), "{row}");
    assert!(out_text.contains("playground stopped"), "{out_text}");
    // be/ was deployed into the playground directory (kept after down)
    let deployed = dir.join(".srplay/playground/be4/be/bin/start_be.sh");
    assert!(
        deployed.exists(),
        "be/ not deployed: {}",
        deployed.display()
    );
}

#[test]
fn the_decommission_demo_moves_the_seeded_tablets_with_progress() {
    let dir = workdir();
    let out = Command::new(SRPLAY)
        .args(["playground", "run", "--be", "4", "--subnet", "127.0.51"])
        .args([
            "playbooks/decommission_be.yml",
            "--",
            "-e",
            "sr_confirm=yes",
        ])
        .current_dir(dir.path())
        .output()
        .expect("run srplay playground run");
    let out_text = text(&out);
    assert_eq!(out.status.code(), Some(0), "{out_text}");
    // the BE held demo tablets, and the progress counted them down to 0
    let progress: Vec<&str> = out_text
        .lines()
        .filter(|l| l.contains("tablets left"))
        .collect();
    let first = progress.first().unwrap_or_else(|| panic!("{out_text}"));
    let left = |l: &str| -> u32 {
        l.split("tablets left ")
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count in {l}"))
    };
    assert!(left(first) > 0, "nothing to move: {first}");
    assert_eq!(left(progress.last().unwrap()), 0, "{out_text}");
    assert!(out_text.contains("the BE was removed"), "{out_text}");
}
