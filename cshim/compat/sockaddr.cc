#include "cshim/compat/sockaddr.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <span>

namespace gocoro::compat
{
auto to_sockaddr(const coro::net::ip_address& address, uint16_t port, sockaddr_storage& out) noexcept -> socklen_t
{
    std::memset(&out, 0, sizeof(out));
    const auto bytes = address.data();
    if (address.domain() == coro::net::domain_t::ipv6)
    {
        auto* a6        = reinterpret_cast<sockaddr_in6*>(&out);
        a6->sin6_family = AF_INET6;
        a6->sin6_port   = htons(port);
        std::memcpy(&a6->sin6_addr, bytes.data(), sizeof(a6->sin6_addr));
        return sizeof(sockaddr_in6);
    }
    auto* a4       = reinterpret_cast<sockaddr_in*>(&out);
    a4->sin_family = AF_INET;
    a4->sin_port   = htons(port);
    std::memcpy(&a4->sin_addr, bytes.data(), sizeof(a4->sin_addr));
    return sizeof(sockaddr_in);
}

auto from_sockaddr(const sockaddr_storage& in, coro::net::ip_address& address, uint16_t& port) -> void
{
    if (in.ss_family == AF_INET6)
    {
        const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&in);
        address        = coro::net::ip_address{
            std::span<const uint8_t>{reinterpret_cast<const uint8_t*>(&a6->sin6_addr), sizeof(a6->sin6_addr)},
            coro::net::domain_t::ipv6};
        port = ntohs(a6->sin6_port);
        return;
    }
    const auto* a4 = reinterpret_cast<const sockaddr_in*>(&in);
    address        = coro::net::ip_address{
        std::span<const uint8_t>{reinterpret_cast<const uint8_t*>(&a4->sin_addr), sizeof(a4->sin_addr)},
        coro::net::domain_t::ipv4};
    port = ntohs(a4->sin_port);
}
} // namespace gocoro::compat
