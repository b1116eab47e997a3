#!/usr/bin/env bash
# Proves that go build never links stale C++ (issue 14 item 1, issue 15 item 10) and that gocoro builds for a module
# that uses it, on a copy of the checkout in a temporary directory (the checkout is never modified). Three routes:
# "repo" builds ./coro in the copy; "replace" builds the consumer module tests/consumer, whose go.mod `replace`s
# gocoro with the copy, as a user's module would; "vendor" builds a second copy of that module after `go mod vendor`
# (-mod=vendor: vendor/ holds only the directories of imported packages, hence the header packages under
# internal/native/include; issue 15).
#   1. build coro and net/tcp, and the consumer by the replace and vendor routes, and run it;
#   2. insert `#error stale` into a libcoro .cpp: `go test ./internal/native` must fail and say how to regenerate;
#   3. regenerate (and re-vendor): every route's `go build` must recompile and hit the #error;
#   4. undo the edit and regenerate: the consumer builds (from the cache) and runs again by both routes.
# Uses the shared Go build cache, without -a: that cache is what is under test. The first builds compile the
# native code for the copy's path and again for the vendored one (a few minutes each on a busy 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

start=$(date +%s)
say() { printf '  [check_cache %3ss] %s\n' "$(($(date +%s) - start))" "$*"; }
die() { printf 'check_cache: FAIL: %s\n' "$*" >&2; exit 1; }

# The same directory for the same checkout, so that a second run finds step 1's objects in the cache.
tmp=${TMPDIR:-/tmp}/gocoro-check-cache-$(printf '%s' "$PWD" | sha256sum | cut -c1-12)
rm -rf "$tmp" && mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
say "copying the checkout (tracked and untracked, not ignored files) to $tmp"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$tmp"
cd "$tmp"

edited=third_party/libcoro/src/event.cpp
consumer=tests/consumer
# A sibling of tests/consumer, so that its `replace => ../..` names the copy too; its vendor/ must not reach the
# replace route (go build uses vendor/ by default when it exists).
vendored=tests/consumer-vendored
cp -r "$consumer" "$vendored"
header=vendor/github.com/gocoro/gocoro/internal/native/include/cshim/callback.h

# build ROUTE OUT: go build by one route (see the top); the vendor route vendors the copy's current files afresh.
build() {
    case $1 in
    repo) go build -o "$2" ./coro ;;
    replace) (cd "$consumer" && go build -o "$2" .) ;;
    vendor)
        (cd "$vendored" && rm -rf vendor && go mod vendor) || return
        [ -f "$vendored/$header" ] ||
            { echo "check_cache: go mod vendor left out $header (internal/native no longer imports its package?)" >&2; return 1; }
        (cd "$vendored" && go build -mod=vendor -o "$2" .)
        ;;
    esac
}
run_consumer() {
    out=$("$tmp/consumer.bin")
    [[ "$out" == "consumer ok: 42, ping" ]] || die "consumer ($1) printed '$out'"
    say "   $1: $out"
}

say "1. go build ./coro ./net/tcp (compiles internal/native for this path)"
go build ./coro ./net/tcp
for route in replace vendor; do
    say "1. consumer module, $route route: build + run"
    build $route "$tmp/consumer.bin"
    run_consumer $route
done

say "2. insert '#error stale' into $edited; go test ./internal/native must fail and say how to regenerate"
cp "$edited" "$tmp/original.cpp"
printf '\n#error stale\n' >> "$edited"
if go test -count=1 ./internal/native > "$tmp/drift.log" 2>&1; then
    cat "$tmp/drift.log"; die "go test ./internal/native passed with an edited, not regenerated $edited"
fi
grep -q 'go generate ./internal/native' "$tmp/drift.log" || { cat "$tmp/drift.log"; die "the drift failure does not say how to regenerate"; }
grep -q 'internal/native/core.cc' "$tmp/drift.log" || { cat "$tmp/drift.log"; die "the drift failure does not name core.cc"; }
say "   failed as expected: $(grep -m1 'out of date' "$tmp/drift.log" | sed 's/^ *//')"

say "3. regenerate (and re-vendor); go build by every route must hit the #error (no stale objects)"
go run ./internal/cmd/amalgamate > /dev/null
for route in repo replace vendor; do
    if build $route /dev/null > "$tmp/build.log" 2>&1; then
        die "the $route route's go build passed after regenerating with '#error stale' (stale objects were linked)"
    fi
    grep -q 'error stale' "$tmp/build.log" || { cat "$tmp/build.log"; die "the $route route's go build failed, but not on the #error"; }
    say "   $route: failed as expected: $(grep -m1 'error stale' "$tmp/build.log")"
done

say "4. undo the edit, regenerate: the consumer builds and runs again by both routes"
cp "$tmp/original.cpp" "$edited"
go run ./internal/cmd/amalgamate > /dev/null
go run ./internal/cmd/amalgamate -check > /dev/null || die "regenerated files differ from the checked-in ones"
for route in replace vendor; do
    build $route "$tmp/consumer.bin"
    run_consumer $route
done
say "ok: C++ edits reach go build through the amalgamations, vendored copies included; a missed regeneration fails the tests"
