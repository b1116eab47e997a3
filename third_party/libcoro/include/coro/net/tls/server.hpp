#pragma once

// The v0.14 class, in namespace v14; the v0.16 one is in coro/v16/net/tls/server.hpp.

#include "coro/api_version.hpp"

#include "coro/gocoro_extensions.hpp"
#ifdef LIBCORO_FEATURE_TLS

    #include "coro/io_scheduler.hpp"
    #include "coro/net/ip_address.hpp"
    #include "coro/net/socket.hpp"
    #include "coro/net/tls/client.hpp"
    #include "coro/net/tls/context.hpp"
    #include "coro/task.hpp"

    #include <chrono>
    #include <cstdint>
    #include <memory>

namespace coro::net::tls
{
LIBCORO_INLINE_V14 namespace v14
{
    /// A listening TCP socket whose accepted connections run the TLS server handshake.
    class server
    {
    public:
        struct options
        {
            net::ip_address address{net::ip_address::from_string("0.0.0.0")};
            /// 0 lets the kernel choose (read it back with local_port(server.socket())).
            uint16_t port{8080};
            int32_t  backlog{128};
        };

        /// Throws std::runtime_error for a null scheduler or context, or on any socket failure.
        explicit server(
            std::shared_ptr<io_scheduler> scheduler,
            std::shared_ptr<context>      tls_ctx,
            options opts = options{.address = net::ip_address::from_string("0.0.0.0"), .port = 8080, .backlog = 128});
        server(const server&) = delete;
        server(server&& other) noexcept;
        auto operator=(const server&) -> server& = delete;
        auto operator=(server&& other) noexcept -> server&;
        ~server() = default;

        /// Waits until a connection can be accepted.
        auto poll(std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<coro::v14::poll_status>
        {
            return m_io_scheduler->poll(m_accept_socket, coro::poll_op::read, timeout);
        }

        /// Accepts one connection and runs the TLS handshake (each wait bounded by `timeout`). If accepting or
        /// the handshake fails, the returned client's socket is invalid (socket().is_valid() == false).
        auto accept(std::chrono::milliseconds timeout = std::chrono::seconds{30}) -> coro::task<v14::client>;

    #if GOCORO_CORE_EXTENSIONS
        /// Extension (not in libcoro v0.14): the listening socket, e.g. for local_port().
        auto socket() const -> const net::socket& { return m_accept_socket; }
    #endif

    private:
        friend class coro::net::tls::v16::server;

        std::shared_ptr<io_scheduler> m_io_scheduler{nullptr};
        std::shared_ptr<context>      m_tls_ctx{nullptr};
        options                       m_options{};
        net::socket                   m_accept_socket{-1};
    };

} // namespace v14
} // namespace coro::net::tls

    #include "coro/v16/net/tls/server.hpp"
#endif // LIBCORO_FEATURE_TLS
