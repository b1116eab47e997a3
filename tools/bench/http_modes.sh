#!/usr/bin/env bash
# The three ways to serve HTTP through gocoro, against the native server and plain Go, under wrk on loopback.
# Every server answers the same fixed "200 OK, Hello, World!" on keep-alive connections:
#
#   native      examples/native/http_200_ok_server (C++, one manual io_scheduler)
#   hosted      net/server.HTTP200: the native handler on a Go-created IOScheduler (mode 2)
#   func        net/server.Func: a Go HTTP handler called from the C++ loop (mode 3)
#   nethttp     Go net/http over Go's own listener
#   plaingo     the plain Go TCP server of tools/bench/http (no parsing: one response per read)
#   nethttptcp  net/http over gocoro's net/tcp Listener (mode 1)
#
# wrk runs interleaved (native, hosted, func, nethttp, plaingo, nethttptcp, then again) so that all see the same
# machine conditions; prints per-round req/s, then medians with min-max and the ratios the issue asks for (also as
# the median of same-round ratios, which is less sensitive to load that other processes add mid-run).
#
#   tools/bench/http_modes.sh                       # 3 rounds, wrk -t1 -c100 -d10s
#   ROUNDS=5 DURATION=10s MODES="native hosted" tools/bench/http_modes.sh
#
# Environment: ROUNDS (3), DURATION (10s), CONNECTIONS (100), THREADS (1), MODES (all six), BUILD_ROOT (make and
# go build output, .build in the checkout), GOMAXPROCS (passed to the Go servers as is).
set -euo pipefail

cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-100}
THREADS=${THREADS:-1}
MODES=${MODES:-native hosted func nethttp plaingo nethttptcp}
BUILD_ROOT=${BUILD_ROOT:-$PWD/.build}

command -v wrk >/dev/null || { echo "http_modes: wrk not found (apt-get install wrk)" >&2; exit 1; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

echo "== building the native server (make) and the Go servers" >&2
case " $MODES " in *" native "*)
    make -s -f tools/cxx.mk -j2 BUILD_ROOT="$BUILD_ROOT" "$BUILD_ROOT/none/examples/http_200_ok_server" >&2 ;;
esac
mkdir -p "$BUILD_ROOT"
(cd tools && go build -o "$BUILD_ROOT/httpmodes" ./bench/httpmodes && go build -o "$BUILD_ROOT/go-http-server" ./bench/http)

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

declare -A PORT
for m in $MODES; do
    p=$(free_port)
    PORT[$m]=$p
    case $m in
        native) "$BUILD_ROOT/none/examples/http_200_ok_server" --port "$p" --address 127.0.0.1 2>/dev/null & ;;
        plaingo) "$BUILD_ROOT/go-http-server" -port "$p" -address 127.0.0.1 2>/dev/null & ;;
        hosted | func | nethttp | nethttptcp) "$BUILD_ROOT/httpmodes" -mode "$m" -port "$p" 2>/dev/null & ;;
        *) echo "http_modes: unknown mode $m" >&2; exit 2 ;;
    esac
    PIDS+=($!)
done

wait_port() {
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "http_modes: nothing listening on port $1" >&2; exit 1
}
for m in $MODES; do wait_port "${PORT[$m]}"; done

run_wrk() { # port -> req/s
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$1/" | awk '/^Requests\/sec:/ {print $2}'
}

for m in $MODES; do wrk -t1 -c"$CONNECTIONS" -d1s "http://127.0.0.1:${PORT[$m]}/" >/dev/null; done # warm-up

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS interleaved rounds; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A RES
for r in $(seq "$ROUNDS"); do
    line="round $r:"
    for m in $MODES; do
        v=$(run_wrk "${PORT[$m]}")
        RES[$m]="${RES[$m]:-} $v"
        line+=$(printf '  %s %.0f' "$m" "$v")
    done
    echo "$line"
done
echo "== load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

stats() { # values... -> "median min max"
    printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.0f %.0f %.0f", m, v[1], v[NR]}'
}
declare -A MED
for m in $MODES; do
    # shellcheck disable=SC2086
    read -r med lo hi <<<"$(stats ${RES[$m]})"
    MED[$m]=$med
    printf '%-11s median %8s req/s  (min %s, max %s)\n' "$m" "$med" "$lo" "$hi"
done
ratio() { # name a b target: ratio of the medians, and the median (min-max) of the per-round ratios a_r/b_r
    if [[ -n "${MED[$2]:-}" && -n "${MED[$3]:-}" ]]; then
        local -a as bs rs
        read -r -a as <<<"${RES[$2]}"
        read -r -a bs <<<"${RES[$3]}"
        rs=()
        for i in "${!as[@]}"; do rs+=("$(echo "${as[$i]} / ${bs[$i]}" | bc -l)"); done
        read -r pm plo phi <<<"$(printf '%s\n' "${rs[@]}" | sort -g | awk '{v[NR]=$1} END {m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.3f %.3f %.3f", m, v[1], v[NR]}')"
        printf '%-30s %.3f   per round %s (%s-%s)  %s\n' "$1" "$(echo "${MED[$2]} / ${MED[$3]}" | bc -l)" "$pm" "$plo" "$phi" "$4"
    fi
}
echo "ratios: of the medians, and per round (median, min-max of the paired same-round ratios)"
ratio "hosted / native (mode 2)" hosted native "(target >= 0.95)"
ratio "func / nethttp (mode 3)" func nethttp "(target >= 1.0)"
ratio "func / plaingo" func plaingo ""
ratio "func / native" func native ""
ratio "nethttptcp / nethttp (mode 1)" nethttptcp nethttp ""
ratio "plaingo / nethttp" plaingo nethttp ""
