//! `wait_for`: wait until a port answers (or stops, or drains), a file
//! appears (or disappears, or contains a pattern), or just a while. The
//! probe loop runs on the target in shell (bash `/dev/tcp`, `nc` as a
//! fallback, `/proc/net/tcp` for connection states), in chunks of a few
//! seconds so the controller can report progress between them.

use crate::util;
use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use srplay_engine::module::{
    ArgSpec, ArgType, Args, Module, ModuleContext, ModuleError, ModuleSpec, Outcome,
};
use srplay_engine::shell::quote;
use std::time::{Duration, Instant};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitForOptions {
    pub host: Option<String>,
    pub timeout: Option<i64>,
    pub connect_timeout: Option<i64>,
    pub delay: Option<i64>,
    pub port: Option<i64>,
    pub active_connection_states: Option<Vec<String>>,
    pub state: Option<String>,
    pub path: Option<String>,
    pub search_regex: Option<String>,
    pub exclude_hosts: Option<Vec<String>>,
    pub sleep: Option<i64>,
    pub msg: Option<String>,
}

const OPTIONS: &[ArgSpec] = &[
    ArgSpec::new("host", ArgType::Str, "A resolvable hostname or IP address to wait for.").default("127.0.0.1"),
    ArgSpec::new("timeout", ArgType::Int, "Maximum number of seconds to wait for.").default("300"),
    ArgSpec::new("connect_timeout", ArgType::Int, "Maximum number of seconds to wait for a connection to happen before closing and retrying.").default("5"),
    ArgSpec::new("delay", ArgType::Int, "Number of seconds to wait before starting to poll.").default("0"),
    ArgSpec::new("port", ArgType::Int, "Port number to poll."),
    ArgSpec::new("active_connection_states", ArgType::List, "TCP connection states counted as active (state=drained).").default("[\"ESTABLISHED\", \"FIN_WAIT1\", \"FIN_WAIT2\", \"SYN_RECV\", \"SYN_SENT\", \"TIME_WAIT\"]"),
    ArgSpec::new("state", ArgType::Str, "`started`/`present`: port open or file there; `stopped`/`absent`: closed or gone; `drained`: no active connections.").choices(&["absent", "drained", "present", "started", "stopped"]).default("started"),
    ArgSpec::new("path", ArgType::Path, "Path to a file on the filesystem that must exist before continuing."),
    ArgSpec::new("search_regex", ArgType::Str, "A regexp to look for in the file or in the socket connection.").aliases(&["regex"]),
    ArgSpec::new("exclude_hosts", ArgType::List, "Hosts or IPs to ignore when looking for active TCP connections (state=drained)."),
    ArgSpec::new("sleep", ArgType::Int, "Number of seconds to sleep between checks.").default("1"),
    ArgSpec::new("msg", ArgType::Str, "This overrides the normal error message from a failure to meet the required conditions."),
];

pub static SPEC: ModuleSpec = ModuleSpec {
    options: OPTIONS,
    returns: &[
        (
            "elapsed",
            "The number of seconds that elapsed while waiting.",
        ),
        (
            "match_groups",
            "Tuple containing all the subgroups of the match.",
        ),
        (
            "match_groupdict",
            "Dictionary containing all the named subgroups of the match.",
        ),
        ("state", "The state waited for."),
        ("port", "The port waited for."),
        ("path", "The path waited for."),
        ("search_regex", "The regexp looked for."),
    ],
    ..ModuleSpec::new("wait_for", "Waits for a condition before continuing.")
};

pub struct WaitFor;

/// How long one remote probe loop runs before reporting back.
const CHUNK_SECS: i64 = 5;

#[async_trait::async_trait]
impl Module for WaitFor {
    fn spec(&self) -> &ModuleSpec {
        &SPEC
    }

