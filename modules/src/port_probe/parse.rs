//! Pure parts of `port_probe`: target specs, the target-side probe script
//! and its output, `/proc/net/tcp*` listeners, the failure table.

use serde::Serialize;
use serde_json::Value;

/// One `host:port` to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

/// What a probe found for one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeResult {
    pub host: String,
    pub port: u16,
    /// `open`, `closed` (refused, timed out, unreachable), `free` or
    /// `in_use` (state=free), `error` (the probe itself could not run).
    pub state: String,
    pub latency_ms: Option<f64>,
    pub error: Option<String>,
    /// Whether the state is the one asked for.
    pub ok: bool,
}

fn parse_port(s: &str, what: &str) -> Result<u16, String> {
    match s.trim().parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        _ => Err(format!("{what}: `{s}` is not a port (1..65535)")),
    }
}

/// A target as given: `host:port`, `[v6addr]:port`, `{host, port}`, or a
/// bare port (on `default_host`).
pub fn parse_target(v: &Value, default_host: &str) -> Result<Target, String> {
    match v {
        Value::Number(n) => Ok(Target {
            host: default_host.to_string(),
            port: parse_port(&n.to_string(), "target")?,
        }),
        Value::String(s) => {
            let s = s.trim();
            if let Some(rest) = s.strip_prefix('[') {
                let (host, port) = rest
                    .split_once("]:")
                    .ok_or_else(|| format!("target `{s}`: expected [address]:port"))?;
                return Ok(Target {
                    host: host.to_string(),
                    port: parse_port(port, &format!("target `{s}`"))?,
                });
            }
            match s.rsplit_once(':') {
                Some((host, _)) if host.contains(':') => Err(format!(
                    "target `{s}`: write IPv6 addresses as [address]:port"
                )),
                Some((host, port)) if !host.is_empty() => Ok(Target {
                    host: host.to_string(),
                    port: parse_port(port, &format!("target `{s}`"))?,
                }),
                _ => Ok(Target {
                    host: default_host.to_string(),
                    port: parse_port(s, &format!("target `{s}` (expected host:port)"))?,
                }),
            }
        }
        Value::Object(m) => {
            let port = m
                .get("port")
                .ok_or_else(|| format!("target {v}: a dictionary target needs `port`"))?;
            let port = match port {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                other => return Err(format!("target {v}: bad port {other}")),
            };
            let host = match m.get("host") {
                Some(Value::String(h)) if !h.is_empty() => h.clone(),
                None | Some(Value::Null) => default_host.to_string(),
                Some(other) => return Err(format!("target {v}: bad host {other}")),
            };
            Ok(Target {
                host,
                port: parse_port(&port, &format!("target {v}"))?,
            })
        }
        other => Err(format!(
            "target {other}: expected `host:port`, a port, or {{host, port}}"
        )),
    }
}

/// A host must be a plain name or address: it is passed to the target's
/// shell as an argument, never spliced into the script, but a strict
/// check gives a clear error for typos too.
pub fn check_host(host: &str) -> Result<(), String> {
    if !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        Ok(())
    } else {
        Err(format!("`{host}` is not a host name or address"))
    }
}

