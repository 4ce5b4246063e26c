//! The Module contract.
//!
//! A module is a name, an argument [`ModuleSpec`] checked when the playbook
//! is loaded (before any host is touched), and an async `run` that acts on
//! one host through [`ModuleContext`] and reports an [`Outcome`].
//!
//! A module file reads top to bottom: options struct (serde) -> spec ->
//! query (what is there?) -> apply (change it, unless in check mode).

mod context;
mod outcome;
mod registry;
mod spec;

pub use context::{ModuleContext, NoProgress, Progress, TemplateRenderer};
pub use outcome::{Diff, Outcome};
pub use registry::ModuleRegistry;
pub use spec::{ArgError, ArgSpec, ArgType, ModuleSpec};

use async_trait::async_trait;
use serde_json::{Map, Value};

/// Module arguments after templating and [`ModuleSpec::normalize`]:
/// canonical names, coerced types, defaults applied.
pub type Args = Map<String, Value>;

/// Why a module run did not produce an outcome. `Connection` errors that
/// are unreachable make the host UNREACHABLE; everything else is a failed
/// task with the message.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    Args(#[from] ArgError),
    #[error(transparent)]
    Connection(#[from] crate::connection::ConnectionError),
}

impl ModuleError {
    pub fn failed(msg: impl Into<String>) -> Self {
        ModuleError::Failed(msg.into())
    }
}

#[async_trait]
pub trait Module: Send + Sync {
    /// Name, options, documentation.
    fn spec(&self) -> &ModuleSpec;

    /// Act on one host. Honour `ctx.check_mode` (query, never apply) and
    /// `ctx.diff`; be idempotent (a second run reports `changed=false`).
    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError>;

    /// True when `run` touches the host through at most one `ctx.exec` /
    /// `ctx.exec_stdin` call (no `put`, `get` or second command), passes
    /// that call's error on unchanged, and builds its outcome only from its
    /// arguments and that call's output. The executor may then run the
    /// items of a loop one after another in a single round trip (see
    /// `docs/performance.md`, "Loop batching"). Default: false.
    fn single_exec(&self) -> bool {
        false
    }

    /// Deserialize normalized args into a module's options struct.
    fn options<T: serde::de::DeserializeOwned>(&self, args: Args) -> Result<T, ModuleError>
    where
        Self: Sized,
    {
        serde_json::from_value(Value::Object(args))
            .map_err(|e| ModuleError::failed(format!("{}: {e}", self.spec().name)))
    }
}
