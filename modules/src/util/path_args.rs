//! `$VAR` and `~` in path options, for every module at once:
//! [`ExpandPaths`] wraps a module and expands its path arguments before
//! it runs (so in check mode and with diff too), driven by its spec, as
//! Ansible's `type: path` does: `expanduser(expandvars(value))`. Options of
//! type `path` name files on the target and are expanded there, with the
//! environment the module runs in; the few that name controller files (a
//! `copy`/`template` source, say) are expanded on the controller, with
//! its environment, as Ansible's action plugins do.

use super::{expandvars, path_script, tilde};
use async_trait::async_trait;
use serde_json::Value;
use srplay_engine::module::{
    ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use std::sync::Arc;

/// Where a path option's file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Target,
    Controller,
}

/// Whether the arguments move a controller-side option to the target.
type OnTargetIf = fn(&Args) -> bool;

fn flag(args: &Args, name: &str) -> Option<bool> {
    args.get(name).and_then(Value::as_bool)
}

/// `remote_src: true`.
fn remote_src(args: &Args) -> bool {
    flag(args, "remote_src") == Some(true)
}

/// `remote_src: true`, or unarchive's deprecated `copy: false`.
fn remote_archive(args: &Args) -> bool {
    remote_src(args) || flag(args, "copy") == Some(false)
}

fn never(_: &Args) -> bool {
    false
}

/// `(module, option, on target if)`: path options naming controller
/// files, unless the arguments say the file is on the target.
const ON_CONTROLLER: &[(&str, &str, OnTargetIf)] = &[
    ("copy", "src", remote_src),
    ("unarchive", "src", remote_archive),
    ("template", "src", never),
    ("fetch", "dest", never),
    ("starrocks_config_diff", "reference_src", never),
    ("sql", "ca_cert", never),
    ("sql", "client_cert", never),
    ("sql", "client_key", never),
];

/// `(module, option)`: options not of type `path` whose values (a list's
/// elements) are target paths all the same.
const MORE_ON_TARGET: &[(&str, &str)] = &[("find", "paths"), ("fetch", "src")];

/// Where the file `option` of `spec` names, given the other arguments;
/// `None` when it is not a path.
pub fn side(spec: &ModuleSpec, option: &str, args: &Args) -> Option<Side> {
    if let Some((_, _, on_target_if)) = ON_CONTROLLER
        .iter()
        .find(|(m, o, _)| *m == spec.name && *o == option)
    {
        return Some(if on_target_if(args) {
            Side::Target
        } else {
            Side::Controller
        });
    }
    let typed_path = spec
        .options
        .iter()
        .any(|o| o.name == option && o.kind == ArgType::Path);
    let listed = MORE_ON_TARGET
        .iter()
        .any(|(m, o)| *m == spec.name && *o == option);
    (typed_path || listed).then_some(Side::Target)
}