/// One shell script probing every target concurrently on the target
/// host: bash's `/dev/tcp`, else `nc -z`. Prints one line per target:
/// `<index> <open|closed|timeout|error> <start_ns> <end_ns> <message>`.
pub fn probe_script(targets: &[Target], timeout_secs: f64) -> String {
    let t = format!("{timeout_secs}");
    let mut s = format!(
        "t={t}\n\
probe() {{\n\
  s=$(date +%s%N 2>/dev/null)\n\
  if command -v bash >/dev/null 2>&1; then\n\
    out=$(timeout \"$t\" bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' \"$2\" \"$3\" 2>&1); rc=$?\n\
  elif command -v nc >/dev/null 2>&1; then\n\
    out=$(timeout \"$t\" nc -z -w \"${{t%.*}}\" \"$2\" \"$3\" 2>&1); rc=$?\n\
  else\n\
    echo \"$1 error 0 0 neither bash nor nc is installed on the target\"; return\n\
  fi\n\
  e=$(date +%s%N 2>/dev/null)\n\
  out=$(printf '%s' \"$out\" | tr '\\n' ' ')\n\
  if [ $rc -eq 0 ]; then st=open; elif [ $rc -eq 124 ]; then st=timeout; else st=closed; fi\n\
  echo \"$1 $st $s $e $out\"\n\
}}\n"
    );
    for (i, tg) in targets.iter().enumerate() {
        s.push_str(&format!(
            "probe {i} {} {} &\n",
            srplay_engine::shell::quote(&tg.host),
            tg.port
        ));
    }
    s.push_str("wait\n");
    s
}

/// The probe script's line for one target: (state, latency_ms, error).
pub type ScriptLine = (String, Option<f64>, Option<String>);

/// Read the probe script's output, by target index.
pub fn parse_probe_output(out: &str, count: usize, timeout_secs: f64) -> Vec<Option<ScriptLine>> {
    let mut found: Vec<Option<ScriptLine>> = vec![None; count];
    for line in out.lines() {
        let mut parts = line.splitn(5, ' ');
        let (Some(i), Some(st), Some(s), Some(e)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(i) = i.parse::<usize>() else { continue };
        if i >= count {
            continue;
        }
        let msg = parts.next().unwrap_or("").trim().to_string();
        let latency = match (s.parse::<u128>(), e.parse::<u128>()) {
            (Ok(s), Ok(e)) if e >= s && s > 0 => Some((e - s) as f64 / 1e6),
            _ => None,
        };
        let (state, error) = match st {
            "open" => ("open".to_string(), None),
            "timeout" => (
                "closed".to_string(),
                Some(format!("timed out after {timeout_secs}s")),
            ),
            "closed" => ("closed".to_string(), Some(clean_error(&msg))),
            _ => ("error".to_string(), Some(msg)),
        };
        found[i] = Some((state, latency.filter(|_| state_is_open(st)), error));
    }
    found
}

fn state_is_open(st: &str) -> bool {
    st == "open"
}

/// `bash: connect: Connection refused bash: line 1: /dev/tcp/…` -> `Connection refused`.
fn clean_error(msg: &str) -> String {
    let m = msg
        .split("bash: ")
        .map(str::trim)
        .find_map(|p| p.strip_prefix("connect: "))
        .unwrap_or(msg)
        .trim();
    if m.is_empty() {
        "not reachable".into()
    } else {
        m.to_string()
    }
}

/// Listening TCP ports from `/proc/net/tcp` and `/proc/net/tcp6`
/// (state `0A`), as (local address in hex, port).
pub fn listening_ports(proc_net_tcp: &str) -> Vec<(String, u16)> {
    proc_net_tcp
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 4 || f[3] != "0A" {
                return None;
            }
            let (addr, port) = f[1].split_once(':')?;
            Some((addr.to_string(), u16::from_str_radix(port, 16).ok()?))
        })
        .collect()
}

/// The `/proc/net/tcp` hex address as text (`0100007F` -> `127.0.0.1`).
pub fn hex_addr(hex: &str) -> String {
    if hex.len() == 8 {
        if let Ok(n) = u32::from_str_radix(hex, 16) {
            let b = n.to_le_bytes();
            return format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
        }
    }
    if hex.chars().all(|c| c == '0') {
        return "::".into();
    }
    hex.to_string()
}

