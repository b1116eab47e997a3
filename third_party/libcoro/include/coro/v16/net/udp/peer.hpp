#pragma once

// libcoro v0.16 udp::peer (D31): write_to / read_from tasks with timeouts reporting net::io_status. With
// LIBCORO_API_VERSION 1600, coro::net::udp::peer is this class; the v0.14 one is coro::net::udp::v14::peer
// (coro/net/udp/peer.hpp).

#include "coro/api_version.hpp"
#include "coro/concepts/buffer.hpp"
#include "coro/net/io_status.hpp"
#include "coro/net/socket.hpp"
#include "coro/net/socket_address.hpp"
#include "coro/task.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <tuple>

namespace coro
{
class scheduler;
} // namespace coro

namespace coro::net::udp
{
LIBCORO_INLINE_V16 namespace v16
{
    /// A UDP endpoint driven by a coro::scheduler. Unbound peers can only send; bound peers send and receive. One
    /// coroutine at a time per peer; copies dup() the socket.
    class peer
    {
    public:
        /// An unbound non-blocking UDP socket of `domain`. std::runtime_error for a null scheduler.
        explicit peer(std::unique_ptr<coro::scheduler>& scheduler, net::domain_t domain = net::domain_t::ipv4);
        /// A socket bound to `endpoint` (SO_REUSEADDR + SO_REUSEPORT; port 0 picks a free port, see
        /// net::local_port(socket())). std::runtime_error for a null scheduler or if binding fails.
        explicit peer(std::unique_ptr<coro::scheduler>& scheduler, const net::socket_address& endpoint);
        peer(const peer& other) noexcept;
        peer(peer&& other) noexcept;
        auto operator=(const peer& other) noexcept -> peer&;
        auto operator=(peer&& other) noexcept -> peer&;
        ~peer() = default;

        auto socket() noexcept -> net::socket& { return m_socket; }
        auto socket() const noexcept -> const net::socket& { return m_socket; }

        /// Sends `buffer` as one datagram to `address` (an empty buffer sends nothing and reports ok): ok, a poll
        /// failure (timeout, ...) or the send error (e.g. message_too_big). `timeout` 0 waits forever.
        template <concepts::v16::const_buffer buffer_type>
        auto write_to(
            const socket_address&     address,
            const buffer_type&        buffer,
            std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) -> coro::task<io_status>
        {
            return write_bytes(address, std::as_bytes(std::span{buffer.data(), buffer.size()}), timeout);
        }

        /// Receives one datagram: {ok, sender, its bytes}; {udp_not_bound, ...} for an unbound peer; otherwise the
        /// failure with an uninitialised address and no bytes. An empty buffer reports ok at once.
        template <concepts::v16::mutable_buffer buffer_type>
        auto read_from(buffer_type& buffer, std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<std::tuple<io_status, socket_address, std::span<std::byte>>>
        {
            return read_bytes(std::as_writable_bytes(std::span{buffer.data(), buffer.size()}), timeout);
        }

    private:
        /// Copies `address`: the caller's may be a temporary gone before the task runs.
        auto write_bytes(socket_address address, std::span<const std::byte> buffer, std::chrono::milliseconds timeout)
            -> coro::task<io_status>;
        auto read_bytes(std::span<std::byte> buffer, std::chrono::milliseconds timeout)
            -> coro::task<std::tuple<io_status, socket_address, std::span<std::byte>>>;

        coro::scheduler* m_scheduler{nullptr};
        net::socket      m_socket{};
        bool             m_bound{false};
        /// Readiness cache (as tcp::client's; a fresh UDP socket can send, so writes start optimistic).
        bool m_maybe_readable{false};
        bool m_maybe_writable{true};
    };

} // namespace v16
} // namespace coro::net::udp
