//! YAML loading with a position for every node, typed the way Ansible's
//! loader (PyYAML, YAML 1.1) types scalars: `yes`/`no`/`on`/`off` are
//! booleans, `0644` is an octal int, `1.0` a float, `1e3` a string.
//!
//! Built on `saphyr-parser` events so each node keeps `file:line:col`;
//! anchors, aliases and merge keys (`<<`) are resolved here, duplicate keys
//! are an error, `!unsafe` strings are kept literal and `!vault` is refused.

mod load;
mod node;
mod pos;
mod scalar;

pub use load::{load_file, load_str};
pub use node::{Kind, Node};
pub use pos::{Pos, YamlError};
