//! `module_defaults` (play, block, role or task keyword): checked when the
//! playbook is loaded, so a typo in a module or option name is reported
//! with its location before any host is touched.

use super::Diagnostic;
use crate::module::ModuleRegistry;
use crate::yaml::{Kind, Node};

const SHAPE: &str = "`module_defaults` must be a mapping of module names to their default options (or a list of such mappings)";

pub fn check_module_defaults(v: &Node, registry: &ModuleRegistry) -> Result<(), Diagnostic> {
    match &v.kind {
        Kind::Null => Ok(()),
        Kind::Map(_) => check_mapping(v, registry),
        Kind::Seq(items) => items.iter().try_for_each(|i| match &i.kind {
            Kind::Map(_) => check_mapping(i, registry),
            _ => Err(Diagnostic::new(SHAPE, &i.pos)),
        }),
        _ => Err(Diagnostic::new(SHAPE, &v.pos)),
    }
}

fn check_mapping(v: &Node, registry: &ModuleRegistry) -> Result<(), Diagnostic> {
    for (k, opts) in v.as_map().unwrap_or(&[]) {
        let name = k.key_string();
        if name.starts_with("group/") {
            return Err(Diagnostic::new(
                format!("module_defaults action groups (`{name}`) are not supported"),
                &k.pos,
            )
            .hint(Some("list the modules by name instead".into())));
        }
        let Some(module) = registry.get(&name) else {
            return Err(Diagnostic::new(
                format!("unknown module `{name}` in module_defaults"),
                &k.pos,
            )
            .hint(
                registry
                    .suggest(&name)
                    .map(|s| format!("did you mean `{s}`?")),
            ));
        };
        let spec = module.spec();
        let pairs = match &opts.kind {
            Kind::Map(p) => p,
            Kind::Null => continue,
            _ => {
                return Err(Diagnostic::new(
                    format!("the module_defaults of `{name}` must be a mapping of its options"),
                    &opts.pos,
                ))
            }
        };
        for (o, _) in pairs {
            let opt = o.key_string();
            if spec.open || spec.option(&opt).is_some() {
                continue;
            }
            let names = spec.options.iter().map(|x| x.name);
            return Err(Diagnostic::new(
                format!("unsupported option `{opt}` for `{name}` in module_defaults"),
                &o.pos,
            )
            .hint(crate::suggest::closest(&opt, names).map(|s| format!("did you mean `{s}`?"))));
        }
    }
    Ok(())
}
