#pragma once
// Helpers of the v0.16 networking tests: loopback endpoints on a kernel-chosen port (upstream uses the fixed ports
// 8080/8081/9090, which collide when test binaries run in parallel) and whether IPv6 loopback works here.

#include "../catch_extensions.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace net_test
{
/// Whether a socket can be bound to [::1] (containers without IPv6 cannot: the IPv6 runs are then skipped).
inline auto ipv6_loopback_available() -> bool
{
    const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0)
    {
        return false;
    }
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr   = in6addr_loopback;
    const bool ok    = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    return ok;
}

/// The loopback address of `domain` with port 0.
inline auto loopback(coro::net::domain_t domain) -> coro::net::socket_address
{
    return domain == coro::net::domain_t::ipv4 ? coro::net::socket_address{"127.0.0.1", 0}
                                               : coro::net::socket_address{"::1", 0, coro::net::domain_t::ipv6};
}

/// `address` with the port `sock` is bound to.
inline auto bound_address(const coro::net::socket_address& address, const coro::net::socket& sock)
    -> coro::net::socket_address
{
    return coro::net::socket_address{address.ip(), coro::net::local_port(sock)};
}

inline auto sched1() -> std::unique_ptr<coro::scheduler>
{
    return coro::scheduler::make_unique(
        coro::scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
}
} // namespace net_test
