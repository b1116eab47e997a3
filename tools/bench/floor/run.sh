#!/usr/bin/env bash
# Measures the kernel floor of the server_echo rows on this machine: the same echo client against a C epoll server
# and a C io_uring server that do nothing in user space but move the bytes, against gnet and gocoro's net/server
# (tools/bench/srvtwin, server.Listen). Rounds are interleaved; prints wall and server CPU ns per message.
# Usage: tools/bench/floor/run.sh [size=64] [msgs=1000] [rounds=3]   (io_uring needs liburing-dev)
set -euo pipefail
size=${1:-64} msgs=${2:-1000} rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
impls="epoll gnet gocoro"
gcc -O2 -o "$out/epoll" "$here/servers/echo_epoll.c"
if [ -e /usr/include/liburing.h ]; then
	gcc -O2 -o "$out/uring" "$here/servers/echo_uring.c" -luring
	impls="epoll uring gnet gocoro"
else
	echo "floor: no liburing-dev, io_uring server skipped" >&2
fi
(cd "$here/../.." && go build -o "$out/srvtwin" ./bench/srvtwin && go build -o "$out/client" ./bench/floor)
port=19100 # below the ephemeral range, so a client's port never takes it
echo "round impl wall_ns_per_msg server_cpu_ns_per_msg"
for r in $(seq "$rounds"); do
	for impl in $impls; do
		port=$((port + 1))
		case $impl in
		epoll | uring) "$out/$impl" "$port" & ;;
		*) "$out/srvtwin" -impl "${impl}" -mode echo -port "$port" 2>/dev/null & ;;
		esac
		pid=$!
		echo "$r $impl $("$out/client" -addr "127.0.0.1:$port" -pid "$pid" -size "$size" -msgs "$msgs")"
		kill "$pid"
		wait "$pid" 2>/dev/null || true
	done
done
