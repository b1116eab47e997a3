#include <catch2/catch.hpp>

#include <coro/net/ip_address.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

// Parity scenarios 413-414 (test/net/test_ip_address.cpp), plus D25's string_view argument.

TEST_CASE("net::ip_address from_string() ipv4")
{
    {
        auto ip = coro::net::ip_address::from_string("127.0.0.1");
        REQUIRE(ip.to_string() == "127.0.0.1");
        REQUIRE(ip.domain() == coro::net::domain_t::ipv4);
        std::array<uint8_t, coro::net::ip_address::ipv4_len> expected{127, 0, 0, 1};
        REQUIRE(std::equal(expected.begin(), expected.end(), ip.data().begin()));
    }
    {
        auto ip = coro::net::ip_address::from_string("255.255.0.0");
        REQUIRE(ip.to_string() == "255.255.0.0");
        REQUIRE(ip.domain() == coro::net::domain_t::ipv4);
        std::array<uint8_t, coro::net::ip_address::ipv4_len> expected{255, 255, 0, 0};
        REQUIRE(std::equal(expected.begin(), expected.end(), ip.data().begin()));
    }
}

TEST_CASE("net::ip_address from_string() ipv6")
{
    {
        auto ip =
            coro::net::ip_address::from_string("0123:4567:89ab:cdef:0123:4567:89ab:cdef", coro::net::domain_t::ipv6);
        REQUIRE(ip.to_string() == "123:4567:89ab:cdef:123:4567:89ab:cdef");
        REQUIRE(ip.domain() == coro::net::domain_t::ipv6);
        std::array<uint8_t, coro::net::ip_address::ipv6_len> expected{
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
        REQUIRE(std::equal(expected.begin(), expected.end(), ip.data().begin()));
    }
    for (const std::string text : {"::", "::1", "1::1", "1::"})
    {
        auto ip = coro::net::ip_address::from_string(text, coro::net::domain_t::ipv6);
        REQUIRE(ip.to_string() == text);
        REQUIRE(ip.domain() == coro::net::domain_t::ipv6);
    }
}

TEST_CASE("net::ip_address from_string() of a view that is not NUL-terminated")
{
    // D25 takes a std::string_view; the text must end where the view ends, not at the next NUL.
    const std::string_view text{"10.0.0.12345", 8};
    CHECK(coro::net::ip_address::from_string(text).to_string() == "10.0.0.1");
    CHECK_THROWS_AS(coro::net::ip_address::from_string(std::string_view{"10.0.0.1", 5}), std::runtime_error);
}
