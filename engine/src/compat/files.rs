//! Which files a scan looks at, and what each one is (by location first,
//! then by shape once it is parsed).

use std::path::{Path, PathBuf};

/// What a file is, as far as its name and place tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    AnsibleCfg,
    /// A YAML file; its shape decides (playbook, tasks, vars, inventory).
    Yaml,
    Tasks,
    Handlers,
    Vars,
    Meta,
    Template,
    /// A custom module in a `library/` directory.
    Module,
    /// A Python plugin in an `<type>_plugins/` directory.
    Plugin(&'static str),
    IniInventory,
}

/// Plugin directory name -> plugin type.
const PLUGIN_DIRS: &[(&str, &str)] = &[
    ("action_plugins", "action"),
    ("filter_plugins", "filter"),
    ("test_plugins", "test"),
    ("lookup_plugins", "lookup"),
    ("callback_plugins", "callback"),
    ("strategy_plugins", "strategy"),
    ("connection_plugins", "connection"),
    ("vars_plugins", "vars"),
    ("inventory_plugins", "inventory"),
    ("cache_plugins", "cache"),
    ("become_plugins", "become"),
    ("module_utils", "module_utils"),
];

/// Every file under `root` (or `root` itself) worth scanning, sorted,
/// with its place. Hidden directories and role `files/` are skipped.
pub fn collect(root: &Path) -> std::io::Result<Vec<(PathBuf, Place)>> {
    let mut out = Vec::new();
    if root.is_file() {
        if let Some(place) = place_of(root) {
            out.push((root.to_path_buf(), place));
        } else {
            out.push((root.to_path_buf(), Place::Yaml));
        }
        return Ok(out);
    }
    walk(root, &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, Place)>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let name = file_name(&path);
        if path.is_dir() {
            let skip = name.starts_with('.')
                || name == "files"
                || name == "__pycache__"
                || name == "node_modules";
            if !skip {
                walk(&path, out)?;
            }
        } else if let Some(place) = place_of(&path) {
            out.push((path, place));
        }
    }
    Ok(())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn parent_name(p: &Path) -> String {
    p.parent().map(file_name).unwrap_or_default()
}

/// Does any directory above `p` have this name?
fn under(p: &Path, dir: &str) -> bool {
    p.parent()
        .map(|d| d.components().any(|c| c.as_os_str() == dir))
        .unwrap_or(false)
}

fn place_of(p: &Path) -> Option<Place> {
    let name = file_name(p);
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let parent = parent_name(p);
    if name == "ansible.cfg" {
        return Some(Place::AnsibleCfg);
    }
    if parent == "library" {
        return Some(Place::Module);
    }
    if let Some((_, kind)) = PLUGIN_DIRS.iter().find(|(d, _)| parent == *d) {
        return (ext == "py").then_some(Place::Plugin(kind));
    }
    if ext == "j2" || under(p, "templates") {
        return Some(Place::Template);
    }
    let yaml = ext == "yml" || ext == "yaml";
    if yaml || (ext.is_empty() && (under(p, "group_vars") || under(p, "host_vars"))) {
        return Some(match parent.as_str() {
            _ if under(p, "group_vars") || under(p, "host_vars") => Place::Vars,
            "tasks" => Place::Tasks,
            "handlers" => Place::Handlers,
            "defaults" | "vars" => Place::Vars,
            "meta" => Place::Meta,
            _ => Place::Yaml,
        });
    }
    let inventory_name = matches!(name.as_str(), "hosts" | "inventory") || ext == "ini";
    let in_inventory_dir = (under(p, "inventory") || under(p, "inventories")) && ext.is_empty();
    (inventory_name || in_inventory_dir).then_some(Place::IniInventory)
}
