#include "../../cpp/net/net_test_util.hpp"
#include "net_util.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// Parity scenarios 442-444, the echo-server benchmarks of upstream's test/bench.cpp (432-441 are in
// ../test_benchmark.cpp). Upstream times them and prints ops/sec; here they keep the benchmark's shape with fewer
// connections and messages and verify every echo instead: nothing timing-based is printed or checked. Servers bind port 0
// (upstream: 8080, and 8080-8089 for 443) and hand the bound port to their clients. Upstream merges a latency
// histogram per client; here each client merges its count of verified echoes the same way.

namespace
{
// Upstream: 100 connections x 1,000 messages (442, 444).
constexpr std::size_t connections = 20;
constexpr std::size_t messages    = 100;

constexpr std::string_view message = "im a data point in a stream of bytes"; // 36 bytes

// Stops any accept loop that would otherwise wait forever for a client that failed.
constexpr auto accept_deadline = 60s;

auto pool_scheduler() -> std::unique_ptr<coro::scheduler>
{
    return coro::scheduler::make_unique(coro::scheduler::options{
        .pool               = coro::thread_pool::options{},
        .execution_strategy = coro::scheduler::execution_strategy_t::process_tasks_on_thread_pool});
}

auto inline_scheduler() -> std::unique_ptr<coro::scheduler>
{
    return coro::scheduler::make_unique(
        coro::scheduler::options{.execution_strategy = coro::scheduler::execution_strategy_t::process_tasks_inline});
}

/// Server side of 442/443: echoes what arrives until the read is not ok. Returns whether the stream ended with the
/// peer closing it and every echo was written whole.
auto tcp_echo(coro::net::tcp::client& client) -> coro::task<bool>
{
    std::string in(64, '\0');
    while (true)
    {
        auto [rstatus, rspan] = co_await client.read_some(in);
        if (!rstatus.is_ok())
        {
            co_return rstatus.is_closed();
        }
        auto [wstatus, rest] = co_await client.write_some(rspan);
        if (!wstatus.is_ok() || !rest.empty())
        {
            co_return false;
        }
    }
}

/// Client side of 442/443: `count` times write the message and read its echo back. Returns the verified echoes.
auto tcp_round_trips(coro::net::tcp::client& client, std::size_t count) -> coro::task<std::size_t>
{
    std::string in(64, '\0');
    std::size_t verified{0};
    for (std::size_t i = 0; i < count; ++i)
    {
        auto [wstatus, rest] = co_await client.write_some(message);
        REQUIRE_THREAD_SAFE(wstatus.is_ok());
        REQUIRE_THREAD_SAFE(rest.empty());

        auto [rstatus, rspan] = co_await client.read_some(in);
        if (rstatus.is_closed())
        {
            break;
        }
        REQUIRE_THREAD_SAFE(rstatus.is_ok());
        REQUIRE_THREAD_SAFE((std::string_view{rspan.data(), rspan.size()} == message));
        ++verified;
    }
    co_return verified;
}
} // namespace

TEST_CASE("benchmark tcp::server echo server thread pool", "[benchmark][tcp]")
{
    auto server_scheduler = pool_scheduler();
    auto client_scheduler = pool_scheduler();

    coro::net::tcp::server server{server_scheduler, net_test::loopback(coro::net::domain_t::ipv4)};
    const auto             endpoint =
        net_test::bound_address(net_test::loopback(coro::net::domain_t::ipv4), server.accept_socket());

    coro::latch              wait_for_clients{connections};
    std::size_t              accepted{0}; // server task only; read after its thread joined
    std::atomic<std::size_t> echoes_closed{0};
    std::mutex               verified_mutex;
    std::size_t              verified{0};

    auto make_echo_task = [&](coro::net::tcp::client client) -> coro::task<void>
    {
        if (co_await tcp_echo(client))
        {
            echoes_closed.fetch_add(1);
        }
        wait_for_clients.count_down();
    };

    auto make_server_task = [&]() -> coro::task<void>
    {
        co_await server_scheduler->schedule();
        const auto deadline = std::chrono::steady_clock::now() + accept_deadline;
        while (accepted < connections && std::chrono::steady_clock::now() < deadline)
        {
            auto client = co_await server.accept(1ms);
            if (client.has_value())
            {
                ++accepted;
                server_scheduler->spawn_detached(make_echo_task(std::move(*client)));
            }
        }
        if (accepted < connections) // gave up: release the wait below for the clients that never came
        {
            wait_for_clients.count_down(static_cast<std::int64_t>(connections - accepted));
        }
        co_await wait_for_clients;
    };

    auto make_client_task = [&]() -> coro::task<void>
    {
        co_await client_scheduler->schedule();
        coro::net::tcp::client client{client_scheduler, endpoint};
        const auto             cstatus = co_await client.connect();
        REQUIRE_THREAD_SAFE(cstatus == coro::net::connect_status::connected);

        const std::size_t n = co_await tcp_round_trips(client, messages);
        std::lock_guard   lock{verified_mutex};
        verified += n;
    };

    std::thread server_thread{[&] { coro::sync_wait(make_server_task()); }};
    std::thread client_thread{[&]
                              {
                                  std::vector<coro::task<void>> tasks;
                                  tasks.reserve(connections);
                                  for (std::size_t i = 0; i < connections; ++i)
                                  {
                                      tasks.emplace_back(make_client_task());
                                  }
                                  coro::sync_wait(coro::when_all(std::move(tasks)));
                              }};
    client_thread.join();
    server_thread.join();
    client_scheduler->shutdown();
    server_scheduler->shutdown();

    REQUIRE(accepted == connections);
    REQUIRE(verified == connections * messages);
    REQUIRE(echoes_closed == connections);
}

