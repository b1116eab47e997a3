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
//
// Either libcoro API version: a handler file compiled with LIBCORO_API_VERSION=1600 (as a -D flag, or
// `#define LIBCORO_API_VERSION 1600` before its first include) is written against libcoro v0.16 instead:
//
//   static auto shout(gocoro::server::connection conn) -> coro::task<void>        // or (coro::net::tcp::client)
//   {
//       std::array<char, 4096> buf{};
//       while (true) {
//           auto [st, got] = co_await conn.read_some(buf);               // v0.16 Read/Write API, counted
//           if (!st.is_ok()) break;
//           ... co_await conn.write_all(reply) ...
//       }
//   }
//
// where coro::net::tcp::client is v0.16's (read_some / write_all / ..., on a coro::scheduler face over the
// connection's io_scheduler). Both versions produce the same gocoro_server_handler table, and handlers of both
// versions can be linked into one program: the connection views live in versioned inline namespaces
// (gocoro::server::v14 / v16, chosen like libcoro's own, see third_party/libcoro/COMPATIBILITY.md), and everything
// the server and a handler share (this table, gocoro_server_conn, the coroutine type coro::task<void>) is the same in
// both. v0.16 handlers need gocoro's embedded libcoro (not a user's upstream v0.14 one).
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

#if GOCORO_CORE_EXTENSIONS // gocoro's core (which defines LIBCORO_API_VERSION): the v0.16 view too
    #include <coro/detail/v16_poll_status.hpp>
    #include <coro/net/io_status.hpp>
    #include <coro/net/socket_address.hpp>
    #include <coro/scheduler.hpp>
    #include <coro/v16/net/detail/io_helpers.hpp>
#endif

namespace gocoro::server::detail
{
// What the server's own (v0.14) code names, spelled so that it means the same in a v0.16 translation unit.
#if defined(LIBCORO_API_VERSION)
using v14_client      = coro::net::tcp::v14::client;
using v14_poll_status = coro::v14::poll_status;
#else // a user's upstream libcoro v0.14.1: one API version
using v14_client      = coro::net::tcp::client;
using v14_poll_status = coro::poll_status;
#endif
} // namespace gocoro::server::detail

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
    std::unique_ptr<gocoro::server::detail::v14_client> client{};
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

/// What a connection view offers in both API versions: a cheap, copyable view of the connection a handler
/// serves. Valid until the handler coroutine returns.
class connection_base
{
public:
    explicit connection_base(gocoro_server_conn* c) noexcept : m_c(c) {}

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

    /// Adds to the server's request counter (Stats.Requests).
    auto add_requests(uint64_t n) noexcept -> void { detail::bump(m_c->requests, n); }
    /// Adds I/O done outside the view's own reads and writes (e.g. through a client) to the server's byte counters.
    auto count(uint64_t bytes_read, uint64_t bytes_written) noexcept -> void
    {
        detail::bump(m_c->bytes_read, bytes_read);
        detail::bump(m_c->bytes_written, bytes_written);
    }

protected:
    gocoro_server_conn* m_c;
};

#if defined(LIBCORO_API_VERSION)
    #define GOCORO_SERVER_INLINE_V14 LIBCORO_INLINE_V14
#else
    #define GOCORO_SERVER_INLINE_V14 inline
#endif

/// The view for handlers written against libcoro v0.14.1 (the default).
GOCORO_SERVER_INLINE_V14 namespace v14
{
    class connection : public connection_base
    {
    public:
        using connection_base::connection_base;

        /// io_scheduler::poll on the connection's socket.
        auto poll(coro::poll_op op, std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<detail::v14_poll_status>
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

        /// One non-blocking send (MSG_NOSIGNAL), as coro::net::tcp::client::send: {ok, unsent tail}; counts the
        /// bytes.
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
                if (!data.empty() && co_await poll(coro::poll_op::write) != detail::v14_poll_status::event)
                {
                    co_return false;
                }
            }
            co_return true;
        }

        /// A libcoro tcp::client for this connection, made on first use (it owns a dup() of the descriptor; the
        /// server's shutdown on stop still reaches it). Throws std::runtime_error if no descriptor is left.
        auto client() -> detail::v14_client&
        {
            if (m_c->client == nullptr)
            {
                int d = ::dup(m_c->fd);
                if (d < 0)
                {
                    throw std::runtime_error{"gocoro::server::connection::client: dup failed"};
                }
                detail::v14_client c{scheduler()};
                c.socket()  = coro::net::socket{d};
                m_c->client = std::make_unique<detail::v14_client>(std::move(c));
            }
            return *m_c->client;
        }
    };

    namespace adapter
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
            else if constexpr (std::is_invocable_r_v<coro::task<void>, fn, detail::v14_client&&>)
            {
                return new gocoro_server_task{Handler(std::move(conn.client()))}; // the frame owns the client
            }
            else
            {
                static_assert(
                    std::is_invocable_r_v<coro::task<void>, fn, detail::v14_client&>,
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
    } // namespace adapter

    /// The C ABI table for a handler function (see the top of this file). Keep the result in static storage.
    template <auto Handler>
    constexpr auto make_handler(const char* name) noexcept -> gocoro_server_handler
    {
        return gocoro_server_handler{GOCORO_SERVER_HANDLER_ABI, name, &adapter::start_handler<Handler>};
    }
} // namespace v14

