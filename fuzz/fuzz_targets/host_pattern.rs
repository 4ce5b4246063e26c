//! Host patterns (`web:&prod:!db[0:2]`, `~regex`, globs) and host ranges
//! (`h[01:99]`, `[a:z]`) against a small inventory. `@file` patterns read
//! files, so `@` is dropped from the input.
#![no_main]

use inventory_parser::{range, Inventory};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

const INVENTORY: &str = "\
[fe]
fe[1:3].example.com
[be]
be[01:10].example.com ansible_port=2222
[web:children]
fe
[all:vars]
x=1
";

fn inventory() -> &'static Inventory {
    static I: OnceLock<Inventory> = OnceLock::new();
    I.get_or_init(|| {
        Inventory::from_bytes(Path::new("/nonexistent/hosts.ini"), INVENTORY.as_bytes())
            .expect("the fixed inventory parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = text.replace('@', "");
    let _ = range::expand(&text);
    let mut warnings = Vec::new();
    let _ = inventory().select_limited(&text, Some(&text), &mut warnings);
});
