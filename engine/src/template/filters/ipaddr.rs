//! `ansible.utils.ipaddr` / `ipv4` / `ipv6` basics and the `in_network`
//! family of tests, enough for inventories that pick addresses by CIDR
//! (StarRocks' `priority_networks`).

use super::util::filter_error;
use minijinja::value::{Value, ValueKind};
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

    fn hostmask(&self) -> u128 {
        self.broadcast() & !self.mask()
    }

    fn in_any(&self, nets: &[&str]) -> bool {
        nets.iter()
            .filter_map(|n| IpNet::parse(n))
            .any(|n| n.contains(self))
    }

    fn is_multicast(&self) -> bool {
        self.in_any(&["224.0.0.0/4", "ff00::/8"])
    }

    /// netaddr's `is_global` (the IANA special-purpose registries).
    fn is_global(&self) -> bool {
        const NOT_GLOBAL: &[&str] = &[
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.0.0.0/24",
            "192.0.2.0/24",
            "192.168.0.0/16",
            "198.18.0.0/15",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "240.0.0.0/4",
            "255.255.255.255/32",
            "::1/128",
            "::/128",
            "::ffff:0:0/96",
            "64:ff9b:1::/48",
            "100::/64",
            "2001::/23",
            "2001:db8::/32",
            "2002::/16",
            "fc00::/7",
            "fe80::/10",
        ];
        let host = IpNet {
            prefix: self.bits(),
            ..*self
        };
        !host.in_any(NOT_GLOBAL) || host.in_any(&["192.0.0.9/32", "192.0.0.10/32"])
    }

    /// `public`: a global unicast address that is not a mask.
    fn is_public(&self) -> bool {
        let host = IpNet {
            prefix: self.bits(),
            ..*self
        };
        let all = if self.v4 { u32::MAX as u128 } else { u128::MAX };
        let is_netmask = (!self.ip & all).wrapping_add(1) & (!self.ip & all) == 0;
        let is_hostmask = self.ip.wrapping_add(1) & self.ip == 0;
        !host.is_multicast() && host.is_global() && !is_netmask && !is_hostmask
    }

    /// The IPv4 address inside an IPv4-mapped or -compatible IPv6 one.
    fn as_v4(&self) -> Option<IpNet> {
        if self.v4 {
            return Some(*self);
        }
        let top = self.ip >> 32;
        (top == 0xffff || top == 0).then(|| IpNet {
            ip: self.ip & 0xffff_ffff,
            prefix: self.prefix.saturating_sub(96),
            v4: true,
        })
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

/// Whether the value was written as an address or as a network
/// (`a/prefix`), which some queries distinguish.
#[derive(Debug, Clone, Copy, PartialEq)]
enum VType {
    Address,
    Network,
}

/// One value through one query, as `ansible.utils.ipaddr` answers it:
/// `False` for a value that is no IP, `None` for a query that does not
/// apply, the answer otherwise.
fn query_one(raw: &str, query: &str, version: Option<u8>) -> Result<Value, Error> {
    let raw = raw.trim();
    let parsed = if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        from_integer(raw, version).map(|n| (n, VType::Address))
    } else {
        IpNet::parse(raw).map(|n| {
            let vtype = if raw.contains('/') {
                VType::Network
            } else {
                VType::Address
            };
            (n, vtype)
        })
    };
    let Some((net, vtype)) = parsed else {
        return Ok(Value::from(false));
    };
    let value = if raw.bytes().all(|b| b.is_ascii_digit()) {
        net.fmt(net.ip)
    } else {
        raw.to_string()
    };
    let lookup = (!KNOWN_QUERIES.contains(&query) && query.parse::<f64>().is_err())
        .then(|| IpNet::parse(query))
        .flatten();
    if version.is_some_and(|want| (want == 4) != net.v4) {
        return Ok(Value::from(false));
    }
    if let Some(outer) = lookup {
        return Ok(if outer.contains(&net) {
            Value::from(value)
        } else {
            Value::from(())
        });
    }
    answer(&net, vtype, &value, query)
}

