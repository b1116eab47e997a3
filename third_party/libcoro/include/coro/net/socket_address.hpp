#pragma once

// libcoro v0.16 (D26): an IP address and a port, ready for bind/connect/sendto or to be filled by accept/recvfrom.
// New in v0.16, so one definition for both API versions.

#include "coro/net/ip_address.hpp"

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <utility>

namespace coro::net
{
class socket_address
{
public:
    /// Parses `ip` for `domain` (std::runtime_error for invalid text or a mismatched domain). Not explicit, so
    /// `{"127.0.0.1", 8080}` converts.
    socket_address(std::string_view ip, std::uint16_t port, domain_t domain = domain_t::ipv4);
    socket_address(const ip_address& ip, std::uint16_t port);

    /// The sockaddr (sockaddr_in or sockaddr_in6) and its length.
    [[nodiscard]] auto data() const& -> std::pair<const sockaddr*, socklen_t>
    {
        return {reinterpret_cast<const sockaddr*>(&m_storage), m_len};
    }
    auto data() const&& -> std::pair<const sockaddr*, socklen_t> = delete;

    /// Storage and length for the kernel to fill (accept, recvfrom, getsockname); set the length to the storage's
    /// size first (make_uninitialised() does).
    [[nodiscard]] auto native_mutable_data() & -> std::pair<sockaddr*, socklen_t*>
    {
        return {reinterpret_cast<sockaddr*>(&m_storage), &m_len};
    }

    /// Decode the stored address; std::runtime_error unless it is AF_INET or AF_INET6 (e.g. uninitialised).
    [[nodiscard]] auto ip() const -> ip_address;
    [[nodiscard]] auto domain() const -> domain_t;
    /// Host byte order.
    [[nodiscard]] auto port() const -> std::uint16_t;

    /// Same length, domain, port and address bytes.
    auto operator==(const socket_address& other) const -> bool;

    /// Zeroed storage of full length, to be filled through native_mutable_data().
    static auto make_uninitialised() -> socket_address { return socket_address{}; }

    /// ip().to_string() + ":" + port; IPv6 without brackets ("::1:443"), as upstream (D38.11, kept).
    auto to_string() const -> std::string;

private:
    socket_address() = default;

    sockaddr_storage m_storage{};
    socklen_t        m_len = sizeof(sockaddr_storage);
};

inline auto operator<<(std::ostream& os, const socket_address& address) -> std::ostream&
{
    return os << address.to_string();
}

} // namespace coro::net