    async fn run(&self, ctx: &ModuleContext, args: Args) -> Result<Outcome, ModuleError> {
        let o: WaitForOptions = util::options(&SPEC, args)?;
        if ctx.check_mode {
            let mut out =
                Outcome::ok().with_msg("remote module (wait_for) does not support check mode");
            out.skipped = true;
            return Ok(out);
        }
        let state = o.state.clone().unwrap_or_else(|| "started".into());
        if let Some(r) = &o.search_regex {
            if let Err(e) = Regex::new(r) {
                return Ok(Outcome::failed(format!("Invalid regular expression: {e}")));
            }
        }
        let early = |msg: &str| Outcome::failed(msg).with("elapsed", 0);
        if o.port.is_some() && o.path.is_some() {
            return Ok(early(
                "port and path parameter can not both be passed to wait_for",
            ));
        }
        if o.path.is_some() && state == "stopped" {
            return Ok(early(
                "state=stopped should only be used for checking a port in the wait_for module",
            ));
        }
        if o.path.is_some() && state == "drained" {
            return Ok(early(
                "state=drained should only be used for checking a port in the wait_for module",
            ));
        }
        if o.exclude_hosts.is_some() && state != "drained" {
            return Ok(early("exclude_hosts should only be with state=drained"));
        }
        let start = Instant::now();
        let timeout = o.timeout.unwrap_or(300).max(0);
        if let Some(d) = o.delay.filter(|d| *d > 0) {
            tokio::time::sleep(Duration::from_secs(d as u64)).await;
        }
        let Some(probe) = probe(&o, &state) else {
            // Neither port nor path: Ansible just sleeps for `timeout`.
            tokio::time::sleep(Duration::from_secs(timeout as u64)).await;
            return Ok(done(&o, &state, start, None));
        };
        let what = target_name(&o);
        let deadline = start + Duration::from_secs(timeout as u64);
        loop {
            let left = deadline.saturating_duration_since(Instant::now()).as_secs() as i64;
            let chunk = left.clamp(0, CHUNK_SECS);
            let out = ctx
                .exec(chunk_script(&probe, chunk, o.sleep.unwrap_or(1).max(0)))
                .await?;
            let text = out.stdout_str();
            if let Some(rest) = text
                .split("@@ok\n")
                .nth(1)
                .or_else(|| text.strip_suffix("@@ok"))
            {
                let first = rest.lines().next().map(str::to_string);
                return Ok(done(&o, &state, start, first));
            }
            let elapsed = start.elapsed().as_secs();
            ctx.progress.update(
                elapsed,
                timeout as u64,
                &format!("waiting for {what} ({state})"),
            );
            if Instant::now() >= deadline {
                let msg = o.msg.clone().unwrap_or_else(|| timeout_msg(&o, &state));
                return Ok(Outcome::failed(msg).with("elapsed", elapsed));
            }
        }
    }
}

fn target_name(o: &WaitForOptions) -> String {
    match (&o.path, o.port) {
        (Some(p), _) => p.clone(),
        (None, Some(port)) => format!("{}:{port}", o.host.as_deref().unwrap_or("127.0.0.1")),
        _ => String::new(),
    }
}

fn timeout_msg(o: &WaitForOptions, state: &str) -> String {
    let host = o.host.as_deref().unwrap_or("127.0.0.1");
    match (&o.path, o.port, state, &o.search_regex) {
        (_, Some(p), "stopped", _) => format!("Timeout when waiting for {host}:{p} to stop."),
        (_, Some(p), "drained", _) => format!("Timeout when waiting for {host}:{p} to drain"),
        (_, Some(p), _, Some(r)) => {
            format!("Timeout when waiting for search string {r} in {host}:{p}")
        }
        (_, Some(p), _, None) => format!("Timeout when waiting for {host}:{p}"),
        (Some(path), _, "absent", _) => format!("Timeout when waiting for {path} to be absent."),
        (Some(path), _, _, Some(r)) => {
            format!("Timeout when waiting for search string {r} in {path}")
        }
        (Some(path), _, _, None) => format!("Timeout when waiting for file {path}"),
        _ => "Timeout".into(),
    }
}