/// An integer address (`167772161` is `10.0.0.1`).
fn from_integer(raw: &str, version: Option<u8>) -> Option<IpNet> {
    let n: u128 = raw.parse().ok()?;
    let v4 = version != Some(6) && n <= u32::MAX as u128;
    Some(IpNet {
        ip: n,
        prefix: if v4 { 32 } else { 128 },
        v4,
    })
}

const KNOWN_QUERIES: &[&str] = &[
    "",
    "address",
    "address/prefix",
    "bool",
    "broadcast",
    "cidr",
    "first_usable",
    "gateway",
    "gw",
    "host",
    "host/prefix",
    "hostmask",
    "hostnet",
    "int",
    "ip",
    "ip/prefix",
    "ip_netmask",
    "ipv4",
    "ipv6",
    "last_usable",
    "link-local",
    "lo",
    "loopback",
    "multicast",
    "net",
    "next_usable",
    "netmask",
    "network",
    "network_id",
    "network/prefix",
    "network_netmask",
    "network_wildcard",
    "prefix",
    "previous_usable",
    "private",
    "public",
    "range_usable",
    "router",
    "size",
    "size_usable",
    "subnet",
    "type",
    "unicast",
    "v4",
    "v6",
    "version",
    "wildcard",
    "wrap",
];

fn none() -> Value {
    Value::from(())
}

