#include "coro/net/tcp/server.hpp"
#include "coro/scheduler.hpp"
#include "coro/v16/net/detail/io_helpers.hpp"

#include <cerrno>
#include <stdexcept>
#include <sys/socket.h>

namespace coro::net::tcp
{
LIBCORO_INLINE_V16 namespace v16
{
    namespace
    {
    auto checked(std::unique_ptr<coro::scheduler>& scheduler) -> coro::scheduler*
    {
        if (scheduler == nullptr)
        {
            throw std::runtime_error{"coro::net::tcp::server: scheduler cannot be nullptr"};
        }
        return scheduler.get();
    }
    } // namespace

    server::server(std::unique_ptr<coro::scheduler> & scheduler, const net::socket_address& endpoint, options opts)
        : m_scheduler(checked(scheduler)), m_options(opts), m_accept_socket(net::make_accept_socket(
                                                                net::socket::options{
                                                                    .domain   = endpoint.domain(),
                                                                    .type     = net::socket::type_t::tcp,
                                                                    .blocking = net::socket::blocking_t::no},
                                                                endpoint,
                                                                opts.backlog))
    {
    }

    server::server(server && other) noexcept
        : m_scheduler(std::exchange(other.m_scheduler, nullptr)), m_options(other.m_options),
          m_accept_socket(std::move(other.m_accept_socket)), m_stop(std::move(other.m_stop)),
          m_maybe_readable(std::exchange(other.m_maybe_readable, false))
    {
    }

    auto server::operator=(server&& other) noexcept -> server&
    {
        if (this != &other)
        {
            m_scheduler      = std::exchange(other.m_scheduler, nullptr);
            m_options        = other.m_options;
            m_accept_socket  = std::move(other.m_accept_socket);
            m_stop           = std::move(other.m_stop);
            m_maybe_readable = std::exchange(other.m_maybe_readable, false);
        }
        return *this;
    }

    auto server::poll(std::chrono::milliseconds timeout) -> coro::task<coro::v16::poll_status>
    {
        return m_scheduler->poll(m_accept_socket, poll_op::read, timeout, m_stop.get_token());
    }

    auto server::accept_now() -> coro::expected<client, io_status>
    {
        auto peer        = net::socket_address::make_uninitialised();
        auto [addr, len] = peer.native_mutable_data();
        const int fd     = ::accept4(m_accept_socket.native_handle(), addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
        {
            const int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK)
            {
                m_maybe_readable = false;
                detail::note_drained(*m_scheduler, m_accept_socket, poll_op::read); // no more pending connections
            }
            return coro::unexpected<io_status>(make_io_status_from_native(err));
        }
        return client{m_scheduler, net::socket{fd}, peer};
    }

    auto server::accept(std::chrono::milliseconds timeout) -> coro::task<coro::expected<client, io_status>>
    {
        // After shutdown() the listening socket is shut down and ::accept would report EINVAL: report what happened.
        if (m_stop.stop_requested())
        {
            co_return coro::unexpected<io_status>(io_status{io_status::kind::cancelled});
        }
        if (m_maybe_readable)
        {
            auto result = accept_now();
            if (result.has_value() || !result.error().would_block())
            {
                co_return result;
            }
        }
        const auto pstatus = co_await poll(timeout);
        if (pstatus != coro::v16::poll_status::read)
        {
            co_return coro::unexpected<io_status>(make_io_status_from_poll_status(pstatus));
        }
        if (m_stop.stop_requested())
        {
            co_return coro::unexpected<io_status>(io_status{io_status::kind::cancelled});
        }
        m_maybe_readable = true;
        co_return accept_now();
    }

    auto server::shutdown() -> void
    {
        // The stop signal first, so an accept woken by the socket's shutdown sees it.
        m_stop.signal_stop();
        m_accept_socket.shutdown(poll_op::read_write);
    }

} // namespace v16
} // namespace coro::net::tcp
