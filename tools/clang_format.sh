#!/usr/bin/env bash
# Checks (default) or applies (-i) the C++ style of .clang-format to every C++ file we write: the core
# (third_party/libcoro), the C ABI (cshim), the C++ tests, the native benchmarks and examples. Generated
# amalgamations under internal/native are not checked (they are copies). clang-format-19 comes from tools/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=${CLANG_FORMAT:-clang-format-19}
mapfile -t files < <(git ls-files -- 'third_party/libcoro/*' 'cshim/*' 'tests/cpp*/*' 'tools/bench/cpp/*' 'tools/bench/floor/*' \
    'examples/*' 'tools/external/*' | grep -E '\.(h|hpp|c|cc|cpp)$')
if [ "${1:-}" = -i ]; then
    "$fmt" -i "${files[@]}"
    echo "clang-format: formatted ${#files[@]} files; regenerate the amalgamations: go generate ./internal/native"
else
    "$fmt" --dry-run -Werror "${files[@]}"
    echo "clang-format: ${#files[@]} files match .clang-format"
fi
