//! Inventory parsing at scale: 10 000 hosts in INI and YAML form, loaded from
//! a file as `-i` does, then host selection and per-host variable merging.
//! `cargo bench -p inventory-parser --bench parse`

use inventory_parser::Inventory;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    divan::main();
}

const HOSTS: usize = 10_000;
/// Hosts per child group, so that group membership and group vars matter.
const PER_GROUP: usize = 100;

/// An INI inventory like a large StarRocks fleet: one line per host with
/// its own variables, child groups of `PER_GROUP` hosts, group vars.
fn ini_text() -> String {
    let mut s = String::new();
    for g in 0..HOSTS / PER_GROUP {
        writeln!(s, "[rack{g:03}]").unwrap();
        for h in 0..PER_GROUP {
            let i = g * PER_GROUP + h;
            writeln!(
                s,
                "be{i:05} ansible_host=10.{}.{}.{} be_port=9060 priority=\"{h}\"",
                i / 65536,
                (i / 256) % 256,
                i % 256
            )
            .unwrap();
        }
        writeln!(s, "[rack{g:03}:vars]\nrack_id={g}").unwrap();
    }
    s.push_str("[be:children]\n");
    for g in 0..HOSTS / PER_GROUP {
        writeln!(s, "rack{g:03}").unwrap();
    }
    s.push_str("[be:vars]\nansible_user=starrocks\nbe_heap=32g\n");
    s
}

/// The same fleet as a YAML inventory.
fn yaml_text() -> String {
    let mut s = String::from("all:\n  children:\n    be:\n      vars:\n        ansible_user: starrocks\n        be_heap: 32g\n      children:\n");
    for g in 0..HOSTS / PER_GROUP {
        writeln!(
            s,
            "        rack{g:03}:\n          vars:\n            rack_id: {g}\n          hosts:"
        )
        .unwrap();
        for h in 0..PER_GROUP {
            let i = g * PER_GROUP + h;
            writeln!(
                s,
                "            be{i:05}: {{ansible_host: 10.{}.{}.{}, be_port: 9060, priority: \"{h}\"}}",
                i / 65536,
                (i / 256) % 256,
                i % 256
            )
            .unwrap();
        }
    }
    s
}

/// Writes `text` to a fresh directory (so no stray group_vars/ apply) and
/// returns the directory guard with the file path.
fn write_source(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, text).expect("write inventory");
    (dir, path.to_string_lossy().into_owned())
}

fn load(path: &str) -> Inventory {
    let inv = Inventory::load(&[path]).expect("inventory parses");
    assert_eq!(inv.hosts().len(), HOSTS);
    inv
}

#[divan::bench(sample_count = 10)]
fn ini_10k_hosts(b: divan::Bencher) {
    let (_dir, path) = write_source("hosts.ini", &ini_text());
    b.bench(|| load(divan::black_box(&path)));
}

#[divan::bench(sample_count = 10)]
fn yaml_10k_hosts(b: divan::Bencher) {
    let (_dir, path) = write_source("hosts.yml", &yaml_text());
    b.bench(|| load(divan::black_box(&path)));
}

#[divan::bench(sample_count = 10)]
fn select_all_10k(b: divan::Bencher) {
    let (_dir, path) = write_source("hosts.ini", &ini_text());
    let inv = load(&path);
    b.bench(|| inv.select(divan::black_box("be:&rack0*:!be00042")).unwrap());
}

#[divan::bench(sample_count = 10)]
fn host_vars_10k(b: divan::Bencher) {
    let (_dir, path) = write_source("hosts.ini", &ini_text());
    let inv = load(&path);
    let names = inv.hosts();
    b.bench(|| {
        names
            .iter()
            .map(|h| inv.host_vars(h).map_or(0, |v| v.len()))
            .sum::<usize>()
    });
}
