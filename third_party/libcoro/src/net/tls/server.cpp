#include "coro/net/tls/server.hpp"

#include <stdexcept>
#include <sys/socket.h>

namespace coro::net::tls
{
LIBCORO_INLINE_V14 namespace v14
{
    server::server(std::shared_ptr<io_scheduler> scheduler, std::shared_ptr<context> tls_ctx, options opts)
        : m_io_scheduler(std::move(scheduler)), m_tls_ctx(std::move(tls_ctx)), m_options(std::move(opts))
    {
        if (m_io_scheduler == nullptr)
        {
            throw std::runtime_error{"coro::net::tls::server: scheduler cannot be nullptr"};
        }
        if (m_tls_ctx == nullptr)
        {
            throw std::runtime_error{"coro::net::tls::server: tls context cannot be nullptr"};
        }
        m_accept_socket = net::make_accept_socket(
            net::socket::options{m_options.address.domain(), net::socket::type_t::tcp, net::socket::blocking_t::no},
            m_options.address,
            m_options.port,
            m_options.backlog);
    }

    server::server(server && other) noexcept
        : m_io_scheduler(std::move(other.m_io_scheduler)), m_tls_ctx(std::move(other.m_tls_ctx)),
          m_options(std::move(other.m_options)), m_accept_socket(std::move(other.m_accept_socket))
    {
    }

    auto server::operator=(server&& other) noexcept -> server&
    {
        if (this != &other)
        {
            m_io_scheduler  = std::move(other.m_io_scheduler);
            m_tls_ctx       = std::move(other.m_tls_ctx);
            m_options       = std::move(other.m_options);
            m_accept_socket = std::move(other.m_accept_socket);
        }
        return *this;
    }

    auto server::accept(std::chrono::milliseconds timeout) -> coro::task<v14::client>
    {
        sockaddr_storage peer{};
        socklen_t        len = sizeof(peer);
        net::socket      s{::accept4(
            m_accept_socket.native_handle(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC)};
        client::options  opts{};
        if (s.is_valid())
        {
            net::detail::from_sockaddr(peer, opts.address, opts.port);
        }
        client c{m_io_scheduler, m_tls_ctx, std::move(s), std::move(opts)};
        if (!c.m_socket.is_valid())
        {
            c.m_connect_status = connection_status::error;
            co_return c;
        }
        auto status = c.create_session(true);
        if (status == connection_status::connected)
        {
            status = co_await c.handshake(timeout);
        }
        c.m_connect_status = status;
        if (status != connection_status::connected)
        {
            // Unlike libcoro v0.14 a failed handshake is visible: the connection is dropped.
            c.m_tls_error = true;
            c.close_session();
        }
        co_return c;
    }

} // namespace v14
} // namespace coro::net::tls
