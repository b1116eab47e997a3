#include <catch2/catch.hpp>

#include <coro/net/io_status.hpp>
#include <coro/net/recv_status.hpp>
#include <coro/net/send_status.hpp>

#include <cerrno>
#include <cstdio>
#include <type_traits>
#include <utility>
#include <vector>

// Parity scenarios 415-416 (test/net/test_io_status.cpp). Catch2 v2 has no GENERATE(table<...>) of enums with
// names, so each row is a section of a loop; the rows are the scenario's.

TEST_CASE("Mapping native codes", "[io_status]")
{
    using kind = coro::net::io_status::kind;
    const std::vector<std::pair<int, kind>> rows{
        {0, kind::ok},
        {EOF, kind::closed},
        {ECONNREFUSED, kind::connection_refused},
        {ECONNRESET, kind::connection_reset},
        {EAGAIN, kind::would_block_or_try_again},
        {EMSGSIZE, kind::message_too_big},
        {123456, kind::native}};
    for (const auto& [code, expected] : rows)
    {
        INFO("native code " << code);
        const auto status = coro::net::make_io_status_from_native(code);
        CHECK(status.type == expected);
        CHECK(status.native_code == code);
    }
}

TEST_CASE("Mapping poll_status", "[io_status]")
{
    using kind = coro::net::io_status::kind;
    using ps   = coro::poll_status;
    const std::vector<std::pair<ps, kind>> rows{
        {ps::read, kind::ok},
        {ps::write, kind::ok},
        {ps::timeout, kind::timeout},
        {ps::error, kind::polling_error},
        {ps::closed, kind::closed},
        {ps::cancelled, kind::cancelled}};
    for (const auto& [poll, expected] : rows)
    {
        INFO("poll_status " << coro::to_string(poll));
        CHECK(coro::net::make_io_status_from_poll_status(poll).type == expected);
    }
}

TEST_CASE("io_status accessors and messages", "[io_status]")
{
    using coro::net::io_status;
    CHECK(io_status{}.is_ok());
    CHECK(static_cast<bool>(io_status{io_status::kind::ok}));
    CHECK_FALSE(static_cast<bool>(io_status{io_status::kind::timeout}));
    CHECK(io_status{io_status::kind::timeout}.is_timeout());
    CHECK(io_status{io_status::kind::closed}.is_closed());
    CHECK(io_status{io_status::kind::would_block_or_try_again}.would_block());
    CHECK(io_status{io_status::kind::would_block_or_try_again}.try_again());
    CHECK(coro::net::make_io_status_from_native(EPIPE).is_native());
    CHECK(io_status{io_status::kind::cancelled}.message() == "Operation cancelled");
    CHECK(io_status{.type = io_status::kind::native, .native_code = 0}.message() == "Success");
    CHECK(coro::net::make_io_status_from_native(EPIPE).message() == "Broken pipe");
    CHECK(coro::net::to_string(io_status::kind::unknown) == "unknown");
    CHECK(
        coro::net::make_io_status_from_poll_status(static_cast<coro::poll_status>(42)).type ==
        io_status::kind::unknown);
}

// A recorded deviation from upstream v0.16 (which removed them): v0.14's recv_status / send_status stay declared in
// v0.16 translation units (one unversioned definition serves the v0.14 net classes); v0.16 I/O reports io_status.
static_assert(std::is_enum_v<coro::net::recv_status> && std::is_enum_v<coro::net::send_status>);
