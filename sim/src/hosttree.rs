//! Generates a simulated host's StarRocks install tree: `fe/` and/or `be/`
//! with `bin/` scripts that run the simulator, realistic `conf/` files and
//! a `lib/` version marker.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::version::SrVersion;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FePorts {
    pub http_port: u16,
    pub rpc_port: u16,
    pub query_port: u16,
    pub edit_log_port: u16,
}

impl Default for FePorts {
    fn default() -> Self {
        FePorts {
            http_port: 8030,
            rpc_port: 9020,
            query_port: 9030,
            edit_log_port: 9010,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BePorts {
    pub be_port: u16,
    pub be_http_port: u16,
    pub heartbeat_service_port: u16,
    pub brpc_port: u16,
}

impl Default for BePorts {
    fn default() -> Self {
        BePorts {
            be_port: 9060,
            be_http_port: 8040,
            heartbeat_service_port: 9050,
            brpc_port: 8060,
        }
    }
}

/// One simulated host.
#[derive(Debug, Clone)]
pub struct HostSpec {
    /// The host root (`sr_home`): `fe/` and `be/` go under it.
    pub root: PathBuf,
    /// Loopback address the host's processes bind (`priority_networks`).
    pub address: String,
    pub version: SrVersion,
    pub fe: Option<FePorts>,
    pub be: Option<BePorts>,
    /// The simulator command, absolute: `["/path/srsim"]` or
    /// `["/path/srplay", "srsim"]`.
    pub sim_argv: Vec<String>,
    /// Extra `key = value` lines for fe.conf (e.g. `sim_heartbeat_interval_ms`).
    pub fe_extra: Vec<(String, String)>,
    pub be_extra: Vec<(String, String)>,
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn write_file(p: &Path, text: &str, exec: bool) -> anyhow::Result<()> {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d)?;
    }
    std::fs::write(p, text)?;
    if exec {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// Create the tree for `spec` (overwrites scripts and conf files).
pub fn generate(spec: &HostSpec) -> anyhow::Result<()> {
    anyhow::ensure!(!spec.sim_argv.is_empty(), "sim_argv is empty");
    let argv = spec
        .sim_argv
        .iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(p) = spec.fe {
        let home = spec.root.join("fe");
        for d in ["meta", "log", "lib", "bin", "conf"] {
            std::fs::create_dir_all(home.join(d))?;
        }
        write_file(&home.join("conf/fe.conf"), &fe_conf(spec, p), false)?;
        write_file(
            &home.join("bin/start_fe.sh"),
            &start_script("fe", &argv),
            true,
        )?;
        write_file(&home.join("bin/stop_fe.sh"), &stop_script("fe"), true)?;
        write_file(&home.join("bin/show_fe_version.sh"), SHOW_FE_VERSION, true)?;
        write_file(
            &home.join("lib/starrocks_version"),
            &format!("{}\n", spec.version.full()),
            false,
        )?;
    }
    if let Some(p) = spec.be {
        let home = spec.root.join("be");
        for d in ["storage", "log", "lib/udf", "bin", "conf"] {
            std::fs::create_dir_all(home.join(d))?;
        }
        write_file(&home.join("conf/be.conf"), &be_conf(spec, p), false)?;
        write_file(
            &home.join("bin/start_be.sh"),
            &start_script("be", &argv),
            true,
        )?;
        write_file(&home.join("bin/stop_be.sh"), &stop_script("be"), true)?;
        write_file(&home.join("bin/show_be_version.sh"), SHOW_BE_VERSION, true)?;
        write_file(
            &home.join("lib/starrocks_version"),
            &format!("{}\n", spec.version.full()),
            false,
        )?;
    }
    Ok(())
}

fn java_opts(v: SrVersion) -> String {
    match v {
        SrVersion::V2_5 => "JAVA_OPTS=\"-Dlog4j2.formatMsgNoLookups=true -Xmx8192m -XX:+UseMembar -XX:SurvivorRatio=8 -XX:MaxTenuringThreshold=7 -XX:+PrintGCDateStamps -XX:+PrintGCDetails -XX:+UseConcMarkSweepGC -XX:+UseParNewGC -XX:+CMSClassUnloadingEnabled -XX:-CMSParallelRemarkEnabled -XX:CMSInitiatingOccupancyFraction=80 -XX:SoftRefLRUPolicyMSPerMB=0 -Xloggc:${LOG_DIR}/fe.gc.log.$DATE\"\n\n# For jdk 9+, this JAVA_OPTS will be used as default JVM options\nJAVA_OPTS_FOR_JDK_9=\"-Dlog4j2.formatMsgNoLookups=true -Xmx8192m -XX:SurvivorRatio=8 -XX:MaxTenuringThreshold=7 -XX:+CMSClassUnloadingEnabled -XX:-CMSParallelRemarkEnabled -XX:CMSInitiatingOccupancyFraction=80 -XX:SoftRefLRUPolicyMSPerMB=0 -Xlog:gc*:${LOG_DIR}/fe.gc.log.$DATE:time\"\n".into(),
        SrVersion::V3_1 | SrVersion::V3_3 => "JAVA_OPTS=\"-Dlog4j2.formatMsgNoLookups=true -Xmx8192m -XX:+UseG1GC -XX:+PrintGCDetails -XX:+PrintGCDateStamps -Xloggc:${LOG_DIR}/fe.gc.log.$DATE -XX:+PrintConcurrentLocks -Djava.security.policy=${STARROCKS_HOME}/conf/udf_security.policy\"\n\n# For jdk 11+, this JAVA_OPTS will be used as default JVM options\nJAVA_OPTS_FOR_JDK_11=\"-Dlog4j2.formatMsgNoLookups=true -Xmx8192m -XX:+UseG1GC -Xlog:gc*:${LOG_DIR}/fe.gc.log.$DATE:time -Djava.security.policy=${STARROCKS_HOME}/conf/udf_security.policy\"\n".into(),
        SrVersion::Latest => "JAVA_OPTS=\"-Dlog4j2.formatMsgNoLookups=true -Xmx8192m -XX:+UseG1GC -Xlog:gc*:${LOG_DIR}/fe.gc.log.$DATE:time -XX:ErrorFile=${LOG_DIR}/hs_err_pid%p.log -Djava.security.policy=${STARROCKS_HOME}/conf/udf_security.policy\"\n".into(),
    }
}

fn fe_conf(spec: &HostSpec, p: FePorts) -> String {
    let mut s = String::from(
        "# Licensed to the Apache Software Foundation (ASF) under one\n\
         # (generated by starrocks-sim for a simulated host)\n\n\
         LOG_DIR = ${STARROCKS_HOME}/log\n\
         DATE = \"$(date +%Y%m%d-%H%M%S)\"\n",
    );
    s += &java_opts(spec.version);
    s += &format!(
        "\n## the lowercase properties are read by main program.\n\n\
         sys_log_level = INFO\n\
         meta_dir = ${{STARROCKS_HOME}}/meta\n\
         http_port = {}\n\
         rpc_port = {}\n\
         query_port = {}\n\
         edit_log_port = {}\n\
         mysql_service_nio_enabled = true\n\
         priority_networks = {}/32\n\n\
         # simulator settings\n\
         sim_version = {}\n",
        p.http_port,
        p.rpc_port,
        p.query_port,
        p.edit_log_port,
        spec.address,
        spec.version.name()
    );
    for (k, v) in &spec.fe_extra {
        s += &format!("{k} = {v}\n");
    }
    s
}

fn be_conf(spec: &HostSpec, p: BePorts) -> String {
    let mut s = format!(
        "# (generated by starrocks-sim for a simulated host)\n\n\
         sys_log_level = INFO\n\n\
         # ports for admin, web, heartbeat service\n\
         be_port = {}\n\
         be_http_port = {}\n\
         heartbeat_service_port = {}\n\
         brpc_port = {}\n\n\
         # Choose one if there are more than one ip except loopback address.\n\
         priority_networks = {}/32\n\n\
         storage_root_path = ${{STARROCKS_HOME}}/storage\n\
         mem_limit = 90%\n\
         user_function_dir = ${{STARROCKS_HOME}}/lib/udf\n\n\
         # JAVA_OPTS=\"-Djava.security.krb5.conf=/etc/krb5.conf\"\n\
         # JAVA_OPTS_FOR_JDK_9=\"-Djava.security.krb5.conf=/etc/krb5.conf\"\n\n\
         # simulator settings\n\
         sim_version = {}\n",
        p.be_port,
        p.be_http_port,
        p.heartbeat_service_port,
        p.brpc_port,
        spec.address,
        spec.version.name()
    );
    for (k, v) in &spec.be_extra {
        s += &format!("{k} = {v}\n");
    }
    s
}

fn start_script(kind: &str, argv: &str) -> String {
    let (name, what) = if kind == "fe" {
        ("fe", "Frontend")
    } else {
        ("be", "Backend")
    };
    format!(
        r#"#!/usr/bin/env bash
# start_{name}.sh (starrocks-sim): runs the simulator in place of StarRocks.
set -u
STARROCKS_HOME="$(cd "$(dirname "${{BASH_SOURCE[0]}}")/.." && pwd)"
export STARROCKS_HOME
PID_FILE="$STARROCKS_HOME/bin/{name}.pid"
DAEMON=0
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --daemon) DAEMON=1 ;;
        --helper) EXTRA+=(--helper "$2"); shift ;;
        --helper=*) EXTRA+=(--helper "${{1#--helper=}}") ;;
        --host_type) shift ;;
        --be|--cn|--debug|--logconsole) ;;
        *) echo "unknown option: $1" >&2; exit 1 ;;
    esac
    shift
