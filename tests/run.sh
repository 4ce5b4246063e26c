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
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked "$@"
