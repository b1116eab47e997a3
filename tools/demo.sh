#!/usr/bin/env bash
# The main demo: installs a C++20 compiler if missing, then runs examples/thread_pool.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh demo
export PATH=/usr/local/go/bin:$PATH
exec go run ./examples/thread_pool "$@"
