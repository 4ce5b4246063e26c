#!/usr/bin/env bash
# Time-boxed fuzzing of every target (not part of the normal test run).
#   fuzz/run.sh [SECONDS] [TARGET...]   (default: 300 s per target, all targets)
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# Builds in debug mode without a sanitizer (the code under test is safe
# Rust: libFuzzer still catches panics, overflows, timeouts and memory
# blow-ups). Crashes land in fuzz/artifacts/<target>/; add each one to
# tests/fixtures/fuzz-regressions/<target>/ of the owning crate once fixed.
# Prints one summary line per target: executions, time, corpus size.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-300}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}
flags=(--dev --sanitizer none)
cargo +nightly fuzz build "${flags[@]}"
mkdir -p logs
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    [ -d "seeds/$t" ] && cp -n "seeds/$t"/* "corpus/$t/" 2>/dev/null || true
    log=logs/$t.log
    start=$SECONDS
    # -timeout: one input taking longer is a hang; -rss_limit_mb: an OOM.
    if ! cargo +nightly fuzz run "${flags[@]}" "$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
        status=1
        echo "$t: FAILED, see fuzz/$log and fuzz/artifacts/$t/"
    fi
    took=$((SECONDS - start))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "$t: ${execs} executions in ${took} s, corpus $(find "corpus/$t" -type f | wc -l) files"
done
exit $status
