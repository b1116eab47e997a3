#pragma once

// libcoro v0.16 tls::server (D32): constructed from a std::unique_ptr<coro::scheduler>& and a socket_address;
// poll() watches a stop token that shutdown() signals. With LIBCORO_API_VERSION 1600, coro::net::tls::server is this
// class; the v0.14 one is coro::net::tls::v14::server (coro/net/tls/server.hpp), which this one drives. Included by
// coro/net/tls/server.hpp.

#ifdef LIBCORO_FEATURE_TLS

    #include "coro/net/socket_address.hpp"
    #include "coro/poll.hpp"
    #include "coro/task.hpp"
    #include "coro/v16/net/tls/client.hpp"

    #include <chrono>
    #include <cstdint>
    #include <memory>

namespace coro::net::tls
{
LIBCORO_INLINE_V16 namespace v16
{
    /// A listening TCP socket (IPv4 or IPv6) whose accepted connections run the TLS server handshake.
    class server
    {
    public:
        struct options
        {
            int32_t backlog{128};
        };

        /// std::runtime_error for a null scheduler or context (checked before the socket is made: D38.12) or on any
        /// socket failure. Port 0 lets the kernel choose (net::local_port(accept_socket())).
        explicit server(
            std::unique_ptr<coro::scheduler>& scheduler,
            std::shared_ptr<context>          tls_ctx,
            const net::socket_address&        endpoint,
            options                           opts = options{.backlog = 128});
        server(const server&)                        = delete;
        server(server&&) noexcept                    = default;
        auto operator=(const server&) -> server&     = delete;
        auto operator=(server&&) noexcept -> server& = default;
        ~server()                                    = default;

        /// Waits until a connection can be accepted (read), shutdown() was called (cancelled), or `timeout` elapsed.
        auto poll(std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<coro::v16::poll_status>;

        /// Accepts one connection and runs the TLS handshake (each wait bounded by `timeout`). If accepting or the
        /// handshake fails, the returned client's socket is not ok (socket().is_ok() == false).
        auto accept(std::chrono::milliseconds timeout = std::chrono::seconds{30}) -> coro::task<client>;

        [[nodiscard]] auto accept_socket() -> net::socket& { return m_inner.m_accept_socket; }
        [[nodiscard]] auto accept_socket() const -> const net::socket& { return m_inner.m_accept_socket; }

        /// Cancels a pending poll() (it reports cancelled, as does every later one) and shuts the listening socket
        /// down. Thread-safe and idempotent.
        auto shutdown() -> void;

    private:
        coro::scheduler* m_scheduler{nullptr};
        v14::server      m_inner;
        poll_stop_source m_stop{};
    };

} // namespace v16
} // namespace coro::net::tls

#endif // LIBCORO_FEATURE_TLS
