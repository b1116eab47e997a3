#pragma once

// What both native example servers share: the command line, signal handling, and N inline io_schedulers, each on
// its own thread with its own listening socket on the same port (SO_REUSEPORT spreads new connections over them),
// accepting connections and spawning one handler coroutine per connection.
//
//   <server> [--port N] [--schedulers N] [--address A]      (default: 0.0.0.0:8080, one scheduler)

#include <coro/coro.hpp>

#include <netinet/tcp.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>

namespace example
{
using connection_handler = coro::task<void> (*)(coro::net::tcp::client);

inline std::atomic<bool> g_stop{false};

inline auto on_signal(int) -> void
{
    g_stop.store(true);
}

inline auto accept_loop(
    std::shared_ptr<coro::io_scheduler> scheduler,
    coro::net::tcp::server              server,
    connection_handler                  handle) -> coro::task<void>
{
    co_await scheduler->schedule();
    while (!g_stop.load(std::memory_order_relaxed))
    {
        if (co_await server.poll(std::chrono::milliseconds{200}) != coro::poll_status::event)
        {
            continue; // timeout: re-check the stop flag
        }
        while (true)
        {
            auto client = server.accept();
            if (!client.socket().is_valid())
            {
                break; // drained the backlog
            }
            int one{1}; // like Go's net package: no Nagle delay for small messages
            ::setsockopt(client.socket().native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            scheduler->spawn(handle(std::move(client)));
        }
    }
}

inline auto parse_args(int argc, char** argv, coro::net::tcp::server::options& opts, unsigned& schedulers) -> bool
{
    for (int i = 1; i < argc; ++i)
    {
        std::string arg{argv[i]};
        if (i + 1 >= argc)
        {
            return false;
        }
        std::string value{argv[++i]};
        if (arg == "--port")
        {
            opts.port = static_cast<uint16_t>(std::stoul(value));
        }
        else if (arg == "--schedulers")
        {
            schedulers = static_cast<unsigned>(std::max(1ul, std::stoul(value)));
        }
        else if (arg == "--address")
        {
            opts.address = coro::net::ip_address::from_string(value);
        }
        else
        {
            return false;
        }
    }
    return true;
}

/// Runs the server until SIGINT/SIGTERM; returns the process exit code.
inline auto run_server(const char* name, int argc, char** argv, connection_handler handle) -> int
{
    coro::net::tcp::server::options opts{.address = coro::net::ip_address::from_string("0.0.0.0"), .port = 8080};
    unsigned                        schedulers{1};
    try
    {
        if (!parse_args(argc, argv, opts, schedulers))
        {
            std::fprintf(stderr, "usage: %s [--port N] [--schedulers N] [--address A]\n", argv[0]);
            return 2;
        }
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 2;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);

    std::atomic<int> exit_code{0};
    // "listening" is only printed once every scheduler's socket listens (scripts connect as soon as they see it).
    std::latch bound{static_cast<std::ptrdiff_t>(schedulers)};
    for (unsigned i = 0; i < schedulers; ++i)
    {
        std::thread(
            [opts, name, handle, &exit_code, &bound]
            {
                auto scheduler = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                    .thread_strategy    = coro::io_scheduler::thread_strategy_t::manual,
                    .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});
                try
                {
                    scheduler->spawn(accept_loop(scheduler, coro::net::tcp::server{scheduler, opts}, handle));
                    bound.count_down();
                }
                catch (const std::exception& e)
                {
                    std::fprintf(stderr, "%s: %s\n", name, e.what());
                    exit_code.store(1);
                    g_stop.store(true);
                    bound.count_down();
                    return;
                }
                while (!g_stop.load(std::memory_order_relaxed))
                {
                    scheduler->process_events(std::chrono::milliseconds{200});
                }
            })
            .detach();
    }
    bound.wait();
    if (exit_code.load() != 0)
    {
        std::fflush(stderr);
        std::_Exit(exit_code.load());
    }
    std::fprintf(
        stderr,
        "%s listening on %s:%u with %u scheduler(s)\n",
        name,
        opts.address.to_string().c_str(),
        opts.port,
        schedulers);
    while (!g_stop.load())
    {
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    // Open connections keep their coroutines suspended; an example needs no orderly drain.
    std::fflush(stderr);
    std::_Exit(exit_code.load());
}
} // namespace example
