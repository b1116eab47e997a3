#include "coro/net/socket_address.hpp"
#include "coro/net/socket.hpp"

#include <cstring>
#include <netinet/in.h>
#include <stdexcept>

namespace coro::net
{
socket_address::socket_address(std::string_view ip, std::uint16_t port, domain_t domain)
    : socket_address(ip_address::from_string(ip, domain), port)
{
}

socket_address::socket_address(const ip_address& ip, std::uint16_t port)
    : m_len(detail::to_sockaddr(ip, port, m_storage))
{
}

auto socket_address::domain() const -> domain_t
{
    switch (m_storage.ss_family)
    {
        case AF_INET:
            return domain_t::ipv4;
        case AF_INET6:
            return domain_t::ipv6;
        default:
            throw std::runtime_error{
                "coro::net::socket_address: address family " + std::to_string(m_storage.ss_family) +
                " is neither AF_INET nor AF_INET6"};
    }
}

auto socket_address::ip() const -> ip_address
{
    (void)domain(); // throws for an unknown family
    ip_address    address{};
    std::uint16_t port{0};
    detail::from_sockaddr(m_storage, address, port);
    return address;
}

auto socket_address::port() const -> std::uint16_t
{
    (void)domain();
    ip_address    address{};
    std::uint16_t port{0};
    detail::from_sockaddr(m_storage, address, port);
    return port;
}

auto socket_address::operator==(const socket_address& other) const -> bool
{
    if (m_len != other.m_len || m_storage.ss_family != other.m_storage.ss_family)
    {
        return false;
    }
    if (m_storage.ss_family != AF_INET && m_storage.ss_family != AF_INET6)
    {
        return std::memcmp(&m_storage, &other.m_storage, m_len) == 0;
    }
    return port() == other.port() && ip() == other.ip();
}

auto socket_address::to_string() const -> std::string
{
    return ip().to_string() + ":" + std::to_string(port());
}

} // namespace coro::net