TEST_CASE("benchmark tcp::server echo server inline", "[benchmark][tcp]")
{
    // Upstream: 10 server and 10 client threads, 10 connections each, 10,000 messages per connection at its head with
    // the per-message assertions commented out (v0.16.0: 2 messages, asserted). Every echo is asserted here.
    constexpr std::size_t threads            = 10;
    constexpr std::size_t clients_per_thread = 10;
    constexpr std::size_t inline_messages    = 100;

    std::vector<std::promise<coro::net::socket_address>> endpoint_promises(threads);
    std::atomic<std::size_t>                             accepted{0};
    std::atomic<std::size_t>                             echoes_closed{0};
    std::atomic<std::size_t>                             verified{0};

    // Each server thread runs its own inline scheduler: the accept loop and every echo task run on its event loop,
    // so `live` and `accepting` need no synchronisation.
    auto server_thread = [&](std::size_t id)
    {
        auto                   s = inline_scheduler();
        coro::net::tcp::server server{s, net_test::loopback(coro::net::domain_t::ipv4)};
        endpoint_promises[id].set_value(
            net_test::bound_address(net_test::loopback(coro::net::domain_t::ipv4), server.accept_socket()));

        std::size_t live{0};
        bool        accepting{true};
        coro::event all_clients_done{};

        auto make_echo_task = [&](coro::net::tcp::client client) -> coro::task<void>
        {
            if (co_await tcp_echo(client))
            {
                echoes_closed.fetch_add(1);
            }
            if (--live == 0 && !accepting)
            {
                all_clients_done.set();
            }
        };

        auto make_server_task = [&]() -> coro::task<void>
        {
            co_await s->schedule();
            const auto  deadline = std::chrono::steady_clock::now() + accept_deadline;
            std::size_t own{0};
            while (own < clients_per_thread && std::chrono::steady_clock::now() < deadline)
            {
                auto client = co_await server.accept(1000ms);
                if (client.has_value())
                {
                    ++own;
                    ++live;
                    s->spawn_detached(make_echo_task(std::move(*client)));
                }
            }
            accepted.fetch_add(own);
            accepting = false;
            if (live > 0)
            {
                co_await all_clients_done;
            }
        };

        coro::sync_wait(make_server_task());
        s->shutdown();
    };

    auto client_thread = [&](coro::net::socket_address endpoint)
    {
        auto s = inline_scheduler();

        auto make_client_task = [&]() -> coro::task<void>
        {
            co_await s->schedule();
            // Upstream retries because its clients may start before the fixed-port servers listen; kept, although
            // the bound port is handed over only after the listen here. A connect status is final, so every
            // attempt uses a new client.
            std::optional<coro::net::tcp::client> client;
            for (int attempt = 0; attempt < 5 && !client.has_value(); ++attempt)
            {
                coro::net::tcp::client candidate{s, endpoint};
                if (co_await candidate.connect(1s) == coro::net::connect_status::connected)
                {
                    client.emplace(std::move(candidate));
                }
                else
                {
                    co_await s->yield_for(500ms);
                }
            }
            REQUIRE_THREAD_SAFE(client.has_value());
            verified.fetch_add(co_await tcp_round_trips(*client, inline_messages));
        };

        std::vector<coro::task<void>> tasks;
        tasks.reserve(clients_per_thread);
        for (std::size_t i = 0; i < clients_per_thread; ++i)
        {
            tasks.emplace_back(make_client_task());
        }
        coro::sync_wait(coro::when_all(std::move(tasks)));
        s->shutdown();
    };

    std::vector<std::future<coro::net::socket_address>> endpoints;
    std::vector<std::thread>                            server_threads;
    std::vector<std::thread>                            client_threads;
    for (std::size_t id = 0; id < threads; ++id)
    {
        endpoints.push_back(endpoint_promises[id].get_future());
        server_threads.emplace_back(server_thread, id);
    }
    for (std::size_t id = 0; id < threads; ++id)
    {
        client_threads.emplace_back(client_thread, endpoints[id].get());
    }
    for (auto& t : client_threads)
    {
        t.join();
    }
    for (auto& t : server_threads)
    {
        t.join();
    }

    REQUIRE(accepted == threads * clients_per_thread);
    REQUIRE(verified == threads * clients_per_thread * inline_messages);
    REQUIRE(echoes_closed == threads * clients_per_thread);
}

