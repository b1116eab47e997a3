#include <catch2/catch.hpp>

#include <coro/net/socket_address.hpp>

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <stdexcept>

// Parity scenario 417 (test/net/test_endpoint.cpp), with its seven sections.

TEST_CASE("net::socket_address", "[socket_address]")
{
    using coro::net::domain_t;
    using coro::net::socket_address;

    SECTION("IPv4 construction")
    {
        socket_address address{"127.0.0.1", 8080, domain_t::ipv4};
        CHECK(address.domain() == domain_t::ipv4);
        CHECK(address.port() == 8080);
        CHECK(address.ip().to_string() == "127.0.0.1");
        const auto [sa, len] = address.data();
        REQUIRE(len == sizeof(sockaddr_in));
        const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        CHECK(in->sin_family == AF_INET);
        CHECK(in->sin_port == htons(8080));
        CHECK(in->sin_addr.s_addr == inet_addr("127.0.0.1"));
    }

    SECTION("IPv6 construction")
    {
        socket_address address{"::1", 443, domain_t::ipv6};
        CHECK(address.domain() == domain_t::ipv6);
        CHECK(address.port() == 443);
        const auto [sa, len] = address.data();
        REQUIRE(len == sizeof(sockaddr_in6));
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        CHECK(in6->sin6_family == AF_INET6);
        CHECK(in6->sin6_port == htons(443));
        CHECK(std::memcmp(&in6->sin6_addr, &in6addr_loopback, sizeof(in6_addr)) == 0);
    }

    SECTION("Common operators")
    {
        socket_address a{"192.168.0.1", 9000};
        socket_address b{"192.168.0.1", 9000};
        socket_address c{"192.168.0.1", 9001};
        socket_address d{"10.0.0.1", 9000};

        SECTION("Equality operator")
        {
            CHECK(a == b);
            CHECK_FALSE(a == c);
            CHECK_FALSE(a == d);
        }

        SECTION("to_string")
        {
            CHECK(a.to_string() == "192.168.0.1:9000");
            CHECK(c.to_string() == "192.168.0.1:9001");
            CHECK(d.to_string() == "10.0.0.1:9000");
        }
    }

    SECTION("native_mutable_data (for accept/getsockname)")
    {
        auto address        = socket_address::make_uninitialised();
        auto [sa, len]      = address.native_mutable_data();
        auto* in            = reinterpret_cast<sockaddr_in*>(sa);
        in->sin_family      = AF_INET;
        in->sin_port        = htons(1234);
        in->sin_addr.s_addr = inet_addr("1.1.1.1");
        *len                = sizeof(sockaddr_in);
        CHECK(address.domain() == domain_t::ipv4);
        CHECK(address.port() == 1234);
        CHECK(address.ip().to_string() == "1.1.1.1");
    }

    SECTION("Invalid domain handling")
    {
        SECTION("Uninitialised")
        {
            auto address = socket_address::make_uninitialised();
            CHECK_THROWS_AS(address.domain(), std::runtime_error);
            CHECK_THROWS_AS(address.port(), std::runtime_error);
            CHECK_THROWS_AS(address.ip(), std::runtime_error);
        }
    }
}

TEST_CASE("net::socket_address rejects bad text", "[socket_address]")
{
    CHECK_THROWS_AS(coro::net::socket_address("not an address", 80), std::runtime_error);
    // An IPv6 literal for the IPv4 domain (the default) is a mismatch.
    CHECK_THROWS_AS(coro::net::socket_address("::1", 80), std::runtime_error);
}
