// TCP echo server on libcoro's networking API: every byte a client sends comes straight back.
//
//   tcp_echo_server [--port N] [--schedulers N] [--address A]
//
// --schedulers N starts N inline io_schedulers, each on its own event thread with its own listening socket
// on the same port (SO_REUSEPORT lets the kernel spread new connections over them). Default: port 8080,
// one scheduler. Stops on SIGINT/SIGTERM.

#include <coro/coro.hpp>

#include <netinet/tcp.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace
{
std::atomic<bool> g_stop{false};

auto on_signal(int) -> void
{
    g_stop.store(true);
}

auto echo(coro::net::tcp::client client) -> coro::task<void>
{
    std::string buffer(16 * 1024, '\0');
    while (true)
    {
        // Read first, poll only when nothing is queued (saves the epoll round trip on a busy connection).
        auto [rstatus, received] = client.recv(buffer);
        if (rstatus == coro::net::recv_status::would_block)
        {
            if ((co_await client.poll(coro::poll_op::read)) != coro::poll_status::event)
            {
                co_return; // closed or error
            }
            continue;
        }
        if (rstatus != coro::net::recv_status::ok)
        {
            co_return; // closed (or reset)
        }
        std::span<const char> rest{received.data(), received.size()};
        while (!rest.empty())
        {
            auto [sstatus, unsent] = client.send(rest);
            if (sstatus == coro::net::send_status::would_block)
            {
                unsent = rest;
            }
            else if (sstatus != coro::net::send_status::ok)
            {
                co_return;
            }
            rest = unsent;
            if (!rest.empty() && (co_await client.poll(coro::poll_op::write)) != coro::poll_status::event)
            {
                co_return;
            }
        }
    }
}

auto serve(std::shared_ptr<coro::io_scheduler> scheduler, coro::net::tcp::server server) -> coro::task<void>
{
    co_await scheduler->schedule();
    while (!g_stop.load(std::memory_order_relaxed))
    {
        auto pstatus = co_await server.poll(std::chrono::milliseconds{200});
        if (pstatus != coro::poll_status::event)
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
            int one{1}; // no Nagle delay for small echoes
            ::setsockopt(client.socket().native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            scheduler->spawn(echo(std::move(client)));
        }
    }
}

auto parse_args(int argc, char** argv, coro::net::tcp::server::options& opts, unsigned& schedulers) -> bool
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
} // namespace

int main(int argc, char** argv)
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
    for (unsigned i = 0; i < schedulers; ++i)
    {
        std::thread(
            [opts, &exit_code]
            {
                auto scheduler = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                    .thread_strategy    = coro::io_scheduler::thread_strategy_t::manual,
                    .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});
                try
                {
                    scheduler->spawn(serve(scheduler, coro::net::tcp::server{scheduler, opts}));
                }
                catch (const std::exception& e)
                {
                    std::fprintf(stderr, "tcp_echo_server: %s\n", e.what());
                    exit_code.store(1);
                    g_stop.store(true);
                    return;
                }
                while (!g_stop.load(std::memory_order_relaxed))
                {
                    scheduler->process_events(std::chrono::milliseconds{200});
                }
            })
            .detach();
    }
    std::fprintf(stderr, "tcp_echo_server listening on %s:%u with %u scheduler(s)\n", opts.address.to_string().c_str(),
                 opts.port, schedulers);
    while (!g_stop.load())
    {
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    // Open connections keep their coroutines suspended; an example needs no orderly drain.
    std::fflush(stderr);
    std::_Exit(exit_code.load());
    return 0;
}