done
# alive and really the simulator (not a zombie, not a recycled pid)
is_running() {{ kill -0 "$1" 2>/dev/null && grep -qa -- "--conf" "/proc/$1/cmdline" 2>/dev/null; }}
if [ -f "$PID_FILE" ]; then
    PID=$(cat "$PID_FILE")
    if is_running "$PID"; then
        echo "{what} running as process $PID. Stop it first."
        exit 1
    fi
    rm -f "$PID_FILE"
fi
mkdir -p "$STARROCKS_HOME/log"
LOG="$STARROCKS_HOME/log/{name}.out"
CMD=({argv} {name} --conf "$STARROCKS_HOME/conf/{name}.conf" "${{EXTRA[@]}}")
if [ "$DAEMON" = 1 ]; then
    nohup "${{CMD[@]}}" >> "$LOG" 2>&1 < /dev/null &
    CHILD=$!
    for _ in $(seq 1 100); do
        [ -f "$PID_FILE" ] && exit 0
        STATE=$(sed 's/.*) //' "/proc/$CHILD/stat" 2>/dev/null | cut -c1)
        if [ -z "$STATE" ] || [ "$STATE" = Z ]; then
            echo "{what} failed to start, see $LOG:" >&2
            tail -n 5 "$LOG" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "{what} did not write $PID_FILE in time, see $LOG" >&2
    exit 1