/// The strings of a path option: the value, or a list's elements.
fn strings_mut(v: &mut Value) -> Vec<&mut String> {
    match v {
        Value::String(s) => vec![s],
        Value::Array(a) => a
            .iter_mut()
            .filter_map(|e| match e {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The path options of `args`, by side.
fn options_on(spec: &ModuleSpec, args: &Args, wanted: Side) -> Vec<String> {
    args.keys()
        .filter(|k| side(spec, k, args) == Some(wanted))
        .cloned()
        .collect()
}

/// `(module, option)`: controller files looked up on the search path
/// (`files/`, `templates/`), as Ansible's `_find_needle` does: only a value
/// starting with `/` or `~` is expanded (`unfrackpath`); a relative one is
/// looked up as written, `$` and all.
const SEARCHED: &[(&str, &str)] = &[
    ("copy", "src"),
    ("unarchive", "src"),
    ("template", "src"),
    ("starrocks_config_diff", "reference_src"),
];

/// A controller path expanded with the controller's environment and
/// home directories (`$VAR`, then `~`).
pub fn controller_path(path: &str) -> String {
    tilde::expand_on_controller(&expandvars::expand(path, expandvars::controller_var))
}

/// Controller option `option` of `module` with value `path`, expanded.
fn expand_controller_option(module: &str, option: &str, path: &str) -> String {
    let searched = SEARCHED.contains(&(module, option));
    if searched && !path.starts_with(['/', '~']) {
        path.to_string()
    } else {
        controller_path(path)
    }
}

/// `args` with `$VAR` and `~` expanded in every controller path option.
pub fn expand_on_controller(spec: &ModuleSpec, mut args: Args) -> Args {
    for key in options_on(spec, &args, Side::Controller) {
        if let Some(v) = args.get_mut(&key) {
            for p in strings_mut(v) {
                *p = expand_controller_option(spec.name, &key, p);
            }
        }
    }
    args
}

/// `args` with `$VAR` and `~` expanded in every path option: target
/// paths in one round trip (none when no target path has a `$` reference
/// or starts with `~`).
pub async fn expand(
    ctx: &ModuleContext,
    spec: &ModuleSpec,
    args: Args,
) -> Result<Args, ModuleError> {
    let mut args = expand_on_controller(spec, args);
    let keys = options_on(spec, &args, Side::Target);
    let on_target: Vec<String> = keys
        .iter()
        .filter_map(|k| args.get(k))
        .flat_map(|v| match v {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            other => other.as_str().into_iter().collect::<Vec<_>>(),
        })
        .map(str::to_string)
        .collect();
    let expanded = path_script::expand_on_target(ctx, &on_target).await?;
    if expanded.is_empty() {
        return Ok(args);
    }
    for key in keys {
        if let Some(v) = args.get_mut(&key) {
            for p in strings_mut(v) {
                if let Some(e) = expanded.get(p.as_str()) {
                    *p = e.clone();
                }
            }
        }
    }
    Ok(args)
}

/// A module whose path arguments are expanded before it runs. A module
/// that does all its work in one command (`single_exec`, batched in
/// loops) expands its target paths in that command itself (see
/// [`path_script::assign`]); only its controller paths are expanded here.
pub struct ExpandPaths(pub Arc<dyn Module>);

#[async_trait]
impl Module for ExpandPaths {
    fn spec(&self) -> &ModuleSpec {
        self.0.spec()
    }

    fn single_exec(&self) -> bool {
        self.0.single_exec()
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let args = if self.0.single_exec() {
            expand_on_controller(self.0.spec(), args)
        } else {
            expand(ctx, self.0.spec(), args).await?
        };
        self.0.run(ctx, args).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn side_table() {
        let specs = crate::builtin_modules();
        let spec = |name: &str| {
            specs
                .iter()
                .map(|m| m.spec())
                .find(|s| s.name == name)
                .copied()
                .unwrap()
        };
        let remote = json!({"remote_src": true}).as_object().cloned().unwrap();
        let no_copy = json!({"copy": false}).as_object().cloned().unwrap();
        let none = Args::new();
        let cases = [
            ("lineinfile", "path", &none, Some(Side::Target)),
            ("copy", "dest", &none, Some(Side::Target)),
            ("copy", "src", &none, Some(Side::Controller)),
            ("copy", "src", &remote, Some(Side::Target)),
            ("copy", "content", &none, None),
            ("template", "src", &remote, Some(Side::Controller)),
            ("unarchive", "src", &none, Some(Side::Controller)),
            ("unarchive", "src", &no_copy, Some(Side::Target)),
            ("unarchive", "dest", &none, Some(Side::Target)),
            ("stat", "get_checksum", &none, None),
            ("file", "src", &none, Some(Side::Target)),
            ("find", "paths", &none, Some(Side::Target)),
            ("fetch", "src", &none, Some(Side::Target)),
            ("fetch", "dest", &none, Some(Side::Controller)),
            ("command", "chdir", &none, Some(Side::Target)),
        ];
        for (module, option, args, want) in cases {
            assert_eq!(side(&spec(module), option, args), want, "{module} {option}");
        }
    }

    /// Controller values: `CARGO_MANIFEST_DIR` is set for every test
    /// process by cargo (read, never set, here).
    #[test]
    fn controller_values() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let home = tilde::expand_on_controller("~");
        let cases = [
            (
                "copy",
                "src",
                "$CARGO_MANIFEST_DIR/f",
                "$CARGO_MANIFEST_DIR/f",
            ),
            (
                "copy",
                "src",
                "/x/$CARGO_MANIFEST_DIR",
                &format!("/x/{dir}"),
            ),
            (
                "template",
                "src",
                "~/$NO_SUCH_VAR_X",
                &format!("{home}/$NO_SUCH_VAR_X"),
            ),
            (
                "fetch",
                "dest",
                "$CARGO_MANIFEST_DIR/f",
                &format!("{dir}/f"),
            ),
            ("fetch", "dest", "${NO_SUCH_VAR_X}/f", "${NO_SUCH_VAR_X}/f"),
            ("sql", "ca_cert", "${CARGO_MANIFEST_DIR}", dir),
        ];
        for (module, option, value, want) in cases {
            let got = expand_controller_option(module, option, value);
            assert_eq!(got, want, "{module} {option} {value}");
        }
    }
}
