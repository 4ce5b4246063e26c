//! Reading `fe.conf` / `be.conf` (`key = value` lines, `#` comments,
//! `${STARROCKS_HOME}` expansion) and the bind address from
//! `priority_networks`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Conf {
    pub values: BTreeMap<String, String>,
    /// STARROCKS_HOME: the directory holding `conf/`.
    pub home: PathBuf,
}

impl Conf {
    pub fn load(path: &Path) -> anyhow::Result<Conf> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let home = match std::env::var("STARROCKS_HOME") {
            Ok(h) if !h.is_empty() => PathBuf::from(h),
            _ => {
                let abs = std::fs::canonicalize(path)?;
                abs.parent()
                    .and_then(|p| p.parent())
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."))
            }
        };
        Ok(Conf::parse(&text, home))
    }

    pub fn parse(text: &str, home: PathBuf) -> Conf {
        let mut values = BTreeMap::new();
        let h = home.display().to_string();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some((k, v)) = line.split_once('=') {
                let v = v
                    .trim()
                    .trim_matches('"')
                    .replace("${STARROCKS_HOME}", &h)
                    .replace("$STARROCKS_HOME", &h);
                values.insert(k.trim().to_string(), v);
            }
        }
        Conf { values, home }
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.values.get(k).map(String::as_str)
    }

    pub fn port(&self, k: &str, default: u16) -> anyhow::Result<u16> {
        match self.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("{k} = {v}: not a port")),
        }
    }

    pub fn u64(&self, k: &str, default: u64) -> u64 {
        self.get(k).and_then(|v| v.parse().ok()).unwrap_or(default)
    }

    /// The address to bind: `--host`, else the first `priority_networks`
    /// entry when it names one address (`127.0.1.5/32` or `127.0.1.5`),
    /// else 127.0.0.1.
    pub fn bind_host(&self, host: Option<&str>) -> String {
        if let Some(h) = host {
            return h.to_string();
        }
        if let Some(pn) = self.get("priority_networks") {
            if let Some(first) = pn.split(';').map(str::trim).find(|s| !s.is_empty()) {
                let (addr, bits) = first.split_once('/').unwrap_or((first, "32"));
                if bits == "32" && addr.parse::<std::net::Ipv4Addr>().is_ok() {
                    return addr.to_string();
                }
            }
        }
        "127.0.0.1".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_conf_lines() {
        let c = Conf::parse(
            "# c\nheartbeat_service_port = 9050\nmeta_dir = ${STARROCKS_HOME}/meta\npriority_networks = 127.0.1.5/32\n",
            PathBuf::from("/h"),
        );
        assert_eq!(c.port("heartbeat_service_port", 1).unwrap(), 9050);
        assert_eq!(c.get("meta_dir"), Some("/h/meta"));
        assert_eq!(c.bind_host(None), "127.0.1.5");
        assert_eq!(c.bind_host(Some("127.0.0.9")), "127.0.0.9");
    }
}
