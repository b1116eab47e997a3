#pragma once

#include <arpa/inet.h>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <sys/socket.h>

namespace coro::net
{
/// Address family of an ip_address / socket. Values are the kernel's AF_* constants.
enum class domain_t : int
{
    ipv4 = AF_INET,
    ipv6 = AF_INET6
};

/// "ipv4" or "ipv6"; throws std::runtime_error for any other value.
auto to_string(domain_t domain) -> const std::string&;

/// An IPv4 or IPv6 address in network byte order (4 or 16 significant bytes, the rest zero).
class ip_address
{
public:
    static const constexpr std::size_t ipv4_len{4};
    static const constexpr std::size_t ipv6_len{16};

    ip_address() = default;

    /// Copies `binary_address` (network byte order). Throws std::runtime_error if it is longer than the
    /// domain's length.
    ip_address(std::span<const uint8_t> binary_address, domain_t domain = domain_t::ipv4);

    ip_address(const ip_address&)                             = default;
    ip_address(ip_address&&)                                  = default;
    auto operator=(const ip_address&) noexcept -> ip_address& = default;
    auto operator=(ip_address&&) noexcept -> ip_address&      = default;
    ~ip_address()                                             = default;

    auto domain() const -> domain_t { return m_domain; }

    /// 4 bytes for ipv4, 16 for ipv6.
    auto data() const -> std::span<const uint8_t>
    {
        return std::span<const uint8_t>{m_data.data(), m_domain == domain_t::ipv4 ? ipv4_len : ipv6_len};
    }

    /// Parses dotted-quad (ipv4) or RFC 4291 text (ipv6). Throws std::runtime_error on malformed text
    /// (empty string, "256.1.1.1", "::gg", ...), naming the offending text. (v0.16 signature, D25: a view, which
    /// need not be NUL-terminated; v0.14 took const std::string&, which converts.)
    static auto from_string(std::string_view address, domain_t domain = domain_t::ipv4) -> ip_address;

    /// Canonical text form ("127.0.0.1", "::1", "1::"). Throws std::runtime_error on failure.
    auto to_string() const -> std::string;

    auto operator<=>(const ip_address& other) const = default;

private:
    domain_t                      m_domain{domain_t::ipv4};
    std::array<uint8_t, ipv6_len> m_data{};
};

} // namespace coro::net
