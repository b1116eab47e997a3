#pragma once

// Socket creation for the shim's tcp and udp code: the embedded core's errno-reporting make_socket /
// make_bound_socket (extensions, GOCORO_CORE_EXTENSIONS); under the external build (upstream libcoro v0.14, whose
// make_accept_socket always sets SO_REUSEPORT and reports failures as text) a fallback with the same outcome in
// compat/socket.cc.

#include <coro/net/ip_address.hpp>
#include <coro/net/socket.hpp>

#include <cstdint>

namespace gocoro::compat
{
#if GOCORO_CORE_EXTENSIONS
using socket_setup = coro::net::socket_setup;
#else
/// What coro::net::socket_setup is in gocoro's core: the options open_socket applies.
struct socket_setup
{
    bool    reuse_address{false}; ///< SO_REUSEADDR
    bool    reuse_port{false};    ///< SO_REUSEPORT
    bool    no_delay{false};      ///< TCP_NODELAY (tcp only)
    int32_t backlog{-1};          ///< >= 0 (with bind_to): listen with this backlog after binding (tcp only)
};
#endif

/// A non-blocking, close-on-exec socket of `domain` and `type` with `setup` applied, bound to bind_to:port when
/// bind_to is not null (and then listening if setup.backlog >= 0): its descriptor (the caller owns it), or a
/// negated errno.
auto open_socket(
    coro::net::domain_t          domain,
    coro::net::socket::type_t    type,
    const socket_setup&          setup,
    const coro::net::ip_address* bind_to,
    uint16_t                     port) noexcept -> int;
} // namespace gocoro::compat
