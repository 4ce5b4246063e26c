//! Variables as minijinja sees them: a map whose templated values are
//! rendered when first read (Ansible's lazy templating), with a guard
//! against a variable that refers to itself.

use super::templar::render_value_in;
use indexmap::IndexMap;
use minijinja::value::{Enumerator, Object, Value as JValue};
use minijinja::{Error, ErrorKind};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One variable: its value, and whether it may still hold templates
/// (values from play/task vars do; facts and registered results never do).
#[derive(Debug, Clone)]
pub struct VarValue {
    pub value: Value,
    pub templated: bool,
}

impl VarValue {
    pub fn raw(value: Value) -> Self {
        VarValue {
            value,
            templated: true,
        }
    }
    pub fn literal(value: Value) -> Self {
        VarValue {
            value,
            templated: false,
        }
    }
}

pub type VarMap = IndexMap<String, VarValue>;

/// The variables of one host for one task.
#[derive(Debug, Default)]
pub struct LazyVars {
    vars: VarMap,
    /// Values that are objects already (`hostvars`).
    objects: IndexMap<String, JValue>,
    cache: Mutex<HashMap<String, JValue>>,
}

thread_local! {
    static RESOLVING: RefCell<Vec<(usize, String)>> = const { RefCell::new(Vec::new()) };
}

impl LazyVars {
    pub fn new(vars: VarMap, objects: IndexMap<String, JValue>) -> Arc<Self> {
        Arc::new(LazyVars {
            vars,
            objects,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The same variables plus `extra` (which win), e.g. a template's
    /// `template_path`, a registered result for `until`.
    pub fn with_extra(&self, extra: &serde_json::Map<String, Value>) -> Arc<Self> {
        let mut vars = self.vars.clone();
        for (k, v) in extra {
            vars.insert(k.clone(), VarValue::literal(v.clone()));
        }
        LazyVars::new(vars, self.objects.clone())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.vars.contains_key(name) || self.objects.contains_key(name) || name == "vars"
    }

    pub fn raw(&self, name: &str) -> Option<&VarValue> {
        self.vars.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.vars.keys().chain(self.objects.keys())
    }

    /// Read a variable, rendering it if needed.
    pub fn resolve(self: &Arc<Self>, name: &str) -> Result<Option<JValue>, Error> {
        if let Some(o) = self.objects.get(name) {
            return Ok(Some(o.clone()));
        }
        if name == "vars" {
            return Ok(Some(JValue::from_dyn_object(self.clone())));
        }
        let Some(v) = self.vars.get(name) else {
            return Ok(None);
        };
        if !v.templated || !contains_template(&v.value) {
            return Ok(Some(JValue::from(minijinja::value::Serde(&v.value))));
        }
        if let Some(c) = self.cache.lock().expect("not poisoned").get(name) {
            return Ok(Some(c.clone()));
        }
        let id = (Arc::as_ptr(self) as usize, name.to_string());
        let looping = RESOLVING.with(|r| r.borrow().contains(&id));
        if looping {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "recursive loop detected in template: the variable `{name}` refers to itself"
                ),
            ));
        }
        RESOLVING.with(|r| r.borrow_mut().push(id.clone()));
        let out = render_value_in(&v.value, self);
        RESOLVING.with(|r| r.borrow_mut().retain(|x| x != &id));
        let rendered = JValue::from(minijinja::value::Serde(
            &out.map_err(|e| e.into_jinja(name))?,
        ));
        self.cache
            .lock()
            .expect("not poisoned")
            .insert(name.to_string(), rendered.clone());
        Ok(Some(rendered))
    }
}

impl Object for LazyVars {
    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let name = key.as_str()?;
        match self.resolve(name) {
            Ok(v) => v,
            // Ansible: a variable whose template uses an undefined one is
            // itself undefined (`a is defined` is false, `default`
            // applies); using it reports the inner variable (see
            // `templar::undefined_error`).
            Err(e) if e.kind() == ErrorKind::UndefinedError => None,
            Err(e) => Some(JValue::from(e)),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.names().map(|k| JValue::from(k.as_str())).collect())
    }
}

/// Does a value hold template syntax anywhere?
pub fn contains_template(v: &Value) -> bool {
    match v {
        Value::String(s) => super::is_template(s),
        Value::Array(a) => a.iter().any(contains_template),
        Value::Object(m) => m.values().any(contains_template),
        _ => false,
    }
}
