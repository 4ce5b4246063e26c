//! `setup`: the facts srplay gathers, in ONE shell round trip per host and
//! without Python on the target; named as Ansible names them.

use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Prints `key=value` lines; every probe tolerates a missing tool.
pub const FACTS_SCRIPT: &str = r#"
h=$(hostname 2>/dev/null || uname -n); echo "hostname=${h%%.*}"; echo "nodename=$(uname -n)"
echo "fqdn=$(hostname -f 2>/dev/null || echo "$h")"
echo "system=$(uname -s)"; echo "kernel=$(uname -r)"; echo "machine=$(uname -m)"
if [ -r /etc/os-release ]; then . /etc/os-release; fi
echo "os_id=${ID:-}"; echo "os_like=${ID_LIKE:-}"; echo "os_version=${VERSION_ID:-}"; echo "os_name=${NAME:-}"; echo "os_codename=${VERSION_CODENAME:-}"
echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || echo 1)"
awk '/^MemTotal:/{print "memtotal_kb="$2} /^MemFree:/{print "memfree_kb="$2} /^SwapTotal:/{print "swaptotal_kb="$2}' /proc/meminfo 2>/dev/null
ip -4 route get 1.1.1.1 2>/dev/null | awk '{for(i=1;i<NF;i++){if($i=="src")print "ipv4="$(i+1); if($i=="dev")print "iface="$(i+1); if($i=="via")print "gateway="$(i+1)}}'
echo "user=$(id -un 2>/dev/null)"; echo "uid=$(id -u)"; echo "gid=$(id -g)"; echo "home=$HOME"; echo "shell=${SHELL:-}"
echo "python=$(command -v python3 2>/dev/null || true)"
echo "epoch=$(date +%s)"
"#;

/// `ID` of /etc/os-release -> Ansible's `distribution` and `os_family`.
fn distribution(id: &str, like: &str, name: &str) -> (String, String) {
    let dist = match id {
        "debian" => "Debian",
        "ubuntu" => "Ubuntu",
        "centos" => "CentOS",
        "rhel" => "RedHat",
        "rocky" => "Rocky",
        "almalinux" => "AlmaLinux",
        "fedora" => "Fedora",
        "amzn" => "Amazon",
        "ol" => "OracleLinux",
        "opensuse-leap" | "opensuse" | "sles" => "openSUSE Leap",
        "alpine" => "Alpine",
        "arch" => "Archlinux",
        "" => "",
        _ => name,
    }
    .to_string();
    let family = if ["debian", "ubuntu"].contains(&id) || like.contains("debian") {
        "Debian"
    } else if [
        "rhel",
        "centos",
        "rocky",
        "almalinux",
        "fedora",
        "amzn",
        "ol",
    ]
    .contains(&id)
        || like.contains("rhel")
        || like.contains("fedora")
    {
        "RedHat"
    } else if like.contains("suse") || id.contains("suse") || id == "sles" {
        "Suse"
    } else if id == "alpine" {
        "Alpine"
    } else if id == "arch" {
        "Archlinux"
    } else {
        dist.as_str()
    };
    (dist.clone(), family.to_string())
}

/// The script's output -> `ansible_facts` (keys without the `ansible_` prefix).
pub fn parse_facts(out: &str) -> Map<String, Value> {
    let kv: HashMap<&str, &str> = out.lines().filter_map(|l| l.split_once('=')).collect();
    let get = |k: &str| kv.get(k).copied().unwrap_or("").to_string();
    let num = |k: &str| {
        kv.get(k)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (dist, family) = distribution(&get("os_id"), &get("os_like"), &get("os_name"));
    let version = get("os_version");
    let major = version.split('.').next().unwrap_or("").to_string();
    let fqdn = get("fqdn");
    let domain = fqdn
        .split_once('.')
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    let mut f = json!({
        "hostname": get("hostname"),
        "nodename": get("nodename"),
        "fqdn": fqdn,
        "domain": domain,
        "system": get("system"),
        "kernel": get("kernel"),
        "architecture": get("machine"),
        "machine": get("machine"),
        "distribution": dist,
        "distribution_version": version,
        "distribution_major_version": major,
        "distribution_release": get("os_codename"),
        "os_family": family,
        "processor_vcpus": num("cpus"),
        "processor_nproc": num("cpus"),
        "processor_count": num("cpus"),
        "memtotal_mb": num("memtotal_kb") / 1024,
        "memfree_mb": num("memfree_kb") / 1024,
        "swaptotal_mb": num("swaptotal_kb") / 1024,
        "user_id": get("user"),
        "user_uid": num("uid"),
        "user_gid": num("gid"),
        "user_dir": get("home"),
        "user_shell": get("shell"),
        "default_ipv4": {},
        "all_ipv4_addresses": [],
        "python": {"executable": get("python")},
        "date_time": {"epoch": get("epoch")},
        "gather_subset": ["all"],
        "module_setup": true,
    });
    if !get("ipv4").is_empty() {
        f["default_ipv4"] =
            json!({"address": get("ipv4"), "interface": get("iface"), "gateway": get("gateway")});
        f["all_ipv4_addresses"] = json!([get("ipv4")]);
    }
    f.as_object().cloned().unwrap_or_default()
}

/// Facts as top-level variables too (`ansible_hostname`…), as Ansible's
/// `inject_facts_as_vars` does, plus `ansible_facts` itself.
pub fn facts_as_vars(facts: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in facts {
        let name = if k.starts_with("ansible_") {
            k.clone()
        } else {
            format!("ansible_{k}")
        };
        out.insert(name, v.clone());
    }
    out.insert("ansible_facts".into(), Value::Object(facts.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let out = "hostname=web1\nfqdn=web1.example.com\nos_id=ubuntu\nos_version=22.04\ncpus=4\nmemtotal_kb=2048000\nipv4=10.0.0.5\niface=eth0\n";
        let f = parse_facts(out);
        let cases = [
            ("hostname", json!("web1")),
            ("domain", json!("example.com")),
            ("distribution", json!("Ubuntu")),
            ("os_family", json!("Debian")),
            ("distribution_major_version", json!("22")),
            ("processor_vcpus", json!(4)),
            ("memtotal_mb", json!(2000)),
        ];
        for (k, want) in cases {
            assert_eq!(f[k], want, "{k}");
        }
        assert_eq!(f["default_ipv4"]["address"], "10.0.0.5");
        let v = facts_as_vars(&f);
        assert_eq!(v["ansible_hostname"], "web1");
        assert_eq!(v["ansible_facts"]["hostname"], "web1");
    }
}
