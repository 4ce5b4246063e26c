//! Module reference pages generated from the `ModuleSpec`s, so the docs
//! cannot drift from the code (a test compares `docs/modules/<name>.md`).

use srplay_engine::module::{ArgType, ModuleSpec};

pub const BEGIN: &str = "<!-- BEGIN GENERATED FROM THE MODULE SPEC: do not edit -->";
pub const END: &str = "<!-- END GENERATED -->";

fn type_name(t: ArgType) -> &'static str {
    match t {
        ArgType::Str => "str",
        ArgType::Bool => "bool",
        ArgType::Int => "int",
        ArgType::Float => "float",
        ArgType::List => "list",
        ArgType::Dict => "dict",
        ArgType::Path => "path",
        ArgType::Mode => "mode",
        ArgType::Raw => "raw",
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn default_text(d: &str) -> String {
    // Defaults are YAML text; show what a user would write.
    match serde_json::from_str::<serde_json::Value>(d) {
        Ok(serde_json::Value::String(s)) => format!("`{}`", s.escape_debug()),
        _ => format!("`{d}`"),
    }
}

/// The generated part of a module's page: options and return values.
pub fn generated(spec: &ModuleSpec) -> String {
    let mut s = String::new();
    s.push_str(BEGIN);
    s.push('\n');
    s.push_str(&format!("\n{}\n", spec.description));
    if !spec.aliases.is_empty() {
        s.push_str(&format!(
            "\nAlso known as: {}.\n",
            spec.aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    s.push_str("\n## Options\n\n| option | type | required | default | choices | aliases | description |\n|---|---|---|---|---|---|---|\n");
    if let Some(f) = spec.free_form {
        s.push_str(&format!(
            "| free form (`{f}`) | str | | | | | Text written after the module name (`{}: …`) is this option. |\n",
            spec.name
        ));
    }
    for o in spec.options {
        let mut desc = cell(o.doc);
        if o.no_log {
            desc.push_str(" Never logged.");
        }
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            o.name,
            type_name(o.kind),
            if o.required { "yes" } else { "" },
            o.default.map(default_text).unwrap_or_default(),
            o.choices
                .iter()
                .map(|c| format!("`{}`", c.escape_debug()))
                .collect::<Vec<_>>()
                .join(", "),
            o.aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", "),
            desc
        ));
    }
    for (what, groups) in [
        ("Mutually exclusive", spec.mutually_exclusive),
        ("One of these is required", spec.required_one_of),
        ("Required together", spec.required_together),
    ] {
        for g in groups {
            let names: Vec<String> = g.iter().map(|n| format!("`{n}`")).collect();
            s.push_str(&format!("\n{what}: {}.\n", names.join(", ")));
        }
    }
    s.push_str("\n## Return values\n\n| key | description |\n|---|---|\n");
    s.push_str("| `changed` | Whether the module changed anything (always returned). |\n");
    for (k, d) in spec.returns {
        s.push_str(&format!("| `{k}` | {} |\n", cell(d)));
    }
    s.push('\n');
    s.push_str(END);
    s.push('\n');
    s
}

/// Replace the generated part of an existing page (or make a new page).
pub fn update_page(existing: Option<&str>, spec: &ModuleSpec) -> String {
    let gen = generated(spec);
    match existing.and_then(|e| Some((e, e.find(BEGIN)?, e.find(END)?))) {
        Some((e, b, end)) => format!("{}{}{}", &e[..b], gen.trim_end(), &e[end + END.len()..]),
        None => format!(
            "# {}\n\n{gen}\n## Example\n\n```yaml\n- name: …\n  {}:\n```\n",
            spec.name, spec.name
        ),
    }
}
