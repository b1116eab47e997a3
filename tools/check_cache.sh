#!/usr/bin/env bash
# Proves that go build never links stale C++ (issue 14 item 1, issue 15 item 10), on a copy of the checkout in a
# temporary directory (the checkout is never modified):
#   1. build coro and net/tcp, and the consumer module tests/consumer (its go.mod `replace`s gocoro with the copy,
#      as a user's module would), and run the consumer;
#   2. insert `#error stale` into a libcoro .cpp: `go test ./internal/native` must fail and say how to regenerate;
#   3. regenerate: `go build ./coro` and the consumer's `go build` must both recompile and hit the #error;
#   4. undo the edit and regenerate: the consumer builds (from the cache) and runs again.
# Uses the shared Go build cache, without -a: that cache is what is under test. The first build compiles the
# native code for the copy's path (a few minutes on a busy 2-core machine).
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

say "1. go build ./coro ./net/tcp (compiles internal/native for this path)"
go build ./coro ./net/tcp
say "1. consumer module: go build + run"
(cd "$consumer" && go build -o "$tmp/consumer.bin" .)
out=$("$tmp/consumer.bin")
[[ "$out" == "consumer ok: 42, ping" ]] || die "consumer printed '$out'"
say "   $out"

say "2. insert '#error stale' into $edited; go test ./internal/native must fail and say how to regenerate"
cp "$edited" "$tmp/original.cpp"
printf '\n#error stale\n' >> "$edited"
if go test -count=1 ./internal/native > "$tmp/drift.log" 2>&1; then
    cat "$tmp/drift.log"; die "go test ./internal/native passed with an edited, not regenerated $edited"
fi
grep -q 'go generate ./internal/native' "$tmp/drift.log" || { cat "$tmp/drift.log"; die "the drift failure does not say how to regenerate"; }
grep -q 'internal/native/core.cc' "$tmp/drift.log" || { cat "$tmp/drift.log"; die "the drift failure does not name core.cc"; }
say "   failed as expected: $(grep -m1 'out of date' "$tmp/drift.log" | sed 's/^ *//')"

say "3. regenerate; go build ./coro and the consumer's go build must hit the #error (no stale objects)"
go run ./internal/cmd/amalgamate > /dev/null
for dir in . "$consumer"; do
    target=./coro; [ "$dir" = . ] || target=.
    if (cd "$dir" && go build -o /dev/null "$target") > "$tmp/build.log" 2>&1; then
        die "go build in $dir passed after regenerating with '#error stale' (stale objects were linked)"
    fi
    grep -q 'error stale' "$tmp/build.log" || { cat "$tmp/build.log"; die "go build in $dir failed, but not on the #error"; }
    say "   $dir: failed as expected: $(grep -m1 'error stale' "$tmp/build.log")"
done

say "4. undo the edit, regenerate: the consumer builds and runs again"
cp "$tmp/original.cpp" "$edited"
go run ./internal/cmd/amalgamate > /dev/null
go run ./internal/cmd/amalgamate -check > /dev/null || die "regenerated files differ from the checked-in ones"
(cd "$consumer" && go build -o "$tmp/consumer.bin" .)
out=$("$tmp/consumer.bin")
[[ "$out" == "consumer ok: 42, ping" ]] || die "consumer printed '$out'"
say "   $out"
say "ok: C++ edits reach go build through the amalgamations; a missed regeneration fails the tests"
