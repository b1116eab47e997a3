#!/usr/bin/env bash
# Proves that the libcoro installed in PREFIX (tools/external/standin.sh) lacks gocoro's extensions, so that a
# build against it runs the shim's fallbacks (cshim/compat): each probe below uses one extension and must compile
# against the embedded core (so the probe itself is right) and fail against PREFIX; a use of the public API must
# compile against PREFIX without GOCORO_CORE_EXTENSIONS defined; the archive must define no extension symbol;
# PREFIX must install exactly upstream v0.14.1's headers (tools/external/upstream_headers.txt); and the shim's
# external amalgamations may include only those.
#   bash tools/external/probe.sh /tmp/libcoro-standin
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix=${1:?usage: probe.sh PREFIX}
cxx=${CXX:-g++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags="-std=c++20 -fsyntax-only -DLIBCORO_FEATURE_NETWORKING -DLIBCORO_FEATURE_TLS"
installed="$flags -I$prefix/include"
embedded="$flags -Ithird_party/libcoro/include"

# name|includes|statement (at namespace scope, inside a function body)
probes=(
"poll_notify|coro/io_scheduler.hpp|auto p = &coro::io_scheduler::poll_notify;"
"note_drained|coro/io_scheduler.hpp|auto p = &coro::io_scheduler::note_drained;"
"shutdown_cancel_polls|coro/io_scheduler.hpp|auto p = &coro::io_scheduler::shutdown_cancel_polls;"
"poll_kept|coro/io_scheduler.hpp|auto p = &coro::io_scheduler::poll_kept;"
"wake_poll|coro/io_scheduler.hpp|auto p = &coro::io_scheduler::wake_poll;"
"fd close serials|coro/detail/fd_close_serial.hpp|(void)0;"
"frame caches|coro/detail/frame_allocator.hpp|(void)0;"
"feature macro header|coro/gocoro_extensions.hpp|(void)0;"
"net::local_port|coro/net/socket.hpp|auto p = &coro::net::local_port;"
"tcp::server::socket|coro/net/tcp/server.hpp|auto p = &coro::net::tcp::server::socket;"
"tls::server::socket|coro/net/tls/server.hpp|auto p = &coro::net::tls::server::socket;"
"udp::peer::socket|coro/net/udp/peer.hpp|auto p = &coro::net::udp::peer::socket;"
"resolver::cancel|coro/net/dns/resolver.hpp|auto p = &coro::net::dns::resolver<coro::io_scheduler>::cancel;"
"resolver::set_servers|coro/net/dns/resolver.hpp|auto p = &coro::net::dns::resolver<coro::io_scheduler>::set_servers;"
"ring_buffer::notify_producers|coro/ring_buffer.hpp|auto p = &coro::ring_buffer<int, 2>::notify_producers;"
"queue.hpp (v0.15+)|coro/queue.hpp|coro::queue<int> q;"
"coro::queue through coro.hpp|coro/coro.hpp|coro::queue<int> q;"
)
i=0
for p in "${probes[@]}"; do
    IFS='|' read -r name inc stmt <<<"$p"
    printf '#include <coro/io_scheduler.hpp>\n#include <%s>\nvoid probe() { %s }\n' "$inc" "$stmt" >"$tmp/p$i.cpp"
    # shellcheck disable=SC2086
    $cxx $embedded "$tmp/p$i.cpp" 2>"$tmp/e$i.log" || { echo "probe: '$name' does not compile against the embedded core:"; cat "$tmp/e$i.log"; exit 1; }
    # shellcheck disable=SC2086
    if $cxx $installed "$tmp/p$i.cpp" 2>/dev/null; then
        echo "probe: $prefix has the extension '$name' (upstream v0.14.1 does not)"; exit 1
    fi
    echo "probe: $prefix lacks $name (good)"
    i=$((i + 1))
done

cat >"$tmp/public.cpp" <<'CPP'
#include <coro/coro.hpp>
#ifdef GOCORO_CORE_EXTENSIONS
#error the installed libcoro defines GOCORO_CORE_EXTENSIONS
#endif
auto use(coro::io_scheduler& s, int fd) -> coro::task<coro::poll_status>
{
    co_return co_await s.poll(fd, coro::poll_op::read, std::chrono::milliseconds{10});
}
CPP
# shellcheck disable=SC2086
$cxx $installed "$tmp/public.cpp" || { echo "probe: the public API does not compile against $prefix"; exit 1; }
echo "probe: the public API compiles against $prefix, without GOCORO_CORE_EXTENSIONS"

if syms=$(nm -C "$prefix/lib/libcoro.a" 2>/dev/null | grep -E ' [TWVBDR] ' |
    grep -E 'poll_notify|note_drained|shutdown_cancel_polls|poll_kept|wake_poll|fd_close_serial|frame_cache|set_servers|local_port'); then
    echo "probe: $prefix/lib/libcoro.a defines extension symbols:"; echo "$syms"; exit 1
fi
echo "probe: libcoro.a defines no extension symbol"

# The headers of upstream v0.14.1: PREFIX must install exactly those, and the shim compiled for an external libcoro
# must not include any other (the embedded core's internals and v0.16 additions are not there upstream).
upstream=$(grep -vE '^\s*(#|-|$)' tools/external/upstream_headers.txt | sort)
installed_headers=$(cd "$prefix/include/coro" && find . -type f | sed 's|^\./||' | sort)
if extra=$(comm -13 <(echo "$upstream") <(echo "$installed_headers") | grep .); then
    echo "probe: $prefix installs headers upstream v0.14.1 lacks:"; echo "$extra"; exit 1
fi
if lacking=$(comm -23 <(echo "$upstream") <(echo "$installed_headers") | grep .); then
    echo "probe: $prefix lacks headers upstream v0.14.1 has:"; echo "$lacking"; exit 1
fi
echo "probe: $prefix installs exactly upstream v0.14.1's $(echo "$upstream" | wc -l) headers"
upstream=" $(echo $upstream) "
# The amalgamations as the preprocessor sees them against upstream v0.14.1: `#if GOCORO_CORE_EXTENSIONS` blocks
# (the compat layer's extension side) and `#if __has_include(<coro/...>)` blocks (a later libcoro's header, used
# when installed) dropped; a trailing // comment on the #if line is allowed.
without_extensions() {
    awk '
        /^[ \t]*#[ \t]*if/ { depth++; if (skip <= 0 && ($0 ~ /^[ \t]*#[ \t]*if[ \t]+GOCORO_CORE_EXTENSIONS[ \t]*(\/\/.*)?$/ || $0 ~ /^[ \t]*#[ \t]*if[ \t]+__has_include\([<"]coro\/[^>"]+[>"]\)[ \t]*(\/\/.*)?$/)) skip = depth; next }
        /^[ \t]*#[ \t]*else/ { if (skip == depth || skip == -depth) { skip = -skip; next } }
        /^[ \t]*#[ \t]*endif/ { if (skip == depth || skip == -depth) { skip = 0; depth--; next } depth-- }
        skip <= 0 { print }
    ' internal/native/*_external.cc internal/native/*/*_external.cc
}
bad=0
for h in $(without_extensions | grep -ohE '^\s*#\s*include\s*[<"]coro/[^">]+' | sed -E 's/.*coro\///' | sort -u); do
    case " $upstream " in
    *" $h "*) ;;
    *) echo "probe: the shim includes coro/$h, which upstream v0.14.1 lacks"; bad=1 ;;
    esac
done
[ $bad -eq 0 ]
echo "probe: the shim includes only headers upstream v0.14.1 has"
# Upstream's coro::detail has other internals than the embedded core's (only task_self_deleting is shared).
if hits=$(without_extensions | grep -nE 'coro::(net::(dns::)?)?detail::' | grep -v 'task_self_deleting'); then
    echo "probe: the shim uses embedded-core internals:"; echo "$hits"; exit 1
fi
echo "probe: the shim uses no coro::detail internal but task_self_deleting"
# The stand-in's upstream-named headers still declare the core's v0.16 names (coro::v16 sides of poll_status, the
# concepts, event/latch), so shim code naming v16:: outside the extension blocks would compile against the stand-in
# and not against upstream v0.14.1: look for it in the code (// comments stripped), not through the compiler.
if hits=$(without_extensions | sed -E 's|//.*||' | grep -nE '\bv16::'); then
    echo "probe: the shim names v16:: outside #if GOCORO_CORE_EXTENSIONS blocks:"; echo "$hits"; exit 1
fi
echo "probe: the shim names no v16:: outside #if GOCORO_CORE_EXTENSIONS blocks"
