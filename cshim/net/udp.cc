// UDP socket primitives for net/udp (see udp.h), following coro::net::udp::peer: its socket setup, endpoints
// converted by gocoro::compat::to_sockaddr/from_sockaddr.

#include "cshim/net/udp.h"
#include "cshim/compat/sockaddr.hpp"

#include <coro/net/ip_address.hpp>
#include <coro/net/socket.hpp>

#include <cerrno>
#include <cstring>
#include <exception>
#include <span>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace
{
auto gocoro_udp_errno() noexcept -> int
{
    return errno == 0 ? -EIO : -errno;
}

auto gocoro_udp_known(int32_t domain) noexcept -> bool
{
    return domain == AF_INET || domain == AF_INET6;
}

auto gocoro_udp_sockaddr(const gocoro_udp_addr& a, sockaddr_storage& out) noexcept -> socklen_t
{
    const std::size_t     n = a.domain == AF_INET ? coro::net::ip_address::ipv4_len : coro::net::ip_address::ipv6_len;
    coro::net::ip_address ip{std::span<const uint8_t>{a.bytes, n}, static_cast<coro::net::domain_t>(a.domain)};
    return gocoro::compat::to_sockaddr(ip, a.port, out);
}

auto gocoro_udp_from(const sockaddr_storage& in, gocoro_udp_result& r) noexcept -> void
{
    try
    {
        coro::net::ip_address ip{};
        uint16_t              port{0};
        gocoro::compat::from_sockaddr(in, ip, port);
        r.addr.domain = static_cast<int32_t>(ip.domain());
        r.addr.port   = port;
        auto data     = ip.data();
        std::memcpy(r.addr.bytes, data.data(), data.size());
    }
    catch (const std::exception&)
    {
        r.n = -EAFNOSUPPORT; // not an IPv4/IPv6 address
    }
}
} // namespace

extern "C" {

int gocoro_udp_open(int32_t domain)
{
    if (!gocoro_udp_known(domain))
    {
        return -EAFNOSUPPORT;
    }
    int fd = ::socket(domain, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd >= 0 ? fd : gocoro_udp_errno();
}

int gocoro_udp_bind(gocoro_udp_addr addr, int reuse_port)
{
    if (!gocoro_udp_known(addr.domain))
    {
        return -EAFNOSUPPORT;
    }
    int fd = ::socket(addr.domain, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
    {
        return gocoro_udp_errno();
    }
    int one = 1;
    if (reuse_port != 0 && (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
                            ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0))
    {
        int e = gocoro_udp_errno();
        ::close(fd);
        return e;
    }
    sockaddr_storage sa{};
    socklen_t        len = gocoro_udp_sockaddr(addr, sa);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0)
    {
        int e = gocoro_udp_errno();
        ::close(fd);
        return e;
    }
    return fd;
}

gocoro_udp_result gocoro_udp_local(int fd)
{
    gocoro_udp_result r{};
    sockaddr_storage  sa{};
    socklen_t         salen = sizeof(sa);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &salen) != 0)
    {
        r.n = gocoro_udp_errno();
        return r;
    }
    gocoro_udp_from(sa, r);
    return r;
}

} // extern "C"
