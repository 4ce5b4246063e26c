//! Inventory files: the first byte picks the file name (INI, YAML, JSON or
//! no extension, which tries YAML then INI), the rest is the content. A
//! parsed inventory is then listed and queried like `srplay inventory`.
#![no_main]

use inventory_parser::Inventory;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

const NAMES: [&str; 4] = ["hosts.ini", "hosts.yml", "hosts.json", "hosts"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let path = Path::new("/nonexistent/srplay-fuzz").join(name);
    let Ok(inv) = Inventory::from_bytes(&path, content) else {
        return;
    };
    let _ = inventory_parser::list_json(&inv, &[], false);
    let _ = inventory_parser::list_yaml(&inv, &[], true);
    for host in inv.hosts().iter().take(50) {
        let _ = inv.host_vars(host);
        let _ = inv.group_names(host);
    }
    let _ = inv.select("all:!ungrouped");
});
