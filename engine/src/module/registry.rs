//! Name -> module lookup, with FQCN and alias resolution.

use super::Module;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Collections whose modules we implement under their short names.
const BUILTIN_COLLECTIONS: &[&str] = &["ansible.builtin.", "ansible.legacy.", "srplay.starrocks."];

#[derive(Clone, Default)]
pub struct ModuleRegistry {
    modules: BTreeMap<String, Arc<dyn Module>>,
}

impl ModuleRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a module under its name and aliases; a later one replaces an
    /// earlier one of the same name (a plugin may override a built-in).
    pub fn register(&mut self, module: Arc<dyn Module>) {
        let spec = module.spec();
        self.modules.insert(spec.name.to_string(), module.clone());
        for alias in spec.aliases {
            self.modules.insert(alias.to_string(), module.clone());
        }
    }

    /// Look a module up by short name, alias or FQCN.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Module>> {
        if let Some(m) = self.modules.get(name) {
            return Some(m.clone());
        }
        BUILTIN_COLLECTIONS
            .iter()
            .find_map(|prefix| name.strip_prefix(prefix))
            .and_then(|short| self.modules.get(short).cloned())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every registered name (aliases included), sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.modules.keys().map(String::as_str)
    }

    /// "did you mean …" for an unknown module name.
    pub fn suggest(&self, name: &str) -> Option<String> {
        let short = name.rsplit('.').next().unwrap_or(name);
        crate::suggest::closest(short, self.names())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::{Args, ModuleContext, ModuleError, ModuleSpec, Outcome};

    struct Ping;
    static PING: ModuleSpec = ModuleSpec {
        aliases: &["pong"],
        ..ModuleSpec::new("ping", "try a host")
    };
    #[async_trait::async_trait]
    impl Module for Ping {
        fn spec(&self) -> &ModuleSpec {
            &PING
        }
        async fn run(&self, _: &ModuleContext, _: Args) -> Result<Outcome, ModuleError> {
            Ok(Outcome::ok().with("ping", "pong"))
        }
    }

    #[test]
    fn lookup_by_name_alias_and_fqcn() {
        let mut r = ModuleRegistry::new();
        r.register(Arc::new(Ping));
        for name in [
            "ping",
            "pong",
            "ansible.builtin.ping",
            "ansible.legacy.ping",
        ] {
            assert!(r.contains(name), "{name}");
        }
        assert!(!r.contains("community.general.ping"));
        assert_eq!(r.suggest("pnig").as_deref(), Some("ping"));
    }
}
