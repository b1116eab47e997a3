// TCP echo server on libcoro's networking API: every byte a client sends comes straight back.
//
//   tcp_echo_server [--port N] [--schedulers N] [--address A]
//
// --schedulers N starts N inline io_schedulers, each on its own event thread with its own listening socket
// on the same port (SO_REUSEPORT lets the kernel spread new connections over them). Default: port 8080,
// one scheduler. Stops on SIGINT/SIGTERM.

#include "server_main.hpp"

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
} // namespace

int main(int argc, char** argv)
{
    return example::run_server("tcp_echo_server", argc, argv, echo);
}
