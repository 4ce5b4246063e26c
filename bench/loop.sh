#!/usr/bin/env bash
# bench/loop.sh [--rtt MS] [--reps N] [--warmup N] [--no-ansible] [--out DIR] [REPS]
# Cost of a 10-item loop against a single task, one host over ssh, for stock
# ansible-playbook (`ssh`), srplay (`srplay`, loop batching on) and the same
# binary with SRPLAY_LOOP_BATCH=0 (`srplay-nobatch`), measured by the shared
# harness: bench/loop-single.yml (20 `command` tasks), bench/loop-10items.yml
# (the same 20 tasks with a 10-item loop each) and the harness's
# bench-noop.yml (fixed cost). Per task: (T[playbook] - T[noop]) / 20, and
# loop/single = the ratio of the two, from median wall times; written to
# DIR/loop-ratio.txt.
#
# --rtt MS puts a network round trip of MS milliseconds between the
# controller and the sshd, as on a real link (1 = same data centre, 10 =
# across zones): the harness then runs in a private network namespace whose
# loopback addresses 127.0.0.1 and 127.0.1.1 are served by
# bench/delay-proxy.py, which forwards every connection to the same address
# in a second private namespace where the harness's sshd listens, delaying
# each direction by MS/2 (this kernel has no netem; see delay-proxy.py).
# Both namespaces are made here and removed at the end; nothing but
# loopback addresses inside them is used. Needs root and iproute2 (`ip`).
# Its state dir is $SRPLAY_BENCH_STATE-rtt (default /tmp/srplay-bench-rtt);
# the Ansible venv is shared with $SRPLAY_BENCH_STATE when that one has it.
#
#   cargo build --release -p srplay
#   bash bench/loop.sh --reps 3                 # loopback
#   bash bench/loop.sh --rtt 1 --reps 3         # 1 ms round trip
#   bash bench/loop.sh --rtt 10 --reps 3        # 10 ms round trip
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
rtt='' reps=3 warmup=1 ansible=1 out=''
while [ $# -gt 0 ]; do
  case $1 in
    --rtt) rtt=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --no-ansible) ansible=0; shift ;;
    --out) out=$2; shift 2 ;;
    [0-9]*) reps=$1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -z $rtt || $rtt =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "--rtt takes milliseconds" >&2; exit 2; }
base_state=${SRPLAY_BENCH_STATE:-/tmp/srplay-bench}
SRPLAY_BIN=${SRPLAY_BIN:-$repo/target/release/srplay}
[ -x "$SRPLAY_BIN" ] || { echo "no srplay binary at $SRPLAY_BIN (cargo build --release -p srplay)" >&2; exit 2; }
configs=none
(( ansible )) && configs=ssh
tag=${rtt:+rtt${rtt}ms-}
out=${out:-${base_state}${rtt:+-rtt}/results/loop-$tag$(date +%Y%m%d-%H%M%S)}
[ -z "$rtt" ] || configs=floor,$configs   # the floor's mux round trip shows the delay
harness=(bash "$here/run.sh" --configs "$configs" --hosts 1 --forks 5 --reps "$reps" --warmup "$warmup"
  --playbooks "$here/loop-single.yml $here/loop-10items.yml bench-noop.yml"
  --custom srplay-nobatch "SRPLAY_LOOP_BATCH=0 $(printf %q "$SRPLAY_BIN") {playbook} -i {inventory} -f {forks}"
  --floor-reps 5 --out "$out")

