#pragma once

// Writing a connection handler for net/server in C++ against libcoro's API (see the contract in server.h).
//
//   #include "cshim/net/server_handler.hpp"
//
//   static auto shout(gocoro::server::connection conn) -> coro::task<void>
//   {
//       std::array<char, 4096> buf{};
//       while (co_await conn.poll(coro::poll_op::read) == coro::poll_status::event) {
//           auto [st, got] = conn.recv(buf);          // counted in the server's bytes_read
//           if (st != coro::net::recv_status::ok) break;
//           ... co_await conn.send_all(reply) ...     // counted in bytes_written
//       }
//   }
//   extern "C" const gocoro_server_handler* shout_handler(void)
//   {
//       static const auto h = gocoro::server::make_handler<shout>("shout");
//       return &h;
//   }
//
// and from Go: server.Serve(ctx, sched, addr, server.Native(unsafe.Pointer(C.shout_handler()), nil), nil).
//
// A handler may also take a coro::net::tcp::client (by value or by reference), so code written for libcoro's
// own tcp::server runs unchanged; its reads and writes are then not counted (report them with count()).
// Compile with -std=c++20 -DLIBCORO_FEATURE_NETWORKING and the repository root plus third_party/libcoro/include
// on the include path. Everything here runs on the connection's scheduler thread and is not thread-safe.

#include "cshim/io_scheduler.hpp"
#include "cshim/net/server.h"

#include <coro/io_scheduler.hpp>
#include <coro/net/recv_status.hpp>
#include <coro/net/send_status.hpp>
#include <coro/net/tcp/client.hpp>
#include <coro/task.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

#include <sys/socket.h>
#include <unistd.h>

/// The handler coroutine handed across the C ABI (start's result); the server co_awaits and deletes it.
struct gocoro_server_task
{
    coro::task<void> task;
};

/// One accepted connection, owned by the server. Fields are the server's; handlers use gocoro::server::connection.
/// What is the same for every connection (scheduler, user_arg, data, stopping) is the server's: every idle
/// connection pays for this struct.
struct gocoro_server_conn
{
    int            fd{-1};
    uint64_t       id{0};
    gocoro_server* server{nullptr};
    uintptr_t      dial_token{0}; // the host's token for a connection it dialled (gocoro_server_adopt)
    // Written only by the connection's handler (one coroutine), read by stats: relaxed single-writer counters.
    std::atomic<uint64_t> bytes_read{0};
    std::atomic<uint64_t> bytes_written{0};
    std::atomic<uint64_t> requests{0};
    // Made on first use by connection::client() (holds a dup of fd, so the server alone closes fd). A pointer,
    // not an optional: most connections never make one, and every idle connection pays for this struct.
    std::unique_ptr<coro::net::tcp::client> client{};
    // The Go handler's per-connection state (server.cc), null for other handlers.
    struct gocoro_go_conn* go{nullptr};
    gocoro_server_conn*    prev{nullptr};
    gocoro_server_conn*    next{nullptr};
};

namespace gocoro::server
{
namespace detail
{
inline auto bump(std::atomic<uint64_t>& counter, uint64_t n) noexcept -> void
{
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
} // namespace detail

/// A cheap, copyable view of the connection a handler serves. Valid until the handler coroutine returns.
class connection
{
public:
    explicit connection(gocoro_server_conn* c) noexcept : m_c(c) {}

    auto native() const noexcept -> gocoro_server_conn* { return m_c; }
    auto fd() const noexcept -> int { return m_c->fd; }
    /// Unique per server, from 1.
    auto id() const noexcept -> uint64_t { return m_c->id; }
    auto scheduler() const noexcept -> const std::shared_ptr<coro::io_scheduler>&
    {
        return gocoro_server_conn_scheduler(m_c)->scheduler;
    }
    /// The server's data bytes (Options.Data in Go).
    auto data() const noexcept -> std::string_view
    {
        std::size_t len = 0;
        const void* p   = gocoro_server_conn_data(m_c, &len);
        return std::string_view{static_cast<const char*>(p), len};
    }
    /// The user_arg given when the server was started.
    auto user_arg() const noexcept -> void* { return gocoro_server_conn_user_arg(m_c); }
    /// True once the server is stopping: the socket has been (or is about to be) shut down; return soon.
    auto stopping() const noexcept -> bool { return gocoro_server_conn_stopping(m_c) != 0; }

