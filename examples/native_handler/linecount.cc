// A user's own connection handler, written in C++ against libcoro's API and served by net/server from Go:
// every complete line a client sends comes back upper-cased and numbered ("<n>: <LINE>\n", n counting the lines of
// that connection); "quit" ends the connection. The handler is compiled by cgo as part of this package; the server
// (net/server) calls it through the C ABI table that linecount_handler returns.

#include "linecount.h"

#include "cshim/net/server_handler.hpp"

#include <atomic>
#include <cctype>
#include <string>
#include <vector>

struct linecount_state
{
    std::atomic<uint64_t> lines{0};
};

namespace
{
auto serve_lines(gocoro::server::connection conn) -> coro::task<void>
{
    auto*             state = static_cast<linecount_state*>(conn.user_arg());
    std::vector<char> buf(4096);
    std::string       pending; // bytes of an incomplete line
    std::string       out;
    uint64_t          n{0};
    while (true)
    {
        if (co_await conn.poll(coro::poll_op::read) != coro::poll_status::event)
        {
            co_return; // peer gone, or the server is stopping
        }
        auto [status, got] = conn.recv(buf); // counted in the server's BytesRead
        if (status == coro::net::recv_status::would_block)
        {
            continue;
        }
        if (status != coro::net::recv_status::ok)
        {
            co_return;
        }
        pending.append(got.data(), got.size());
        out.clear();
        bool        quit{false};
        std::size_t start{0};
        for (auto end = pending.find('\n'); end != std::string::npos && !quit; end = pending.find('\n', start))
        {
            std::string line = pending.substr(start, end - start);
            start            = end + 1;
            if (!line.empty() && line.back() == '\r')
            {
                line.pop_back();
            }
            if (line == "quit")
            {
                out += "bye\n";
                quit = true;
                break;
            }
            for (auto& ch : line)
            {
                ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            }
            out += std::to_string(++n) + ": " + line + "\n";
            conn.add_requests(1); // Stats.Requests: one per line
            if (state != nullptr)
            {
                state->lines.fetch_add(1, std::memory_order_relaxed);
            }
        }
        pending.erase(0, start);
        if (!co_await conn.send_all(out) || quit) // counted in BytesWritten
        {
            co_return; // the server closes the socket
        }
    }
}

/// Code written for libcoro's own tcp::server, unchanged: a handler may take a coro::net::tcp::client. (Its bytes
/// are not counted: it reads and writes through the client, not through gocoro::server::connection.)
auto libcoro_echo(coro::net::tcp::client client) -> coro::task<void>
{
    std::string buf(4096, '\0');
    while (co_await client.poll(coro::poll_op::read) == coro::poll_status::event)
    {
        auto [rstatus, got] = client.recv(buf);
        if (rstatus == coro::net::recv_status::would_block)
        {
            continue;
        }
        if (rstatus != coro::net::recv_status::ok)
        {
            co_return;
        }
        std::span<const char> rest{got.data(), got.size()};
        while (!rest.empty())
        {
            auto [sstatus, unsent] = client.send(rest);
            if (sstatus != coro::net::send_status::ok && sstatus != coro::net::send_status::would_block)
            {
                co_return;
            }
            rest = sstatus == coro::net::send_status::ok ? unsent : rest;
            if (!rest.empty() && co_await client.poll(coro::poll_op::write) != coro::poll_status::event)
            {
                co_return;
            }
        }
    }
}
} // namespace

extern "C" {

const gocoro_server_handler* libcoro_echo_handler(void)
{
    static const gocoro_server_handler table = gocoro::server::make_handler<libcoro_echo>("libcoro_echo");
    return &table;
}

const gocoro_server_handler* linecount_handler(void)
{
    static const gocoro_server_handler table = gocoro::server::make_handler<serve_lines>("linecount");
    return &table;
}

linecount_state* linecount_state_new(void)
{
    return new linecount_state{};
}

uint64_t linecount_state_lines(const linecount_state* s)
{
    return s->lines.load(std::memory_order_relaxed);
}

void linecount_state_free(linecount_state* s)
{
    delete s;
}

} // extern "C"
