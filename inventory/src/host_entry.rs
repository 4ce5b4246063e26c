//! One host entry of an inventory (`web[01:03]:2222`) to host names and port,
//! as ansible's `BaseInventoryPlugin._expand_hostpattern`.

use crate::address::parse_address;
use crate::range;

/// Splits an optional port off and expands ranges. An entry that is not a
/// recognisable address is kept whole (ansible does the same).
pub fn expand_host_entry(entry: &str) -> Result<(Vec<String>, Option<u32>), String> {
    let (pattern, port) = parse_address(entry).unwrap_or_else(|_| (entry.to_string(), None));
    let hosts = if range::has_range(&pattern) {
        range::expand(&pattern)?
    } else {
        vec![pattern]
    };
    Ok((hosts, port))
}