    /// io_scheduler::poll on the connection's socket.
    auto poll(coro::poll_op op, std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
        -> coro::task<coro::poll_status>
    {
        return scheduler()->poll(m_c->fd, op, timeout);
    }

    /// One non-blocking recv, as coro::net::tcp::client::recv; counts the bytes.
    auto recv(std::span<char> buffer) -> std::pair<coro::net::recv_status, std::span<char>>
    {
        if (buffer.empty())
        {
            return {coro::net::recv_status::ok, buffer.first(0)};
        }
        auto n = ::recv(m_c->fd, buffer.data(), buffer.size(), 0);
        if (n > 0)
        {
            detail::bump(m_c->bytes_read, static_cast<uint64_t>(n));
            return {coro::net::recv_status::ok, buffer.first(static_cast<std::size_t>(n))};
        }
        if (n == 0)
        {
            return {coro::net::recv_status::closed, buffer.first(0)};
        }
        return {static_cast<coro::net::recv_status>(errno), buffer.first(0)};
    }

    /// One non-blocking send (MSG_NOSIGNAL), as coro::net::tcp::client::send: {ok, unsent tail}; counts the bytes.
    auto send(std::span<const char> buffer) -> std::pair<coro::net::send_status, std::span<const char>>
    {
        if (buffer.empty())
        {
            return {coro::net::send_status::ok, buffer};
        }
        auto n = ::send(m_c->fd, buffer.data(), buffer.size(), MSG_NOSIGNAL);
        if (n >= 0)
        {
            detail::bump(m_c->bytes_written, static_cast<uint64_t>(n));
            return {coro::net::send_status::ok, buffer.subspan(static_cast<std::size_t>(n))};
        }
        return {static_cast<coro::net::send_status>(errno), buffer};
    }

    /// Sends all of `data`, polling for writability when the socket buffer is full. False on error/close.
    auto send_all(std::span<const char> data) -> coro::task<bool>
    {
        while (!data.empty())
        {
            auto [st, rest] = send(data);
            if (st != coro::net::send_status::ok && st != coro::net::send_status::would_block)
            {
                co_return false;
            }
            data = rest;
            if (!data.empty() && co_await poll(coro::poll_op::write) != coro::poll_status::event)
            {
                co_return false;
            }
        }
        co_return true;
    }

    /// Adds to the server's request counter (Stats.Requests).
    auto add_requests(uint64_t n) noexcept -> void { detail::bump(m_c->requests, n); }
    /// Adds I/O done outside recv/send (e.g. through client()) to the server's byte counters.
    auto count(uint64_t bytes_read, uint64_t bytes_written) noexcept -> void
    {
        detail::bump(m_c->bytes_read, bytes_read);
        detail::bump(m_c->bytes_written, bytes_written);
    }

    /// A libcoro tcp::client for this connection, made on first use (it owns a dup() of the descriptor; the
    /// server's shutdown on stop still reaches it). Throws std::runtime_error if no descriptor is left.
    auto client() -> coro::net::tcp::client&
    {
        if (m_c->client == nullptr)
        {
            int d = ::dup(m_c->fd);
            if (d < 0)
            {
                throw std::runtime_error{"gocoro::server::connection::client: dup failed"};
            }
            coro::net::tcp::client c{scheduler()};
            c.socket()  = coro::net::socket{d};
            m_c->client = std::make_unique<coro::net::tcp::client>(std::move(c));
        }
        return *m_c->client;
    }

private:
    gocoro_server_conn* m_c;
};

namespace detail
{
template <auto Handler>
auto start_handler(void* /*user_arg*/, gocoro_server_conn* c) noexcept -> gocoro_server_task*
{
    using fn = decltype(Handler);
    try
    {
        connection conn{c};
        if constexpr (std::is_invocable_r_v<coro::task<void>, fn, connection>)
        {
            return new gocoro_server_task{Handler(conn)};
        }
        else if constexpr (std::is_invocable_r_v<coro::task<void>, fn, coro::net::tcp::client&&>)
        {
            return new gocoro_server_task{Handler(std::move(conn.client()))}; // the frame owns the client
        }
        else
        {
            static_assert(
                std::is_invocable_r_v<coro::task<void>, fn, coro::net::tcp::client&>,
                "a handler is coro::task<void>(gocoro::server::connection) or "
                "coro::task<void>(coro::net::tcp::client)");
            return new gocoro_server_task{Handler(conn.client())};
        }
    }
    catch (...)
    {
        return nullptr;
    }
}
} // namespace detail

/// The C ABI table for a handler function (see the top of this file). Keep the result in static storage.
template <auto Handler>
constexpr auto make_handler(const char* name) noexcept -> gocoro_server_handler
{
    return gocoro_server_handler{GOCORO_SERVER_HANDLER_ABI, name, &detail::start_handler<Handler>};
}

} // namespace gocoro::server
