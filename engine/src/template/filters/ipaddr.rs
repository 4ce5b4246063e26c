//! `ansible.utils.ipaddr` / `ipv4` / `ipv6` basics and the `in_network`
//! family of tests, enough for inventories that pick addresses by CIDR
//! (StarRocks' `priority_networks`).

use minijinja::value::Value;
use minijinja::{Environment, Error};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub fn register(env: &mut Environment<'_>) {
    for prefix in ["", "ansible.utils.", "ansible.netcommon."] {
        env.add_filter(format!("{prefix}ipaddr"), |v: Value, q: Option<Value>| {
            filter(v, q, None)
        });
        env.add_filter(format!("{prefix}ipv4"), |v: Value, q: Option<Value>| {
            filter(v, q, Some(4))
        });
        env.add_filter(format!("{prefix}ipv6"), |v: Value, q: Option<Value>| {
            filter(v, q, Some(6))
        });
    }
    for prefix in ["", "ansible.utils."] {
        env.add_test(format!("{prefix}in_network"), |v: String, net: String| {
            in_network(&v, &net)
        });
        env.add_test(
            format!("{prefix}in_any_network"),
            |v: String, nets: Vec<String>| nets.iter().any(|n| in_network(&v, n)),
        );
        env.add_test(format!("{prefix}ip"), |v: String| {
            IpNet::parse(&v).is_some()
        });
        env.add_test(format!("{prefix}ip_address"), |v: String| {
            v.parse::<IpAddr>().is_ok()
        });
        env.add_test(format!("{prefix}ipv4_address"), |v: String| {
            v.parse::<Ipv4Addr>().is_ok()
        });
        env.add_test(format!("{prefix}ipv6_address"), |v: String| {
            v.parse::<Ipv6Addr>().is_ok()
        });
    }
    env.add_test("ansible.utils.ipv4", |v: String| {
        IpNet::parse(&v).is_some_and(|n| n.v4)
    });
    env.add_test("ansible.utils.ipv6", |v: String| {
        IpNet::parse(&v).is_some_and(|n| !n.v4)
    });
}

/// An address with a prefix length (`/32` or `/128` when none is given).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IpNet {
    ip: u128,
    prefix: u32,
    v4: bool,
}

impl IpNet {
    /// `a.b.c.d`, `a.b.c.d/24`, `a.b.c.d/255.255.255.0`, `::1/64`.
    pub fn parse(s: &str) -> Option<IpNet> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let (ip, v4) = match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => (u32::from(a) as u128, true),
            IpAddr::V6(a) => (u128::from(a), false),
        };
        let bits = if v4 { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => match p.parse::<u32>() {
                Ok(n) if n <= bits => n,
                Ok(_) => return None,
                Err(_) if v4 => netmask_prefix(p.parse::<Ipv4Addr>().ok()?)?,
                Err(_) => return None,
            },
        };
        Some(IpNet { ip, prefix, v4 })
    }

    fn bits(&self) -> u32 {
        if self.v4 {
            32
        } else {
            128
        }
    }

    fn mask(&self) -> u128 {
        let host_bits = self.bits() - self.prefix;
        let all = if self.v4 { u32::MAX as u128 } else { u128::MAX };
        if host_bits >= 128 {
            0
        } else {
            all & !((1u128 << host_bits) - 1)
        }
    }

    fn network(&self) -> u128 {
        self.ip & self.mask()
    }

    fn broadcast(&self) -> u128 {
        let all = if self.v4 { u32::MAX as u128 } else { u128::MAX };
        self.network() | (all & !self.mask())
    }

    fn size(&self) -> u128 {
        let host_bits = self.bits() - self.prefix;
        if host_bits >= 128 {
            u128::MAX
        } else {
            1u128 << host_bits
        }
    }

    fn fmt(&self, ip: u128) -> String {
        if self.v4 {
            Ipv4Addr::from(ip as u32).to_string()
        } else {
            Ipv6Addr::from(ip).to_string()
        }
    }

    fn contains(&self, other: &IpNet) -> bool {
        self.v4 == other.v4
            && other.prefix >= self.prefix
            && other.network() & self.mask() == self.network()
    }

    fn is_private(&self) -> bool {
        const V4_PRIVATE: [&str; 6] = [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "169.254.0.0/16",
            "127.0.0.0/8",
        ];
        const V6_PRIVATE: [&str; 3] = ["fc00::/7", "fe80::/10", "::1/128"];
        let nets: &[&str] = if self.v4 { &V4_PRIVATE } else { &V6_PRIVATE };
        nets.iter()
            .filter_map(|n| IpNet::parse(n))
            .any(|n| n.contains(self))
    }
}

fn netmask_prefix(mask: Ipv4Addr) -> Option<u32> {
    let m = u32::from(mask);
    let ones = m.leading_ones();
    (m.checked_shl(ones).unwrap_or(0) == 0).then_some(ones)
}

/// Is the address (or network) `v` inside the network `net`?
pub fn in_network(v: &str, net: &str) -> bool {
    match (IpNet::parse(v), IpNet::parse(net)) {
        (Some(v), Some(n)) => n.contains(&v),
        _ => false,
    }
}

/// The result of one query: a value, or `False` when it does not apply.
fn query_one(raw: &str, query: &str, version: Option<u8>) -> Value {
    let Some(net) = IpNet::parse(raw) else {
        return Value::from(false);
    };
    if version.is_some_and(|want| (want == 4) != net.v4) {
        return Value::from(false);
    }
    answer(raw, &net, query).unwrap_or(Value::from(false))
}

