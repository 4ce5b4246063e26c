//! `setup` (and the implicit "Gathering Facts"): one shell round trip.

use crate::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use crate::vars::{parse_facts, FACTS_SCRIPT};
use async_trait::async_trait;
use serde_json::Value;

pub static SPEC: ModuleSpec = ModuleSpec {
    options: &[
        ArgSpec::new(
            "gather_subset",
            ArgType::List,
            "Accepted; srplay always gathers its one set",
        ),
        ArgSpec::new("gather_timeout", ArgType::Int, "Accepted"),
        ArgSpec::new("filter", ArgType::List, "Only facts matching these globs"),
        ArgSpec::new("fact_path", ArgType::Path, "Accepted"),
    ],
    aliases: &["gather_facts"],
    returns: &[
        ("ansible_facts", "The gathered facts (`ansible_hostname`, `ansible_distribution`, `ansible_memtotal_mb`…; see the notes)."),
    ],
    ..ModuleSpec::new("setup", "Gathers facts about remote hosts")
};

pub struct Setup;

#[async_trait]
impl Module for Setup {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let out = ctx.exec(FACTS_SCRIPT).await?;
        let mut facts = parse_facts(&out.stdout_str());
        if let Some(Value::Array(filters)) = args.get("filter") {
            let pats: Vec<regex::Regex> = filters
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|g| {
                    let g = g.strip_prefix("ansible_").unwrap_or(g);
                    regex::Regex::new(&format!("^{}$", regex::escape(g).replace("\\*", ".*"))).ok()
                })
                .collect();
            if !pats.is_empty() {
                facts.retain(|k, _| pats.iter().any(|p| p.is_match(k)));
            }
        }
        Ok(Outcome::ok().with("ansible_facts", Value::Object(facts)))
    }
}
