//! `docs/modules/<name>.md` must carry the options and return values of
//! each module exactly as its `ModuleSpec` declares them. Run with
//! `SRPLAY_BLESS=1` to rewrite the generated parts after changing a spec.

use srplay_engine::module::{Module, ModuleRegistry};
use std::path::PathBuf;
use std::sync::Arc;

/// Every module a playbook can name: the built-in modules and the
/// engine's control actions (`debug`, `set_fact`, `meta`…).
fn all_modules() -> Vec<Arc<dyn Module>> {
    let mut registry = ModuleRegistry::new();
    srplay_engine::actions::register(&mut registry);
    let mut modules = srplay_modules::builtin_modules();
    let names: Vec<String> = registry.names().map(str::to_string).collect();
    modules.extend(names.iter().filter_map(|n| registry.get(n)));
    modules.sort_by_key(|m| m.spec().name);
    modules.dedup_by_key(|m| m.spec().name);
    modules
}

#[test]
fn module_pages_match_their_specs() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/modules");
    let bless = std::env::var_os("SRPLAY_BLESS").is_some();
    let mut stale = Vec::new();
    for m in all_modules() {
        let spec = m.spec();
        let path = dir.join(format!("{}.md", spec.name));
        let existing = std::fs::read_to_string(&path).ok();
        let want = srplay_modules::docs::update_page(existing.as_deref(), spec);
        if existing.as_deref() != Some(want.as_str()) {
            if bless {
                std::fs::create_dir_all(&dir).expect("docs dir");
                std::fs::write(&path, &want).expect("write doc page");
            } else {
                stale.push(path.display().to_string());
            }
        }
        let page = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            bless || page.contains("## Example") && page.contains("```yaml"),
            "{} has no example",
            path.display()
        );
        // A new page starts with a placeholder task; it must be replaced.
        assert!(
            bless || !page.contains(&format!("- name: …\n  {}:\n```", spec.name)),
            "{}: the example is still the generated placeholder",
            path.display()
        );
        assert!(
            !spec.returns.is_empty(),
            "{}: the spec declares no return values besides `changed`",
            spec.name
        );
    }
    assert!(
        stale.is_empty(),
        "out of date (run `SRPLAY_BLESS=1 cargo test -p srplay-modules --test docs`): {}",
        stale.join(", ")
    );
}

#[test]
fn the_index_links_every_module() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/modules");
    let index = std::fs::read_to_string(dir.join("README.md")).expect("docs/modules/README.md");
    for m in all_modules() {
        let name = m.spec().name;
        assert!(
            index.contains(&format!("]({name}.md)")),
            "README.md does not link {name}.md"
        );
    }
}