fn answer(net: &IpNet, vtype: VType, value: &str, query: &str) -> Result<Value, Error> {
    let s = |x: String| Value::from(x);
    let when = |cond: bool, v: &dyn Fn() -> Value| if cond { v() } else { none() };
    let ip = net.fmt(net.ip);
    let with_prefix = |addr: u128| format!("{}/{}", net.fmt(addr), net.prefix);
    let is_net_addr = net.ip == net.network();
    let has_broadcast = net.size() > 2;
    let usable = || -> (u128, u128) {
        if net.size() == 2 {
            (net.network(), net.broadcast())
        } else {
            (net.network() + 1, net.broadcast().saturating_sub(1))
        }
    };
    let need_network = || {
        if vtype == VType::Address {
            Err(filter_error("Not a network address"))
        } else {
            Ok(())
        }
    };
    Ok(match query {
        "" => match vtype {
            VType::Address => s(ip),
            VType::Network => s(with_prefix(net.ip)),
        },
        "address" | "ip" => when(
            net.size() == 1 || !is_net_addr || !has_broadcast || !net.v4,
            &|| s(ip.clone()),
        ),
        "address/prefix" | "gateway" | "gw" | "host/prefix" | "hostnet" | "router" => {
            if has_broadcast && (is_net_addr || net.ip == net.broadcast()) {
                Value::from(false)
            } else {
                s(with_prefix(net.ip))
            }
        }
        "bool" => Value::from(true),
        "broadcast" => when(has_broadcast, &|| s(net.fmt(net.broadcast()))),
        "cidr" => s(with_prefix(net.ip)),
        "host" => when(net.size() == 1 || !is_net_addr || !has_broadcast, &|| {
            s(with_prefix(net.ip))
        }),
        "hostmask" | "wildcard" => s(net.fmt(net.hostmask())),
        "int" => match vtype {
            VType::Address => Value::from(net.ip),
            VType::Network => s(format!("{}/{}", net.ip, net.prefix)),
        },
        "ip/prefix" => when(net.size() == 2 || (net.size() > 1 && !is_net_addr), &|| {
            s(with_prefix(net.ip))
        }),
        "ip_netmask" => when(net.size() == 2 || (net.size() > 1 && !is_net_addr), &|| {
            s(format!("{ip} {}", net.fmt(net.mask())))
        }),
        "ipv4" | "v4" => match net.as_v4() {
            Some(v4) if !net.v4 => s(format!("{}/{}", v4.fmt(v4.ip), v4.prefix)),
            _ if net.v4 => s(value.to_string()),
            _ => Value::from(false),
        },
        "ipv6" | "v6" => {
            if net.v4 {
                let mapped = Ipv4Addr::from(net.ip as u32).to_ipv6_mapped();
                s(format!("{mapped}/{}", net.prefix + 96))
            } else {
                s(value.to_string())
            }
        }
        "first_usable" => {
            need_network()?;
            when(net.size() > 1, &|| s(net.fmt(usable().0)))
        }
        "last_usable" => {
            need_network()?;
            when(net.size() > 1, &|| s(net.fmt(usable().1)))
        }
        "next_usable" => {
            need_network()?;
            let (first, last) = usable();
            when(
                net.size() > 1 && net.ip + 1 >= first && net.ip < last,
                &|| s(net.fmt(net.ip + 1)),
            )
        }
        "previous_usable" => {
            need_network()?;
            let (first, last) = usable();
            when(
                net.size() > 1 && net.ip > first && net.ip - 1 <= last,
                &|| s(net.fmt(net.ip - 1)),
            )
        }
        "range_usable" => {
            need_network()?;
            let (first, last) = usable();
            when(net.size() > 1, &|| {
                s(format!("{}-{}", net.fmt(first), net.fmt(last)))
            })
        }
        "link-local" => when(net.in_any(&["169.254.0.0/16", "fe80::/10"]), &|| {
            s(value.to_string())
        }),
        "lo" | "loopback" => when(net.in_any(&["127.0.0.0/8", "::1/128"]), &|| {
            s(value.to_string())
        }),
        "multicast" => when(net.is_multicast(), &|| s(value.to_string())),
        "unicast" => when(!net.is_multicast(), &|| s(value.to_string())),
        "net" => when(net.size() > 1 && is_net_addr, &|| {
            s(with_prefix(net.network()))
        }),
        "netmask" => s(net.fmt(net.mask())),
        "network" | "network_id" => s(net.fmt(net.network())),
        "network/prefix" | "subnet" => s(with_prefix(net.network())),
        "network_netmask" => s(format!(
            "{} {}",
            net.fmt(net.network()),
            net.fmt(net.mask())
        )),
        "network_wildcard" => s(format!(
            "{} {}",
            net.fmt(net.network()),
            net.fmt(net.hostmask())
        )),
        "prefix" => Value::from(net.prefix),
        "private" => when(!net.is_global(), &|| s(value.to_string())),
        "public" => when(net.is_public(), &|| s(value.to_string())),
        "size" => Value::from(net.size()),
        "size_usable" => Value::from(match net.size() {
            1 => 0,
            2 => 2,
            n => n - 2,
        }),
        "type" => s(if net.size() > 1 && is_net_addr {
            "network"
        } else {
            "address"
        }
        .to_string()),
        "version" => Value::from(if net.v4 { 4 } else { 6 }),
        "wrap" => match (net.v4, vtype) {
            (false, VType::Address) => s(format!("[{ip}]")),
            (false, VType::Network) => s(format!("[{ip}]/{}", net.prefix)),
            _ => s(value.to_string()),
        },
        other => index_query(net, vtype, other)?,
    })
}

/// A number selects the n-th address of the network (negative from the end).
fn index_query(net: &IpNet, vtype: VType, query: &str) -> Result<Value, Error> {
    let Ok(n) = query.parse::<f64>() else {
        return Err(filter_error(format!(
            "ipaddr: unknown filter type: {query}"
        )));
    };
    if net.size() == 1 {
        return Ok(Value::from(match vtype {
            VType::Address => net.fmt(net.ip),
            VType::Network => format!("{}/{}", net.fmt(net.ip), net.prefix),
        }));
    }
    let size = net.size() as i128;
    let n = n as i128;
    let idx = if n < 0 { size + n } else { n };
    if idx < 0 || idx >= size {
        return Ok(Value::from(false));
    }
    Ok(Value::from(format!(
        "{}/{}",
        net.fmt(net.network() + idx as u128),
        net.prefix
    )))
}

