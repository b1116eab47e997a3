#!/usr/bin/env bash
# Installs what building and testing gocoro needs on Debian 12. Idempotent: installs only what is missing.
#   bash tools/setup.sh          everything the test suite needs
#   bash tools/setup.sh demo     only what `go run ./examples/...` needs (a C++20 compiler)
set -euo pipefail

want=(g++ make git ca-certificates patch)
if [ "${1:-all}" != demo ]; then
    want+=(
        catch2                                       # C++ parity tests (Catch2 v2)
        clang-14                                     # the test command also builds the Go tests with clang 14 (Debian 12's)
        clang-19                                     # ... and the C++ tests with clang 19 (Debian 12 updates)
        clang-format-19                              # C++ style check (.clang-format, tools/clang_format.sh)
        bazel-bootstrap bazel-skylib bazel-rules-java # offline Bazel 4.2.3 build
        libssl-dev openssl                           # net/tls
        libc-ares-dev                                # net/dns
        wrk                                          # HTTP benchmarks
    )
fi

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Go: at least the version on go.mod's `go` line (the one place it is stated; tools/test.sh checks that the READMEs
# agree). Debian 12's golang-go (1.19) is too old to build gocoro: install Go from https://go.dev/dl/ into
# /usr/local/go.
need=$(awk '$1 == "go" { print $2; exit }' "$(dirname "$0")/../go.mod")
command -v go >/dev/null 2>&1 || export PATH=/usr/local/go/bin:$PATH
if ! command -v go >/dev/null 2>&1; then
    echo "setup: Go >= $need not found at /usr/local/go or on PATH; install it from https://go.dev/dl/" >&2
    exit 1
fi
have=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
    echo "setup: go.mod needs Go >= $need, found $have ($(command -v go))" >&2
    exit 1
fi
