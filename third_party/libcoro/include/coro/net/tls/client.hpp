#pragma once

// The v0.14 class, in namespace v14; the v0.16 one is in coro/v16/net/tls/client.hpp.

#include "coro/api_version.hpp"

#ifdef LIBCORO_FEATURE_TLS

    #include "coro/concepts/buffer.hpp"
    #include "coro/io_scheduler.hpp"
    #include "coro/net/ip_address.hpp"
    #include "coro/net/socket.hpp"
    #include "coro/net/tls/connection_status.hpp"
    #include "coro/net/tls/context.hpp"
    #include "coro/net/tls/recv_status.hpp"
    #include "coro/net/tls/send_status.hpp"
    #include "coro/poll.hpp"
    #include "coro/task.hpp"

    #include <chrono>
    #include <cstddef>
    #include <memory>
    #include <openssl/ssl.h>
    #include <optional>
    #include <span>
    #include <utility>

namespace coro::net::tls
{
LIBCORO_INLINE_V16 namespace v16
{
    class client;
    class server;
} // namespace v16
} // namespace coro::net::tls

namespace coro::net::tls
{
LIBCORO_INLINE_V14 namespace v14
{
    class server;

    /// A TLS connection over a non-blocking TCP socket, driven by an io_scheduler. recv()/send() are
    /// awaitable: they wait for readiness themselves (as often as OpenSSL asks) within an optional timeout.
    /// Not thread-safe: one coroutine at a time per client.
    class client
    {
    public:
        struct options
        {
            net::ip_address address{net::ip_address::from_string("127.0.0.1")};
            uint16_t        port{8080};
        };

        /// Throws std::runtime_error for a null scheduler or context, or if the socket cannot be created.
        explicit client(
            std::shared_ptr<io_scheduler> scheduler,
            std::shared_ptr<context>      tls_ctx,
            options opts = options{.address = {net::ip_address::from_string("127.0.0.1")}, .port = 8080});
        client(const client&) = delete;
        client(client&& other) noexcept;
        auto operator=(const client&) noexcept -> client& = delete;
        auto operator=(client&& other) noexcept -> client&;
        /// Sends a TLS close_notify (best effort, never blocks) if the session is healthy, then frees it.
        ~client();

        auto socket() -> net::socket& { return m_socket; }
        auto socket() const -> const net::socket& { return m_socket; }

        /// TCP connect then TLS client handshake; each wait uses `timeout` (0 = forever). Cached after the
        /// first call.
        auto connect(std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) -> coro::task<connection_status>;

        /// Reads decrypted bytes into `buffer`: {ok, bytes}, {closed, {}} after the peer's close_notify,
        /// {timeout, {}} or an OpenSSL error status. `timeout` nullopt/0 waits forever.
        template <concepts::v14::mutable_buffer buffer_type>
        auto recv(buffer_type& buffer, std::optional<std::chrono::milliseconds> timeout = std::nullopt)
            -> coro::task<std::pair<recv_status, std::span<char>>>
        {
            return recv_impl(buffer.data(), buffer.size(), timeout);
        }

        /// Writes the whole buffer as TLS records: {ok, unsent tail (empty)} or {status, {}}.
        template <concepts::v14::const_buffer buffer_type>
        auto send(const buffer_type& buffer, std::optional<std::chrono::milliseconds> timeout = std::nullopt)
            -> coro::task<std::pair<send_status, std::span<const char>>>
        {
            return send_impl(buffer.data(), buffer.size(), timeout);
        }

    private:
        struct tls_deleter
        {
            auto operator()(SSL* ssl) const noexcept -> void { SSL_free(ssl); }
        };
        using tls_unique_ptr = std::unique_ptr<SSL, tls_deleter>;

        friend server;
        /// The v0.16 classes are faces over the v0.14 ones (one TLS implementation).
        friend class coro::net::tls::v16::client;
        friend class coro::net::tls::v16::server;

        /// Accepted connection (server side); the TCP connection already exists.
        client(
            std::shared_ptr<io_scheduler> scheduler,
            std::shared_ptr<context>      tls_ctx,
            net::socket                   socket,
            options                       opts);

        auto create_session(bool server_side) -> connection_status;
        auto handshake(std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<connection_status>;
        auto poll(coro::poll_op op, std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<coro::v14::poll_status>
        {
            return m_io_scheduler->poll(m_socket, op, timeout);
        }
        auto recv_impl(char* data, std::size_t size, std::optional<std::chrono::milliseconds> timeout)
            -> coro::task<std::pair<recv_status, std::span<char>>>;
        auto send_impl(const char* data, std::size_t size, std::optional<std::chrono::milliseconds> timeout)
            -> coro::task<std::pair<send_status, std::span<const char>>>;
        /// end_session(), then closes the socket.
        auto close_session() noexcept -> void;
        /// Sends close_notify once without blocking (if the session is healthy) and frees the session.
        auto end_session() noexcept -> void;

        std::shared_ptr<io_scheduler>    m_io_scheduler{nullptr};
        std::shared_ptr<context>         m_tls_ctx{nullptr};
        options                          m_options{};
        net::socket                      m_socket{};
        std::optional<connection_status> m_connect_status{std::nullopt};
        tls_unique_ptr                   m_tls{nullptr};
        /// Set once OpenSSL reported a fatal error: no close_notify is sent then.
        bool m_tls_error{false};
    };

} // namespace v14
} // namespace coro::net::tls

    #include "coro/v16/net/tls/client.hpp"
#endif // LIBCORO_FEATURE_TLS
