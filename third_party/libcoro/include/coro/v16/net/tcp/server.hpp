#pragma once

// libcoro v0.16 tcp::server (D30): accept(timeout) as a task reporting expected<client, io_status>, shutdown()
// cancelling a pending accept. With LIBCORO_API_VERSION 1600, coro::net::tcp::server is this class; the v0.14
// one is coro::net::tcp::v14::server (coro/net/tcp/server.hpp).

#include "coro/api_version.hpp"
#include "coro/expected.hpp"
#include "coro/net/io_status.hpp"
#include "coro/net/socket.hpp"
#include "coro/net/socket_address.hpp"
#include "coro/poll.hpp"
#include "coro/task.hpp"
#include "coro/v16/net/tcp/client.hpp"

#include <chrono>
#include <cstdint>
#include <memory>

namespace coro::net::tcp
{
LIBCORO_INLINE_V16 namespace v16
{
    /// A listening TCP socket (SO_REUSEADDR + SO_REUSEPORT, non-blocking) driven by a coro::scheduler. One
    /// coroutine at a time may accept; shutdown() may be called from any thread.
    class server
    {
    public:
        struct options
        {
            int32_t backlog{128};
        };

        /// Binds `endpoint` (IPv4 or IPv6; port 0 lets the kernel choose, see net::local_port(accept_socket())) and
        /// listens. std::runtime_error for a null scheduler (checked before the socket is made: D38.12) or on any
        /// socket failure.
        explicit server(
            std::unique_ptr<coro::scheduler>& scheduler,
            const net::socket_address&        endpoint,
            options                           opts = options{.backlog = 128});
        server(const server&) = delete;
        server(server&& other) noexcept;
        auto operator=(const server&) -> server& = delete;
        auto operator=(server&& other) noexcept -> server&;
        ~server() = default;

        /// Waits for a connection (`timeout` 0 = forever) and accepts it: a connected client (non-blocking socket,
        /// endpoint = the peer's address), or unexpected(timeout / cancelled after shutdown() / closed /
        /// polling_error / the accept error).
        auto accept(std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<coro::expected<client, io_status>>;

        [[nodiscard]] auto accept_socket() -> net::socket& { return m_accept_socket; }
        [[nodiscard]] auto accept_socket() const -> const net::socket& { return m_accept_socket; }

        /// Cancels a pending accept() (it reports io_status::kind::cancelled, as does every later one) and shuts the
        /// listening socket down. Thread-safe and idempotent.
        auto shutdown() -> void;

    private:
        /// Waits for a pending connection or shutdown().
        auto poll(std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<coro::v16::poll_status>;
        /// One non-blocking accept.
        auto accept_now() -> coro::expected<client, io_status>;

        coro::scheduler* m_scheduler{nullptr};
        options          m_options{};
        net::socket      m_accept_socket{};
        /// Heap-held (through the source's own state) so that moving the server keeps pending polls' tokens valid.
        poll_stop_source m_stop{};
        bool             m_maybe_readable{false};
    };

} // namespace v16
} // namespace coro::net::tcp
