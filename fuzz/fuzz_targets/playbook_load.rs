//! The playbook loader (YAML with positions, plays, tasks, keywords, module
//! argument checks, template syntax checks) on arbitrary text. Imports are
//! resolved next to a directory that does not exist, so nothing is read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srplay_engine::module::ModuleRegistry;
use srplay_engine::playbook::{Loader, LoaderOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const DIR: &str = "/nonexistent/srplay-fuzz";

fn registry() -> &'static ModuleRegistry {
    static R: OnceLock<ModuleRegistry> = OnceLock::new();
    R.get_or_init(|| {
        let mut r = ModuleRegistry::new();
        srplay_modules::register_all(&mut r);
        r
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loader = Loader::new(
        registry().clone(),
        LoaderOptions::default(),
        PathBuf::from(DIR),
    );
    if let Err(d) = loader.load_playbook_text(&Path::new(DIR).join("play.yml"), text) {
        // Rendering the diagnostic (source excerpt, caret) must not panic either.
        let _ = d.render();
    }
});
