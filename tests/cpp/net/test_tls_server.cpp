#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include "net_test_util.hpp"

#include <chrono>
#include <csignal>
#include <string>

using namespace std::chrono_literals;

// Parity scenario 112 (test/net/test_tls_server.cpp) plus TLS error cases. The certificate is made with
// the OpenSSL API in a private temporary directory; servers bind port 0.

namespace
{
auto certificate() -> const net_test::certificate&
{
    static net_test::certificate cert{};
    return cert;
}

auto server_options() -> coro::net::tls::server::options
{
    return coro::net::tls::server::options{.port = 0};
}

auto client_options(const coro::net::tls::server& server) -> coro::net::tls::client::options
{
    return coro::net::tls::client::options{
        .address = coro::net::ip_address::from_string("127.0.0.1"), .port = coro::net::local_port(server.socket())};
}
} // namespace

TEST_CASE("tls_server hello world server", "[tls_server]")
{
    auto scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});

    std::string client_msg = "Hello world from TLS client!";
    std::string server_msg = "Hello world from TLS server!!";

    coro::net::tls::server server{
        scheduler,
        std::make_shared<coro::net::tls::context>(
            certificate().cert,
            coro::net::tls::tls_file_type::pem,
            certificate().key,
            coro::net::tls::tls_file_type::pem),
        server_options()};
    auto copts = client_options(server);

    auto make_client_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();

        coro::net::tls::client client{
            scheduler, std::make_shared<coro::net::tls::context>(coro::net::tls::verify_peer_t::no), copts};

        auto cstatus = co_await client.connect();
        REQUIRE(cstatus == coro::net::tls::connection_status::connected);

        auto [sstatus, remaining] = co_await client.send(client_msg);
        REQUIRE(sstatus == coro::net::tls::send_status::ok);
        REQUIRE(remaining.empty());

        std::string response;
        response.resize(256, '\0');
        auto [rstatus, rspan] = co_await client.recv(response);
        REQUIRE(rstatus == coro::net::tls::recv_status::ok);
        REQUIRE(rspan.size() == server_msg.size());
        response.resize(rspan.size());
        REQUIRE(response == server_msg);
        co_return;
    };

    auto make_server_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();

        auto pstatus = co_await server.poll();
        REQUIRE(pstatus == coro::poll_status::event);

        auto client = co_await server.accept();
        REQUIRE(client.socket().is_valid());

        std::string buffer;
        buffer.resize(256, '\0');
        auto [rstatus, rspan] = co_await client.recv(buffer);
        REQUIRE(rstatus == coro::net::tls::recv_status::ok);
        REQUIRE(rspan.size() == client_msg.size());
        buffer.resize(rspan.size());
        REQUIRE(buffer == client_msg);

        auto [sstatus, remaining] = co_await client.send(server_msg);
        REQUIRE(sstatus == coro::net::tls::send_status::ok);
        REQUIRE(remaining.empty());
        co_return;
    };

    coro::sync_wait(coro::when_all(make_server_task(), make_client_task()));
}

// ---------------------------------------------------------------------------------------------------------
// Error cases.

TEST_CASE("tls_client rejects an untrusted certificate", "[tls_server][error]")
{
    auto scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
    coro::net::tls::server server{
        scheduler,
        std::make_shared<coro::net::tls::context>(
            certificate().cert,
            coro::net::tls::tls_file_type::pem,
            certificate().key,
            coro::net::tls::tls_file_type::pem),
        server_options()};
    auto copts = client_options(server);

    auto server_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        REQUIRE((co_await server.poll(5s)) == coro::poll_status::event);
        auto client = co_await server.accept(5s);
        // The handshake failed (the client aborted it): the connection is dropped, visibly.
        REQUIRE_FALSE(client.socket().is_valid());
        std::string buf(16, '\0');
        auto [rstatus, rspan] = co_await client.recv(buf, 100ms);
        REQUIRE(rstatus != coro::net::tls::recv_status::ok);
    };

    auto client_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        // verify_peer_t::yes: the self-signed certificate is not trusted.
        coro::net::tls::client client{
            scheduler, std::make_shared<coro::net::tls::context>(coro::net::tls::verify_peer_t::yes), copts};
        auto status = co_await client.connect(5s);
        REQUIRE(status == coro::net::tls::connection_status::handshake_failed);
        REQUIRE(coro::net::tls::to_string(status) == "handshake_failed");
        auto [sstatus, rest] = co_await client.send(std::string_view{"nope"}, 100ms);
        REQUIRE(sstatus != coro::net::tls::send_status::ok);
    };

    coro::sync_wait(coro::when_all(server_task(), client_task()));
    scheduler->shutdown();
    REQUIRE(scheduler->empty());
}

