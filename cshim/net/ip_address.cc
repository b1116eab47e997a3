// coro::net::ip_address behind the flat ABI of ip_address.h.

#include "cshim/net/ip_address.h"

#include <coro/net/ip_address.hpp>

#include <cerrno>
#include <cstring>
#include <exception>
#include <span>
#include <string>

namespace
{
auto gocoro_ip_known(int32_t domain) noexcept -> bool
{
    return domain == static_cast<int32_t>(coro::net::domain_t::ipv4) ||
           domain == static_cast<int32_t>(coro::net::domain_t::ipv6);
}

auto gocoro_ip_out(const coro::net::ip_address& a) noexcept -> gocoro_ip_result
{
    gocoro_ip_result r{};
    r.address.domain = static_cast<int32_t>(a.domain());
    auto data        = a.data();
    std::memcpy(r.address.bytes, data.data(), data.size());
    return r;
}

auto gocoro_ip_error(int e) noexcept -> gocoro_ip_result
{
    gocoro_ip_result r{};
    r.status = -e;
    return r;
}

auto gocoro_ip_text_of(const std::string& s) noexcept -> gocoro_ip_text
{
    gocoro_ip_text t{};
    if (s.size() >= sizeof(t.text))
    {
        t.len = -ENOSPC;
        return t;
    }
    std::memcpy(t.text, s.c_str(), s.size() + 1);
    t.len = static_cast<int32_t>(s.size());
    return t;
}
} // namespace

extern "C" {

gocoro_ip_result gocoro_ip_address_from_string(const char* text, size_t len, int32_t domain)
{
    if (!gocoro_ip_known(domain))
    {
        return gocoro_ip_error(EAFNOSUPPORT);
    }
    // from_string hands c_str() to inet_pton, which would stop at an embedded NUL and accept a prefix.
    if (len > 0 && (text == nullptr || std::memchr(text, '\0', len) != nullptr))
    {
        return gocoro_ip_error(EINVAL);
    }
    try
    {
        std::string s = len > 0 ? std::string{text, len} : std::string{};
        return gocoro_ip_out(coro::net::ip_address::from_string(s, static_cast<coro::net::domain_t>(domain)));
    }
    catch (const std::bad_alloc&)
    {
        return gocoro_ip_error(ENOMEM);
    }
    catch (const std::exception&)
    {
        return gocoro_ip_error(EINVAL);
    }
}

gocoro_ip_result gocoro_ip_address_from_bytes(const uint8_t* bytes, size_t len, int32_t domain)
{
    if (!gocoro_ip_known(domain))
    {
        return gocoro_ip_error(EAFNOSUPPORT);
    }
    try
    {
        coro::net::ip_address a{
            std::span<const uint8_t>{len > 0 ? bytes : nullptr, len}, static_cast<coro::net::domain_t>(domain)};
        return gocoro_ip_out(a);
    }
    catch (const std::exception&)
    {
        return gocoro_ip_error(EINVAL);
    }
}

gocoro_ip_text gocoro_ip_address_to_string(gocoro_ip_address address)
{
    gocoro_ip_text t{};
    if (!gocoro_ip_known(address.domain))
    {
        t.len = -EAFNOSUPPORT;
        return t;
    }
    try
    {
        coro::net::ip_address a{
            std::span<const uint8_t>{
                address.bytes,
                address.domain == AF_INET ? coro::net::ip_address::ipv4_len : coro::net::ip_address::ipv6_len},
            static_cast<coro::net::domain_t>(address.domain)};
        return gocoro_ip_text_of(a.to_string());
    }
    catch (const std::exception&)
    {
        t.len = -EINVAL;
        return t;
    }
}

gocoro_ip_text gocoro_ip_domain_to_string(int32_t domain)
{
    try
    {
        return gocoro_ip_text_of(coro::net::to_string(static_cast<coro::net::domain_t>(domain)));
    }
    catch (const std::exception&)
    {
        gocoro_ip_text t{};
        t.len = -EAFNOSUPPORT;
        return t;
    }
}

} // extern "C"
