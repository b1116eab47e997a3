// TCP echo server written against libcoro v0.16's API (the same job as tcp_echo_server.cpp, which uses v0.14's):
// coro::scheduler::make_unique, tcp::server::accept(timeout), and the Read/Write API (read_some / write_all
// reporting net::io_status). The version is chosen for this translation unit before the first libcoro include.
//
//   tcp_echo_server_v16 [--port N] [--schedulers N] [--address A]
#define LIBCORO_API_VERSION 1600

#include "server_main.hpp"

#include <coro/coro.hpp>

#include <array>

static_assert(LIBCORO_API_VERSION == 1600);

namespace
{
auto echo(coro::net::tcp::client client) -> coro::task<void>
{
    std::array<char, 16 * 1024> buffer{};
    while (true)
    {
        auto [rstatus, received] = co_await client.read_some(buffer);
        if (!rstatus.is_ok())
        {
            co_return; // closed, reset or error
        }
        auto [wstatus, unsent] = co_await client.write_all(received);
        if (!wstatus.is_ok())
        {
            co_return;
        }
    }
}
} // namespace

int main(int argc, char** argv)
{
    return example::run_server("tcp_echo_server_v16", argc, argv, echo);
}
