// Network benchmark workloads B11-B13 and the HTTP ping-pong (see net_workloads.hpp). Every workload checks each echoed message
// and exits non-zero on a mismatch or failed connection.

#include "net_workloads.hpp"

#include <coro/coro.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <vector>

namespace gocoro_bench
{
namespace
{
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t      connections_full = 100;
constexpr std::size_t      messages_full    = 1'000;
constexpr std::string_view message          = "im a data point in a stream of bytes"; // 36 bytes

[[noreturn]] auto fail(const char* workload, const std::string& what) -> void
{
    std::fprintf(stderr, "FAIL %s: %s\n", workload, what.c_str());
    std::fflush(stderr);
    std::_Exit(1); // other threads are blocked in sockets; do not run destructors
}

auto messages(bool quick) -> std::size_t
{
    return quick ? messages_full / 100 : messages_full;
}

/// Receives exactly message.size() bytes (a 36-byte message may in principle arrive in pieces).
auto recv_message(coro::net::tcp::client& client, std::string& buffer) -> coro::task<bool>
{
    std::size_t have{0};
    while (have < message.size())
    {
        auto pstatus = co_await client.poll(coro::poll_op::read);
        if (pstatus != coro::poll_status::event)
        {
            co_return false;
        }
        auto [rstatus, span] = client.recv(std::span<char>{buffer.data() + have, buffer.size() - have});
        if (rstatus == coro::net::recv_status::would_block)
        {
            continue;
        }
        if (rstatus != coro::net::recv_status::ok)
        {
            co_return false;
        }
        have += span.size();
    }
    co_return std::string_view{buffer.data(), have} == message;
}

/// Sends all of `data`, waiting for writability when the socket buffer is full.
auto send_all(coro::net::tcp::client& client, std::span<const char> data) -> coro::task<bool>
{
    while (!data.empty())
    {
        auto [sstatus, unsent] = client.send(data);
        if (sstatus == coro::net::send_status::ok)
        {
            data = unsent;
        }
        else if (sstatus != coro::net::send_status::would_block)
        {
            co_return false;
        }
        if (!data.empty() && (co_await client.poll(coro::poll_op::write)) != coro::poll_status::event)
        {
            co_return false;
        }
    }
    co_return true;
}

/// Server side of a plain TCP echo: echoes whatever arrives until the peer closes.
auto tcp_echo(coro::net::tcp::client client, std::atomic<std::size_t>& live, coro::event* drained) -> coro::task<void>
{
    std::string buffer(64, '\0');
    while (true)
    {
        auto pstatus = co_await client.poll(coro::poll_op::read);
        if (pstatus != coro::poll_status::event)
        {
            break;
        }
        auto [rstatus, span] = client.recv(buffer);
        if (rstatus == coro::net::recv_status::would_block)
        {
            continue;
        }
        if (rstatus != coro::net::recv_status::ok)
        {
            break;
        }
        std::span<const char> rest{span.data(), span.size()};
        while (!rest.empty())
        {
            auto [sstatus, unsent] = client.send(rest);
            if (sstatus == coro::net::send_status::ok)
            {
                rest = unsent;
            }
            else if (sstatus != coro::net::send_status::would_block)
            {
                rest = {};
                break;
            }
            if (!rest.empty())
            {
                co_await client.poll(coro::poll_op::write);
            }
        }
    }
    if (live.fetch_sub(1) == 1 && drained != nullptr)
    {
        drained->set();
    }
}

auto tcp_client_task(const char* name, std::shared_ptr<coro::io_scheduler> s, uint16_t port, std::size_t count)
    -> coro::task<void>
{
    co_await s->schedule();
    coro::net::tcp::client client{s, {.address = coro::net::ip_address::from_string("127.0.0.1"), .port = port}};
    if ((co_await client.connect(10s)) != coro::net::connect_status::connected)
    {
        fail(name, "client connect failed");
    }
    std::string buffer(64, '\0');
    for (std::size_t i = 0; i < count; ++i)
    {
        if (!(co_await send_all(client, message)) || !(co_await recv_message(client, buffer)))
        {
            fail(name, "echo round trip failed");
        }
    }
}

auto pool_scheduler() -> std::shared_ptr<coro::io_scheduler>
{
    return coro::io_scheduler::make_shared(coro::io_scheduler::options{.pool = coro::thread_pool::options{}});
}

/// Server side of a plain TCP workload: accepts `connections` connections on sched, spawning serve(client) for
/// each, then waits for drained (the last handler to finish sets it).
template <typename Serve>
auto accept_and_serve(
    std::shared_ptr<coro::io_scheduler> sched,
    coro::net::tcp::server&             server,
    std::size_t                         connections,
    coro::event&                        drained,
    Serve                               serve) -> coro::task<void>
{
    co_await sched->schedule();
    std::size_t accepted{0};
    while (accepted < connections)
    {
        if ((co_await server.poll(1ms)) != coro::poll_status::event)
        {
            continue;
        }
        while (accepted < connections)
        {
            auto c = server.accept();
            if (!c.socket().is_valid())
            {
                break;
            }
            ++accepted;
            sched->spawn(serve(std::move(c)));
        }
    }
    co_await drained;
}

/// Runs server_task() to the end on a thread of its own and connections_full client tasks, client_task(), on
/// this one: the time until both sides finished.
template <typename ServerTask, typename ClientTask>
auto time_echo(ServerTask server_task, ClientTask client_task) -> clock_type::duration
{
    const auto                    start = clock_type::now();
    std::thread                   server_thread{[&] { coro::sync_wait(server_task()); }};
    std::vector<coro::task<void>> clients;
    clients.reserve(connections_full);
    for (std::size_t i = 0; i < connections_full; ++i)
    {
        clients.emplace_back(client_task());
    }
    coro::sync_wait(coro::when_all(std::move(clients)));
    server_thread.join();
    return clock_type::now() - start;
}

// ---------------------------------------------------------------------------------------------------------
// TLS helpers.

/// Self-signed EC P-256 certificate for CN=localhost in a fresh temporary directory.
struct temp_certificate
{
    std::filesystem::path dir;
    std::filesystem::path cert;
    std::filesystem::path key;

