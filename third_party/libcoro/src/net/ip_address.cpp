#include "coro/net/ip_address.hpp"

#include <cstring>
#include <stdexcept>

namespace coro::net
{
auto to_string(domain_t domain) -> const std::string&
{
    static const std::string ipv4{"ipv4"};
    static const std::string ipv6{"ipv6"};
    switch (domain)
    {
        case domain_t::ipv4:
            return ipv4;
        case domain_t::ipv6:
            return ipv6;
    }
    throw std::runtime_error{
        "coro::net::to_string(domain_t): unknown domain " + std::to_string(static_cast<int>(domain))};
}

ip_address::ip_address(std::span<const uint8_t> binary_address, domain_t domain) : m_domain(domain)
{
    const std::size_t max = (domain == domain_t::ipv4) ? ipv4_len : ipv6_len;
    if (binary_address.size() > max)
    {
        throw std::runtime_error{
            "coro::net::ip_address: " + std::to_string(binary_address.size()) + " bytes is too long for " +
            (domain == domain_t::ipv4 ? "ipv4" : "ipv6")};
    }
    std::memcpy(m_data.data(), binary_address.data(), binary_address.size());
}

auto ip_address::from_string(std::string_view text, domain_t domain) -> ip_address
{
    // inet_pton needs a NUL-terminated string; a view need not be one (upstream passes data() as is: D38.11).
    const std::string address{text};
    ip_address        result{};
    result.m_domain = domain;
    if (::inet_pton(static_cast<int>(domain), address.c_str(), result.m_data.data()) != 1)
    {
        throw std::runtime_error{
            "coro::net::ip_address::from_string: \"" + address + "\" is not a valid " +
            (domain == domain_t::ipv4 ? "ipv4" : "ipv6") + " address"};
    }
    return result;
}

auto ip_address::to_string() const -> std::string
{
    char buffer[INET6_ADDRSTRLEN]{};
    if (::inet_ntop(static_cast<int>(m_domain), m_data.data(), buffer, sizeof(buffer)) == nullptr)
    {
        throw std::runtime_error{"coro::net::ip_address::to_string: inet_ntop failed"};
    }
    return std::string{buffer};
}

} // namespace coro::net
