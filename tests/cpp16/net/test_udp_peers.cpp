#include "catch_net_extensions.hpp"
#include "net_util.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <string>

using namespace std::chrono_literals;
using net_test::IsError;
using net_test::IsOk;

// Parity scenarios 425-430 (test/net/test_udp_peers.cpp). Peers bind port 0 (upstream: 8080, 8081, 9090) and
// send to the port the kernel chose, so parallel runs never collide.

TEST_CASE("udp one way", "[udp]")
{
    const std::string msg{"aaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbcccccccccccccccccc"};
    REQUIRE(msg.size() == 56);

    auto                            scheduler = net_test::sched1();
    coro::net::udp::peer            receiver{scheduler, coro::net::socket_address{"0.0.0.0", 0}};
    const coro::net::socket_address destination{"127.0.0.1", coro::net::local_port(receiver.socket())};

    auto make_recv_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        std::string buffer(64, '\0');
        auto [status, sender, span] = co_await receiver.read_from(buffer);
        REQUIRE_THAT(status, IsOk());
        REQUIRE(sender.ip() == coro::net::ip_address::from_string("127.0.0.1"));
        REQUIRE(span.size() == msg.size());
        buffer.resize(span.size());
        REQUIRE(buffer == msg);
    };

    auto make_send_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        coro::net::udp::peer sender{scheduler};
        auto                 status = co_await sender.write_to(destination, msg);
        REQUIRE_THAT(status, IsOk());
    };

    coro::sync_wait(coro::when_all(make_recv_task(), make_send_task()));
}

TEST_CASE("udp echo peers", "[udp]")
{
    const std::string peer1_msg{"Hello from peer1!"};
    const std::string peer2_msg{"Hello from peer2!!"};

    auto scheduler = net_test::sched1();
    // Bound up front, so both know each other's kernel-chosen port.
    coro::net::udp::peer peer_a{scheduler, coro::net::socket_address{"0.0.0.0", 0}};
    coro::net::udp::peer peer_b{scheduler, coro::net::socket_address{"0.0.0.0", 0}};
    const auto           port_a = coro::net::local_port(peer_a.socket());
    const auto           port_b = coro::net::local_port(peer_b.socket());

    auto make_peer_task = [&](coro::net::udp::peer& self,
                              std::uint16_t         peer_port,
                              bool                  send_first,
                              const std::string&    my_msg,
                              const std::string&    peer_msg) -> coro::task<void>
    {
        co_await scheduler->schedule();
        const coro::net::socket_address peer_address{"127.0.0.1", peer_port};
        if (send_first)
        {
            REQUIRE_THAT(co_await self.write_to(peer_address, my_msg), IsOk());
        }
        std::string buffer(64, '\0');
        auto [status, sender, span] = co_await self.read_from(buffer);
        REQUIRE_THAT(status, IsOk());
        REQUIRE(sender == peer_address);
        buffer.resize(span.size());
        REQUIRE(buffer == peer_msg);
        if (!send_first)
        {
            REQUIRE_THAT(co_await self.write_to(peer_address, my_msg), IsOk());
        }
    };

    coro::sync_wait(coro::when_all(
        make_peer_task(peer_a, port_b, false, peer2_msg, peer1_msg),
        make_peer_task(peer_b, port_a, true, peer1_msg, peer2_msg)));
}

TEST_CASE("udp nullptr scheduler", "[udp]")
{
    std::unique_ptr<coro::scheduler> scheduler{nullptr};
    CHECK_THROWS_AS(coro::net::udp::peer{scheduler}, std::runtime_error);
    CHECK_THROWS_AS((coro::net::udp::peer{scheduler, {"127.0.0.1", 8080}}), std::runtime_error);
}

TEST_CASE("udp basic checks", "[udp]")
{
    auto                 scheduler = net_test::sched1();
    coro::net::udp::peer peer{scheduler, coro::net::socket_address{"127.0.0.1", 0}};

    auto task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        auto status = co_await peer.write_to({"127.0.0.1", 8080}, std::array<std::byte, 0>{});
        CHECK_THAT(status, IsOk());
    };
    coro::sync_wait(task());
}

TEST_CASE("udp timeout", "[udp]")
{
    const auto domain = GENERATE(coro::net::domain_t::ipv4, coro::net::domain_t::ipv6);
    DYNAMIC_SECTION("Domain: " << coro::net::to_string(domain))
    {
        if (domain == coro::net::domain_t::ipv6 && !net_test::ipv6_loopback_available())
        {
            WARN("IPv6 loopback is not available on this machine: run skipped");
            return;
        }
        auto        scheduler = net_test::sched1();
        coro::event done{};

        // Not scheduled: runs inline until it suspends in the poll.
        auto task = [&]() -> coro::task<void>
        {
            coro::net::udp::peer      peer{scheduler, net_test::loopback(domain)};
            std::array<std::byte, 16> buffer{};
            auto [status, sender, span] = co_await peer.read_from(buffer, 25ms);
            CHECK_THAT(status, IsError(coro::net::io_status::kind::timeout));
            CHECK(span.empty());
            done.set();
        };
        coro::sync_wait(coro::when_all(task(), [&]() -> coro::task<void> { co_await done; }()));
    }
}

TEST_CASE("udp not bound", "[udp]")
{
    auto scheduler = net_test::sched1();
    auto task      = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        coro::net::udp::peer peer{scheduler};
        std::string          buffer{};
        auto [status, sender, span] = co_await peer.read_from(buffer);
        CHECK_THAT(status, IsError(coro::net::io_status::kind::udp_not_bound));
        CHECK(span.empty());
    };
    coro::sync_wait(task());
}

// Not an upstream scenario: D31's oversize datagram and the readiness cache's first write.
TEST_CASE("udp write_to too big a datagram", "[udp]")
{
    auto scheduler = net_test::sched1();
    auto task      = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        coro::net::udp::peer peer{scheduler};
        const std::string    huge(70'000, 'x'); // over the 65,507-byte IPv4 UDP payload limit
        auto                 status = co_await peer.write_to({"127.0.0.1", 9}, huge);
        CHECK_THAT(status, IsError(coro::net::io_status::kind::message_too_big));
    };
    coro::sync_wait(task());
}
