#!/usr/bin/env bash
# bench/loop.sh [REPS]
# Cost of a 10-item loop against a single task, one host over ssh, for
# srplay and stock ansible-playbook, measured by the shared harness:
# bench/loop-single.yml (20 `command` tasks), bench/loop-10items.yml (the same
# 20 tasks with a 10-item loop each) and the harness's bench-noop.yml (fixed
# cost). Per task: (T[playbook] - T[noop]) / 20.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
reps=${1:-3}
bash "$here/run.sh" --configs ssh --hosts 1 --forks 5 --reps "$reps" \
  --playbooks "$here/loop-single.yml $here/loop-10items.yml bench-noop.yml" \
  --out "${SRPLAY_BENCH_STATE:-/tmp/srplay-bench}/results/loop-$(date +%Y%m%d-%H%M%S)"
