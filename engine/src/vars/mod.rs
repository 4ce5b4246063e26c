//! Variable precedence, implemented once (see `docs/variables.md`).
//!
//! Each source is a [`Layer`]; [`VarLayers::merge`] applies them from the
//! lowest to the highest, the later one replacing a variable wholesale
//! (Ansible's default `hash_behaviour=replace`).

mod facts;
mod magic;

pub use facts::{facts_as_vars, parse_facts, FACTS_SCRIPT};
pub use magic::{omit_token, MagicVars, SharedLists, SHARED_NAMES};

use crate::template::{VarMap, VarValue};
use serde_json::{Map, Value};

/// Ansible's variable sources, lowest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    RoleDefaults,
    Inventory,
    Facts,
    PlayVars,
    VarsFiles,
    RoleVars,
    BlockVars,
    TaskVars,
    IncludeVars,
    SetFact,
    RoleParams,
    IncludeParams,
    ExtraVars,
    /// Magic variables (`inventory_hostname`, `item`…) cannot be overridden.
    Magic,
}

impl Layer {
    /// Values from these layers were rendered already (or come from a
    /// host) and are never templated again.
    fn literal(self) -> bool {
        matches!(self, Layer::Facts | Layer::SetFact | Layer::Magic)
    }
}

/// Sources collected for one host and one task.
#[derive(Debug, Default, Clone)]
pub struct VarLayers {
    layers: Vec<(Layer, Map<String, Value>)>,
}

impl VarLayers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, layer: Layer, vars: Map<String, Value>) {
        if !vars.is_empty() {
            self.layers.push((layer, vars));
        }
    }

    pub fn push_ref(&mut self, layer: Layer, vars: &Map<String, Value>) {
        if !vars.is_empty() {
            self.layers.push((layer, vars.clone()));
        }
    }

    /// The merged view: higher layers win; within a layer, later pushes win.
    pub fn merge(&self) -> VarMap {
        let mut order: Vec<usize> = (0..self.layers.len()).collect();
        order.sort_by_key(|i| self.layers[*i].0);
        let mut out = VarMap::new();
        for i in order {
            let (layer, vars) = &self.layers[i];
            for (k, v) in vars {
                let vv = if layer.literal() {
                    VarValue::literal(v.clone())
                } else {
                    VarValue::raw(v.clone())
                };
                out.insert(k.clone(), vv);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn precedence_table() {
        // (layers pushed in this order, expected value of `x`)
        let cases: Vec<(Vec<(Layer, Value)>, Value)> = vec![
            (
                vec![
                    (Layer::RoleDefaults, json!(1)),
                    (Layer::Inventory, json!(2)),
                ],
                json!(2),
            ),
            (
                vec![
                    (Layer::Inventory, json!(2)),
                    (Layer::RoleDefaults, json!(1)),
                ],
                json!(2),
            ),
            (
                vec![(Layer::PlayVars, json!(3)), (Layer::Facts, json!(9))],
                json!(3),
            ),
            (
                vec![(Layer::TaskVars, json!(5)), (Layer::BlockVars, json!(4))],
                json!(5),
            ),
            (
                vec![(Layer::SetFact, json!(6)), (Layer::TaskVars, json!(5))],
                json!(6),
            ),
            (
                vec![(Layer::ExtraVars, json!(7)), (Layer::SetFact, json!(6))],
                json!(7),
            ),
            (
                vec![(Layer::RoleVars, json!(8)), (Layer::VarsFiles, json!(4))],
                json!(8),
            ),
            (
                vec![
                    (Layer::IncludeParams, json!(8)),
                    (Layer::RoleParams, json!(4)),
                ],
                json!(8),
            ),
            (
                vec![(Layer::BlockVars, json!(1)), (Layer::BlockVars, json!(2))],
                json!(2),
            ),
        ];
        for (layers, want) in cases {
            let mut l = VarLayers::new();
            for (layer, v) in &layers {
                l.push(*layer, m(json!({"x": v})));
            }
            assert_eq!(l.merge()["x"].value, want, "{layers:?}");
        }
    }

    #[test]
    fn facts_and_set_facts_are_not_templated_again() {
        let mut l = VarLayers::new();
        l.push(Layer::SetFact, m(json!({"a": "{{ b }}"})));
        l.push(Layer::PlayVars, m(json!({"c": "{{ b }}"})));
        let merged = l.merge();
        assert!(!merged["a"].templated);
        assert!(merged["c"].templated);
    }
}
