//! `srplay doc`: module documentation from the modules' own specs, so it
//! can never drift from what the loader accepts.

use srplay_engine::module::{ArgSpec, ArgType, ModuleRegistry, ModuleSpec};
use std::fmt::Write;

#[derive(clap::Args, Debug)]
pub struct DocArgs {
    /// List every available module (built-in and plugins) with a summary.
    #[arg(short = 'l', long)]
    pub list: bool,
    /// The module to document (short name, alias or FQCN).
    #[arg(required_unless_present = "list")]
    pub module: Option<String>,
    /// Extra plugin directories (besides ./library and $SRPLAY_LIBRARY).
    #[arg(short = 'M', long = "module-path")]
    pub module_path: Vec<std::path::PathBuf>,
}

pub fn run(args: &DocArgs, registry: &ModuleRegistry) -> anyhow::Result<i32> {
    if args.list {
        print!("{}", list(registry));
        return Ok(0);
    }
    let name = args.module.as_deref().unwrap_or_default();
    match registry.get(name) {
        Some(m) => {
            print!("{}", describe(m.spec()));
            Ok(0)
        }
        None => {
            let hint = registry
                .suggest(name)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            eprintln!("error: no module named `{name}`{hint}");
            Ok(1)
        }
    }
}

/// One line per module (aliases folded into their module's line).
pub fn list(registry: &ModuleRegistry) -> String {
    let mut out = String::new();
    let mut seen = std::collections::BTreeMap::new();
    for name in registry.names() {
        if let Some(m) = registry.get(name) {
            let spec = m.spec();
            seen.entry(spec.name).or_insert(spec.description);
        }
    }
    let width = seen.keys().map(|k| k.len()).max().unwrap_or(0);
    for (name, desc) in seen {
        let _ = writeln!(out, "{name:width$}  {}", first_line(desc));
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The full page for one module: description, options, return values.
pub fn describe(spec: &ModuleSpec) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} - {}\n", spec.name, first_line(spec.description));
    if !spec.aliases.is_empty() {
        let _ = writeln!(out, "Aliases: {}\n", spec.aliases.join(", "));
    }
    let _ = writeln!(out, "{}\n", spec.description.trim());
    if let Some(ff) = spec.free_form {
        let _ = writeln!(out, "Free-form text goes to option `{ff}`.\n");
    }
    if !spec.options.is_empty() {
        let _ = writeln!(out, "OPTIONS (= is mandatory):\n");
        for opt in spec.options {
            describe_option(&mut out, opt);
        }
    }
    for (label, groups) in [
        ("Mutually exclusive", spec.mutually_exclusive),
        ("One of these is required", spec.required_one_of),
        ("Required together", spec.required_together),
    ] {
        for g in groups {
            let _ = writeln!(out, "{label}: {}", g.join(", "));
        }
    }
    if !spec.returns.is_empty() {
        let _ = writeln!(out, "\nRETURN VALUES:\n");
        for (name, doc) in spec.returns {
            let _ = writeln!(out, "- {name}\n        {doc}");
        }
    }
    out
}

fn describe_option(out: &mut String, opt: &ArgSpec) {
    let mark = if opt.required { '=' } else { '-' };
    let _ = writeln!(out, "{mark} {}", opt.name);
    let _ = writeln!(out, "        {}", opt.doc);
    if !opt.aliases.is_empty() {
        let _ = writeln!(out, "        aliases: [{}]", opt.aliases.join(", "));
    }
    if !opt.choices.is_empty() {
        let _ = writeln!(out, "        choices: [{}]", opt.choices.join(", "));
    }
    if let Some(d) = opt.default {
        let _ = writeln!(out, "        default: {d}");
    }
    let _ = writeln!(out, "        type: {}", type_name(opt.kind));
    if opt.no_log {
        let _ = writeln!(out, "        (secret: never printed)");
    }
    out.push('\n');
}

fn type_name(t: ArgType) -> &'static str {
    match t {
        ArgType::Str => "str",
        ArgType::Bool => "bool",
        ArgType::Int => "int",
        ArgType::Float => "float",
        ArgType::List => "list",
        ArgType::Dict => "dict",
        ArgType::Path => "path",
        ArgType::Mode => "raw (file mode)",
        ArgType::Raw => "raw",
    }
}
