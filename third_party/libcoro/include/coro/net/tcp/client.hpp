#pragma once

// The v0.14 class, in namespace v14; the v0.16 one is in coro/v16/net/tcp/client.hpp.

#include "coro/api_version.hpp"
#include "coro/concepts/buffer.hpp"
#include "coro/gocoro_extensions.hpp"
#include "coro/io_scheduler.hpp"
#include "coro/net/connect.hpp"
#include "coro/net/ip_address.hpp"
#include "coro/net/recv_status.hpp"
#include "coro/net/send_status.hpp"
#include "coro/net/socket.hpp"
#include "coro/poll.hpp"
#include "coro/task.hpp"

#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <sys/socket.h>
#include <utility>

namespace coro::net::tcp
{
LIBCORO_INLINE_V14 namespace v14
{
    class server;

    /// A TCP connection driven by an io_scheduler: connect() with an optional timeout, poll() for readiness,
    /// then non-blocking recv()/send(). Not thread-safe; to poll one connection from two coroutines at once,
    /// copy the client (the copy dup()s the socket).
    class client
    {
    public:
        struct options
        {
            /// Address to connect to (ipv4 or ipv6).
            net::ip_address address{net::ip_address::from_string("127.0.0.1")};
            uint16_t        port{8080};
        };

        /// Creates a non-blocking TCP socket of the address's domain. Throws std::runtime_error for a null
        /// scheduler or if the socket cannot be created.
        explicit client(
            std::shared_ptr<io_scheduler> scheduler,
            options opts = options{.address = {net::ip_address::from_string("127.0.0.1")}, .port = 8080});
        client(const client& other);
        client(client&& other) noexcept;
        auto operator=(const client& other) noexcept -> client&;
        auto operator=(client&& other) noexcept -> client&;
        ~client();

        auto socket() -> net::socket& { return m_socket; }
        auto socket() const -> const net::socket& { return m_socket; }

        /// Connects once; later calls return the first outcome. `timeout` 0 waits forever.
        auto connect(std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<net::connect_status>;

        /// Waits for the socket to become ready for `op` (see io_scheduler::poll).
        auto poll(coro::poll_op op, std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<coro::v14::poll_status>
        {
            return m_io_scheduler->poll(m_socket, op, timeout);
        }

        /// One non-blocking recv into `buffer`: {ok, bytes read}, {closed, {}} when the peer closed, or
        /// {errno status, {}} (would_block if nothing is there yet; poll(read) first).
        template <concepts::v14::mutable_buffer buffer_type>
        auto recv(buffer_type&& buffer) -> std::pair<recv_status, std::span<char>>
        {
            if (buffer.empty())
            {
                return {recv_status::ok, std::span<char>{}};
            }
            auto n = ::recv(m_socket.native_handle(), buffer.data(), buffer.size(), 0);
            if (n > 0)
            {
                if (static_cast<std::size_t>(n) < buffer.size())
                {
                    // A stream's short read emptied the receive queue: the next poll can wait for the next edge.
#if GOCORO_CORE_EXTENSIONS
                    m_io_scheduler->note_drained(m_socket.native_handle(), coro::poll_op::read);
#endif
                }
                return {recv_status::ok, std::span<char>{buffer.data(), static_cast<std::size_t>(n)}};
            }
            if (n == 0)
            {
                return {recv_status::closed, std::span<char>{}};
            }
            const int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK)
            {
#if GOCORO_CORE_EXTENSIONS
                m_io_scheduler->note_drained(m_socket.native_handle(), coro::poll_op::read);
#endif
            }
            return {static_cast<recv_status>(err), std::span<char>{}};
        }

        /// One non-blocking send (never raises SIGPIPE): {ok, unsent tail (empty when all went out)} or
        /// {errno status, whole buffer} (e.g. pipe_closed / connection_reset once the peer is gone).
        template <concepts::v14::const_buffer buffer_type>
        auto send(const buffer_type& buffer) -> std::pair<send_status, std::span<const char>>
        {
            if (buffer.empty())
            {
                return {send_status::ok, std::span<const char>{buffer.data(), buffer.size()}};
            }
            auto n = ::send(m_socket.native_handle(), buffer.data(), buffer.size(), MSG_NOSIGNAL);
            if (n >= 0)
            {
                if (static_cast<std::size_t>(n) < buffer.size())
                {
#if GOCORO_CORE_EXTENSIONS
                    m_io_scheduler->note_drained(m_socket.native_handle(), coro::poll_op::write); // send buffer full
#endif
                }
                return {
                    send_status::ok,
                    std::span<const char>{buffer.data() + n, buffer.size() - static_cast<std::size_t>(n)}};
            }
            const int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK)
            {
#if GOCORO_CORE_EXTENSIONS
                m_io_scheduler->note_drained(m_socket.native_handle(), coro::poll_op::write);
#endif
            }
            return {static_cast<send_status>(err), std::span<const char>{buffer.data(), buffer.size()}};
        }

    private:
        friend server;
        /// Accepted connection (status pre-set to connected).
        client(std::shared_ptr<io_scheduler> scheduler, net::socket socket, options opts);

        std::shared_ptr<io_scheduler>      m_io_scheduler{nullptr};
        options                            m_options{};
        net::socket                        m_socket{};
        std::optional<net::connect_status> m_connect_status{std::nullopt};
    };

} // namespace v14
} // namespace coro::net::tcp

#include "coro/v16/net/tcp/client.hpp"
