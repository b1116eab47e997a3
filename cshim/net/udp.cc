// UDP socket primitives for net/udp (see udp.h), following coro::net::udp::peer: sockets made by the core's
// make_socket / make_bound_socket (gocoro::compat::open_socket), endpoints converted by
// gocoro::compat::from_sockaddr.

#include "cshim/net/udp.h"
#include "cshim/compat/sockaddr.hpp"
#include "cshim/compat/socket.hpp"

#include <coro/net/ip_address.hpp>
#include <coro/net/socket.hpp>

#include <cerrno>
#include <cstring>
#include <exception>
#include <span>

#include <netinet/in.h>
#include <sys/socket.h>

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

// addr's IP (a known domain).
auto gocoro_udp_ip(const gocoro_udp_addr& addr) -> coro::net::ip_address
{
    const std::size_t n = addr.domain == AF_INET ? coro::net::ip_address::ipv4_len : coro::net::ip_address::ipv6_len;
    return coro::net::ip_address{
        std::span<const uint8_t>{addr.bytes, n}, static_cast<coro::net::domain_t>(addr.domain)};
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
    return gocoro::compat::open_socket(
        static_cast<coro::net::domain_t>(domain), coro::net::socket::type_t::udp, {}, nullptr, 0);
}

int gocoro_udp_bind(gocoro_udp_addr addr, int reuse_port)
{
    if (!gocoro_udp_known(addr.domain))
    {
        return -EAFNOSUPPORT;
    }
    const auto                   ip = gocoro_udp_ip(addr);
    gocoro::compat::socket_setup setup{};
    setup.reuse_address = reuse_port != 0;
    setup.reuse_port    = reuse_port != 0;
    return gocoro::compat::open_socket(ip.domain(), coro::net::socket::type_t::udp, setup, &ip, addr.port);
}

int gocoro_udp_bind_fd(int fd, gocoro_udp_addr addr, int reuse_port)
{
    if (!gocoro_udp_known(addr.domain))
    {
        return -EAFNOSUPPORT;
    }
    const auto       ip = gocoro_udp_ip(addr);
    int              one{1};
    sockaddr_storage sa{};
    socklen_t        len = gocoro::compat::to_sockaddr(ip, addr.port, sa);
    if ((reuse_port != 0 && (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
                             ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)) ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0)
    {
        return gocoro_udp_errno();
    }
    return 0;
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
