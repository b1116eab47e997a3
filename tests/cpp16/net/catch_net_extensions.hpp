#pragma once
// Catch2 matchers for net::io_status (upstream's test/net/catch_net_extensions.hpp provides the same two):
// IsOk() and IsError(kind), plus a printer so failures show the status.

#include <catch2/catch.hpp>

#include <coro/net/io_status.hpp>

#include <string>

namespace Catch
{
template <>
struct StringMaker<coro::net::io_status>
{
    static auto convert(const coro::net::io_status& status) -> std::string
    {
        return "io_status{" + std::string{coro::net::to_string(status.type)} +
               ", native_code=" + std::to_string(status.native_code) + "}";
    }
};
} // namespace Catch

namespace net_test
{
class io_status_matcher : public Catch::MatcherBase<coro::net::io_status>
{
public:
    explicit io_status_matcher(coro::net::io_status::kind kind) : m_kind(kind) {}

    auto match(const coro::net::io_status& status) const -> bool override { return status.type == m_kind; }
    auto describe() const -> std::string override { return "is " + std::string{coro::net::to_string(m_kind)}; }

private:
    coro::net::io_status::kind m_kind;
};

inline auto IsOk() -> io_status_matcher
{
    return io_status_matcher{coro::net::io_status::kind::ok};
}

inline auto IsError(coro::net::io_status::kind kind) -> io_status_matcher
{
    return io_status_matcher{kind};
}
} // namespace net_test