/// The result of a wait that succeeded; `line` is what matched.
fn done(o: &WaitForOptions, state: &str, start: Instant, line: Option<String>) -> Outcome {
    // Ansible reports a file that appeared as state `file`.
    let state = if o.path.is_some() && matches!(state, "started" | "present") {
        "file"
    } else {
        state
    };
    let (groups, dict) = match (&o.search_regex, &line) {
        (Some(r), Some(l)) => match_groups(r, l),
        _ => (json!([]), json!({})),
    };
    Outcome::ok()
        .with("state", state)
        .with("port", o.port.map(Value::from).unwrap_or(Value::Null))
        .with(
            "search_regex",
            o.search_regex
                .clone()
                .map(Value::from)
                .unwrap_or(Value::Null),
        )
        .with("match_groups", groups)
        .with("match_groupdict", dict)
        .with(
            "path",
            o.path.clone().map(Value::from).unwrap_or(Value::Null),
        )
        .with("elapsed", start.elapsed().as_secs())
}

fn match_groups(re: &str, text: &str) -> (Value, Value) {
    let Ok(r) = Regex::new(&format!("(?m){re}")) else {
        return (json!([]), json!({}));
    };
    let Some(c) = r.captures(text) else {
        return (json!([]), json!({}));
    };
    let groups: Vec<Value> = c
        .iter()
        .skip(1)
        .map(|m| m.map(|m| json!(m.as_str())).unwrap_or(Value::Null))
        .collect();
    let mut dict = Map::new();
    for name in r.capture_names().flatten() {
        dict.insert(
            name.into(),
            c.name(name)
                .map(|m| json!(m.as_str()))
                .unwrap_or(Value::Null),
        );
    }
    (Value::Array(groups), Value::Object(dict))
}

/// A shell test that succeeds when the wait is over, plus what to print
/// on success (the matching line, for `match_groups`).
pub struct Probe {
    pub test: String,
    pub report: String,
}

/// A TCP connect attempt to host:port within `ct` seconds: bash's
/// `/dev/tcp` when bash exists, else `nc -z`, else (for the target
/// itself) a listening socket on the port in /proc/net/tcp{,6}.
fn connect(host: &str, port: i64, ct: i64) -> String {
    let h = quote(host);
    let listening = format!(
        "[ \"$({})\" != 0 ]",
        active_count(port, &["LISTEN".to_string()], &[])
    );
    let fallback = if matches!(host, "127.0.0.1" | "localhost" | "::1" | "0.0.0.0") {
        listening
    } else {
        "false".into()
    };
    format!(
        "{{ if command -v bash >/dev/null 2>&1; then timeout {ct} bash -c 'exec 3<>/dev/tcp/'{h}'/{port}' 2>/dev/null; \
         elif command -v nc >/dev/null 2>&1; then nc -z -w {ct} {h} {port} 2>/dev/null; else {fallback}; fi; }}"
    )
}

/// Count active TCP connections on a local port, from /proc/net/tcp{,6}.
fn active_count(port: i64, states: &[String], exclude: &[String]) -> String {
    let codes: Vec<&str> = states
        .iter()
        .filter_map(|s| {
            Some(match s.as_str() {
                "ESTABLISHED" => "01",
                "SYN_SENT" => "02",
                "SYN_RECV" => "03",
                "FIN_WAIT1" => "04",
                "FIN_WAIT2" => "05",
                "TIME_WAIT" => "06",
                "CLOSE" => "07",
                "CLOSE_WAIT" => "08",
                "LAST_ACK" => "09",
                "LISTEN" => "0A",
                "CLOSING" => "0B",
                _ => return None,
            })
        })
        .collect();
    let excluded: Vec<String> = exclude.iter().filter_map(|h| ipv4_hex(h)).collect();
    format!(
        "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p={port:04X} -v st='{}' -v ex='{}' \
         'NR>0 {{ split($2,l,\":\"); split($3,r,\":\"); if (l[2]==p && index(\" \" st \" \", \" \" $4 \" \") && !index(\" \" ex \" \", \" \" r[1] \" \")) n++ }} END {{ print n+0 }}'",
        codes.join(" "),
        excluded.join(" ")
    )
}

