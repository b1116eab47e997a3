#pragma once

// libcoro v0.16 tls::client (D32): constructed from a std::unique_ptr<coro::scheduler>& and a socket_address, spans
// of the buffer's element type, shutdown(). With LIBCORO_API_VERSION 1600, coro::net::tls::client is this class; the
// v0.14 one is coro::net::tls::v14::client (coro/net/tls/client.hpp), which this one drives: one TLS implementation.
// Included by coro/net/tls/client.hpp.

#ifdef LIBCORO_FEATURE_TLS

    #include "coro/concepts/buffer.hpp"
    #include "coro/net/socket_address.hpp"
    #include "coro/task.hpp"

    #include <chrono>
    #include <memory>
    #include <optional>
    #include <span>
    #include <utility>

namespace coro
{
class scheduler;
} // namespace coro

namespace coro::net::tls
{
LIBCORO_INLINE_V16 namespace v16
{
    /// A TLS connection over a non-blocking TCP socket (IPv4 or IPv6), driven by a coro::scheduler. Not thread-safe:
    /// one coroutine at a time per client. Move-only.
    class client
    {
    public:
        /// std::runtime_error for a null scheduler or context, or if the socket cannot be created. The scheduler must
        /// outlive the client.
        explicit client(
            std::unique_ptr<coro::scheduler>& scheduler,
            std::shared_ptr<context>          tls_ctx,
            const net::socket_address&        endpoint);
        client(const client&)                              = delete;
        client(client&& other) noexcept                    = default;
        auto operator=(const client&) -> client&           = delete;
        auto operator=(client&& other) noexcept -> client& = default;
        /// Never blocks (D38.20, decided): if shutdown() was not called, sends close_notify once without waiting, as
        /// the v0.14 client does (upstream v0.16 blocks in sync_wait(shutdown(30 s))).
        ~client() = default;

        [[nodiscard]] auto socket() -> net::socket& { return m_inner.socket(); }
        [[nodiscard]] auto socket() const -> const net::socket& { return m_inner.socket(); }

        /// TCP connect then TLS client handshake; each wait uses `timeout` (0 = forever). Cached after the first call.
        auto connect(std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) -> coro::task<connection_status>
        {
            return m_inner.connect(timeout);
        }

        /// Reads decrypted bytes: {ok, the bytes read}, {closed, {}} after the peer's close_notify, {timeout, {}} or an
        /// OpenSSL error status. `timeout` nullopt/0 waits forever.
        template <
            concepts::v16::mutable_buffer buffer_type,
            typename element_type = typename concepts::v16::mutable_buffer_traits<buffer_type>::element_type>
        auto recv(buffer_type& buffer, std::optional<std::chrono::milliseconds> timeout = std::nullopt)
            -> coro::task<std::pair<recv_status, std::span<element_type>>>
        {
            static_assert(sizeof(element_type) == 1, "tls::client reads into buffers of 1-byte elements");
            std::span<char> bytes{reinterpret_cast<char*>(buffer.data()), buffer.size()};
            auto [status, read] = co_await m_inner.recv(bytes, timeout);
            co_return {status, std::span<element_type>{buffer.data(), read.size()}};
        }

        /// Writes the whole buffer as TLS records: {ok, {}} or {status, the unsent tail}.
        template <
            concepts::v16::const_buffer buffer_type,
            typename element_type = typename concepts::v16::const_buffer_traits<buffer_type>::element_type>
        auto send(const buffer_type& buffer, std::optional<std::chrono::milliseconds> timeout = std::nullopt)
            -> coro::task<std::pair<send_status, std::span<element_type>>>
        {
            static_assert(sizeof(element_type) == 1, "tls::client writes buffers of 1-byte elements");
            std::span<const char> bytes{reinterpret_cast<const char*>(buffer.data()), buffer.size()};
            auto [status, rest] = co_await m_inner.send(bytes, timeout);
            const auto unsent   = status == send_status::ok ? rest.size() : buffer.size();
            co_return {status, std::span<element_type>{buffer.data() + (buffer.size() - unsent), unsent}};
        }

        /// Ends the TLS session once: sends close_notify (if the session is healthy) without waiting for the peer's,
        /// then frees the session; the socket stays open until the client is destroyed. Later calls do nothing, and
        /// recv/send afterwards report error.
        auto shutdown() -> coro::task<void> { return shutdown(std::chrono::seconds{30}); }

        /// As shutdown(); `timeout` is accepted for source compatibility and not needed: nothing is waited for.
        template <typename rep, typename period>
        auto shutdown(std::chrono::duration<rep, period> timeout) -> coro::task<void>
        {
            (void)timeout;
            end_session();
            co_return;
        }

    private:
        friend server;
        explicit client(v14::client inner) : m_inner(std::move(inner)) {}

        auto end_session() noexcept -> void;

        v14::client m_inner;
    };

} // namespace v16
} // namespace coro::net::tls

#endif // LIBCORO_FEATURE_TLS
