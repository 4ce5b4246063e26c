//! Helpers every file and command module shares: one remote stat round
//! trip, checksums, modes, owner/group/mode plans, backups + atomic writes
//! with validation, diffs, Ansible-style timestamps, argv splitting,
//! `$VAR`/`~` expansion on the target.

pub mod attrs;
pub mod checksum;
pub mod clock;
pub mod diff;
pub mod expandvars;
pub mod mode;
pub mod path_args;
pub mod path_script;
pub mod pyregex;
pub mod run;
pub mod shlex;
pub mod stat;
pub mod textfile;
pub mod tilde;
pub mod write;

use srplay_engine::module::{Args, ModuleError, ModuleSpec};

/// Deserialize normalized args into a module's options struct, with the
/// module's name in the message.
pub fn options<T: serde::de::DeserializeOwned>(
    spec: &ModuleSpec,
    args: Args,
) -> Result<T, ModuleError> {
    serde_json::from_value(serde_json::Value::Object(args))
        .map_err(|e| ModuleError::failed(format!("{}: {e}", spec.name)))
}

/// Turn a path into its absolute form against nothing: Ansible modules
/// see absolute paths, and relative ones resolve against the remote
/// login directory, which `/bin/sh -c` starts in too.
pub fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}
