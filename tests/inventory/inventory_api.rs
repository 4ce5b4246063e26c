//! The library API the engine uses, on the fixture inventories (expected
//! values are those ansible-inventory gives for the same fixtures).

use inventory_parser::{Inventory, InventoryError};
use serde_json::json;
use std::path::PathBuf;

fn case(name: &str, file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inventory/cases")
        .join(name)
        .join(file)
        .to_string_lossy()
        .into_owned()
}

fn limit_inventory() -> Inventory {
    Inventory::load(&[case("limit_group", "hosts.ini")]).expect("load")
}

#[test]
fn hosts_and_select_follow_inventory_order() {
    let inv = limit_inventory();
    // `all` lists the hosts of all's children (db, prod, staging) before
    // those of grandchildren (web), as ansible does.
    assert_eq!(inv.hosts(), ["db1", "db2", "web3", "web1", "web2"]);
    let table: &[(&str, &[&str])] = &[
        ("prod", &["db1", "web1", "web2", "web3"]),
        ("web:&staging", &["web3"]),
        ("prod:!web[0]", &["db1", "web2", "web3"]),
        ("~db", &["db1", "db2"]),
    ];
    for (pattern, want) in table {
        assert_eq!(inv.select(pattern).unwrap(), *want, "{pattern}");
    }
    let mut warnings = Vec::new();
    let limited = inv
        .select_limited("all", Some("staging"), &mut warnings)
        .unwrap();
    assert_eq!(limited, ["db2", "web3"]);
}

#[test]
fn groups_magic_variable_and_group_names() {
    let inv = limit_inventory();
    let groups = inv.groups();
    assert_eq!(groups["all"], ["db1", "db2", "web3", "web1", "web2"]);
    assert_eq!(groups["prod"], ["db1", "web1", "web2", "web3"]);
    assert!(groups["ungrouped"].is_empty());
    assert_eq!(inv.group_names("web3"), ["prod", "staging", "web"]);
    let prod = inv.group("prod").unwrap();
    assert_eq!(prod.children, ["web"]);
    assert_eq!(inv.group("web").unwrap().parents, ["prod"]);
}

#[test]
fn host_vars_are_merged_with_precedence() {
    let inv = Inventory::load(&[case("ini_precedence_depth", "hosts.ini")]).unwrap();
    let vars = inv.host_vars("h1").unwrap();
    // mid (depth 2) beats zzz and top (depth 1); zzz beats top by name.
    assert_eq!(vars.get("v"), Some(&json!("mid")));
    assert_eq!(vars.get("w"), Some(&json!("leaf")));
    assert_eq!(vars.get("a"), Some(&json!("all")));
    assert!(inv.host_vars("nope").is_none());
}

#[test]
fn implicit_localhost_and_host_lists() {
    let inv = Inventory::load(&["h1,h2:2222,"]).unwrap();
    assert_eq!(inv.hosts(), ["h1", "h2"]);
    assert_eq!(
        inv.host_vars("h2").unwrap().get("ansible_port"),
        Some(&json!(2222))
    );
    assert_eq!(inv.select("localhost").unwrap(), ["localhost"]);
    let local = inv.host_vars("localhost").unwrap();
    assert_eq!(local.get("ansible_connection"), Some(&json!("local")));
    assert!(!inv.hosts().contains(&"localhost".to_string()));
}

#[test]
fn several_sources_merge() {
    let inv =
        Inventory::load(&[case("multi_source", "a.ini"), case("multi_source", "b.yml")]).unwrap();
    assert_eq!(
        inv.host_vars("w1").unwrap().get("x"),
        Some(&json!("from_b"))
    );
    let web: Vec<&String> = inv.group("web").unwrap().hosts.iter().collect();
    assert_eq!(web, ["w1", "w2"]);
}

#[test]
fn strict_load_reports_file_and_line() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inventory/bad/range_reversed");
    let err = Inventory::load(&[dir.join("hosts").to_string_lossy()]).unwrap_err();
    match &err {
        InventoryError::Parse { file, line, msg } => {
            assert!(file.ends_with("range_reversed/hosts"));
            assert_eq!(*line, 12);
            assert!(msg.contains("invalid range web[05:01]"), "{msg}");
        }
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn bad_patterns_are_errors() {
    let inv = limit_inventory();
    assert!(inv.select("web[9]").is_err());
    assert!(inv.select("~(unclosed").is_err());
    assert!(inv.select("@/nonexistent/retry").is_err());
}
