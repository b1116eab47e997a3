#include "../../cpp/net/net_test_util.hpp"
#include "net_util.hpp"

#include <chrono>
#include <string>

using namespace std::chrono_literals;

// Parity scenario 424 (test/net/test_tls_server.cpp). The certificate is made with the OpenSSL API in a private
// directory (upstream's test main runs the openssl CLI into the working directory); the server binds port 0.

TEST_CASE("tls_server hello world server", "[tls_server]")
{
    auto scheduler = net_test::sched1();

    const std::string client_msg{"Hello world from TLS client!"};
    const std::string server_msg{"Hello world from TLS server!!"};

    const net_test::certificate cert{};
    coro::net::tls::server      server{
        scheduler,
        std::make_shared<coro::net::tls::context>(
            cert.cert, coro::net::tls::tls_file_type::pem, cert.key, coro::net::tls::tls_file_type::pem),
        net_test::loopback(coro::net::domain_t::ipv4)};
    const auto endpoint =
        net_test::bound_address(net_test::loopback(coro::net::domain_t::ipv4), server.accept_socket());

    auto make_server_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        auto pstatus = co_await server.poll();
        if (pstatus != coro::poll_status::read)
        {
            REQUIRE(pstatus == coro::poll_status::closed);
            co_return;
        }
        auto client = co_await server.accept();
        REQUIRE(client.socket().is_ok());

        std::string buffer(256, '\0');
        auto [rstatus, rspan] = co_await client.recv(buffer);
        REQUIRE(rstatus == coro::net::tls::recv_status::ok);
        REQUIRE(rspan.size() == client_msg.size());
        buffer.resize(rspan.size());
        REQUIRE(buffer == client_msg);

        auto [sstatus, remaining] = co_await client.send(server_msg);
        REQUIRE(sstatus == coro::net::tls::send_status::ok);
        REQUIRE(remaining.empty());
        co_await client.shutdown();
    };

    auto make_client_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        coro::net::tls::client client{
            scheduler, std::make_shared<coro::net::tls::context>(coro::net::tls::verify_peer_t::no), endpoint};
        auto cstatus = co_await client.connect();
        REQUIRE(cstatus == coro::net::tls::connection_status::connected);

        auto [sstatus, remaining] = co_await client.send(client_msg);
        REQUIRE(sstatus == coro::net::tls::send_status::ok);
        REQUIRE(remaining.empty());

        std::string buffer(256, '\0');
        auto [rstatus, rspan] = co_await client.recv(buffer);
        if (rstatus != coro::net::tls::recv_status::ok)
        {
            REQUIRE(rstatus == coro::net::tls::recv_status::closed);
            co_return;
        }
        REQUIRE(rspan.size() == server_msg.size());
        buffer.resize(rspan.size());
        REQUIRE(buffer == server_msg);
        co_await client.shutdown();
    };

    coro::sync_wait(coro::when_all(make_server_task(), make_client_task()));
}

// Not an upstream scenario: D32's null arguments, shutdown() cancelling a pending poll, and the new status names.
TEST_CASE("tls v16 null arguments, server shutdown, cancelled status", "[tls_server]")
{
    std::unique_ptr<coro::scheduler> none{nullptr};
    auto                             ctx = std::make_shared<coro::net::tls::context>(coro::net::tls::verify_peer_t::no);
    CHECK_THROWS_AS((coro::net::tls::client{none, ctx, {"127.0.0.1", 8080}}), std::runtime_error);
    CHECK_THROWS_AS((coro::net::tls::server{none, ctx, {"127.0.0.1", 0}}), std::runtime_error);

    auto scheduler = net_test::sched1();
    CHECK_THROWS_AS((coro::net::tls::client{scheduler, nullptr, {"127.0.0.1", 8080}}), std::runtime_error);

    CHECK(coro::net::tls::to_string(coro::net::tls::recv_status::cancelled) == "cancelled");
    CHECK(coro::net::tls::to_string(coro::net::tls::send_status::cancelled) == "cancelled");

    const net_test::certificate cert{};
    coro::net::tls::server      server{
        scheduler,
        std::make_shared<coro::net::tls::context>(
            cert.cert, coro::net::tls::tls_file_type::pem, cert.key, coro::net::tls::tls_file_type::pem),
             {"127.0.0.1", 0}};
    auto task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        CHECK(co_await server.poll(20ms) == coro::poll_status::timeout);
        server.shutdown();
        CHECK(co_await server.poll() == coro::poll_status::cancelled);
    };
    coro::sync_wait(task());
}
