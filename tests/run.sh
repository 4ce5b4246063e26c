#!/usr/bin/env bash
# The whole test suite: installs what is missing (tests/setup.sh), then
# runs every crate's tests against the real parts (sshd, MariaDB,
# ansible-core, starrocks-sim) on loopback.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
oracle_bin=$(bash tests/setup.sh | tail -n 1)
export SRPLAY_ORACLE_BIN="$oracle_bin"
# One clean build: incremental caches would double the target dir (several
# GB) for no gain, and CI machines can be short of disk.
export CARGO_INCREMENTAL=0
# A clean build plus clippy takes about 2 GB under target/; say so up front
# when the disk is shorter than that (a full disk shows up later as a
# linker "Bus error", which names no cause).
avail_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
if [ "${avail_kb:-0}" -lt $((3 * 1024 * 1024)) ]; then
    echo "tests/run.sh: warning: only $((avail_kb / 1024)) MiB free on $(df -P . | awk 'NR == 2 { print $6 }'); the build needs about 2 GB" >&2
fi
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked "$@"
