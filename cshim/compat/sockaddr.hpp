#pragma once

// coro::net::ip_address + port <-> sockaddr, for the shim's tcp/udp/server code. Built on ip_address's public
// API (domain(), data(), the span constructor), which upstream libcoro v0.14 has too; the embedded core's own
// helpers (coro::net::detail) are internals upstream lacks.

#include <coro/net/ip_address.hpp>

#include <cstdint>
#include <sys/socket.h>

namespace gocoro::compat
{
/// Fills `out` with address:port (sockaddr_in or sockaddr_in6 by the address's domain); returns its length.
auto to_sockaddr(const coro::net::ip_address& address, uint16_t port, sockaddr_storage& out) noexcept -> socklen_t;
/// Reads an AF_INET / AF_INET6 socket address.
auto from_sockaddr(const sockaddr_storage& in, coro::net::ip_address& address, uint16_t& port) -> void;
} // namespace gocoro::compat
