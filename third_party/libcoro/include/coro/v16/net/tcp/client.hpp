#pragma once

// libcoro v0.16 tcp::client (D29): owned by a std::unique_ptr<coro::scheduler>, Read/Write API with timeouts
// (read_some, read_exact, write_some, write_all) reporting net::io_status. With LIBCORO_API_VERSION 1600,
// coro::net::tcp::client is this class; the v0.14 one is coro::net::tcp::v14::client (coro/net/tcp/client.hpp).

#include "coro/api_version.hpp"
#include "coro/concepts/buffer.hpp"
#include "coro/gocoro_extensions.hpp"
#include "coro/net/connect.hpp"
#include "coro/net/io_status.hpp"
#include "coro/net/socket.hpp"
#include "coro/net/socket_address.hpp"
#include "coro/task.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <utility>

namespace coro
{
class scheduler;
} // namespace coro

namespace coro::net::tcp
{
LIBCORO_INLINE_V16 namespace v16
{
    class server;

    /// A TCP connection driven by a coro::scheduler. Not thread-safe: one coroutine at a time per client. A timeout of
    /// 0 waits forever; read_exact / write_all treat it as one deadline for the whole operation.
    class client
    {
    public:
        /// A non-blocking TCP socket of the endpoint's family (not connected yet). The scheduler is kept as a raw
        /// pointer and must outlive the client. std::runtime_error for a null scheduler or if the socket cannot be
        /// created.
        explicit client(std::unique_ptr<coro::scheduler>& scheduler, net::socket_address endpoint);
        /// Shares the scheduler, dup()s the socket, copies the endpoint and the connect outcome.
#if GOCORO_CORE_EXTENSIONS
        /// Adopts an already connected socket (gocoro extension; upstream only lets tcp::server do this), e.g. one a
        /// net/server connection handed over; `peer` is what the client reports as its endpoint.
        client(std::unique_ptr<coro::scheduler>& scheduler, net::socket connected, net::socket_address peer);
#endif
        client(const client& other);
        client(client&& other) noexcept;
        auto operator=(const client& other) noexcept -> client&;
        auto operator=(client&& other) noexcept -> client&;
        ~client();

        [[nodiscard]] auto socket() -> net::socket& { return m_socket; }
        [[nodiscard]] auto socket() const -> const net::socket& { return m_socket; }

        /// Connects once; later calls return the first outcome (connected, timeout or error).
        auto connect(std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<net::connect_status>;

        /// Waits for data and reads once: {ok, the bytes read (maybe fewer than the buffer holds)}, {closed, {}} at
        /// end of stream, {timeout, {}}, or the error. An empty buffer gives {ok, {}} at once.
        template <
            concepts::v16::mutable_buffer buffer_type,
            typename element_type = typename concepts::v16::mutable_buffer_traits<buffer_type>::element_type>
        auto read_some(buffer_type& buffer, const std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<std::pair<io_status, std::span<element_type>>>
        {
            auto bytes       = std::as_writable_bytes(std::span{buffer});
            auto [status, n] = co_await read_bytes(bytes, timeout, false);
            co_return {status, std::span<element_type>{buffer.data(), n / sizeof(element_type)}};
        }

        /// Reads until the buffer is full: {ok, whole buffer}, or the first failure with the prefix read so far
        /// ({timeout, prefix} once the deadline passed).
        template <
            concepts::v16::mutable_buffer buffer_type,
            typename element_type = typename concepts::v16::mutable_buffer_traits<buffer_type>::element_type>
        auto read_exact(buffer_type& buffer, const std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<std::pair<io_status, std::span<element_type>>>
        {
            auto bytes       = std::as_writable_bytes(std::span{buffer});
            auto [status, n] = co_await read_bytes(bytes, timeout, true);
            co_return {status, std::span<element_type>{buffer.data(), n / sizeof(element_type)}};
        }

        /// Waits until the socket is writable and sends once: {ok, unsent tail (empty when all went out)}, or the
        /// failure with the whole buffer. Never raises SIGPIPE.
        template <
            concepts::v16::const_buffer buffer_type,
            typename element_type = typename concepts::v16::const_buffer_traits<buffer_type>::element_type>
        auto write_some(
            const buffer_type&              buffer,
            const std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<std::pair<io_status, std::span<element_type>>>
        {
            static_assert(sizeof(element_type) == 1, "tcp::client writes buffers of 1-byte elements");
            auto [status, n] =
                co_await write_bytes(std::as_bytes(std::span{buffer.data(), buffer.size()}), timeout, false);
            co_return {status, std::span<element_type>{buffer.data() + n, buffer.size() - n}};
        }

        /// Sends the whole buffer: {ok, {}}, or the first failure with the unsent tail ({timeout, tail} once the
        /// deadline passed).
        template <
            concepts::v16::const_buffer buffer_type,
            typename element_type = typename concepts::v16::const_buffer_traits<buffer_type>::element_type>
        auto write_all(
            const buffer_type&              buffer,
            const std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<std::pair<io_status, std::span<element_type>>>
        {
            static_assert(sizeof(element_type) == 1, "tcp::client writes buffers of 1-byte elements");
            auto [status, n] =
                co_await write_bytes(std::as_bytes(std::span{buffer.data(), buffer.size()}), timeout, true);
            co_return {status, std::span<element_type>{buffer.data() + n, buffer.size() - n}};
        }

    private:
        friend server;
        /// An accepted connection (connect status preset to connected).
        client(coro::scheduler* scheduler, net::socket socket, const net::socket_address& endpoint);

        /// read_some (exact = false) or read_exact: the status and how many bytes were read.
        auto read_bytes(std::span<std::byte> buffer, std::chrono::milliseconds timeout, bool exact)
            -> coro::task<std::pair<io_status, std::size_t>>;
        /// write_some (all = false) or write_all: the status and how many bytes were sent.
        auto write_bytes(std::span<const std::byte> buffer, std::chrono::milliseconds timeout, bool all)
            -> coro::task<std::pair<io_status, std::size_t>>;
        /// One read_some (std::byte) or write_some (const std::byte) step with `timeout` (0 = none). Defined and
        /// instantiated in client.cpp only.
        template <typename byte_type>
        auto transfer_once(std::span<byte_type> buffer, std::chrono::milliseconds timeout)
            -> coro::task<std::pair<io_status, std::size_t>>;
        /// read_exact / write_all: transfer_once until the whole buffer moved, the deadline passed or a step failed.
        template <typename byte_type>
        auto transfer_all(std::span<byte_type> buffer, std::chrono::milliseconds timeout)
            -> coro::task<std::pair<io_status, std::size_t>>;

        coro::scheduler*                   m_scheduler{nullptr};
        net::socket_address                m_endpoint;
        net::socket                        m_socket{};
        std::optional<net::connect_status> m_connect_status{std::nullopt};
        /// Readiness cache: when set, an operation tries the system call before polling (cleared on would-block).
        bool m_maybe_readable{false};
        bool m_maybe_writable{false};
    };

} // namespace v16
} // namespace coro::net::tcp
