//! `host:port` splitting as ansible's `parse_address(allow_ranges=True)`:
//! a port is only split off when what remains is a valid host name, IPv4 or
//! IPv6 address (ranges allowed); anything else is left untouched.

use regex::Regex;
use std::sync::OnceLock;

fn re(cell: &'static OnceLock<Regex>, src: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(src).expect("static regex"))
}

fn bracketed_hostport() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"^\[(.+)\]:([0-9]+)$")
}

fn hostport() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$")
}

fn alnum_range() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"^\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]")
}

fn ipv6ish() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    // Loose IPv6 check (hex groups, '::', embedded IPv4, hex ranges); the
    // exact ansible regex only matters to decide whether a port was split.
    re(
        &R,
        r"(?i)^(?:[0-9a-f]{1,4}|\[[0-9a-f]+:[0-9a-f]+(?::[0-9]+)?\]|[:.])+$",
    )
}

/// Splits `host:port`; returns the host part and the port if one was given.
/// `Err` when the address is not a recognisable host (ansible then keeps the
/// whole string as the host name with no port).
pub fn parse_address(address: &str) -> Result<(String, Option<u32>), ()> {
    let mut addr = address.to_string();
    let mut port = None;
    for r in [bracketed_hostport(), hostport()] {
        if let Some(c) = r.captures(&addr.clone()) {
            addr = c[1].to_string();
            port = Some(c[2].parse().map_err(|_| ())?);
        }
    }
    if is_hostname(&addr) || is_ipv6(&addr) {
        Ok((addr, port))
    } else {
        Err(())
    }
}

/// IPv6 shape: hex groups (or ranges) separated by `:`, eight of them, or
/// fewer around one `::`; an IPv4 tail counts as two groups.
fn is_ipv6(s: &str) -> bool {
    if !s.contains(':') || !ipv6ish().is_match(s) {
        return false;
    }
    let groups = |part: &str| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        let mut n = 0;
        for g in part.split(':') {
            match g {
                "" => return None,
                g if g.contains('.') => n += 2,
                _ => n += 1,
            }
        }
        Some(n)
    };
    match s.split_once("::") {
        Some((a, b)) if !b.contains("::") => {
            matches!((groups(a), groups(b)), (Some(x), Some(y)) if x + y <= 7)
        }
        Some(_) => false,
        None => groups(s) == Some(8),
    }
}

/// ansible's `hostname` pattern: dot-separated labels made of word characters,
/// `-` and ranges, starting with a word char or range, not ending in `-`/`_`.
pub fn is_hostname(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(is_label)
}

fn is_label(label: &str) -> bool {
    let mut rest = label;
    let mut first = true;
    let mut last_plain = None;
    while !rest.is_empty() {
        if let Some(m) = alnum_range().find(&rest.to_ascii_lowercase()) {
            rest = &rest[m.end()..];
            last_plain = None;
        } else {
            let c = rest.chars().next().expect("non-empty");
            let ok = c.is_alphanumeric() || c == '_' || (!first && c == '-');
            if !ok {
                return false;
            }
            rest = &rest[c.len_utf8()..];
            last_plain = Some(c);
        }
        first = false;
    }
    !first && !matches!(last_plain, Some('-') | Some('_'))
}

#[cfg(test)]
mod tests {
    use super::parse_address;

    type Case = (&'static str, Option<(&'static str, Option<u32>)>);

    #[test]
    fn table() {
        let cases: &[Case] = &[
            ("host", Some(("host", None))),
            ("host:22", Some(("host", Some(22)))),
            ("web[01:10]:2222", Some(("web[01:10]", Some(2222)))),
            ("10.0.0.1:22", Some(("10.0.0.1", Some(22)))),
            ("[::1]:22", Some(("::1", Some(22)))),
            ("fe80::1", Some(("fe80::1", None))),
            ("příbor", Some(("příbor", None))),
            ("bad_", None),
            ("a:b", None),
            ("all:", None),
        ];
        for (src, want) in cases {
            let got = parse_address(src).ok();
            let want = want.map(|(h, p)| (h.to_string(), p));
            assert_eq!(got, want, "{src}");
        }
    }
}
