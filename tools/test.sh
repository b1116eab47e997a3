#!/usr/bin/env bash
# The whole test suite, exactly what CI runs (.ci/run calls this):
#   setup (apt, idempotent) -> gofmt check -> generated native files current -> go vet -> parity coverage check ->
#   go test -race -> go build cache check (C++ edits are never linked stale) -> C++ tests under
#   ASan+UBSan and TSan -> bazel test //... (C++ tests optimised + Go tests) -> benchmark suite smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

steps=0
step() { steps=$((steps + 1)); printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

step setup
bash tools/setup.sh

step gofmt
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
    echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "generated native files (amalgamations, make and Bazel fragments) match tools/native/sources.txt and the C++"
go run ./tools/amalgamate -check

step go vet
go vet ./...

step "parity: every scenario has its C++ and Go test"
go run ./tools/parity -check -cpp 1-114 -go 1-114

step go test -race
go test -race -count=1 ./...

step "go build cache: a C++ edit reaches the next build, in the repo and in a consumer module (tools/check_cache.sh)"
bash tools/check_cache.sh

step "C++ tests, AddressSanitizer + UBSan"
make -s -f tools/cxx.mk -j2 test SAN=asan

step "C++ tests, ThreadSanitizer"
make -s -f tools/cxx.mk -j2 test SAN=tsan

step bazel test
bazel test --test_output=errors //...

step "benchmark suite smoke run (-quick: every workload, native/go/plaingo, produces a sane figure; no speed threshold)"
bin=$(bazel info bazel-bin 2>/dev/null)
go run ./tools/bench -quick -native "$bin/tools/bench/cpp/bench" -http-native "$bin/examples/native/http_200_ok_server" >/dev/null

# set -e stops at the first failing step, so reaching here means every step passed.
printf '\n== done (%s)\nsuite: %d passed, 0 failed\n' "$(date +%T)" "$steps"
