#!/usr/bin/env bash
# bench/run.sh [bench.sh options...]
# Runs the shared side-by-side harness (../shared/bench, read-only; it writes
# only under $SRPLAY_BENCH_STATE, default /tmp/srplay-bench) with srplay's
# release binary added as the runner `srplay`, and prints the ssh/srplay,
# pipelining/srplay and mitogen/srplay ratios for those of them in --configs
# (give --configs explicitly).
#
#   cargo build --release -p srplay
#   bash bench/run.sh --configs floor,ssh --hosts 3 --reps 1 --floor-reps 5      # smoke
#   bash bench/run.sh --configs floor,ssh,pipelining,mitogen --hosts '1 10 50' --forks 50 --reps 3
#
# SRPLAY_BIN overrides the binary; BENCH_DIR the harness folder.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-$repo/../shared/bench}
[ -d "$BENCH_DIR" ] || BENCH_DIR=/work/shared/bench
SRPLAY_BIN=${SRPLAY_BIN:-$repo/target/release/srplay}
[ -x "$SRPLAY_BIN" ] || { echo "no srplay binary at $SRPLAY_BIN (cargo build --release -p srplay)" >&2; exit 2; }
# A ratio against a runner that did not run would end the harness in an error.
ratios=()
for ref in ssh pipelining mitogen; do
  [[ " $* " =~ --configs[[:space:]]+([^[:space:]]*) ]] || break
  [[ ,${BASH_REMATCH[1]}, == *,$ref,* ]] && ratios+=(--ratio "$ref" srplay)
done
exec bash "$BENCH_DIR/bench.sh" \
  --custom srplay "$(printf %q "$SRPLAY_BIN") {playbook} -i {inventory} -f {forks}" \
  "${ratios[@]}" "$@"
