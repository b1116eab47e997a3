// TCP socket primitives for net/tcp (see tcp.h). Sockets are made by the core's make_socket / make_bound_socket
// (gocoro::compat::open_socket), addresses handled by coro::net (ip_address, gocoro::compat::to_sockaddr /
// from_sockaddr); readiness waits happen in Go.

#include "cshim/net/tcp.h"
#include "cshim/compat/sockaddr.hpp"
#include "cshim/compat/socket.hpp"

#include <coro/net/ip_address.hpp>
#include <coro/net/socket.hpp>

#include <cerrno>
#include <cstring>
#include <exception>
#include <string>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace
{
// Parses an IP literal with coro::net::ip_address; false if it is not one.
auto gocoro_tcp_address(const char* host, coro::net::ip_address& out) noexcept -> bool
{
    try
    {
        std::string h{host == nullptr ? "" : host};
        auto        domain = h.find(':') != std::string::npos ? coro::net::domain_t::ipv6 : coro::net::domain_t::ipv4;
        out                = coro::net::ip_address::from_string(h, domain);
        return true;
    }
    catch (const std::exception&)
    {
        return false;
    }
}

auto gocoro_tcp_errno() noexcept -> int
{
    return errno == 0 ? -EIO : -errno;
}

// Writes addr's text form (NUL-terminated) into host and its port: 0, -ENOSPC or -EINVAL (not an IP address).
auto format_address(const sockaddr_storage& addr, char* host, size_t cap, uint16_t* port) noexcept -> int
{
    try
    {
        coro::net::ip_address ip{};
        gocoro::compat::from_sockaddr(addr, ip, *port);
        auto text = ip.to_string();
        if (cap == 0 || text.size() >= cap)
        {
            return -ENOSPC;
        }
        std::memcpy(host, text.c_str(), text.size() + 1);
        return 0;
    }
    catch (const std::exception&)
    {
        return -EINVAL;
    }
}
} // namespace

extern "C" {

int gocoro_tcp_listen(const char* host, uint16_t port, int backlog)
{
    coro::net::ip_address addr{};
    if (!gocoro_tcp_address(host, addr))
    {
        return -EINVAL;
    }
    gocoro::compat::socket_setup setup{};
    setup.reuse_address = true;
    setup.backlog       = backlog;
    return gocoro::compat::open_socket(addr.domain(), coro::net::socket::type_t::tcp, setup, &addr, port);
}

int gocoro_tcp_socket(const char* host, int listener)
{
    coro::net::ip_address addr{};
    if (!gocoro_tcp_address(host, addr))
    {
        return -EINVAL;
    }
    gocoro::compat::socket_setup setup{};
    setup.reuse_address = listener != 0;
    setup.no_delay      = listener == 0;
    return gocoro::compat::open_socket(addr.domain(), coro::net::socket::type_t::tcp, setup, nullptr, 0);
}

int gocoro_tcp_bind_listen(int fd, const char* host, uint16_t port, int backlog)
{
    coro::net::ip_address addr{};
    if (!gocoro_tcp_address(host, addr))
    {
        return -EINVAL;
    }
    sockaddr_storage sa{};
    socklen_t        len = gocoro::compat::to_sockaddr(addr, port, sa);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(fd, backlog) != 0)
    {
        return gocoro_tcp_errno();
    }
    return 0;
}

int gocoro_tcp_connect_fd(
    int         fd,
    const char* host,
    uint16_t    port,
    const char* local_host,
    uint16_t    local_port,
    int*        in_progress)
{
    *in_progress = 0;
    coro::net::ip_address addr{};
    coro::net::ip_address local{};
    if (!gocoro_tcp_address(host, addr) || (local_host != nullptr && !gocoro_tcp_address(local_host, local)))
    {
        return -EINVAL;
    }
    sockaddr_storage sa{};
    socklen_t        len{};
    if (local_host != nullptr)
    {
        len = gocoro::compat::to_sockaddr(local, local_port, sa);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0)
        {
            return gocoro_tcp_errno();
        }
    }
    len = gocoro::compat::to_sockaddr(addr, port, sa);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0)
    {
        if (errno != EINPROGRESS && errno != EINTR)
        {
            return gocoro_tcp_errno();
        }
        *in_progress = 1;
    }
    return 0;
}

int gocoro_tcp_connect(const char* host, uint16_t port, const char* local_host, uint16_t local_port, int* in_progress)
{
    *in_progress = 0;
    int fd       = gocoro_tcp_socket(host, 0);
    if (fd < 0)
    {
        return fd;
    }
    if (int e = gocoro_tcp_connect_fd(fd, host, port, local_host, local_port, in_progress); e != 0)
    {
        ::close(fd);
        return e;
    }
    return fd;
}

int gocoro_tcp_connect_result(int fd)
{
    int       err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    {
        return gocoro_tcp_errno();
    }
    return -err;
}

int gocoro_tcp_accept(int fd, char* peer_host, size_t cap, uint16_t* peer_port)
{
    sockaddr_storage peer{};
    socklen_t        len = sizeof(peer);
    int              c   = ::accept4(fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0)
    {
        return gocoro_tcp_errno();
    }
    int one = 1;
    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (format_address(peer, peer_host, cap, peer_port) != 0 && cap > 0)
    {
        peer_host[0] = '\0'; // unknown: the connection stands, its peer address stays empty
    }
    return c;
}

int gocoro_tcp_addr(int fd, int peer, char* host, size_t cap, uint16_t* port)
{
    sockaddr_storage addr{};
    socklen_t        len = sizeof(addr);
    int              rc  = peer != 0 ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                                     : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    if (rc != 0)
    {
        return gocoro_tcp_errno();
    }
    return format_address(addr, host, cap, port);
}

} // extern "C"
