#include "coro/net/udp/peer.hpp"
#include "coro/scheduler.hpp"
#include "coro/v16/net/detail/io_helpers.hpp"

#include <cerrno>
#include <stdexcept>
#include <sys/socket.h>

namespace coro::net::udp
{
LIBCORO_INLINE_V16 namespace v16
{
    namespace
    {
    auto checked(std::unique_ptr<coro::scheduler>& scheduler) -> coro::scheduler*
    {
        if (scheduler == nullptr)
        {
            throw std::runtime_error{"coro::net::udp::peer: scheduler cannot be nullptr"};
        }
        return scheduler.get();
    }

    auto udp_options(net::domain_t domain) -> net::socket::options
    {
        return net::socket::options{
            .domain = domain, .type = net::socket::type_t::udp, .blocking = net::socket::blocking_t::no};
    }
    } // namespace

    peer::peer(std::unique_ptr<coro::scheduler> & scheduler, net::domain_t domain)
        : m_scheduler(checked(scheduler)), m_socket(net::make_socket(udp_options(domain), domain))
    {
    }

    peer::peer(std::unique_ptr<coro::scheduler> & scheduler, const net::socket_address& endpoint)
        : m_scheduler(checked(scheduler)),
          m_socket(net::make_accept_socket(udp_options(endpoint.domain()), endpoint, 0)), m_bound(true)
    {
    }

    peer::peer(const peer& other) noexcept
        : m_scheduler(other.m_scheduler), m_socket(other.m_socket), m_bound(other.m_bound)
    {
    }

    peer::peer(peer && other) noexcept
        : m_scheduler(std::exchange(other.m_scheduler, nullptr)), m_socket(std::move(other.m_socket)),
          m_bound(std::exchange(other.m_bound, false)), m_maybe_readable(std::exchange(other.m_maybe_readable, false)),
          m_maybe_writable(std::exchange(other.m_maybe_writable, true))
    {
    }

    auto peer::operator=(const peer& other) noexcept -> peer&
    {
        if (this != &other)
        {
            m_scheduler      = other.m_scheduler;
            m_socket         = other.m_socket;
            m_bound          = other.m_bound;
            m_maybe_readable = false;
            m_maybe_writable = true;
        }
        return *this;
    }

    auto peer::operator=(peer&& other) noexcept -> peer&
    {
        if (this != &other)
        {
            m_scheduler      = std::exchange(other.m_scheduler, nullptr);
            m_socket         = std::move(other.m_socket);
            m_bound          = std::exchange(other.m_bound, false);
            m_maybe_readable = std::exchange(other.m_maybe_readable, false);
            m_maybe_writable = std::exchange(other.m_maybe_writable, true);
        }
        return *this;
    }

    auto peer::write_bytes(socket_address address, std::span<const std::byte> buffer, std::chrono::milliseconds timeout)
        -> coro::task<io_status>
    {
        if (buffer.empty())
        {
            co_return io_status{io_status::kind::ok};
        }
        const auto [addr, len] = address.data();
        const detail::deadline deadline{timeout};
        for (bool polled = !m_maybe_writable;; polled = true)
        {
            if (polled)
            {
                const auto left = deadline.left();
                if (!left.has_value())
                {
                    co_return io_status{io_status::kind::timeout};
                }
                const auto pstatus = co_await m_scheduler->poll(m_socket, poll_op::write, *left);
                if (pstatus != coro::v16::poll_status::write)
                {
                    co_return make_io_status_from_poll_status(pstatus);
                }
                m_maybe_writable = true;
            }
            if (::sendto(m_socket.native_handle(), buffer.data(), buffer.size(), MSG_NOSIGNAL, addr, len) >= 0)
            {
                co_return io_status{io_status::kind::ok};
            }
            const int err = errno;
            if (err != EAGAIN && err != EWOULDBLOCK)
            {
                co_return make_io_status_from_native(err);
            }
            // Poll, again if a poll said writable (see tcp::client::transfer_once).
            m_maybe_writable = false;
            detail::note_drained(*m_scheduler, m_socket, poll_op::write);
        }
    }

    auto peer::read_bytes(std::span<std::byte> buffer, std::chrono::milliseconds timeout)
        -> coro::task<std::tuple<io_status, socket_address, std::span<std::byte>>>
    {
        if (!m_bound)
        {
            co_return {io_status{io_status::kind::udp_not_bound}, socket_address::make_uninitialised(), {}};
        }
        if (buffer.empty())
        {
            co_return {io_status{io_status::kind::ok}, socket_address::make_uninitialised(), {}};
        }
        const detail::deadline deadline{timeout};
        for (bool polled = !m_maybe_readable;; polled = true)
        {
            if (polled)
            {
                const auto left = deadline.left();
                if (!left.has_value())
                {
                    co_return {io_status{io_status::kind::timeout}, socket_address::make_uninitialised(), {}};
                }
                const auto pstatus = co_await m_scheduler->poll(m_socket, poll_op::read, *left);
                if (pstatus != coro::v16::poll_status::read)
                {
                    co_return {make_io_status_from_poll_status(pstatus), socket_address::make_uninitialised(), {}};
                }
                m_maybe_readable = true;
            }
            auto sender      = socket_address::make_uninitialised();
            auto [addr, len] = sender.native_mutable_data();
            const auto n     = ::recvfrom(m_socket.native_handle(), buffer.data(), buffer.size(), 0, addr, len);
            if (n >= 0)
            {
                co_return {io_status{io_status::kind::ok}, sender, buffer.first(static_cast<std::size_t>(n))};
            }
            const int err = errno;
            if (err != EAGAIN && err != EWOULDBLOCK)
            {
                co_return {make_io_status_from_native(err), socket_address::make_uninitialised(), {}};
            }
            // Only "would block" says the queue is empty: a datagram socket may hold more after a short read. Poll,
            // again if a poll said readable (see tcp::client::transfer_once).
            m_maybe_readable = false;
            detail::note_drained(*m_scheduler, m_socket, poll_op::read);
        }
    }

} // namespace v16
} // namespace coro::net::udp
