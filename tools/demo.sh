#!/usr/bin/env bash
# The main demo: installs a C++20 compiler if missing, then runs examples/http_200_ok_server — the README's
# fixed-response HTTP server in Go on libcoro's epoll loop (package net/tcp) — sends it three keep-alive
# requests with Go's net/http client, prints the answers and exits. Pass -addr HOST:PORT without -demo to keep
# it serving: bash tools/demo.sh -demo 0 -addr 127.0.0.1:8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh demo
export PATH=/usr/local/go/bin:$PATH
exec go run ./examples/http_200_ok_server -addr 127.0.0.1:0 -demo 3 "$@"
