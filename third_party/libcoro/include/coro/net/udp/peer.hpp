#pragma once

// The v0.14 class, in namespace v14; the v0.16 one is in coro/v16/net/udp/peer.hpp.

#include "coro/api_version.hpp"
#include "coro/concepts/buffer.hpp"
#include "coro/gocoro_extensions.hpp"
#include "coro/io_scheduler.hpp"
#include "coro/net/ip_address.hpp"
#include "coro/net/recv_status.hpp"
#include "coro/net/send_status.hpp"
#include "coro/net/socket.hpp"
#include "coro/task.hpp"

#include <cerrno>
#include <chrono>
#include <compare>
#include <cstring>
#include <memory>
#include <netinet/in.h>
#include <span>
#include <sys/socket.h>
#include <tuple>
#include <utility>

namespace coro::net::udp
{
LIBCORO_INLINE_V14 namespace v14
{
    /// A UDP endpoint. Unbound peers can only send; bound peers send and receive.
    class peer
    {
    public:
        struct info
        {
            net::ip_address address{net::ip_address::from_string("127.0.0.1")};
            uint16_t        port{8080};

            auto operator<=>(const info& other) const = default;
        };

        /// Send-only peer: an unbound non-blocking UDP socket.
        explicit peer(std::shared_ptr<io_scheduler> scheduler, net::domain_t domain = net::domain_t::ipv4);
        /// Peer bound to bind_info (port reuse, non-blocking); can send and receive. Port 0 picks a free port
        /// (see local_port(peer.socket())).
        explicit peer(std::shared_ptr<io_scheduler> scheduler, const info& bind_info);

        peer(const peer&)                    = default;
        peer(peer&&)                         = default;
        auto operator=(const peer&) -> peer& = default;
        auto operator=(peer&&) -> peer&      = default;
        ~peer()                              = default;

        auto poll(poll_op op, std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<coro::v14::poll_status>
        {
            return m_io_scheduler->poll(m_socket, op, timeout);
        }

        /// One non-blocking sendto: {ok, unsent tail} or {errno status, {}}.
        template <concepts::v14::const_buffer buffer_type>
        auto sendto(const info& peer_info, const buffer_type& buffer) -> std::pair<send_status, std::span<const char>>
        {
            if (buffer.empty())
            {
                return {send_status::ok, std::span<const char>{}};
            }
            sockaddr_storage addr{};
            socklen_t        len = net::detail::to_sockaddr(peer_info.address, peer_info.port, addr);
            auto             n   = ::sendto(
                m_socket.native_handle(),
                buffer.data(),
                buffer.size(),
                MSG_NOSIGNAL,
                reinterpret_cast<sockaddr*>(&addr),
                len);
            if (n >= 0)
            {
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
            return {static_cast<send_status>(err), std::span<const char>{}};
        }

        /// One non-blocking recvfrom: {ok, sender, bytes}, {udp_not_bound, {}, {}} or {errno status, {}, {}}.
        template <concepts::v14::mutable_buffer buffer_type>
        auto recvfrom(buffer_type&& buffer) -> std::tuple<recv_status, peer::info, std::span<char>>
        {
            if (!m_bound)
            {
                return {recv_status::udp_not_bound, peer::info{}, std::span<char>{}};
            }
            sockaddr_storage addr{};
            socklen_t        len = sizeof(addr);
            auto             n   = ::recvfrom(
                m_socket.native_handle(), buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&addr), &len);
            if (n < 0)
            {
                // Only "would block" says the queue is empty: a datagram socket may hold more after a short read.
                const int err = errno;
                if (err == EAGAIN || err == EWOULDBLOCK)
                {
#if GOCORO_CORE_EXTENSIONS
                    m_io_scheduler->note_drained(m_socket.native_handle(), coro::poll_op::read);
#endif
                }
                return {static_cast<recv_status>(err), peer::info{}, std::span<char>{}};
            }
            peer::info sender{};
            net::detail::from_sockaddr(addr, sender.address, sender.port);
            return {recv_status::ok, sender, std::span<char>{buffer.data(), static_cast<std::size_t>(n)}};
        }

#if GOCORO_CORE_EXTENSIONS
        /// Extension (not in libcoro v0.14): the peer's socket, e.g. for local_port().
        auto socket() const -> const net::socket& { return m_socket; }
#endif

    private:
        std::shared_ptr<io_scheduler> m_io_scheduler{nullptr};
        net::socket                   m_socket{-1};
        bool                          m_bound{false};
    };

} // namespace v14
} // namespace coro::net::udp

#include "coro/v16/net/udp/peer.hpp"
