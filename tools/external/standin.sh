#!/usr/bin/env bash
# Builds and installs a stand-in for upstream libcoro v0.14.1 into PREFIX, the way upstream's `cmake --install`
# lays it out (include/coro/**, lib/libcoro.a, lib/pkgconfig/libcoro.pc), so that the external build routes
# (go build -tags libcoro_external, Bazel's --config=libcoro_external) can be exercised without upstream's
# source: gocoro's embedded core with its extensions removed (tools/external/unextend: no GOCORO_CORE_EXTENSIONS
# macro, no extension declaration) and with exactly upstream's headers (tools/external/upstream_headers.txt: the
# core's v0.16 headers such as coro/queue.hpp dropped, its internal ones inlined), compiled from upstream's list of
# library sources with networking and TLS on.
#   [CXX=g++] bash tools/external/standin.sh PREFIX [CHECKOUT]
# With CHECKOUT, it also writes the same stand-in laid out as an upstream source checkout (include/ without the
# CMake-generated coro/export.hpp, src/ with upstream's library sources), for Bazel's GOCORO_LIBCORO.
# Then tools/external/probe.sh PREFIX proves the extensions are gone.
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix=${1:?usage: standin.sh PREFIX [CHECKOUT]}
checkout=${2:-}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
cxx=${CXX:-g++}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

(cd tools && go run ./external/unextend -from ../third_party/libcoro -to "$stage" -headers external/upstream_headers.txt)

# Upstream has one io_scheduler.cpp; the embedded core splits it by job (io_scheduler_*.cpp). The stand-in keeps
# upstream's file list (the checkout below feeds tools/external/libcoro.BUILD), so it joins the parts again.
(cd "$stage/src" && cat io_scheduler.cpp io_scheduler_*.cpp >io_scheduler.joined && rm io_scheduler_*.cpp &&
    mv io_scheduler.joined io_scheduler.cpp)

# Upstream v0.14.1's library sources (networking and TLS on); the embedded core's other sources are its v0.16
# additions and gocoro internals (fd_close_serial.cpp), which the stand-in leaves out.
srcs="event.cpp mutex.cpp semaphore.cpp sync_wait.cpp thread_pool.cpp detail/task_self_deleting.cpp
io_scheduler.cpp poll.cpp net/connect.cpp net/ip_address.cpp net/recv_status.cpp net/send_status.cpp
net/socket.cpp net/dns/resolver.cpp net/tcp/client.cpp net/tcp/server.cpp net/udp/peer.cpp
net/tls/client.cpp net/tls/connection_status.cpp net/tls/context.cpp net/tls/recv_status.cpp
net/tls/send_status.cpp net/tls/server.cpp"
defines="-DLIBCORO_FEATURE_NETWORKING -DLIBCORO_FEATURE_TLS"
mkdir -p "$stage/obj"
# shellcheck disable=SC2086
printf '%s\n' $srcs | xargs -P 2 -I{} sh -c \
    'o="$1/obj/$(echo "$2" | tr / _).o"; '"$cxx"' -std=c++20 -O2 -fPIC '"$defines"' -I"$1/include" -c "$1/src/$2" -o "$o"' \
    _ "$stage" {}

rm -rf "$prefix/include/coro" "$prefix/lib/libcoro.a" "$prefix/lib/pkgconfig/libcoro.pc"
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
ar rcs "$prefix/lib/libcoro.a" "$stage"/obj/*.o
# Headers: the stripped include tree, which has only upstream's.
cp -r "$stage/include/coro" "$prefix/include/coro"
# Every installed header must find the project headers it includes inside the installation.
missing=0
while IFS= read -r line; do
    file=${line%%:*}
    inc=$(echo "$line" | sed -E 's/.*#\s*include\s*["<](coro\/[^">]+)[">].*/\1/')
    if [ ! -f "$prefix/include/$inc" ]; then
        echo "standin: $file includes $inc, which is not installed" >&2
        missing=1
    fi
done < <(grep -rE '^\s*#\s*include\s*["<]coro/' "$prefix/include/coro")
[ $missing -eq 0 ]

# What upstream's CMake generates (Libs: -lcoro); the feature macros are upstream's PUBLIC compile definitions.
cat > "$prefix/lib/pkgconfig/libcoro.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: libcoro
Description: C++20 coroutine library (gocoro's stand-in for upstream v0.14.1)
Version: 0.14.1
Cflags: -I\${includedir} $defines
Libs: -L\${libdir} -lcoro -pthread
Libs.private: -lssl -lcrypto -lcares
PC
if [ -n "$checkout" ]; then
    rm -rf "$checkout/include" "$checkout/src"
    mkdir -p "$checkout/src"
    cp -r "$prefix/include" "$checkout/include"
    rm "$checkout/include/coro/export.hpp"
    for s in $srcs; do
        mkdir -p "$checkout/src/$(dirname "$s")"
        cp "$stage/src/$s" "$checkout/src/$s"
    done
    echo "standin: upstream-layout checkout in $checkout"
fi
echo "standin: installed into $prefix ($(ls "$prefix/lib/libcoro.a"), $(find "$prefix/include/coro" -name '*.hpp' | wc -l) headers)"