/// An IPv4 address as /proc/net/tcp writes it (little-endian hex).
fn ipv4_hex(ip: &str) -> Option<String> {
    let a: std::net::Ipv4Addr = ip.parse().ok()?;
    let o = a.octets();
    Some(format!("{:02X}{:02X}{:02X}{:02X}", o[3], o[2], o[1], o[0]))
}

pub fn probe(o: &WaitForOptions, state: &str) -> Option<Probe> {
    let host = o.host.as_deref().unwrap_or("127.0.0.1");
    let ct = o.connect_timeout.unwrap_or(5).max(1);
    if let Some(port) = o.port {
        let conn = connect(host, port, ct);
        return Some(match (state, &o.search_regex) {
            ("stopped" | "absent", _) => Probe {
                test: format!("! {conn}"),
                report: String::new(),
            },
            ("drained", _) => {
                let states = o.active_connection_states.clone().unwrap_or_else(|| {
                    [
                        "ESTABLISHED",
                        "FIN_WAIT1",
                        "FIN_WAIT2",
                        "SYN_RECV",
                        "SYN_SENT",
                        "TIME_WAIT",
                    ]
                    .map(String::from)
                    .to_vec()
                });
                let count = active_count(port, &states, o.exclude_hosts.as_deref().unwrap_or(&[]));
                Probe {
                    test: format!("[ \"$({count})\" = 0 ]"),
                    report: String::new(),
                }
            }
            (_, Some(re)) => {
                let read = format!(
                    "timeout {ct} bash -c 'exec 3<>/dev/tcp/'{}'/{port}; cat <&3' 2>/dev/null",
                    quote(host)
                );
                Probe {
                    test: format!("m=$({read} | grep -m1 -P -e {} 2>/dev/null)", quote(re)),
                    report: "printf '%s\\n' \"$m\"".into(),
                }
            }
            _ => Probe {
                test: conn,
                report: String::new(),
            },
        });
    }
    let path = o.path.as_ref()?;
    let p = quote(path);
    Some(match (state, &o.search_regex) {
        ("absent", _) => Probe {
            test: format!("! [ -e {p} ]"),
            report: String::new(),
        },
        (_, Some(re)) => Probe {
            test: format!("m=$(grep -m1 -P -e {} -- {p} 2>/dev/null)", quote(re)),
            report: "printf '%s\\n' \"$m\"".into(),
        },
        _ => Probe {
            test: format!("[ -e {p} ]"),
            report: String::new(),
        },
    })
}

/// Run the probe every `sleep` seconds for up to `secs` seconds.
pub fn chunk_script(p: &Probe, secs: i64, sleep: i64) -> String {
    format!(
        "end=$(( $(date +%s) + {secs} )); while :; do if {}; then echo @@ok; {}; exit 0; fi; \
         [ \"$(date +%s)\" -ge \"$end\" ] && exit 0; sleep {sleep}; done",
        p.test,
        if p.report.is_empty() { ":" } else { &p.report }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_hex_table() {
        assert_eq!(ipv4_hex("127.0.0.1").as_deref(), Some("0100007F"));
        assert_eq!(ipv4_hex("10.1.2.3").as_deref(), Some("0302010A"));
        assert_eq!(ipv4_hex("not-an-ip"), None);
    }

    #[test]
    fn proc_net_tcp_counts_listeners() {
        // Our own listener must show up in /proc/net/tcp as LISTEN.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port() as i64;
        let script = active_count(port, &["LISTEN".to_string()], &[]);
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    }

    #[test]
    fn match_groups_table() {
        let (g, d) = match_groups("port=(?P<p>\\d+) (\\w+)", "port=9030 up");
        assert_eq!(g, json!(["9030", "up"]));
        assert_eq!(d, json!({"p": "9030"}));
    }
}
