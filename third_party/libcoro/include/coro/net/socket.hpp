#pragma once

#include "coro/gocoro_extensions.hpp"
#include "coro/net/ip_address.hpp"
#include "coro/poll.hpp"

#include <cstdint>
#include <iostream>
#include <netinet/in.h>
#include <span>
#include <string>
#include <sys/socket.h>

namespace coro::net
{
/// Owning wrapper of a socket file descriptor (closed on destruction; copies dup() it).
class socket
{
public:
    enum class type_t
    {
        udp,
        tcp
    };

    enum class blocking_t
    {
        yes,
        no
    };

    struct options
    {
        domain_t   domain;
        type_t     type;
        blocking_t blocking;
    };

    /// SOCK_DGRAM for udp, SOCK_STREAM for tcp; throws std::runtime_error otherwise.
    static auto type_to_os(type_t type) -> int;

    socket() = default;
    explicit socket(int fd) : m_fd(fd) {}

    /// Duplicates the descriptor (dup()), so both objects refer to the same connection.
    socket(const socket& other);
    socket(socket&& other) noexcept;
    /// Closes the own descriptor, then duplicates other's.
    auto operator=(const socket& other) noexcept -> socket&;
    /// Closes the own descriptor, then takes other's (libcoro v0.14 leaked the old one).
    auto operator=(socket&& other) noexcept -> socket&;
    ~socket();

    auto is_valid() const -> bool { return m_fd != -1; }
    /// v0.16 spelling of is_valid() (D27).
    [[nodiscard]] auto is_ok() const -> bool { return m_fd != -1; }
    /// is_ok() (v0.16, D27).
    explicit operator bool() const { return m_fd != -1; }

    /// Switches O_NONBLOCK; false if the socket is invalid or fcntl fails.
    auto blocking(blocking_t block) -> bool;

    /// shutdown(2): read -> SHUT_RD, write -> SHUT_WR, read_write -> SHUT_RDWR. False on failure.
    auto shutdown(poll_op how = poll_op::read_write) -> bool;

    /// Closes the descriptor (if any); the socket becomes invalid.
    auto close() -> void;

    auto native_handle() const -> int { return m_fd; }

#if GOCORO_CORE_EXTENSIONS
    /// Extension (not in libcoro v0.14): gives up ownership of the descriptor (returned; the socket becomes
    /// invalid without closing it), for handing it to code that closes it itself.
    auto release() noexcept -> int
    {
        int fd = m_fd;
        m_fd   = -1;
        return fd;
    }
#endif

private:
    int m_fd{-1};
};

/// Creates a socket; std::runtime_error on failure.
auto make_socket(const socket::options& opts) -> socket;

/// Creates a socket with SO_REUSEADDR and SO_REUSEPORT set, binds it to address:port and (tcp only)
/// listens with `backlog`. std::runtime_error (with the reason) on any failure.
auto make_accept_socket(
    const socket::options& opts,
    const net::ip_address& address,
    uint16_t               port,
    int32_t                backlog = 128) -> socket;

class socket_address;

/// v0.16 (D27): make_socket(opts) for `domain` (opts.domain, the v0.14 field v0.16 removed, is ignored).
auto make_socket(const socket::options& opts, domain_t domain) -> socket;

/// v0.16 (D27): make_accept_socket() for a socket_address (IPv4 or IPv6); no default backlog.
auto make_accept_socket(const socket::options& opts, const net::socket_address& endpoint, int32_t backlog) -> socket;

#if GOCORO_CORE_EXTENSIONS
/// Extension (not in libcoro v0.14): the local port a socket is bound to (getsockname), 0 on failure.
/// Useful after binding port 0.
auto local_port(const socket& s) -> uint16_t;

/// Extension (not in libcoro v0.14): the options the errno-reporting make_socket / make_bound_socket apply
/// (v0.14's make_accept_socket always sets both reuse options; these set only what is asked).
struct socket_setup
{
    bool    reuse_address{false}; ///< SO_REUSEADDR
    bool    reuse_port{false};    ///< SO_REUSEPORT
    bool    no_delay{false};      ///< TCP_NODELAY (tcp only)
    int32_t backlog{-1};          ///< make_bound_socket: >= 0 listens with this backlog after binding (tcp only)
};

/// Extension: make_socket that applies `setup` and reports failure as an errno value instead of an exception:
/// on failure it returns an invalid socket and sets `error` (0 on success). The socket is close-on-exec.
auto make_socket(const socket::options& opts, const socket_setup& setup, int& error) noexcept -> socket;

/// Extension: make_socket(opts, setup, error), then bind to address:port and, if setup.backlog >= 0, listen.
auto make_bound_socket(
    const socket::options& opts,
    const socket_setup&    setup,
    const net::ip_address& address,
    uint16_t               port,
    int&                   error) noexcept -> socket;
#endif

namespace detail
{
/// Fills `out` with address:port (sockaddr_in or sockaddr_in6 by the address's domain); returns its length.
auto to_sockaddr(const net::ip_address& address, uint16_t port, sockaddr_storage& out) noexcept -> socklen_t;
/// Reads an AF_INET / AF_INET6 socket address.
auto from_sockaddr(const sockaddr_storage& in, net::ip_address& address, uint16_t& port) -> void;
} // namespace detail

} // namespace coro::net
