#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <array>
#include <stdexcept>
#include <string>

// Parity scenarios 108-109 (test/net/test_ip_address.cpp) plus malformed-address errors.

TEST_CASE("net::ip_address from_string() ipv4")
{
    {
        auto ip_addr = coro::net::ip_address::from_string("127.0.0.1");
        REQUIRE(ip_addr.to_string() == "127.0.0.1");
        REQUIRE(ip_addr.domain() == coro::net::domain_t::ipv4);
        std::array<uint8_t, coro::net::ip_address::ipv4_len> expected{127, 0, 0, 1};
        REQUIRE(std::equal(expected.begin(), expected.end(), ip_addr.data().begin()));
    }
    {
        auto ip_addr = coro::net::ip_address::from_string("255.255.0.0");
        REQUIRE(ip_addr.to_string() == "255.255.0.0");
        REQUIRE(ip_addr.domain() == coro::net::domain_t::ipv4);
        std::array<uint8_t, coro::net::ip_address::ipv4_len> expected{255, 255, 0, 0};
        REQUIRE(std::equal(expected.begin(), expected.end(), ip_addr.data().begin()));
    }
}

TEST_CASE("net::ip_address from_string() ipv6")
{
    using coro::net::domain_t;
    using coro::net::ip_address;
    {
        auto ip_addr = ip_address::from_string("0123:4567:89ab:cdef:0123:4567:89ab:cdef", domain_t::ipv6);
        REQUIRE(ip_addr.to_string() == "123:4567:89ab:cdef:123:4567:89ab:cdef");
        REQUIRE(ip_addr.domain() == domain_t::ipv6);
        std::array<uint8_t, ip_address::ipv6_len> expected{
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
        REQUIRE(std::equal(expected.begin(), expected.end(), ip_addr.data().begin()));
    }
    {
        auto ip_addr = ip_address::from_string("::", domain_t::ipv6);
        REQUIRE(ip_addr.to_string() == "::");
        std::array<uint8_t, ip_address::ipv6_len> expected{};
        REQUIRE(std::equal(expected.begin(), expected.end(), ip_addr.data().begin()));
    }
    {
        auto ip_addr = ip_address::from_string("::1", domain_t::ipv6);
        REQUIRE(ip_addr.to_string() == "::1");
        std::array<uint8_t, ip_address::ipv6_len> expected{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        REQUIRE(std::equal(expected.begin(), expected.end(), ip_addr.data().begin()));
    }
    {
        auto ip_addr = ip_address::from_string("1::1", domain_t::ipv6);
        REQUIRE(ip_addr.to_string() == "1::1");
        std::array<uint8_t, ip_address::ipv6_len> expected{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        REQUIRE(std::equal(expected.begin(), expected.end(), ip_addr.data().begin()));
    }
    {
        auto ip_addr = ip_address::from_string("1::", domain_t::ipv6);
        REQUIRE(ip_addr.to_string() == "1::");
        std::array<uint8_t, ip_address::ipv6_len> expected{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        REQUIRE(std::equal(expected.begin(), expected.end(), ip_addr.data().begin()));
    }
}

TEST_CASE("net::ip_address malformed addresses throw a clear error", "[ip_address][error]")
{
    using coro::net::domain_t;
    using coro::net::ip_address;
    auto message_of = [](const std::string& text, domain_t d) -> std::string
    {
        try
        {
            (void)ip_address::from_string(text, d);
        }
        catch (const std::runtime_error& e)
        {
            return e.what();
        }
        return "<no exception>";
    };

    for (const auto& [text, domain] :
         {std::pair{std::string{"256.1.1.1"}, domain_t::ipv4},
          std::pair{std::string{"::gg"}, domain_t::ipv6},
          std::pair{std::string{""}, domain_t::ipv4},
          std::pair{std::string{""}, domain_t::ipv6},
          std::pair{std::string{"1.2.3"}, domain_t::ipv4},
          std::pair{std::string{"::1"}, domain_t::ipv4},
          std::pair{std::string{"127.0.0.1"}, domain_t::ipv6}})
    {
        INFO("address \"" << text << "\" as " << coro::net::to_string(domain));
        auto msg = message_of(text, domain);
        REQUIRE(msg != "<no exception>");
        REQUIRE(msg.find("\"" + text + "\"") != std::string::npos);
        REQUIRE(msg.find("not a valid") != std::string::npos);
    }

    // The client/server options are built from the same parser.
    REQUIRE_THROWS_AS(
        (coro::net::tcp::client::options{.address = ip_address::from_string("256.1.1.1"), .port = 1}),
        std::runtime_error);

    // Binary constructor: too many bytes for the domain.
    std::array<uint8_t, 5> five{1, 2, 3, 4, 5};
    REQUIRE_THROWS_AS(ip_address(std::span<const uint8_t>{five}, domain_t::ipv4), std::runtime_error);
    REQUIRE_THROWS_AS(coro::net::to_string(static_cast<domain_t>(12345)), std::runtime_error);
}

TEST_CASE("net::ip_address comparison and hostname", "[ip_address]")
{
    using coro::net::ip_address;
    REQUIRE(ip_address{} == ip_address::from_string("0.0.0.0"));
    REQUIRE(ip_address::from_string("10.0.0.1") < ip_address::from_string("10.0.0.2"));
    REQUIRE(ip_address::from_string("::1", coro::net::domain_t::ipv6) != ip_address::from_string("0.0.0.1"));
    coro::net::hostname a{"a.example"};
    coro::net::hostname b{"b.example"};
    REQUIRE((a < b));
    REQUIRE(a.data() == "a.example");
    REQUIRE(coro::net::to_string(coro::net::connect_status::timeout) == "timeout");
    REQUIRE(coro::net::to_string(coro::net::recv_status::try_again) == "would_block");
    REQUIRE_THROWS_AS(coro::net::to_string(static_cast<coro::net::connect_status>(99)), std::logic_error);
}