fn answer(raw: &str, net: &IpNet, query: &str) -> Option<Value> {
    let s = |x: String| Some(Value::from(x));
    let is_network_address = net.size() > 1 && net.ip == net.network();
    match query {
        "" | "ipv4" | "ipv6" => s(raw.trim().to_string()),
        "address" => (!is_network_address || !net.v4 || net.size() <= 2)
            .then(|| Value::from(net.fmt(net.ip))),
        "host" => (!is_network_address || net.size() <= 2)
            .then(|| Value::from(format!("{}/{}", net.fmt(net.ip), net.prefix))),
        "host/prefix" | "address/prefix" => (net.size() > 1 && !is_network_address)
            .then(|| Value::from(format!("{}/{}", net.fmt(net.ip), net.prefix))),
        "network" => s(net.fmt(net.network())),
        "netmask" => s(net.fmt(net.mask())),
        "hostmask" => s(net.fmt(net.broadcast() & !net.mask())),
        "broadcast" => (net.v4 && net.size() > 2).then(|| Value::from(net.fmt(net.broadcast()))),
        "prefix" => Some(Value::from(net.prefix)),
        "cidr" | "subnet" => s(format!("{}/{}", net.fmt(net.network()), net.prefix)),
        "net" => is_network_address
            .then(|| Value::from(format!("{}/{}", net.fmt(net.network()), net.prefix))),
        "size" => Some(Value::from(net.size())),
        "version" => Some(Value::from(if net.v4 { 4 } else { 6 })),
        "private" => net.is_private().then(|| Value::from(raw.trim())),
        "public" => (!net.is_private()).then(|| Value::from(raw.trim())),
        "first_usable" => (net.size() > 2).then(|| Value::from(net.fmt(net.network() + 1))),
        "last_usable" => (net.size() > 2).then(|| Value::from(net.fmt(net.broadcast() - 1))),
        other => index_or_membership(raw, net, other),
    }
}

/// A number selects the n-th address of the network; a network keeps
/// the value when it lies inside it.
fn index_or_membership(raw: &str, net: &IpNet, query: &str) -> Option<Value> {
    if let Ok(n) = query.parse::<i128>() {
        let size = net.size() as i128;
        let idx = if n < 0 { size + n } else { n };
        if idx < 0 || idx >= size {
            return None;
        }
        return Some(Value::from(format!(
            "{}/{}",
            net.fmt(net.network() + idx as u128),
            net.prefix
        )));
    }
    let outer = IpNet::parse(query)?;
    outer.contains(net).then(|| Value::from(raw.trim()))
}

fn filter(value: Value, query: Option<Value>, version: Option<u8>) -> Result<Value, Error> {
    let query = match &query {
        None => String::new(),
        Some(q) if q.is_none() => String::new(),
        Some(q) => super::util::python_str(q),
    };
    if let Some(s) = value.as_str() {
        return Ok(query_one(s, &query, version));
    }
    if value.is_number() {
        return Ok(Value::from(false));
    }
    // A list keeps the items for which the query holds, mapped.
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let Some(s) = item.as_str() else { continue };
        let r = query_one(s, &query, version);
        if r.is_true() {
            out.push(r);
        }
    }
    Ok(Value::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_table() {
        let cases: [(&str, &str, Value); 22] = [
            ("192.168.0.1/24", "address", Value::from("192.168.0.1")),
            ("192.168.0.0/24", "address", Value::from(false)),
            ("192.168.0.1/24", "network", Value::from("192.168.0.0")),
            ("192.168.0.1/24", "prefix", Value::from(24)),
            ("192.168.0.1/255.255.255.0", "prefix", Value::from(24)),
            ("192.168.0.1/24", "netmask", Value::from("255.255.255.0")),
            ("192.168.0.1/24", "broadcast", Value::from("192.168.0.255")),
            ("192.168.0.1/24", "cidr", Value::from("192.168.0.0/24")),
            ("192.168.0.0/24", "net", Value::from("192.168.0.0/24")),
            ("192.168.0.1/24", "net", Value::from(false)),
            ("192.168.0.1/24", "host", Value::from("192.168.0.1/24")),
            ("192.168.0.1/24", "size", Value::from(256)),
            ("192.168.0.1", "", Value::from("192.168.0.1")),
            ("192.168.0.1", "prefix", Value::from(32)),
            ("nope", "", Value::from(false)),
            ("10.1.2.3", "10.0.0.0/8", Value::from("10.1.2.3")),
            ("11.1.2.3", "10.0.0.0/8", Value::from(false)),
            ("10.1.2.3", "private", Value::from("10.1.2.3")),
            ("8.8.8.8", "public", Value::from("8.8.8.8")),
            ("192.168.0.0/24", "5", Value::from("192.168.0.5/24")),
            ("fe80::1/64", "network", Value::from("fe80::")),
            ("2001:db8::1/64", "address", Value::from("2001:db8::1")),
        ];
        for (v, q, want) in cases {
            assert_eq!(query_one(v, q, None), want, "{v} | ipaddr('{q}')");
        }
    }

    #[test]
    fn version_filters_and_membership() {
        assert_eq!(query_one("::1", "", Some(4)), Value::from(false));
        assert_eq!(query_one("10.0.0.1", "", Some(4)), Value::from("10.0.0.1"));
        assert!(in_network("10.10.1.5", "10.10.0.0/16"));
        assert!(!in_network("10.11.1.5", "10.10.0.0/16"));
        assert!(!in_network("::1", "10.10.0.0/16"));
        let list = Value::from(vec!["10.0.0.1", "192.168.1.1", "x"]);
        let got = filter(list, Some(Value::from("10.0.0.0/8")), None).unwrap();
        assert_eq!(got, Value::from(vec!["10.0.0.1"]));
    }
}
