//! Ansible's filters and tests, which minijinja lacks or spells differently.
//!
//! One file per concept; each has a `register` that adds its filters and
//! tests. Every Ansible built-in filter is also reachable by its FQCN
//! (`ansible.builtin.to_json`).

mod bool;
mod collections;
mod encoding;
mod formatter;
mod hash;
mod ipaddr;
mod literals;
mod lookup;
mod math;
mod mutable;
mod now;
mod paths;
mod random;
mod regex;
mod serialize;
mod strict;
mod strings;
mod tests;
mod types;
mod util;
mod version;
mod yaml_emit;

pub(crate) use collections::{merge_hash, ListMerge};
use minijinja::value::{Rest, Value, ValueOrKwargs};
use minijinja::{Environment, Error, ErrorKind, State};

pub use self::formatter::format_value;
pub use self::literals::{
    lone_expression, needs_rewrite, raw_string_literals, raw_string_literals_with, template_source,
    Delimiters,
};
pub(crate) use self::paths::{expanduser, splitext};
pub use self::strict::is_strict_message;
pub(crate) use self::strict::STRICT_FN;
pub use self::types::OMIT;
pub use self::util::{python_repr, python_str_json};

/// Register every Ansible filter, test, `lookup()`, the `omit` and `dict`
/// globals, and the formatter that prints values as Ansible does
/// ([`format_value`]; it keeps refusing to print undefined values).
pub fn register(env: &mut Environment<'_>) {
    formatter::install(env);
    bool::register(env);
    collections::register(env);
    encoding::register(env);
    hash::register(env);
    ipaddr::register(env);
    lookup::register(env);
    math::register(env);
    mutable::register(env);
    now::register(env);
    random::register(env);
    paths::register(env);
    serialize::register(env);
    strict::register(env);
    strings::register(env);
    tests::register(env);
    types::register(env);
    version::register(env);
    add_fqcn_aliases(env);
}

/// Python methods on values (`'a'.upper()`, `d.items()`): minijinja-contrib's
/// pycompat, and for a list or dict that cannot change (it came from a
/// variable), an error explaining how to get one that can.
pub fn unknown_method(
    state: &mut State<'_, '_>,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    match minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args) {
        Err(e) if e.kind() == ErrorKind::UnknownMethod => {
            if let Some(r) = mutable::read_only_method(value, method, args) {
                return r;
            }
            Err(mutable::immutable_error(value, method).unwrap_or(e))
        }
        other => other,
    }
}

/// `ansible.builtin.<name>` for every filter and test Ansible ships in
/// core, forwarding to the short name.
fn add_fqcn_aliases(env: &mut Environment<'_>) {
    for name in BUILTIN_FILTERS {
        env.add_filter(
            format!("ansible.builtin.{name}"),
            move |state: &mut State, args: Rest<ValueOrKwargs>| {
                state.apply_filter(name, &values(args))
            },
        );
    }
    for name in BUILTIN_TESTS {
        env.add_test(
            format!("ansible.builtin.{name}"),
            move |state: &mut State, args: Rest<ValueOrKwargs>| {
                state.perform_test(name, &values(args))
            },
        );
    }
}

/// The arguments as passed, keyword arguments included.
fn values(args: Rest<ValueOrKwargs>) -> Vec<Value> {
    args.0.into_iter().map(Value::from).collect()
}

const BUILTIN_FILTERS: &[&str] = &[
    "b64decode",
    "b64encode",
    "basename",
    "bool",
    "checksum",
    "combine",
    "combinations",
    "comment",
    "dict2items",
    "difference",
    "dirname",
    "expanduser",
    "extract",
    "flatten",
    "from_json",
    "from_yaml",
    "from_yaml_all",
    "hash",
    "human_readable",
    "human_to_bytes",
    "intersect",
    "items2dict",
    "log",
    "mandatory",
    "md5",
    "password_hash",
    "path_join",
    "permutations",
    "pow",
    "product",
    "quote",
    "random",
    "shuffle",
    "realpath",
    "regex_escape",
    "regex_findall",
    "regex_replace",
    "regex_search",
    "relpath",
    "root",
    "sha1",
    "splitext",
    "subelements",
    "symmetric_difference",
    "ternary",
    "to_json",
    "to_nice_json",
    "to_nice_yaml",
    "to_uuid",
    "to_yaml",
    "type_debug",
    "union",
    "unique",
    "urlencode",
    "zip",
    "zip_longest",
    "split",
];

const BUILTIN_TESTS: &[&str] = &[
    "abs",
    "all",
    "any",
    "change",
    "changed",
    "contains",
    "directory",
    "exists",
    "failed",
    "failure",
    "falsy",
    "file",
    "finished",
    "link",
    "link_exists",
    "match",
    "nan",
    "reachable",
    "regex",
    "same_file",
    "search",
    "skip",
    "skipped",
    "started",
    "subset",
    "succeeded",
    "success",
    "successful",
    "superset",
    "timedout",
    "truthy",
    "unreachable",
    "version",
    "version_compare",
];
