#include "coro/net/socket.hpp"
#if GOCORO_CORE_EXTENSIONS
    #include "coro/detail/fd_close_serial.hpp"
#endif
#include "coro/io_scheduler.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <unistd.h>

namespace coro
{
// Declared in io_scheduler.hpp under LIBCORO_FEATURE_NETWORKING; defined here so the core library needs no
// networking code.
auto io_scheduler::poll(const net::socket& sock, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<poll_status>
{
    return poll_socket(sock.native_handle(), op, timeout);
}
} // namespace coro

namespace coro::net
{
namespace
{
auto errno_text(const char* what) -> std::string
{
    return std::string{what} + ": " + std::strerror(errno);
}
} // namespace

auto socket::type_to_os(type_t type) -> int
{
    switch (type)
    {
        case type_t::udp:
            return SOCK_DGRAM;
        case type_t::tcp:
            return SOCK_STREAM;
    }
    throw std::runtime_error{"coro::net::socket::type_to_os: unknown socket type"};
}

socket::socket(const socket& other) : m_fd(other.m_fd == -1 ? -1 : ::dup(other.m_fd)) {}

socket::socket(socket&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

auto socket::operator=(const socket& other) noexcept -> socket&
{
    if (this != &other)
    {
        close();
        m_fd = (other.m_fd == -1) ? -1 : ::dup(other.m_fd);
    }
    return *this;
}

auto socket::operator=(socket&& other) noexcept -> socket&
{
    if (this != &other)
    {
        close();
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

socket::~socket()
{
    close();
}

auto socket::blocking(blocking_t block) -> bool
{
    if (m_fd == -1)
    {
        return false;
    }
    int flags = ::fcntl(m_fd, F_GETFL, 0);
    if (flags == -1)
    {
        return false;
    }
    flags = (block == blocking_t::yes) ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK);
    return ::fcntl(m_fd, F_SETFL, flags) == 0;
}

auto socket::shutdown(poll_op how) -> bool
{
    if (m_fd == -1)
    {
        return false;
    }
    int h = SHUT_RDWR;
    switch (how)
    {
        case poll_op::read:
            h = SHUT_RD;
            break;
        case poll_op::write:
            h = SHUT_WR;
            break;
        case poll_op::read_write:
            h = SHUT_RDWR;
            break;
    }
    return ::shutdown(m_fd, h) == 0;
}

auto socket::close() -> void
{
    if (m_fd != -1)
    {
        // Counted before and after: a scheduler that kept this number registered must re-register whatever socket
        // gets the number next (see coro/detail/fd_close_serial.hpp), even one registered while we were closing.
#if GOCORO_CORE_EXTENSIONS
        coro::detail::fd_close_serial::note_close(m_fd);
#endif
        ::close(m_fd);
#if GOCORO_CORE_EXTENSIONS
        coro::detail::fd_close_serial::note_close(m_fd);
#endif
        m_fd = -1;
    }
}

namespace
{
// The socket setup every creator shares (the throwing v0.14 functions and the errno-reporting extensions): each
// returns 0 or sets errno and returns -1.
auto open_socket_fd(const socket::options& opts) noexcept -> int
{
    if (opts.type != socket::type_t::udp && opts.type != socket::type_t::tcp)
    {
        errno = EINVAL;
        return -1;
    }
    int type = (opts.type == socket::type_t::udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC;
    if (opts.blocking == socket::blocking_t::no)
    {
        type |= SOCK_NONBLOCK;
    }
    return ::socket(static_cast<int>(opts.domain), type, 0);
}

auto set_socket_flag(int fd, int level, int name) noexcept -> int
{
    int one{1};
    return ::setsockopt(fd, level, name, &one, sizeof(one));
}

auto bind_socket_fd(int fd, const net::ip_address& address, uint16_t port) noexcept -> int
{
    sockaddr_storage addr{};
    socklen_t        len = detail::to_sockaddr(address, port, addr);
    return ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
}
} // namespace

auto make_socket(const socket::options& opts) -> socket
{
    socket::type_to_os(opts.type); // v0.14's exception for an unknown type
    socket s{open_socket_fd(opts)};
    if (!s.is_valid())
    {
        throw std::runtime_error{errno_text("coro::net::make_socket: socket() failed")};
    }
    return s;
}

auto make_accept_socket(const socket::options& opts, const net::ip_address& address, uint16_t port, int32_t backlog)
    -> socket
{
    socket s = make_socket(opts);
    if (set_socket_flag(s.native_handle(), SOL_SOCKET, SO_REUSEADDR) != 0 ||
        set_socket_flag(s.native_handle(), SOL_SOCKET, SO_REUSEPORT) != 0)
    {
        throw std::runtime_error{
            errno_text("coro::net::make_accept_socket: setsockopt(SO_REUSEADDR|SO_REUSEPORT) failed")};
    }
    if (bind_socket_fd(s.native_handle(), address, port) != 0)
    {
        throw std::runtime_error{errno_text(
            ("coro::net::make_accept_socket: bind(" + address.to_string() + ":" + std::to_string(port) + ") failed")
                .c_str())};
    }
    if (opts.type == socket::type_t::tcp && ::listen(s.native_handle(), backlog) != 0)
    {
        throw std::runtime_error{errno_text("coro::net::make_accept_socket: listen() failed")};
    }
    return s;
}

#if GOCORO_CORE_EXTENSIONS
auto make_socket(const socket::options& opts, const socket_setup& setup, int& error) noexcept -> socket
{
    error = 0;
    socket     s{open_socket_fd(opts)};
    const bool tcp = opts.type == socket::type_t::tcp;
    if (!s.is_valid() || (setup.reuse_address && set_socket_flag(s.native_handle(), SOL_SOCKET, SO_REUSEADDR) != 0) ||
        (setup.reuse_port && set_socket_flag(s.native_handle(), SOL_SOCKET, SO_REUSEPORT) != 0) ||
        (tcp && setup.no_delay && set_socket_flag(s.native_handle(), IPPROTO_TCP, TCP_NODELAY) != 0))
    {
        error = errno != 0 ? errno : EIO;
        return socket{}; // closes a half-set-up socket
    }
    return s;
}

auto make_bound_socket(
    const socket::options& opts,
    const socket_setup&    setup,
    const net::ip_address& address,
    uint16_t               port,
    int&                   error) noexcept -> socket
{
    socket s = make_socket(opts, setup, error);
    if (!s.is_valid())
    {
        return s;
    }
    if (address.domain() != opts.domain)
    {
        error = EAFNOSUPPORT;
        return socket{};
    }
    if (bind_socket_fd(s.native_handle(), address, port) != 0 ||
        (opts.type == socket::type_t::tcp && setup.backlog >= 0 && ::listen(s.native_handle(), setup.backlog) != 0))
    {
        error = errno != 0 ? errno : EIO;
        return socket{};
    }
    return s;
}
#endif

#if GOCORO_CORE_EXTENSIONS
auto local_port(const socket& s) -> uint16_t
{
    sockaddr_storage addr{};
    socklen_t        len = sizeof(addr);
    if (!s.is_valid() || ::getsockname(s.native_handle(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    {
        return 0;
    }
    net::ip_address ignored{};
    uint16_t        port{0};
    detail::from_sockaddr(addr, ignored, port);
    return port;
}
#endif

namespace detail
{
auto to_sockaddr(const net::ip_address& address, uint16_t port, sockaddr_storage& out) noexcept -> socklen_t
{
    std::memset(&out, 0, sizeof(out));
    if (address.domain() == domain_t::ipv6)
    {
        auto* a6        = reinterpret_cast<sockaddr_in6*>(&out);
        a6->sin6_family = AF_INET6;
        a6->sin6_port   = htons(port);
        std::memcpy(&a6->sin6_addr, address.data().data(), ip_address::ipv6_len);
        return sizeof(sockaddr_in6);
    }
    auto* a4       = reinterpret_cast<sockaddr_in*>(&out);
    a4->sin_family = AF_INET;
    a4->sin_port   = htons(port);
    std::memcpy(&a4->sin_addr, address.data().data(), ip_address::ipv4_len);
    return sizeof(sockaddr_in);
}

auto from_sockaddr(const sockaddr_storage& in, net::ip_address& address, uint16_t& port) -> void
{
    if (in.ss_family == AF_INET6)
    {
        const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&in);
        address        = net::ip_address{
            std::span<const uint8_t>{reinterpret_cast<const uint8_t*>(&a6->sin6_addr), ip_address::ipv6_len},
            domain_t::ipv6};
        port = ntohs(a6->sin6_port);
        return;
    }
    const auto* a4 = reinterpret_cast<const sockaddr_in*>(&in);
    address        = net::ip_address{
        std::span<const uint8_t>{reinterpret_cast<const uint8_t*>(&a4->sin_addr), ip_address::ipv4_len},
        domain_t::ipv4};
    port = ntohs(a4->sin_port);
}
} // namespace detail

} // namespace coro::net
