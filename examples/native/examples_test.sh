#!/usr/bin/env bash
# Runs the native examples on loopback and checks what they answer:
#   tcp_echo_server (libcoro v0.14 API) and tcp_echo_server_v16 (v0.16 API) echo what they receive, a short message
#   and one larger than the socket buffers;
#   http_200_ok_server answers a request split across two writes, then two pipelined requests sent in one write,
#   with one "HTTP/1.1 200 OK" response each, on the same keep-alive connection.
# Usage: examples_test.sh TCP_ECHO_SERVER HTTP_200_OK_SERVER [TCP_ECHO_SERVER_V16]
# (no v0.16 server when built against a user's upstream libcoro v0.14: --config=libcoro_external)
set -euo pipefail
echo_bin=$1
http_bin=$2
echo16_bin=${3:-}
tmp=$(mktemp -d)
pid=""
runs=0
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# start BIN: runs BIN on a free-looking loopback port (retrying if the port is taken); sets pid and port.
start() {
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 40000))
        # A fresh log per run: the child truncates its log only once it is scheduled, so a reused file could still
        # say "listening" from the previous server when grep first looks.
        runs=$((runs + 1))
        log="$tmp/log.$runs"
        : >"$log"
        "$1" --port "$port" --address 127.0.0.1 2>"$log" &
        pid=$!
        for _ in $(seq 100); do
            grep -q listening "$log" && return 0
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    echo "FAIL: could not start $1: $(cat "$log")"
    exit 1
}

stop() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
}

# check_echo BIN: BIN echoes a short message and a 1 MiB one (written while the reply is read back).
check_echo() {
    start "$1"
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'hello from gocoro' >&3
    IFS= read -r -t 5 -N 17 reply <&3 || true
    if [ "$reply" != "hello from gocoro" ]; then
        echo "FAIL: $(basename "$1") echoed '$reply'"
        exit 1
    fi
    head -c 1048576 /dev/zero | tr '\0' 'e' >"$tmp/big"
    cat "$tmp/big" >&3 &
    writer=$!
    timeout 20 head -c 1048576 <&3 >"$tmp/big.echo" || true
    kill "$writer" 2>/dev/null || true
    wait "$writer" 2>/dev/null || true
    exec 3>&-
    stop
    if ! cmp -s "$tmp/big" "$tmp/big.echo"; then
        echo "FAIL: $(basename "$1") echoed $(wc -c <"$tmp/big.echo") of 1048576 bytes correctly"
        exit 1
    fi
    echo "ok: $(basename "$1") echoes"
}

check_echo "$echo_bin"
if [ -n "$echo16_bin" ]; then
    check_echo "$echo16_bin"
else
    echo "skip: tcp_echo_server_v16 (libcoro v0.16 API) is not built against an upstream libcoro v0.14"
fi

start "$http_bin"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET / HTTP/1.1\r\nHost: localhost\r\n' >&3
sleep 0.1
printf '\r\n' >&3
printf 'GET /a HTTP/1.1\r\nHost: localhost\r\n\r\nGET /b HTTP/1.1\r\nHost: localhost\r\n\r\n' >&3
statuses=0
while IFS= read -r -t 5 line <&3; do
    case "$line" in
        *"HTTP/1.1 200 OK"*) statuses=$((statuses + 1)) ;;
    esac
    [ "$statuses" -eq 3 ] && break
done
exec 3>&-
stop
if [ "$statuses" -ne 3 ]; then
    echo "FAIL: http_200_ok_server sent $statuses of 3 responses"
    exit 1
fi
echo "ok: http_200_ok_server answers split and pipelined requests on one connection"
echo "3 passed, 0 failed"