#if GOCORO_CORE_EXTENSIONS // gocoro's core (which defines LIBCORO_API_VERSION)
/// The view for handlers written against libcoro v0.16 (LIBCORO_API_VERSION=1600).
LIBCORO_INLINE_V16 namespace v16
{
    class connection : public connection_base
    {
    public:
        using connection_base::connection_base;

        /// A v0.16 poll of the connection's socket: read / write (which readiness), timeout, error, closed.
        auto poll(coro::poll_op op, std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<coro::v16::poll_status>
        {
            const int fd = m_c->fd;
            co_return coro::detail::v16_status(fd, op, co_await scheduler()->poll(fd, op, timeout));
        }

        /// As coro::net::tcp::client::read_some (v0.16): waits up to `timeout` (0 = no limit) for data and reads
        /// what is there, {ok, the bytes read} or {closed / timeout / the error, empty}; counts the bytes.
        auto read_some(std::span<char> buffer, std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<std::pair<coro::net::io_status, std::span<char>>>
        {
            using kind = coro::net::io_status::kind;
            if (buffer.empty())
            {
                co_return {coro::net::io_status{kind::ok}, buffer.first(0)};
            }
            while (true) // read first: a busy connection needs no poll
            {
                const auto n = ::recv(m_c->fd, buffer.data(), buffer.size(), 0);
                if (n > 0)
                {
                    detail::bump(m_c->bytes_read, static_cast<uint64_t>(n));
                    co_return {coro::net::io_status{kind::ok}, buffer.first(static_cast<std::size_t>(n))};
                }
                if (n == 0)
                {
                    co_return {coro::net::io_status{kind::closed}, buffer.first(0)};
                }
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                {
                    co_return {coro::net::make_io_status_from_native(errno), buffer.first(0)};
                }
                const auto ready = co_await poll(coro::poll_op::read, timeout);
                if (ready != coro::v16::poll_status::read)
                {
                    co_return {coro::net::make_io_status_from_poll_status(ready), buffer.first(0)};
                }
            }
        }

        /// As coro::net::tcp::client::write_all (v0.16): sends all of `data` within `timeout` (0 = no limit),
        /// {ok, empty} or {timeout / closed / the error, the unsent tail}; counts the bytes (MSG_NOSIGNAL).
        auto write_all(std::span<const char> data, std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
            -> coro::task<std::pair<coro::net::io_status, std::span<const char>>>
        {
            using kind = coro::net::io_status::kind;
            const coro::net::detail::deadline deadline{timeout};
            while (!data.empty())
            {
                const auto n = ::send(m_c->fd, data.data(), data.size(), MSG_NOSIGNAL);
                if (n >= 0)
                {
                    detail::bump(m_c->bytes_written, static_cast<uint64_t>(n));
                    data = data.subspan(static_cast<std::size_t>(n));
                    continue;
                }
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                {
                    co_return {coro::net::make_io_status_from_native(errno), data};
                }
                const auto left = deadline.left();
                if (!left.has_value())
                {
                    co_return {coro::net::io_status{kind::timeout}, data};
                }
                const auto ready = co_await poll(coro::poll_op::write, *left);
                if (ready != coro::v16::poll_status::write)
                {
                    co_return {coro::net::make_io_status_from_poll_status(ready), data};
                }
            }
            co_return {coro::net::io_status{kind::ok}, data};
        }
    };

    namespace adapter
    {
    /// Runs a handler taking a v0.16 tcp::client; the frame owns the scheduler face the client refers to.
    template <auto Handler>
    auto run_client(std::unique_ptr<coro::scheduler> scheduler, coro::net::tcp::v16::client client) -> coro::task<void>
    {
        co_await Handler(std::move(client));
    }

    /// A v0.16 client on a dup() of the connection's descriptor (the server alone closes its own; its shutdown on
    /// stop reaches the dup), with the peer as endpoint. Throws std::runtime_error when no descriptor is left.
    template <auto Handler>
    auto start_client_handler(connection conn) -> gocoro_server_task*
    {
        auto scheduler   = coro::scheduler::adopt(conn.scheduler());
        auto peer        = coro::net::socket_address::make_uninitialised();
        auto [addr, len] = peer.native_mutable_data();
        if (::getpeername(conn.fd(), addr, len) != 0)
        {
            peer = coro::net::socket_address::
                make_uninitialised(); // unnamed (e.g. a socketpair the host adopted): no endpoint
        }
        const int d = ::dup(conn.fd());
        if (d < 0)
        {
            throw std::runtime_error{"gocoro::server::connection: dup failed"};
        }
        coro::net::tcp::v16::client client{scheduler, coro::net::socket{d}, peer};
        return new gocoro_server_task{run_client<Handler>(std::move(scheduler), std::move(client))};
    }

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
            else
            {
                static_assert(
                    std::is_invocable_r_v<coro::task<void>, fn, coro::net::tcp::v16::client&&>,
                    "a v0.16 handler is coro::task<void>(gocoro::server::connection) or "
                    "coro::task<void>(coro::net::tcp::client)");
                return start_client_handler<Handler>(conn);
            }
        }
        catch (...)
        {
            return nullptr;
        }
    }
    } // namespace adapter

    /// The C ABI table for a handler function (see the top of this file). Keep the result in static storage.
    template <auto Handler>
    constexpr auto make_handler(const char* name) noexcept -> gocoro_server_handler
    {
        return gocoro_server_handler{GOCORO_SERVER_HANDLER_ABI, name, &adapter::start_handler<Handler>};
    }
} // namespace v16
#elif defined(LIBCORO_API_VERSION) && LIBCORO_API_VERSION >= 1600
    #error "cshim/net/server_handler.hpp: handlers written against libcoro v0.16 need gocoro's embedded libcoro"
#endif

} // namespace gocoro::server
