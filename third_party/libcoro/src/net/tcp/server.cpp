#include "coro/net/tcp/server.hpp"

#include <cerrno>
#include <stdexcept>
#include <sys/socket.h>

namespace coro::net::tcp
{
LIBCORO_INLINE_V14 namespace v14
{
    server::server(std::shared_ptr<io_scheduler> scheduler, options opts)
        : m_io_scheduler(std::move(scheduler)), m_options(std::move(opts))
    {
        if (m_io_scheduler == nullptr)
        {
            throw std::runtime_error{"coro::net::tcp::server: scheduler cannot be nullptr"};
        }
        m_accept_socket = net::make_accept_socket(
            net::socket::options{m_options.address.domain(), net::socket::type_t::tcp, net::socket::blocking_t::no},
            m_options.address,
            m_options.port,
            m_options.backlog);
    }

    server::server(server && other) noexcept
        : m_io_scheduler(std::move(other.m_io_scheduler)), m_options(std::move(other.m_options)),
          m_accept_socket(std::move(other.m_accept_socket))
    {
    }

    auto server::operator=(server&& other) noexcept -> server&
    {
        if (this != &other)
        {
            m_io_scheduler  = std::move(other.m_io_scheduler);
            m_options       = std::move(other.m_options);
            m_accept_socket = std::move(other.m_accept_socket);
        }
        return *this;
    }

    auto server::accept() -> v14::client
    {
        sockaddr_storage peer{};
        socklen_t        len = sizeof(peer);
        const int        fd  = ::accept4(
            m_accept_socket.native_handle(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        const int       err = errno;
        net::socket     s{fd};
        client::options opts{};
        if (s.is_valid())
        {
            net::detail::from_sockaddr(peer, opts.address, opts.port);
        }
        else if (err == EAGAIN || err == EWOULDBLOCK)
        {
#if GOCORO_CORE_EXTENSIONS
            m_io_scheduler->note_drained(m_accept_socket.native_handle(), coro::poll_op::read); // no more pending
#endif
        }
        return client{m_io_scheduler, std::move(s), std::move(opts)};
    }

} // namespace v14
} // namespace coro::net::tcp
