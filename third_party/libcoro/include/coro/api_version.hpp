#pragma once

// Which libcoro API the unqualified names in namespace coro mean in this translation unit.
//
//   LIBCORO_API_VERSION 1400 (default): libcoro v0.14.1
//   LIBCORO_API_VERSION 1600:           libcoro v0.16.0 (plus the post-release fixes)
//
// Define it before the first libcoro include (e.g. -DLIBCORO_API_VERSION=1600). Only names whose meaning differs
// between the versions are versioned: they live in coro::v14 and coro::v16 (and coro::concepts::v14 / v16), and
// the selected namespace is inline, so `coro::mutex` is `coro::v14::mutex` or `coro::v16::mutex`. Both versions are
// always declared, so the library is compiled once, one program may contain translation units of either version,
// and code of one version can still name the other explicitly (`coro::v14::mutex`). Everything else (task,
// sync_wait, thread_pool, the schedulers, queue, ...) is one definition for both. See COMPATIBILITY.md,
// "Two API versions".

#ifndef LIBCORO_API_VERSION
    #define LIBCORO_API_VERSION 1400
#endif

#if LIBCORO_API_VERSION == 1400
    #define LIBCORO_INLINE_V14 inline
    #define LIBCORO_INLINE_V16
#elif LIBCORO_API_VERSION == 1600
    #define LIBCORO_INLINE_V14
    #define LIBCORO_INLINE_V16 inline
#else
    #error "LIBCORO_API_VERSION must be 1400 (libcoro v0.14.1) or 1600 (libcoro v0.16.0)"
#endif

// The first declaration of a namespace decides whether it is inline, so every versioned header includes this one
// before it opens coro::v14 or coro::v16.
namespace coro
{
LIBCORO_INLINE_V14 namespace v14 {}
LIBCORO_INLINE_V16 namespace v16 {}
namespace concepts
{
LIBCORO_INLINE_V14 namespace v14 {}
LIBCORO_INLINE_V16 namespace v16 {}
} // namespace concepts
// The net classes whose v0.16 successor keeps the name (D29-D32): coro::net::tcp::client is
// coro::net::tcp::v14::client or coro::net::tcp::v16::client.
namespace net::tcp
{
LIBCORO_INLINE_V14 namespace v14 {}
LIBCORO_INLINE_V16 namespace v16 {}
} // namespace net::tcp
namespace net::udp
{
LIBCORO_INLINE_V14 namespace v14 {}
LIBCORO_INLINE_V16 namespace v16 {}
} // namespace net::udp
namespace net::tls
{
LIBCORO_INLINE_V14 namespace v14 {}
LIBCORO_INLINE_V16 namespace v16 {}
} // namespace net::tls
} // namespace coro
