// Minimal keep-alive HTTP/1.1 server on libcoro's networking API: every request gets the same fixed
// 200 response. Requests may arrive split across several reads, or several (pipelined) in one read; each
// complete request (headers, plus a Content-Length body if any) is answered once, in order.
//
//   http_200_ok_server [--port N] [--schedulers N] [--address A]
//
// --schedulers N starts N inline io_schedulers, each on its own thread with its own listening socket on the
// same port (SO_REUSEPORT). Default: port 8080, one scheduler. Stops on SIGINT/SIGTERM.

#include "server_main.hpp"

#include <coro/coro.hpp>

#include <netinet/tcp.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <strings.h>
#include <thread>
#include <vector>

namespace
{
/// The fixed response (the Go comparison server in tools/bench/http writes exactly these bytes).
constexpr std::string_view response = "HTTP/1.1 200 OK\r\n"
                                      "Content-Type: text/plain\r\n"
                                      "Content-Length: 13\r\n"
                                      "Connection: keep-alive\r\n"
                                      "\r\n"
                                      "Hello, World!";

constexpr std::size_t max_request_bytes = 64 * 1024;

/// Value of a Content-Length header within `headers` (0 if absent or malformed).
auto content_length(std::string_view headers) -> std::size_t
{
    constexpr std::string_view name = "content-length:";
    std::size_t                line = headers.find("\r\n");
    while (line != std::string_view::npos)
    {
        line += 2;
        if (headers.size() - line > name.size() && ::strncasecmp(headers.data() + line, name.data(), name.size()) == 0)
        {
            std::size_t value = 0;
            for (std::size_t i = line + name.size(); i < headers.size() && headers[i] != '\r'; ++i)
            {
                if (headers[i] >= '0' && headers[i] <= '9')
                {
                    value = value * 10 + static_cast<std::size_t>(headers[i] - '0');
                }
            }
            return value;
        }
        line = headers.find("\r\n", line);
    }
    return 0;
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

auto serve_connection(coro::net::tcp::client client) -> coro::task<void>
{
    std::string in(8 * 1024, '\0');
    std::size_t used{0};
    std::string out;
    bool        read_first{false};
    while (true)
    {
        if (in.size() - used < 4096)
        {
            if (in.size() >= max_request_bytes)
            {
                co_return; // a request this large is not what this server is for
            }
            in.resize(in.size() * 2);
        }
        // A client that waits for each response (wrk, browsers) has sent nothing yet: poll first, then read.
        // A client that streams or pipelines usually has more queued: read first and poll only when the
        // read comes back empty, which saves the epoll round trip.
        if (!read_first && (co_await client.poll(coro::poll_op::read)) != coro::poll_status::event)
        {
            co_return; // closed or error
        }
        auto [rstatus, received] = client.recv(std::span<char>{in.data() + used, in.size() - used});
        if (rstatus == coro::net::recv_status::would_block)
        {
            read_first = false;
            continue;
        }
        if (rstatus != coro::net::recv_status::ok)
        {
            co_return; // closed (or reset)
        }
        used += received.size();

        // Count the complete requests in the buffer.
        std::string_view buffered{in.data(), used};
        std::size_t      consumed{0};
        std::size_t      requests{0};
        while (true)
        {
            auto end = buffered.find("\r\n\r\n", consumed);
            if (end == std::string_view::npos)
            {
                break;
            }
            const std::size_t body  = content_length(buffered.substr(consumed, end - consumed));
            const std::size_t total = end + 4 + body;
            if (total > used)
            {
                break; // body still incomplete
            }
            consumed = total;
            ++requests;
        }
        read_first = requests > 1 || consumed < used; // pipelined or a partial request: more is coming
        if (consumed > 0)
        {
            std::memmove(in.data(), in.data() + consumed, used - consumed);
            used -= consumed;
        }
        if (requests == 0)
        {
            continue;
        }

        bool ok{false};
        if (requests == 1)
        {
            ok = co_await send_all(client, std::span<const char>{response.data(), response.size()});
        }
        else
        {
            out.clear();
            for (std::size_t i = 0; i < requests; ++i)
            {
                out.append(response);
            }
            ok = co_await send_all(client, std::span<const char>{out.data(), out.size()});
        }
        if (!ok)
        {
            co_return;
        }
    }
}
} // namespace

int main(int argc, char** argv)
{
    return example::run_server("http_200_ok_server", argc, argv, serve_connection);
}