# loop/single per runner from the results' median wall times
report() {
  python3 - "$out/results.csv" <<'PY' | tee "$out/loop-ratio.txt"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
med = {}
for label in dict.fromkeys(r["label"] for r in rows):
    for pb in ("loop-single.yml", "loop-10items.yml", "bench-noop.yml"):
        w = [float(r["wall_s"]) for r in rows if r["label"] == label and r["playbook"] == pb and r["rc"] == "0"]
        med[label, pb] = (statistics.median(w), len(w)) if w else (None, 0)
print(f"{'runner':16} {'single':>8} {'loop':>8} {'noop':>8} {'1 task':>9} {'1 loop task':>12} {'loop/single':>11}  runs")
for label in dict.fromkeys(r["label"] for r in rows):
    (s, ns), (l, nl), (n, nn) = (med[label, pb] for pb in ("loop-single.yml", "loop-10items.yml", "bench-noop.yml"))
    if None in (s, l, n):
        print(f"{label:16} incomplete"); continue
    one, loop = (s - n) / 20 * 1000, (l - n) / 20 * 1000
    ratio = f"{loop / one:.1f}x" if one > 0 else "n/a"
    print(f"{label:16} {s:7.2f}s {l:7.2f}s {n:7.2f}s {one:7.1f}ms {loop:10.1f}ms {ratio:>11}  {ns}/{nl}/{nn}")
PY
}

if [ -z "$rtt" ]; then
  "${harness[@]}"
  report
  exit 0
fi

# ---- behind a network round trip ------------------------------------------------------------
[ "$(id -u)" = 0 ] || { echo "--rtt needs root (network namespaces)" >&2; exit 2; }
command -v ip >/dev/null && command -v nsenter >/dev/null \
  || { echo "--rtt needs iproute2 (ip) and util-linux (nsenter)" >&2; exit 2; }
state=${base_state}-rtt
port=${BENCH_SSH_PORT:-2222}
bench_dir=${BENCH_DIR:-$repo/../shared/bench}
[ -d "$bench_dir" ] || bench_dir=/work/shared/bench
ns_s=srpb-sshd-$$ ns_c=srpb-ctl-$$
mkdir -p "$state" "$out"
# share the Ansible venv instead of installing a second one
[ -e "$state/venv" ] || [ ! -x "$base_state/venv/bin/ansible-playbook" ] || ln -s "$base_state/venv" "$state/venv"
proxy_pid=''
cleanup() {
  [ -z "$proxy_pid" ] || kill "$proxy_pid" 2>/dev/null || true
  SRPLAY_BENCH_STATE=$state bash "$bench_dir/sshd-down.sh" >/dev/null 2>&1 || true
  ip netns del "$ns_c" 2>/dev/null || true
  ip netns del "$ns_s" 2>/dev/null || true
}
trap cleanup EXIT
# nsenter, not `ip netns exec`: the latter remounts /sys, hiding the cgroup
# files the harness measures CPU with
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" -- "$@"; }
for ns in "$ns_s" "$ns_c"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
export SRPLAY_BENCH_STATE=$state BENCH_SSH_PORT=$port
# the sshd, in its namespace (bench.sh finds it running and leaves it)
in_ns "$ns_s" bash "$bench_dir/sshd-up.sh" 1
rm -f "$state/proxy.ready"
py=python3; [ -x /usr/bin/python3 ] && py=/usr/bin/python3
# exec: $! is then the proxy itself, which the cleanup stops by that PID
nsenter --net="/run/netns/$ns_c" -- "$py" "$here/delay-proxy.py" --rtt-ms "$rtt" --port "$port" \
  --upstream-netns "$ns_s" --ready-file "$state/proxy.ready" 127.0.0.1 127.0.1.1 &
proxy_pid=$!
for _ in $(seq 100); do [ -s "$state/proxy.ready" ] && break; sleep 0.1; done
[ "$(cat "$state/proxy.ready" 2>/dev/null)" = "$proxy_pid" ] || { echo "delay-proxy did not start" >&2; exit 1; }
renice --priority -10 -p "$proxy_pid" >/dev/null 2>&1 || true   # as the harness's runs and sshd
echo "round trip $rtt ms between controller ($ns_c) and sshd ($ns_s); proxy pid $proxy_pid" | tee -a "$out/env.txt"
in_ns "$ns_c" "${harness[@]}"
report