else
    exec "${{CMD[@]}}"
fi
"#
    )
}

fn stop_script(kind: &str) -> String {
    // stop_be.sh: SIGKILL by default, -g SIGTERM; stop_fe.sh: SIGTERM by default.
    let (default_sig, graceful_sig) = if kind == "be" {
        ("9", "15")
    } else {
        ("15", "10")
    };
    format!(
        r#"#!/usr/bin/env bash
# stop_{kind}.sh (starrocks-sim)
STARROCKS_HOME="$(cd "$(dirname "${{BASH_SOURCE[0]}}")/.." && pwd)"
PID_FILE="$STARROCKS_HOME/bin/{kind}.pid"
SIG={default_sig}
TIMEOUT=10
while [ $# -gt 0 ]; do
    case "$1" in
        -g|--graceful) SIG={graceful_sig} ;;
        --timeout) TIMEOUT="$2"; shift ;;
    esac
    shift
done
if [ ! -f "$PID_FILE" ]; then
    echo "$PID_FILE does not exist"
    exit 0
fi
is_running() {{ kill -0 "$1" 2>/dev/null && grep -qa -- "--conf" "/proc/$1/cmdline" 2>/dev/null; }}
PID=$(cat "$PID_FILE")
if ! is_running "$PID"; then
    rm -f "$PID_FILE"
    exit 0
fi
kill -"$SIG" "$PID" 2>/dev/null
for _ in $(seq 1 $((TIMEOUT * 10))); do
    is_running "$PID" || break
    sleep 0.1
done
is_running "$PID" && kill -9 "$PID" 2>/dev/null
rm -f "$PID_FILE"
echo "stop {kind} $PID"
"#
    )
}

const SHOW_FE_VERSION: &str = r#"#!/usr/bin/env bash
# show_fe_version.sh (starrocks-sim): prints what `StarRocksFE -v` prints.
STARROCKS_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FULL=$(cat "$STARROCKS_HOME/lib/starrocks_version")
echo "Build version: ${FULL%%-*}"
echo "Commit hash: ${FULL#*-}"
echo "Build type: RELEASE"
echo "Build time: 2025-01-01 00:00:00"
echo "Build distributor id: srsim"
echo "Build arch: x86_64"
echo "Java compile version: openjdk full version \"11.0.21+9\""
"#;

const SHOW_BE_VERSION: &str = r#"#!/usr/bin/env bash
# show_be_version.sh (starrocks-sim): prints what `starrocks_be --version` prints.
STARROCKS_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FULL=$(cat "$STARROCKS_HOME/lib/starrocks_version")
echo "${FULL%%-*} RELEASE (build ${FULL#*-})"
"#;
