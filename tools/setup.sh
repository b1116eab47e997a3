#!/usr/bin/env bash
# Installs what building and testing gocoro needs on Debian 12. Idempotent: installs only what is missing.
#   bash tools/setup.sh          everything the test suite needs
#   bash tools/setup.sh demo     only what `go run ./examples/...` needs (a C++20 compiler)
set -euo pipefail

want=(g++ make git ca-certificates)
if [ "${1:-all}" != demo ]; then
    want+=(
        catch2                                       # C++ parity tests (Catch2 v2)
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

# Go >= 1.23 (iter.Seq). Debian's golang-go is older: it is only a bootstrap, the toolchain named in
# go.mod's toolchain line comes through the Go module proxy.
if ! command -v go >/dev/null 2>&1; then
    if [ -x /usr/local/go/bin/go ]; then
        export PATH=/usr/local/go/bin:$PATH
    else
        echo "setup: installing golang-go (bootstrap for a newer toolchain)" >&2
        DEBIAN_FRONTEND=noninteractive ${sudo:-} apt-get install -y -qq golang-go >/dev/null
    fi
fi
