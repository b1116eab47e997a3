#include "cshim/compat/socket.hpp"

#if !GOCORO_CORE_EXTENSIONS
    #include "cshim/compat/sockaddr.hpp"

    #include <netinet/in.h>
    #include <netinet/tcp.h>
    #include <sys/socket.h>
    #include <unistd.h>
#endif

#include <cerrno>

namespace gocoro::compat
{
#if GOCORO_CORE_EXTENSIONS
auto open_socket(
    coro::net::domain_t          domain,
    coro::net::socket::type_t    type,
    const socket_setup&          setup,
    const coro::net::ip_address* bind_to,
    uint16_t                     port) noexcept -> int
{
    const coro::net::socket::options opts{domain, type, coro::net::socket::blocking_t::no};
    int                              error{0};
    auto                             s = bind_to == nullptr ? coro::net::make_socket(opts, setup, error)
                                                            : coro::net::make_bound_socket(opts, setup, *bind_to, port, error);
    return s.is_valid() ? s.release() : -error;
}
#else
namespace
{
auto compat_socket_flag(int fd, int level, int name) noexcept -> bool
{
    int one{1};
    return ::setsockopt(fd, level, name, &one, sizeof(one)) == 0;
}
} // namespace

auto open_socket(
    coro::net::domain_t          domain,
    coro::net::socket::type_t    type,
    const socket_setup&          setup,
    const coro::net::ip_address* bind_to,
    uint16_t                     port) noexcept -> int
{
    const bool tcp = type == coro::net::socket::type_t::tcp;
    if (!tcp && type != coro::net::socket::type_t::udp)
    {
        return -EINVAL;
    }
    if (bind_to != nullptr && bind_to->domain() != domain)
    {
        return -EAFNOSUPPORT;
    }
    int fd = ::socket(static_cast<int>(domain), (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
    {
        return errno != 0 ? -errno : -EIO;
    }
    sockaddr_storage addr{};
    const socklen_t  len = bind_to == nullptr ? 0 : to_sockaddr(*bind_to, port, addr);
    const bool       ok  = (!setup.reuse_address || compat_socket_flag(fd, SOL_SOCKET, SO_REUSEADDR)) &&
                    (!setup.reuse_port || compat_socket_flag(fd, SOL_SOCKET, SO_REUSEPORT)) &&
                    (!tcp || !setup.no_delay || compat_socket_flag(fd, IPPROTO_TCP, TCP_NODELAY)) &&
                    (bind_to == nullptr || (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
                                            (!tcp || setup.backlog < 0 || ::listen(fd, setup.backlog) == 0)));
    if (!ok)
    {
        int e = errno != 0 ? errno : EIO;
        ::close(fd);
        return -e;
    }
    return fd;
}
#endif
} // namespace gocoro::compat
