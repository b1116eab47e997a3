#include "coro/net/tcp/client.hpp"
#include "coro/scheduler.hpp"
#include "coro/v16/net/detail/io_helpers.hpp"

#include <cerrno>
#include <stdexcept>
#include <sys/socket.h>
#include <type_traits>

namespace coro::net::tcp
{
LIBCORO_INLINE_V16 namespace v16
{
    client::client(std::unique_ptr<coro::scheduler> & scheduler, net::socket_address endpoint)
        : m_scheduler(scheduler.get()), m_endpoint(endpoint)
    {
        if (m_scheduler == nullptr)
        {
            throw std::runtime_error{"coro::net::tcp::client: scheduler cannot be nullptr"};
        }
        m_socket = net::make_socket(
            net::socket::options{
                .domain = m_endpoint.domain(), .type = socket::type_t::tcp, .blocking = socket::blocking_t::no},
            m_endpoint.domain());
    }

#if GOCORO_CORE_EXTENSIONS
    client::client(std::unique_ptr<coro::scheduler> & scheduler, net::socket connected, net::socket_address peer)
        : client(scheduler.get(), std::move(connected), peer)
    {
        if (m_scheduler == nullptr)
        {
            throw std::runtime_error{"coro::net::tcp::client: scheduler cannot be nullptr"};
        }
    }
#endif

    client::client(coro::scheduler * scheduler, net::socket socket, const net::socket_address& endpoint)
        : m_scheduler(scheduler), m_endpoint(endpoint), m_socket(std::move(socket)),
          m_connect_status(connect_status::connected)
    {
    }

    client::client(const client& other)
        : m_scheduler(other.m_scheduler), m_endpoint(other.m_endpoint), m_socket(other.m_socket),
          m_connect_status(other.m_connect_status)
    {
        // The readiness cache is not copied: the copy starts by polling.
    }

    client::client(client && other) noexcept
        : m_scheduler(std::exchange(other.m_scheduler, nullptr)), m_endpoint(other.m_endpoint),
          m_socket(std::move(other.m_socket)), m_connect_status(std::exchange(other.m_connect_status, std::nullopt)),
          m_maybe_readable(std::exchange(other.m_maybe_readable, false)),
          m_maybe_writable(std::exchange(other.m_maybe_writable, false))
    {
    }

    auto client::operator=(const client& other) noexcept -> client&
    {
        if (this != &other)
        {
            m_scheduler      = other.m_scheduler;
            m_endpoint       = other.m_endpoint;
            m_socket         = other.m_socket;
            m_connect_status = other.m_connect_status;
            m_maybe_readable = false;
            m_maybe_writable = false;
        }
        return *this;
    }

    auto client::operator=(client&& other) noexcept -> client&
    {
        if (this != &other)
        {
            m_scheduler      = std::exchange(other.m_scheduler, nullptr);
            m_endpoint       = other.m_endpoint;
            m_socket         = std::move(other.m_socket);
            m_connect_status = std::exchange(other.m_connect_status, std::nullopt);
            m_maybe_readable = std::exchange(other.m_maybe_readable, false);
            m_maybe_writable = std::exchange(other.m_maybe_writable, false);
        }
        return *this;
    }

    client::~client() = default;

    auto client::connect(std::chrono::milliseconds timeout) -> coro::task<net::connect_status>
    {
        if (m_connect_status.has_value())
        {
            co_return *m_connect_status;
        }
        if (!m_socket.is_ok())
        {
            m_connect_status = connect_status::error;
            co_return *m_connect_status;
        }
        const auto [addr, len] = m_endpoint.data();
        if (::connect(m_socket.native_handle(), addr, len) == 0)
        {
            m_connect_status = connect_status::connected;
            co_return *m_connect_status;
        }
        if (errno != EINPROGRESS && errno != EAGAIN)
        {
            m_connect_status = connect_status::error;
            co_return *m_connect_status;
        }
        const auto pstatus = co_await m_scheduler->poll(m_socket, poll_op::write, timeout);
        if (pstatus == coro::v16::poll_status::timeout)
        {
            m_connect_status = connect_status::timeout;
            co_return *m_connect_status;
        }
        int       error{0};
        socklen_t error_len = sizeof(error);
        if (pstatus == coro::v16::poll_status::write &&
            ::getsockopt(m_socket.native_handle(), SOL_SOCKET, SO_ERROR, &error, &error_len) == 0 && error == 0)
        {
            m_connect_status = connect_status::connected;
            m_maybe_writable = true; // the poll just said so: the first write need not poll again
        }
        else
        {
            m_connect_status = connect_status::error;
        }
        co_return *m_connect_status;
    }

    template <typename byte_type>
    auto client::transfer_once(std::span<byte_type> buffer, std::chrono::milliseconds timeout)
        -> coro::task<std::pair<io_status, std::size_t>>
    {
        constexpr bool reading = !std::is_const_v<byte_type>;
        constexpr auto op      = reading ? poll_op::read : poll_op::write;
        constexpr auto ready   = reading ? coro::v16::poll_status::read : coro::v16::poll_status::write;
        bool&          maybe   = reading ? m_maybe_readable : m_maybe_writable;
        if (buffer.empty())
        {
            co_return {io_status{io_status::kind::ok}, 0};
        }
        // One attempt before polling if the last poll said ready, and one after each poll that says so now.
        const detail::deadline deadline{timeout};
        for (bool polled = !maybe;; polled = true)
        {
            if (polled)
            {
                const auto left = deadline.left();
                if (!left.has_value())
                {
                    co_return {io_status{io_status::kind::timeout}, 0};
                }
                const auto pstatus = co_await m_scheduler->poll(m_socket, op, *left);
                if (pstatus != ready)
                {
                    co_return {make_io_status_from_poll_status(pstatus), 0};
                }
                maybe = true;
            }
            ssize_t n{0};
            if constexpr (reading)
            {
                n = ::recv(m_socket.native_handle(), buffer.data(), buffer.size(), 0);
            }
            else
            {
                n = ::send(m_socket.native_handle(), buffer.data(), buffer.size(), MSG_NOSIGNAL);
            }
            if (n > 0 || (n == 0 && !reading))
            {
                if (static_cast<std::size_t>(n) < buffer.size())
                {
                    // A stream's short read emptied the receive queue (a short send filled the send buffer): the next
                    // poll can wait for the next edge.
                    detail::note_drained(*m_scheduler, m_socket, op);
                }
                co_return {io_status{io_status::kind::ok}, static_cast<std::size_t>(n)};
            }
            if (n == 0)
            {
                co_return {io_status{io_status::kind::closed}, 0};
            }
            const int err = errno;
            if (err != EAGAIN && err != EWOULDBLOCK)
            {
                co_return {make_io_status_from_native(err), 0};
            }
            // Would block: poll, again if it was a poll that said ready (upstream reports would_block then). The
            // scheduler's edge-triggered registration can, rarely, report an edge whose data an earlier read took.
            maybe = false;
            detail::note_drained(*m_scheduler, m_socket, op);
        }
    }

    template <typename byte_type>
    auto client::transfer_all(std::span<byte_type> buffer, std::chrono::milliseconds timeout)
        -> coro::task<std::pair<io_status, std::size_t>>
    {
        const detail::deadline deadline{timeout};
        std::size_t            done = 0;
        while (done < buffer.size())
        {
            const auto left = deadline.left();
            if (!left.has_value())
            {
                co_return {io_status{io_status::kind::timeout}, done};
            }
            const auto [status, n] = co_await transfer_once(buffer.subspan(done), *left);
            if (!status.is_ok())
            {
                co_return {status, done};
            }
            done += n;
        }
        co_return {io_status{io_status::kind::ok}, done};
    }

    auto client::read_bytes(std::span<std::byte> buffer, std::chrono::milliseconds timeout, bool exact)
        -> coro::task<std::pair<io_status, std::size_t>>
    {
        return exact ? transfer_all(buffer, timeout) : transfer_once(buffer, timeout);
    }

    auto client::write_bytes(std::span<const std::byte> buffer, std::chrono::milliseconds timeout, bool all)
        -> coro::task<std::pair<io_status, std::size_t>>
    {
        return all ? transfer_all(buffer, timeout) : transfer_once(buffer, timeout);
    }

} // namespace v16
} // namespace coro::net::tcp
