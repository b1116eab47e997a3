#pragma once

// The v0.14 class, in namespace v14; the v0.16 one is in coro/v16/net/tcp/server.hpp.

#include "coro/api_version.hpp"
#include "coro/gocoro_extensions.hpp"
#include "coro/io_scheduler.hpp"
#include "coro/net/ip_address.hpp"
#include "coro/net/socket.hpp"
#include "coro/net/tcp/client.hpp"
#include "coro/task.hpp"

#include <chrono>
#include <cstdint>
#include <memory>

namespace coro::net::tcp
{
LIBCORO_INLINE_V14 namespace v14
{
    /// A listening TCP socket (SO_REUSEADDR + SO_REUSEPORT, non-blocking) driven by an io_scheduler.
    class server
    {
    public:
        struct options
        {
            /// Address to bind (ipv4 or ipv6).
            net::ip_address address{net::ip_address::from_string("0.0.0.0")};
            /// Port to bind; 0 lets the kernel choose (read it back with local_port(server.socket())).
            uint16_t port{8080};
            int32_t  backlog{128};
        };

        /// Binds and listens. Throws std::runtime_error for a null scheduler or on any socket failure.
        explicit server(
            std::shared_ptr<io_scheduler> scheduler,
            options opts = options{.address = net::ip_address::from_string("0.0.0.0"), .port = 8080, .backlog = 128});
        server(const server&) = delete;
        server(server&& other) noexcept;
        auto operator=(const server&) -> server& = delete;
        auto operator=(server&& other) noexcept -> server&;
        ~server() = default;

        /// Waits until a connection can be accepted (poll_status::event).
        auto poll(std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<coro::v14::poll_status>
        {
            return m_io_scheduler->poll(m_accept_socket, coro::poll_op::read, timeout);
        }

        /// Accepts one pending connection (non-blocking). On failure the returned client's socket is invalid.
        auto accept() -> v14::client;

#if GOCORO_CORE_EXTENSIONS
        /// Extension (not in libcoro v0.14): the listening socket, e.g. for local_port().
        auto socket() const -> const net::socket& { return m_accept_socket; }
#endif

    private:
        std::shared_ptr<io_scheduler> m_io_scheduler{nullptr};
        options                       m_options{};
        net::socket                   m_accept_socket{-1};
    };

} // namespace v14
} // namespace coro::net::tcp

#include "coro/v16/net/tcp/server.hpp"