fn filter(value: Value, query: Option<Value>, version: Option<u8>) -> Result<Value, Error> {
    let query = match &query {
        None => String::new(),
        Some(q) if q.is_none() => String::new(),
        Some(q) => super::util::python_str(q),
    };
    if value.kind() == ValueKind::Seq || value.kind() == ValueKind::Iterable {
        // A list keeps the items for which the query gives a true value.
        let mut out = Vec::new();
        for item in value.try_iter()? {
            let r = query_one(&super::util::python_str(&item), &query, version)?;
            if r.is_true() {
                out.push(r);
            }
        }
        return Ok(Value::from(out));
    }
    if !value.is_true() || value.kind() == ValueKind::Bool {
        return Ok(Value::from(false));
    }
    query_one(&super::util::python_str(&value), &query, version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_table() {
        // Answers recorded from ansible.utils.ipaddr (netaddr); `()` is None.
        let f = || Value::from(false);
        let n = || Value::from(());
        let cases: [(&str, &str, Value); 24] = [
            ("192.168.0.1/24", "address", Value::from("192.168.0.1")),
            ("192.168.0.0/24", "address", n()),
            ("192.168.0.1/32", "address", Value::from("192.168.0.1")),
            ("192.168.0.0/31", "address", Value::from("192.168.0.0")),
            ("192.168.0.1/24", "network", Value::from("192.168.0.0")),
            ("192.168.0.1/255.255.255.0", "prefix", Value::from(24)),
            ("192.168.0.1/24", "broadcast", Value::from("192.168.0.255")),
            ("192.168.0.1/24", "cidr", Value::from("192.168.0.1/24")),
            ("192.168.0.1/24", "subnet", Value::from("192.168.0.0/24")),
            ("192.168.0.0/24", "net", Value::from("192.168.0.0/24")),
            ("192.168.0.1/24", "net", n()),
            ("192.168.0.1/24", "size", Value::from(256)),
            ("192.168.0.1", "", Value::from("192.168.0.1")),
            ("nope", "", f()),
            ("10.1.2.3", "10.0.0.0/8", Value::from("10.1.2.3")),
            ("11.1.2.3", "10.0.0.0/8", n()),
            ("10.1.2.3", "private", Value::from("10.1.2.3")),
            ("8.8.8.8", "public", Value::from("8.8.8.8")),
            ("192.168.0.0/24", "5", Value::from("192.168.0.5/24")),
            ("192.168.0.1/24", "-1", Value::from("192.168.0.255/24")),
            ("192.168.0.0/24", "host/prefix", f()),
            ("192.168.0.1/24", "hostmask", Value::from("0.0.0.255")),
            ("fe80::1/64", "network", Value::from("fe80::")),
            ("5", "", Value::from("0.0.0.5")),
        ];
        for (v, q, want) in cases {
            assert_eq!(query_one(v, q, None).unwrap(), want, "{v} | ipaddr('{q}')");
        }
        assert!(query_one("10.0.0.1", "bogus", None).is_err());
        assert!(query_one("10.0.0.1", "first_usable", None).is_err());
    }

    #[test]
    fn version_filters_and_membership() {
        assert_eq!(query_one("::1", "", Some(4)).unwrap(), Value::from(false));
        assert_eq!(
            query_one("10.0.0.1", "", Some(4)).unwrap(),
            Value::from("10.0.0.1")
        );
        assert!(in_network("10.10.1.5", "10.10.0.0/16"));
        assert!(!in_network("10.11.1.5", "10.10.0.0/16"));
        assert!(!in_network("::1", "10.10.0.0/16"));
        let list = Value::from(vec!["10.0.0.1", "192.168.1.1", "x"]);
        let got = filter(list, Some(Value::from("10.0.0.0/8")), None).unwrap();
        assert_eq!(got, Value::from(vec!["10.0.0.1"]));
    }
}