TEST_CASE("tls::context wrong certificate or key files", "[tls_server][error]")
{
    using coro::net::tls::context;
    using coro::net::tls::tls_file_type;
    net_test::certificate other{};

    // Key of another certificate.
    REQUIRE_THROWS_WITH(
        (context{certificate().cert, tls_file_type::pem, other.key, tls_file_type::pem}),
        Catch::Matchers::Contains("does not match"));
    // Missing files.
    REQUIRE_THROWS_AS(
        (context{other.dir.path() / "missing.pem", tls_file_type::pem, other.key, tls_file_type::pem}),
        std::runtime_error);
    REQUIRE_THROWS_AS(
        (context{other.cert, tls_file_type::pem, other.dir.path() / "missing.pem", tls_file_type::pem}),
        std::runtime_error);
    // A key file given as the certificate.
    REQUIRE_THROWS_AS((context{other.key, tls_file_type::pem, other.key, tls_file_type::pem}), std::runtime_error);

    auto scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
    REQUIRE_THROWS_AS((coro::net::tls::client{scheduler, nullptr}), std::runtime_error);
    REQUIRE_THROWS_AS(
        (coro::net::tls::client{nullptr, std::make_shared<context>(coro::net::tls::verify_peer_t::no)}),
        std::runtime_error);
    REQUIRE_THROWS_AS((coro::net::tls::server{scheduler, nullptr, server_options()}), std::runtime_error);
    scheduler->shutdown();
}

TEST_CASE("tls_client peer closes mid-stream and connection refused", "[tls_server][error]")
{
    auto previous  = std::signal(SIGPIPE, SIG_DFL); // a SIGPIPE would kill the test
    auto scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
    coro::net::tls::server server{
        scheduler,
        std::make_shared<coro::net::tls::context>(
            certificate().cert,
            coro::net::tls::tls_file_type::pem,
            certificate().key,
            coro::net::tls::tls_file_type::pem),
        server_options()};
    auto copts = client_options(server);

    auto server_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        REQUIRE((co_await server.poll(5s)) == coro::poll_status::event);
        auto client = co_await server.accept(5s);
        REQUIRE(client.socket().is_valid());
        auto [sstatus, rest] = co_await client.send(std::string_view{"partial"});
        REQUIRE(sstatus == coro::net::tls::send_status::ok);
        // Leaving scope sends close_notify and closes the socket.
    };

    auto client_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        coro::net::tls::client client{
            scheduler, std::make_shared<coro::net::tls::context>(coro::net::tls::verify_peer_t::no), copts};
        REQUIRE((co_await client.connect(5s)) == coro::net::tls::connection_status::connected);
        std::string                 received;
        std::string                 buf(64, '\0');
        coro::net::tls::recv_status last{coro::net::tls::recv_status::ok};
        while (true)
        {
            auto [rstatus, rspan] = co_await client.recv(buf, 5s);
            last                  = rstatus;
            if (rstatus != coro::net::tls::recv_status::ok)
            {
                break;
            }
            received.append(rspan.data(), rspan.size());
        }
        REQUIRE(received == "partial");
        REQUIRE(last == coro::net::tls::recv_status::closed);
        // Writing after the peer left: an error status, no SIGPIPE.
        coro::net::tls::send_status sstatus{coro::net::tls::send_status::ok};
        for (int i = 0; i < 50 && sstatus == coro::net::tls::send_status::ok; ++i)
        {
            sstatus = (co_await client.send(std::string(1024, 'x'), 1s)).first;
            if (sstatus == coro::net::tls::send_status::ok)
            {
                co_await scheduler->yield_for(5ms);
            }
        }
        REQUIRE(sstatus != coro::net::tls::send_status::ok);

        // Nobody listening: TCP-level error, promptly.
        uint16_t               port = coro::net::local_port(server.socket());
        coro::net::tls::server moved{std::move(server)}; // listener still open, owned by `moved`
        moved = coro::net::tls::server{
            scheduler,
            std::make_shared<coro::net::tls::context>(
                certificate().cert,
                coro::net::tls::tls_file_type::pem,
                certificate().key,
                coro::net::tls::tls_file_type::pem),
            server_options()}; // the old listener on `port` is closed now
        coro::net::tls::client refused{
            scheduler,
            std::make_shared<coro::net::tls::context>(coro::net::tls::verify_peer_t::no),
            {.address = coro::net::ip_address::from_string("127.0.0.1"), .port = port}};
        REQUIRE((co_await refused.connect(5s)) == coro::net::tls::connection_status::error);
    };

    coro::sync_wait(coro::when_all(server_task(), client_task()));
    scheduler->shutdown();
    std::signal(SIGPIPE, previous);
}