TEST_CASE("benchmark tls::server echo server thread pool", "[benchmark]")
{
    auto server_scheduler = pool_scheduler();
    auto client_scheduler = pool_scheduler();

    const net_test::certificate cert{};
    coro::net::tls::server      server{
        server_scheduler,
        std::make_shared<coro::net::tls::context>(
            cert.cert, coro::net::tls::tls_file_type::pem, cert.key, coro::net::tls::tls_file_type::pem),
        net_test::loopback(coro::net::domain_t::ipv4)};
    const auto endpoint =
        net_test::bound_address(net_test::loopback(coro::net::domain_t::ipv4), server.accept_socket());
    auto client_ctx = std::make_shared<coro::net::tls::context>(coro::net::tls::verify_peer_t::no);

    coro::latch              wait_for_clients{connections};
    std::size_t              accepted{0}; // server task only; read after its thread joined
    std::atomic<std::size_t> echoes_closed{0};
    coro::mutex              verified_mutex;
    std::size_t              verified{0};

    auto make_echo_task = [&](coro::net::tls::client client) -> coro::task<void>
    {
        std::string in(64, '\0');
        while (true)
        {
            auto [rstatus, rspan] = co_await client.recv(in);
            if (rstatus == coro::net::tls::recv_status::want_read || rstatus == coro::net::tls::recv_status::want_write)
            {
                continue;
            }
            if (rstatus != coro::net::tls::recv_status::ok)
            {
                if (rstatus == coro::net::tls::recv_status::closed)
                {
                    echoes_closed.fetch_add(1);
                }
                break;
            }
            auto [sstatus, rest] = co_await client.send(rspan);
            if (sstatus != coro::net::tls::send_status::ok || !rest.empty())
            {
                break;
            }
        }
        co_await client.shutdown();
        wait_for_clients.count_down();
    };

    auto make_server_task = [&]() -> coro::task<void>
    {
        co_await server_scheduler->schedule();
        const auto deadline = std::chrono::steady_clock::now() + accept_deadline;
        while (accepted < connections && std::chrono::steady_clock::now() < deadline)
        {
            if (co_await server.poll(1ms) != coro::poll_status::read)
            {
                continue;
            }
            auto client = co_await server.accept();
            if (client.socket().is_ok())
            {
                ++accepted;
                server_scheduler->spawn_detached(make_echo_task(std::move(client)));
            }
        }
        if (accepted < connections) // gave up: release the wait below for the clients that never came
        {
            wait_for_clients.count_down(static_cast<std::int64_t>(connections - accepted));
        }
        co_await wait_for_clients;
    };

    auto make_client_task = [&]() -> coro::task<void>
    {
        co_await client_scheduler->schedule();
        coro::net::tls::client client{client_scheduler, client_ctx, endpoint};
        const auto             cstatus = co_await client.connect();
        REQUIRE_THREAD_SAFE(cstatus == coro::net::tls::connection_status::connected);

        std::string in(64, '\0');
        std::size_t n{0};
        for (std::size_t i = 0; i < messages; ++i)
        {
            auto [sstatus, rest] = co_await client.send(message);
            REQUIRE_THREAD_SAFE(sstatus == coro::net::tls::send_status::ok);
            REQUIRE_THREAD_SAFE(rest.empty());

            auto [rstatus, rspan] = co_await client.recv(in, {30s});
            REQUIRE_THREAD_SAFE(rstatus == coro::net::tls::recv_status::ok);
            REQUIRE_THREAD_SAFE((std::string_view{rspan.data(), rspan.size()} == message));
            ++n;
        }

        {
            auto lock = co_await verified_mutex.scoped_lock();
            verified += n;
        }
        co_await client.shutdown();
    };

    std::thread server_thread{[&] { coro::sync_wait(make_server_task()); }};
    std::thread client_thread{[&]
                              {
                                  std::vector<coro::task<void>> tasks;
                                  tasks.reserve(connections);
                                  for (std::size_t i = 0; i < connections; ++i)
                                  {
                                      tasks.emplace_back(make_client_task());
                                  }
                                  coro::sync_wait(coro::when_all(std::move(tasks)));
                              }};
    client_thread.join();
    server_thread.join();
    client_scheduler->shutdown();
    server_scheduler->shutdown();

    REQUIRE(accepted == connections);
    REQUIRE(verified == connections * messages);
    REQUIRE(echoes_closed == connections);
}
