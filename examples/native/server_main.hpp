#pragma once

// What the native example servers share: the command line, signal handling, and N inline schedulers, each on its
// own thread with its own listening socket on the same port (SO_REUSEPORT spreads new connections over them),
// accepting connections and spawning one handler coroutine per connection. Written for whichever libcoro API
// version the including file selects (LIBCORO_API_VERSION: v0.14's io_scheduler, or v0.16's scheduler).
//
//   <server> [--port N] [--schedulers N] [--address A]      (default: 0.0.0.0:8080, one scheduler)

#include <coro/coro.hpp>

#include <netinet/tcp.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>

namespace example
{
inline std::atomic<bool> g_stop{false};

inline auto on_signal(int) -> void
{
    g_stop.store(true);
}

/// The command line, whichever libcoro API version the example is written against.
struct server_args
{
    std::string address{"0.0.0.0"};
    uint16_t    port{8080};
    unsigned    schedulers{1};
};

inline auto parse_args(int argc, char** argv, server_args& args) -> bool
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
            args.port = static_cast<uint16_t>(std::stoul(value));
        }
        else if (arg == "--schedulers")
        {
            args.schedulers = static_cast<unsigned>(std::max(1ul, std::stoul(value)));
        }
        else if (arg == "--address")
        {
            args.address = value;
        }
        else
        {
            return false;
        }
    }
    return true;
}

/// Runs the server until SIGINT/SIGTERM; returns the process exit code. On each of the --schedulers threads,
/// `start(args)` makes a scheduler with its listening socket and accept loop (throwing on failure) and returns a
/// callable that processes its events for up to 200 ms, called until the server stops.
template <typename start_fn>
inline auto run_threads(const char* name, int argc, char** argv, start_fn start) -> int
{
    server_args args{};
    try
    {
        if (!parse_args(argc, argv, args))
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
    std::latch bound{static_cast<std::ptrdiff_t>(args.schedulers)};
    for (unsigned i = 0; i < args.schedulers; ++i)
    {
        std::thread(
            [&args, name, start, &exit_code, &bound]
            {
                try
                {
                    auto process_events = start(args);
                    bound.count_down();
                    while (!g_stop.load(std::memory_order_relaxed))
                    {
                        process_events();
                    }
                }
                catch (const std::exception& e)
                {
                    std::fprintf(stderr, "%s: %s\n", name, e.what());
                    exit_code.store(1);
                    g_stop.store(true);
                    bound.count_down();
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
        stderr, "%s listening on %s:%u with %u scheduler(s)\n", name, args.address.c_str(), args.port, args.schedulers);
    while (!g_stop.load())
    {
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    // Open connections keep their coroutines suspended; an example needs no orderly drain.
    std::fflush(stderr);
    std::_Exit(exit_code.load());
}

inline auto set_no_delay(const coro::net::socket& sock) -> void
{
    int one{1}; // like Go's net package: no Nagle delay for small messages
    ::setsockopt(sock.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

#if LIBCORO_API_VERSION < 1600
// libcoro v0.14: io_scheduler, tcp::server::poll + accept, spawn.

using connection_handler = coro::task<void> (*)(coro::net::tcp::client);

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
            set_no_delay(client.socket());
            scheduler->spawn(handle(std::move(client)));
        }
    }
}

inline auto run_server(const char* name, int argc, char** argv, connection_handler handle) -> int
{
    return run_threads(
        name,
        argc,
        argv,
        [handle](const server_args& args)
        {
            auto                            scheduler = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                                           .thread_strategy = coro::io_scheduler::thread_strategy_t::manual,
                                           .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});
            coro::net::tcp::server::options opts{
                .address = coro::net::ip_address::from_string(args.address), .port = args.port};
            scheduler->spawn(accept_loop(scheduler, coro::net::tcp::server{scheduler, opts}, handle));
            return [scheduler] { scheduler->process_events(std::chrono::milliseconds{200}); };
        });
}
#else
// libcoro v0.16: scheduler::make_unique, tcp::server::accept(timeout), spawn_detached.

using connection_handler = coro::task<void> (*)(coro::net::tcp::client);

inline auto accept_loop(coro::scheduler& scheduler, coro::net::tcp::server server, connection_handler handle)
    -> coro::task<void>
{
    co_await scheduler.schedule();
    while (!g_stop.load(std::memory_order_relaxed))
    {
        auto client = co_await server.accept(std::chrono::milliseconds{200});
        if (!client.has_value())
        {
            continue; // timeout: re-check the stop flag
        }
        set_no_delay(client->socket());
        scheduler.spawn_detached(handle(std::move(*client)));
    }
}

inline auto run_server(const char* name, int argc, char** argv, connection_handler handle) -> int
{
    return run_threads(
        name,
        argc,
        argv,
        [handle](const server_args& args)
        {
            auto                   scheduler = coro::scheduler::make_unique(coro::scheduler::options{
                                  .thread_strategy    = coro::scheduler::thread_strategy_t::manual,
                                  .execution_strategy = coro::scheduler::execution_strategy_t::process_tasks_inline});
            coro::net::tcp::server server{scheduler, coro::net::socket_address{args.address, args.port}};
            scheduler->spawn_detached(accept_loop(*scheduler, std::move(server), handle));
            return [scheduler = std::move(scheduler)] { scheduler->process_events(std::chrono::milliseconds{200}); };
        });
}
#endif
} // namespace example