    temp_certificate()
    {
        const char* base = std::getenv("TEST_TMPDIR");
        std::string tmpl = std::string{(base != nullptr && *base != '\0') ? base : "/tmp"} + "/gocoro-bench-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr)
        {
            fail("tls", "mkdtemp failed");
        }
        dir  = tmpl;
        cert = dir / "cert.pem";
        key  = dir / "key.pem";

        EVP_PKEY* pkey = EVP_EC_gen("P-256");
        X509*     x    = X509_new();
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), -60);
        X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600);
        X509_set_pubkey(x, pkey);
        X509_NAME* subject = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(
            subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
        X509_set_issuer_name(x, subject);
        X509_sign(x, pkey, EVP_sha256());
        FILE* cf = std::fopen(cert.c_str(), "w");
        FILE* kf = std::fopen(key.c_str(), "w");
        if (cf == nullptr || kf == nullptr)
        {
            fail("tls", "cannot write certificate");
        }
        PEM_write_X509(cf, x);
        PEM_write_PrivateKey(kf, pkey, nullptr, nullptr, 0, nullptr, nullptr);
        std::fclose(cf);
        std::fclose(kf);
        X509_free(x);
        EVP_PKEY_free(pkey);
    }
    ~temp_certificate()
    {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

auto tls_echo(coro::net::tls::client client, std::atomic<std::size_t>& live, coro::event& drained) -> coro::task<void>
{
    std::string buffer(64, '\0');
    while (true)
    {
        auto [rstatus, span] = co_await client.recv(buffer);
        if (rstatus == coro::net::tls::recv_status::want_read || rstatus == coro::net::tls::recv_status::want_write)
        {
            continue;
        }
        if (rstatus != coro::net::tls::recv_status::ok)
        {
            break; // closed or error
        }
        auto [sstatus, rest] = co_await client.send(std::span<const char>{span.data(), span.size()});
        if (sstatus != coro::net::tls::send_status::ok)
        {
            break;
        }
    }
    if (live.fetch_sub(1) == 1)
    {
        drained.set();
    }
}

auto tls_client_task(
    const char*                              name,
    std::shared_ptr<coro::io_scheduler>      s,
    std::shared_ptr<coro::net::tls::context> ctx,
    uint16_t                                 port,
    std::size_t                              count) -> coro::task<void>
{
    co_await s->schedule();
    coro::net::tls::client client{s, ctx, {.address = coro::net::ip_address::from_string("127.0.0.1"), .port = port}};
    auto                   status = co_await client.connect(10s);
    if (status != coro::net::tls::connection_status::connected)
    {
        fail(name, "tls connect failed: " + coro::net::tls::to_string(status));
    }
    std::string buffer(64, '\0');
    for (std::size_t i = 0; i < count; ++i)
    {
        auto [sstatus, rest] = co_await client.send(message);
        if (sstatus != coro::net::tls::send_status::ok)
        {
            fail(name, "tls send failed: " + coro::net::tls::to_string(sstatus));
        }
        std::size_t have{0};
        while (have < message.size())
        {
            std::span<char> tail{buffer.data() + have, buffer.size() - have};
            auto [rstatus, span] = co_await client.recv(tail, {30s});
            if (rstatus != coro::net::tls::recv_status::ok)
            {
                fail(name, "tls recv failed: " + coro::net::tls::to_string(rstatus));
            }
            have += span.size();
        }
        if (std::string_view{buffer.data(), have} != message)
        {
            fail(name, "tls echo mismatch");
        }
    }
}

constexpr std::string_view http_request  = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
constexpr std::string_view http_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nOK";

/// Server side of the ping-pong: answers every complete request (up to its blank line) with http_response until
/// the peer closes.
auto http_serve(coro::net::tcp::client client, std::atomic<std::size_t>& live, coro::event& drained) -> coro::task<void>
{
    std::string buffer(1024, '\0');
    std::size_t have{0};
    while ((co_await client.poll(coro::poll_op::read)) == coro::poll_status::event)
    {
        auto [rstatus, span] = client.recv(std::span<char>{buffer.data() + have, buffer.size() - have});
        if (rstatus == coro::net::recv_status::would_block)
        {
            continue;
        }
        if (rstatus != coro::net::recv_status::ok)
        {
            break;
        }
        have += span.size();
        std::size_t done{0};
        bool        sent{true};
        for (auto end = std::string_view{buffer.data(), have}.find("\r\n\r\n"); sent && end != std::string_view::npos;
             end      = std::string_view{buffer.data(), have}.find("\r\n\r\n", done))
        {
            done = end + 4;
            sent = co_await send_all(client, http_response);
        }
        if (!sent)
        {
            break;
        }
        std::copy(
            buffer.begin() + static_cast<std::ptrdiff_t>(done),
            buffer.begin() + static_cast<std::ptrdiff_t>(have),
            buffer.begin());
        have -= done;
        if (have == buffer.size())
        {
            break; // a request larger than the buffer: not this benchmark's client
        }
    }
    if (live.fetch_sub(1) == 1)
    {
        drained.set();
    }
}

/// Client side: `count` requests, each sent after the previous response was read in full (and checked).
auto http_client_task(const char* name, std::shared_ptr<coro::io_scheduler> s, uint16_t port, std::size_t count)
    -> coro::task<void>
{
    co_await s->schedule();
    coro::net::tcp::client client{s, {.address = coro::net::ip_address::from_string("127.0.0.1"), .port = port}};
    if ((co_await client.connect(10s)) != coro::net::connect_status::connected)
    {
        fail(name, "client connect failed");
    }
    std::string buffer(http_response.size(), '\0');
    for (std::size_t i = 0; i < count; ++i)
    {
        if (!(co_await send_all(client, http_request)))
        {
            fail(name, "request not sent");
        }
        std::size_t have{0};
        while (have < buffer.size())
        {
            if ((co_await client.poll(coro::poll_op::read)) != coro::poll_status::event)
            {
                fail(name, "response poll failed");
            }
            auto [rstatus, span] = client.recv(std::span<char>{buffer.data() + have, buffer.size() - have});
            if (rstatus == coro::net::recv_status::would_block)
            {
                continue;
            }
            if (rstatus != coro::net::recv_status::ok)
            {
                fail(name, "response not received");
            }
            have += span.size();
        }
        if (buffer != http_response)
        {
            fail(name, "wrong response");
        }
    }
}

auto inline_scheduler() -> std::shared_ptr<coro::io_scheduler>
{
    return coro::io_scheduler::make_shared(coro::io_scheduler::options{
        .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});
}
} // namespace

auto net_tcp_echo_thread_pool(report_fn report, bool quick) -> void
{
    const char* name         = "tcp_echo_pool";
    const auto  count        = messages(quick);
    auto        server_sched = pool_scheduler();
    auto        client_sched = pool_scheduler();

    coro::net::tcp::server server{
        server_sched, {.address = coro::net::ip_address::from_string("127.0.0.1"), .port = 0}};
    const uint16_t           port = coro::net::local_port(server.socket());
    std::atomic<std::size_t> live{connections_full};
    coro::event              drained{};

    const auto elapsed = time_echo(
        [&]
        {
            return accept_and_serve(
                server_sched,
                server,
                connections_full,
                drained,
                [&](coro::net::tcp::client c) { return tcp_echo(std::move(c), live, &drained); });
        },
        [&] { return tcp_client_task(name, client_sched, port, count); });
    report("net", name, connections_full * count, elapsed);
    client_sched->shutdown();
    server_sched->shutdown();
}

auto net_tcp_echo_inline(report_fn report, bool quick) -> void
{
    const char*           name    = "tcp_echo_inline";
    const auto            count   = messages(quick);
    constexpr std::size_t threads = 10;
    constexpr std::size_t per     = connections_full / threads;

    // All servers share one kernel-chosen port (SO_REUSEPORT): the first binds port 0, the rest bind the same.
    std::vector<std::shared_ptr<coro::io_scheduler>> server_scheds;
    std::vector<coro::net::tcp::server>              servers;
    uint16_t                                         port{0};
    for (std::size_t i = 0; i < threads; ++i)
    {
        server_scheds.push_back(inline_scheduler());
        servers.emplace_back(
            server_scheds.back(),
            coro::net::tcp::server::options{.address = coro::net::ip_address::from_string("127.0.0.1"), .port = port});
        if (i == 0)
        {
            port = coro::net::local_port(servers.front().socket());
        }
    }

    std::atomic<std::size_t> total_accepted{0};
    auto                     server_task = [&](std::size_t i) -> coro::task<void>
    {
        auto& s      = server_scheds[i];
        auto& server = servers[i];
        co_await s->schedule();
        std::atomic<std::size_t> live{1}; // +1 held by this task until accepting is over
        coro::event              drained{};
        while (total_accepted.load() < connections_full)
        {
            if ((co_await server.poll(1ms)) != coro::poll_status::event)
            {
                continue;
            }
            while (true)
            {
                auto c = server.accept();
                if (!c.socket().is_valid())
                {
                    break;
                }
                total_accepted.fetch_add(1);
                live.fetch_add(1);
                s->spawn(tcp_echo(std::move(c), live, &drained));
            }
        }
        if (live.fetch_sub(1) != 1)
        {
            co_await drained;
        }
    };

    const auto               start = clock_type::now();
    std::vector<std::thread> server_threads;
    for (std::size_t i = 0; i < threads; ++i)
    {
        server_threads.emplace_back([&, i] { coro::sync_wait(server_task(i)); });
    }
    std::vector<std::thread> client_threads;
    for (std::size_t t = 0; t < threads; ++t)
    {
        client_threads.emplace_back(
            [&]
            {
                auto                          s = inline_scheduler();
                std::vector<coro::task<void>> clients;
                clients.reserve(per);
                for (std::size_t i = 0; i < per; ++i)
                {
                    clients.emplace_back(tcp_client_task(name, s, port, count));
                }
                coro::sync_wait(coro::when_all(std::move(clients)));
                s->shutdown();
            });
    }
    for (auto& t : client_threads)
    {
        t.join();
    }
    for (auto& t : server_threads)
    {
        t.join();
    }
    const auto elapsed = clock_type::now() - start;
    report("net", name, connections_full * count, elapsed);
    for (auto& s : server_scheds)
    {
        s->shutdown();
    }
}

auto net_tls_echo_thread_pool(report_fn report, bool quick) -> void
{
    const char*      name  = "tls_echo_pool";
    const auto       count = messages(quick);
    temp_certificate certificate{};
    auto             server_sched = pool_scheduler();
    auto             client_sched = pool_scheduler();
    auto             server_ctx   = std::make_shared<coro::net::tls::context>(
        certificate.cert, coro::net::tls::tls_file_type::pem, certificate.key, coro::net::tls::tls_file_type::pem);
    auto client_ctx = std::make_shared<coro::net::tls::context>(coro::net::tls::verify_peer_t::no);

    coro::net::tls::server server{
        server_sched, server_ctx, {.address = coro::net::ip_address::from_string("127.0.0.1"), .port = 0}};
    const uint16_t           port = coro::net::local_port(server.socket());
    std::atomic<std::size_t> live{connections_full};
    coro::event              drained{};

    auto server_task = [&]() -> coro::task<void>
    {
        co_await server_sched->schedule();
        std::size_t accepted{0};
        while (accepted < connections_full)
        {
            if ((co_await server.poll(1ms)) != coro::poll_status::event)
            {
                continue;
            }
            auto c = co_await server.accept();
            if (!c.socket().is_valid())
            {
                continue;
            }
            ++accepted;
            server_sched->spawn(tls_echo(std::move(c), live, drained));
        }
        co_await drained;
    };

    const auto elapsed =
        time_echo(server_task, [&] { return tls_client_task(name, client_sched, client_ctx, port, count); });
    report("net", name, connections_full * count, elapsed);
    client_sched->shutdown();
    server_sched->shutdown();
}

auto net_http_pingpong(report_fn report, bool quick) -> void
{
    const char*            name         = "http_pingpong";
    constexpr std::size_t  connections  = 20;
    const std::size_t      requests     = quick ? 2'000 : 100'000;
    auto                   server_sched = inline_scheduler();
    coro::net::tcp::server server{
        server_sched, {.address = coro::net::ip_address::from_string("127.0.0.1"), .port = 0}};
    const uint16_t           port = coro::net::local_port(server.socket());
    std::atomic<std::size_t> live{connections};
    coro::event              drained{};

    auto server_task = accept_and_serve(
        server_sched,
        server,
        connections,
        drained,
        [&](coro::net::tcp::client c) { return http_serve(std::move(c), live, drained); });

    const auto  start = clock_type::now();
    std::thread server_thread{[&] { coro::sync_wait(std::move(server_task)); }};
    std::thread client_thread{[&]
                              {
                                  auto                          s = inline_scheduler();
                                  std::vector<coro::task<void>> clients;
                                  clients.reserve(connections);
                                  for (std::size_t i = 0; i < connections; ++i)
                                  {
                                      clients.emplace_back(http_client_task(name, s, port, requests / connections));
                                  }
                                  coro::sync_wait(coro::when_all(std::move(clients)));
                                  s->shutdown();
                              }};
    client_thread.join();
    server_thread.join();
    const auto elapsed = clock_type::now() - start;
    report("net", name, requests, elapsed);
    server_sched->shutdown();
}

} // namespace gocoro_bench