/// The failure message: which ports are not as wanted, as a table.
pub fn failure_table(results: &[ProbeResult], wanted: &str) -> String {
    let bad: Vec<&ProbeResult> = results.iter().filter(|r| !r.ok).collect();
    let host_w = bad.iter().map(|r| r.host.len()).max().unwrap_or(4).max(4);
    let mut s = format!(
        "{} of {} port(s) not {wanted}:\n  {:<host_w$}  {:>5}  {:<7}  ERROR",
        bad.len(),
        results.len(),
        "HOST",
        "PORT",
        "STATE"
    );
    for r in bad {
        s.push_str(&format!(
            "\n  {:<host_w$}  {:>5}  {:<7}  {}",
            r.host,
            r.port,
            r.state,
            r.error.as_deref().unwrap_or("")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn targets_table() {
        let ok = [
            (json!("10.0.0.1:9030"), "10.0.0.1", 9030),
            (json!("fe1.example:8030"), "fe1.example", 8030),
            (json!("[::1]:9010"), "::1", 9010),
            (json!(9050), "dflt", 9050),
            (json!("9060"), "dflt", 9060),
            (json!({"host": "h", "port": "8040"}), "h", 8040),
            (json!({"port": 8060}), "dflt", 8060),
        ];
        for (v, host, port) in ok {
            let t = parse_target(&v, "dflt").unwrap();
            assert_eq!((t.host.as_str(), t.port), (host, port), "{v}");
        }
        let bad = [
            (json!("h:0"), "is not a port"),
            (json!("h:70000"), "is not a port"),
            (json!("::1:9030"), "write IPv6 addresses as [address]:port"),
            (json!({"host": "h"}), "needs `port`"),
            (json!([1]), "expected `host:port`"),
            (json!("h:abc"), "is not a port"),
        ];
        for (v, want) in bad {
            let err = parse_target(&v, "d").unwrap_err();
            assert!(err.contains(want), "{v}: {err}");
        }
        assert!(check_host("a;rm -rf /").is_err());
        assert!(check_host("fe-1.example_x").is_ok());
    }

    #[test]
    fn probe_output_table() {
        let out = "1 closed 1000000 3000000 bash: connect: Connection refused bash: line 1: /dev/tcp/127.0.0.1/1: Connection refused\n\
                   0 open 1000000 3500000 \n\
                   2 timeout 1 2 \n\
                   junk line\n\
                   9 open 1 2\n";
        let got = parse_probe_output(out, 4, 2.0);
        assert_eq!(got[0], Some(("open".into(), Some(2.5), None)));
        assert_eq!(
            got[1],
            Some(("closed".into(), None, Some("Connection refused".into())))
        );
        assert_eq!(
            got[2],
            Some(("closed".into(), None, Some("timed out after 2s".into())))
        );
        assert_eq!(got[3], None, "missing line");
    }

    #[test]
    fn proc_net_tcp_listeners() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:2352 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n\
   1: 0100007F:2352 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1\n\
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  0 0 3 1 0 100 0 0 10 0\n";
        let l = listening_ports(text);
        assert_eq!(
            l,
            [
                ("0100007F".to_string(), 9042),
                ("00000000000000000000000000000000".to_string(), 8080)
            ]
        );
        assert_eq!(hex_addr("0100007F"), "127.0.0.1");
        assert_eq!(hex_addr("00000000000000000000000000000000"), "::");
    }

    #[test]
    fn failure_table_lists_only_bad_ports() {
        let r = |host: &str, port, state: &str, err: Option<&str>, ok| ProbeResult {
            host: host.into(),
            port,
            state: state.into(),
            latency_ms: None,
            error: err.map(String::from),
            ok,
        };
        let t = failure_table(
            &[
                r("127.0.0.2", 9030, "open", None, true),
                r(
                    "127.0.0.3",
                    8030,
                    "closed",
                    Some("Connection refused"),
                    false,
                ),
            ],
            "open",
        );
        assert_eq!(
            t,
            "1 of 2 port(s) not open:\n  HOST        PORT  STATE    ERROR\n  127.0.0.3   8030  closed   Connection refused"
        );
    }
}
