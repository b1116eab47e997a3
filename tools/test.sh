#!/usr/bin/env bash
# The whole test suite, exactly what CI runs (.ci/run calls this):
#   setup (apt, idempotent) -> gofmt check -> go vet -> go test -race -> C++ tests under ASan+UBSan and TSan
#   -> bazel test //... (C++ parity tests optimised + Go tests).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

step() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

step setup
bash tools/setup.sh

step gofmt
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
    echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step go vet
go vet ./...

step go test -race
go test -race -count=1 ./...

step "C++ tests, AddressSanitizer + UBSan"
make -s -f tools/cxx.mk -j2 test SAN=asan

step "C++ tests, ThreadSanitizer"
make -s -f tools/cxx.mk -j2 test SAN=tsan

step bazel test
bazel test --test_output=errors //...

step done
