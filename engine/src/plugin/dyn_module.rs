//! A module of a plugin library, as a [`Module`].

use super::host_bridge::Bridge;
use super::library::LoadedLibrary;
use super::result_dict::outcome_from_result;
use crate::module::{Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome};
use async_trait::async_trait;
use serde_json::{Map, Value};
use srplay_plugin_api::abi::{RC_BAD_INPUT, RC_MODULE_ERROR, RC_OK, RC_PANIC};
use srplay_plugin_api::Request;
use std::ffi::CString;
use std::sync::Arc;

pub struct DynModule {
    library: Arc<LoadedLibrary>,
    spec: &'static ModuleSpec,
    name: CString,
}

impl DynModule {
    /// Every module of a loaded library.
    pub fn all(library: &Arc<LoadedLibrary>) -> Vec<DynModule> {
        library
            .specs
            .iter()
            .filter_map(|spec| {
                Some(DynModule {
                    library: library.clone(),
                    spec,
                    name: CString::new(spec.name).ok()?,
                })
            })
            .collect()
    }

    pub fn library(&self) -> &LoadedLibrary {
        &self.library
    }

    fn interpret(&self, rc: i32, json: &str) -> Outcome {
        let dict: Option<Map<String, Value>> = serde_json::from_str(json).ok();
        let msg = dict
            .as_ref()
            .and_then(|d| d.get("msg"))
            .and_then(Value::as_str)
            .unwrap_or(json)
            .to_string();
        let origin = format!(
            "plugin {} module `{}`",
            self.library.path.display(),
            self.spec.name
        );
        match (rc, dict) {
            (RC_OK, Some(dict)) => outcome_from_result(dict),
            (RC_OK, None) => Outcome::failed(format!(
                "{origin} returned a result that is not a JSON object: {json}"
            )),
            (RC_MODULE_ERROR, _) => Outcome::failed(msg),
            (RC_PANIC, _) => Outcome::failed(format!("{origin}: {msg}")),
            (RC_BAD_INPUT, _) => Outcome::failed(format!("{origin} rejected the call: {msg}")),
            (other, _) => Outcome::failed(format!("{origin} returned unknown code {other}: {msg}")),
        }
    }
}

#[async_trait]
impl Module for DynModule {
    fn spec(&self) -> &ModuleSpec {
        self.spec
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let request = Request {
            args,
            check_mode: ctx.check_mode,
            diff: ctx.diff,
            host: ctx.host.clone(),
            vars: (*ctx.vars).clone(),
            verbosity: 0,
        };
        let request = serde_json::to_string(&request)
            .ok()
            .and_then(|s| CString::new(s).ok())
            .ok_or_else(|| ModuleError::failed("cannot encode the module request"))?;
        let bridge = Bridge::new(tokio::runtime::Handle::current(), ctx.clone());
        let library = self.library.clone();
        let name = self.name.clone();
        // Plugins block (and may call back into the runtime through the
        // bridge), so they never run on a runtime worker thread.
        let (result, bridge) = tokio::task::spawn_blocking(move || {
            let callbacks = bridge.callbacks();
            let result = library.call(&name, &request, &callbacks);
            (result, bridge)
        })
        .await
        .map_err(|e| ModuleError::failed(format!("plugin call did not finish: {e}")))?;
        if let Some(lost) = bridge.take_lost_connection() {
            return Err(ModuleError::Connection(lost));
        }
        Ok(self.interpret(result.rc, &result.json))
    }
}
