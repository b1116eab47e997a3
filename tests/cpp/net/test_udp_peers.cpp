#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

// Parity scenarios 113-114 (test/net/test_udp_peers.cpp). Upstream binds the fixed ports 8080/8081; here
// the bound peers are created first on port 0 and the senders target the ports the kernel chose.

TEST_CASE("udp one way")
{
    const std::string msg{std::string(20, 'a') + std::string(18, 'b') + std::string(18, 'c')}; // 56 bytes
    auto              scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});

    coro::net::udp::peer::info self_info{.address = coro::net::ip_address::from_string("0.0.0.0"), .port = 0};
    coro::net::udp::peer       receiver_peer{scheduler, self_info};
    const uint16_t             port = coro::net::local_port(receiver_peer.socket());
    REQUIRE(port != 0);

    auto make_send_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        coro::net::udp::peer       peer{scheduler};
        coro::net::udp::peer::info peer_info{.port = port}; // 127.0.0.1

        auto [sstatus, remaining] = peer.sendto(peer_info, msg);
        REQUIRE(sstatus == coro::net::send_status::ok);
        REQUIRE(remaining.empty());
        co_return;
    };

    auto make_recv_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        auto pstatus = co_await receiver_peer.poll(coro::poll_op::read);
        REQUIRE(pstatus == coro::poll_status::event);

        std::string buffer(64, '\0');
        auto [rstatus, peer_info, rspan] = receiver_peer.recvfrom(buffer);
        REQUIRE(rstatus == coro::net::recv_status::ok);
        REQUIRE(peer_info.address == coro::net::ip_address::from_string("127.0.0.1"));
        REQUIRE(rspan.size() == msg.size());
        buffer.resize(rspan.size());
        REQUIRE(buffer == msg);
        co_return;
    };

    coro::sync_wait(coro::when_all(make_recv_task(), make_send_task()));
}

TEST_CASE("udp echo peers")
{
    const std::string peer1_msg{"Hello from peer1!"};
    const std::string peer2_msg{"Hello from peer2!!"};

    auto scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});

    auto                             any = coro::net::ip_address::from_string("0.0.0.0");
    coro::net::udp::peer             peer_a{scheduler, coro::net::udp::peer::info{.address = any, .port = 0}};
    coro::net::udp::peer             peer_b{scheduler, coro::net::udp::peer::info{.address = any, .port = 0}};
    const coro::net::udp::peer::info a_info{.port = coro::net::local_port(peer_a.socket())}; // 127.0.0.1
    const coro::net::udp::peer::info b_info{.port = coro::net::local_port(peer_b.socket())};

    auto make_peer_task = [&scheduler](
                              coro::net::udp::peer&      me,
                              coro::net::udp::peer::info peer_info,
                              bool                       send_first,
                              const std::string          my_msg,
                              const std::string          peer_msg) -> coro::task<void>
    {
        co_await scheduler->schedule();

        if (send_first)
        {
            auto [sstatus, remaining] = me.sendto(peer_info, my_msg);
            REQUIRE(sstatus == coro::net::send_status::ok);
            REQUIRE(remaining.empty());
        }

        auto pstatus = co_await me.poll(coro::poll_op::read);
        REQUIRE(pstatus == coro::poll_status::event);

        std::string buffer(64, '\0');
        auto [rstatus, recv_peer_info, rspan] = me.recvfrom(buffer);
        REQUIRE(rstatus == coro::net::recv_status::ok);
        REQUIRE(recv_peer_info == peer_info);
        REQUIRE(rspan.size() == peer_msg.size());
        buffer.resize(rspan.size());
        REQUIRE(buffer == peer_msg);

        if (!send_first)
        {
            auto [sstatus, remaining] = me.sendto(peer_info, my_msg);
            REQUIRE(sstatus == coro::net::send_status::ok);
            REQUIRE(remaining.empty());
        }
        co_return;
    };

    coro::sync_wait(coro::when_all(
        make_peer_task(peer_a, b_info, false, peer2_msg, peer1_msg),
        make_peer_task(peer_b, a_info, true, peer1_msg, peer2_msg)));
}

TEST_CASE("udp unbound peer cannot receive", "[udp][error]")
{
    auto scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
    coro::net::udp::peer sender{scheduler};
    std::string          buffer(16, '\0');
    auto [rstatus, info, rspan] = sender.recvfrom(buffer);
    REQUIRE(rstatus == coro::net::recv_status::udp_not_bound);
    REQUIRE(rspan.empty());
    REQUIRE(coro::net::to_string(rstatus) == "udp_not_bound");
    scheduler->shutdown();
}
