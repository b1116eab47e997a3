#!/usr/bin/env bash
# Native vs Go HTTP comparison: examples/native/http_200_ok_server against the plain Go TCP server of
# tools/bench/http (same fixed 200 response). wrk runs interleaved (native, Go, native, Go, ...) so both
# see the same machine conditions; prints per-round req/s, medians, min-max and the native/Go ratio.
#
#   tools/bench/http_compare.sh                 # 3 rounds, wrk -t1 -c100 -d10s
#   ROUNDS=5 DURATION=10s SCHEDULERS=1 tools/bench/http_compare.sh
#
# Environment: ROUNDS (3), DURATION (10s), CONNECTIONS (100), THREADS (1), SCHEDULERS (native scheduler
# threads, 1), NATIVE_PORT / GO_PORT (free ports are picked), GOMAXPROCS (passed to the Go server as is),
# BUILD_ROOT (make output, .build in the checkout). Needs wrk, go, g++/make, OpenSSL and c-ares dev packages.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-100}
THREADS=${THREADS:-1}
SCHEDULERS=${SCHEDULERS:-1}
BUILD_ROOT=${BUILD_ROOT:-$PWD/.build}

command -v wrk >/dev/null || { echo "http_compare: wrk not found (apt-get install wrk)" >&2; exit 1; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
NATIVE_PORT=${NATIVE_PORT:-$(free_port)}
GO_PORT=${GO_PORT:-$(free_port)}

echo "== building native server (make, -O2) and Go server" >&2
make -s -f tools/cxx.mk -j2 BUILD_ROOT="$BUILD_ROOT" "$BUILD_ROOT/none/examples/http_200_ok_server" >&2
NATIVE_BIN="$BUILD_ROOT/none/examples/http_200_ok_server"
GO_BIN="$BUILD_ROOT/go-http-server"
go build -o "$GO_BIN" ./tools/bench/http

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$NATIVE_BIN" --port "$NATIVE_PORT" --schedulers "$SCHEDULERS" 2>/dev/null &
PIDS+=($!)
"$GO_BIN" -port "$GO_PORT" 2>/dev/null &
PIDS+=($!)

wait_port() {
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "http_compare: nothing listening on port $1" >&2; exit 1
}
wait_port "$NATIVE_PORT"
wait_port "$GO_PORT"

run_wrk() { # port -> req/s
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$1/" | awk '/^Requests\/sec:/ {print $2}'
}

# Short warm-up of both (connection setup, page faults, Go runtime).
wrk -t1 -c"$CONNECTIONS" -d1s "http://127.0.0.1:$NATIVE_PORT/" >/dev/null
wrk -t1 -c"$CONNECTIONS" -d1s "http://127.0.0.1:$GO_PORT/" >/dev/null

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS interleaved rounds; load: $(cut -d' ' -f1-3 /proc/loadavg)"
NATIVE=()
GO=()
for r in $(seq "$ROUNDS"); do
    n=$(run_wrk "$NATIVE_PORT"); NATIVE+=("$n")
    g=$(run_wrk "$GO_PORT"); GO+=("$g")
    printf 'round %d: native %12.0f req/s   go %12.0f req/s   ratio %.3f\n' "$r" "$n" "$g" "$(echo "$n / $g" | bc -l)"
done

stats() { # values... -> "median min max"
    printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.0f %.0f %.0f", m, v[1], v[NR]}'
}
read -r nm nmin nmax <<<"$(stats "${NATIVE[@]}")"
read -r gm gmin gmax <<<"$(stats "${GO[@]}")"
printf 'native (http_200_ok_server, %s scheduler(s)): median %s req/s (min %s, max %s)\n' "$SCHEDULERS" "$nm" "$nmin" "$nmax"
printf 'go     (tools/bench/http, GOMAXPROCS=%s):      median %s req/s (min %s, max %s)\n' "${GOMAXPROCS:-default}" "$gm" "$gmin" "$gmax"
printf 'native/go median ratio: %.3f (target >= 1.15)\n' "$(echo "$nm / $gm" | bc -l)"
