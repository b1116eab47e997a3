#!/usr/bin/env bash
# Runs each fork-join workload in its own process, so every JSON line's peak_rss_kib is that workload's own.
#   tools/bench/cpp/run_forkjoin.sh [--runs N] [bench flags, e.g. --quick --threads 2]
# Builds the bench binary with tools/cxx.mk unless BENCH points at one. Runs are interleaved
# (skynet fib nqueens matmul, skynet fib ...) so machine noise spreads evenly over the workloads.
set -euo pipefail
cd "$(dirname "$0")/../../.."

runs=1
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done

if [ -z "${BENCH:-}" ]; then
    make -s -f tools/cxx.mk -j2 bench >&2
    BENCH=${BUILD_ROOT:-$PWD/.build}/none/bench
fi

for ((r = 1; r <= runs; r++)); do
    for w in skynet fib nqueens matmul; do
        "$BENCH" "${args[@]}" "$w"
    done
done
