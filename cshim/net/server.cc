// A TCP server run by C++ coroutines on a coro::io_scheduler (see server.h): one accept loop plus one coroutine
// per connection, each running a handler (built-in or the user's, through gocoro_server_handler).

#include "cshim/net/server.h"
#include "cshim/compat/io_scheduler.hpp"
#include "cshim/compat/sockaddr.hpp"
#include "cshim/completion.h"
#include "cshim/net/server_handler.hpp"

#include <coro/net/ip_address.hpp>
#include <coro/net/socket.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct gocoro_server
{
    std::shared_ptr<coro::io_scheduler> scheduler;
    gocoro_io_scheduler*                native_scheduler{nullptr};
    const gocoro_server_handler*        handler{nullptr};
    void*                               user_arg{nullptr};
    std::string                         data;
    std::size_t                         max_input{1 << 20};
    uintptr_t                           host_handle{0};
    uint64_t                            max_conns{0};
    std::chrono::milliseconds           idle_timeout{0};
    std::chrono::milliseconds           read_timeout{0};
    std::chrono::milliseconds           write_timeout{0};
    std::size_t                         high_water{1 << 20};
    std::size_t                         max_output{4 << 20};
    bool                                lazy_open{false};
    bool                                tls{false}; // accepted connections speak TLS (tls_ctx is set)
    std::chrono::milliseconds           handshake_timeout{10000};
    int                                 listen_fd{-1};
    uint16_t                            port{0};

    std::atomic<bool>     stopping{false};
    std::atomic<uint64_t> accepted{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> refused{0};
    std::atomic<uint64_t> next_id{0};

    // Guarded by mu: the live connections, the accept loop's and connections' liveness, totals of closed ones.
    mutable std::mutex      mu;
    std::condition_variable idle;
    bool                    accepting{true};
    bool                    listen_closed{false};
    std::size_t             alive{0}; // accept loop + connections
    uint64_t                active{0};
    uintptr_t               idle_handle{0}; // completion posted when active falls to 0 (gocoro_server_notify_idle)
    gocoro_server_conn*     conns{nullptr};
    uint64_t                closed_read{0};
    uint64_t                closed_written{0};
    uint64_t                closed_requests{0};

    // TLS: the context that new handshakes use (null: plain TCP); reload replaces it. Sessions keep their own
    // reference to the OpenSSL context, so the old one is freed at once.
    std::mutex          tls_mu;
    gocoro_tls_context* tls_ctx{nullptr};
};

namespace
{
using gocoro::server::connection;

gocoro_server_open_fn   g_open{nullptr};
gocoro_server_data_fn   g_data{nullptr};
gocoro_server_close_fn  g_close{nullptr};
gocoro_server_report_fn g_report{nullptr};
gocoro_server_tick_fn   g_tick{nullptr};
/// Installed by whoever links OpenSSL in (server_tls.h); read by every TLS server, so atomic.
std::atomic<const gocoro_server_tls_ops*> g_tls{nullptr};

/// The server whose Go callback this thread is running, if any: stopping that server from inside the callback
/// must not wait (the thread it would wait for is this one).
thread_local const gocoro_server* t_in_callback{nullptr};

/// Marks this thread as inside a Go callback of `s` for its lifetime.
struct in_callback
{
    explicit in_callback(const gocoro_server* s) : prev(t_in_callback) { t_in_callback = s; }
    ~in_callback() { t_in_callback = prev; }
    in_callback(const in_callback&)                                    = delete;
    auto                 operator=(const in_callback&) -> in_callback& = delete;
    const gocoro_server* prev;
};

auto errno_or_eio() noexcept -> int
{
    return errno == 0 ? EIO : errno;
}

// One of the server's coroutines ended; the last one wakes gocoro_server_stop.
auto release_locked(gocoro_server* s) -> void
{
    if (--s->alive == 0)
    {
        s->idle.notify_all();
    }
}

auto close_listener_locked(gocoro_server* s) -> void
{
    if (!s->listen_closed)
    {
        s->listen_closed = true;
        ::close(s->listen_fd);
    }
}

auto finish_conn(gocoro_server* s, gocoro_server_conn* c) -> void
{
    {
        std::scoped_lock lk{s->mu};
        if (c->prev != nullptr)
        {
            c->prev->next = c->next;
        }
        else
        {
            s->conns = c->next;
        }
        if (c->next != nullptr)
        {
            c->next->prev = c->prev;
        }
        s->closed_read += c->bytes_read.load(std::memory_order_relaxed);
        s->closed_written += c->bytes_written.load(std::memory_order_relaxed);
        s->closed_requests += c->requests.load(std::memory_order_relaxed);
        // Closed under the lock so that stop never shuts down a descriptor number that was reused meanwhile.
        // Counted as net::socket counts its closes: Go connections poll with kept registrations (poll_kept).
        gocoro::compat::note_close(c->fd);
        ::close(c->fd);
        gocoro::compat::note_close(c->fd);
        if (--s->active == 0 && s->idle_handle != 0)
        {
            gocoro_completion_post(std::exchange(s->idle_handle, 0), 0);
        }
        release_locked(s);
    }
    delete c; // also closes the client()'s dup, if any
}

auto serve_conn(gocoro_server* s, gocoro_server_conn* c) -> coro::task<void>
{
    gocoro_server_task* t = s->handler->start(s->user_arg, c);
    if (t == nullptr)
    {
        s->errors.fetch_add(1, std::memory_order_relaxed);
    }
    else
    {
        try
        {
            co_await std::move(t->task);
        }
        catch (...)
        {
            s->errors.fetch_add(1, std::memory_order_relaxed);
        }
        delete t;
    }
    finish_conn(s, c);
}

/// A coroutine that starts at once, runs to its end and frees its own frame, with no owner and no wrapper task
/// (spawn adds one): a Go connection's whole state is one such frame plus its pending poll, which is what an idle
/// connection costs. Its body catches everything. ok is false if the frame could not be allocated.
struct detached_conn
{
    bool ok{true};
    struct promise_type
    {
        static auto get_return_object_on_allocation_failure() noexcept -> detached_conn { return {false}; }
        auto        get_return_object() noexcept -> detached_conn { return {}; }
        auto        initial_suspend() noexcept -> std::suspend_never { return {}; }
        auto        final_suspend() noexcept -> std::suspend_never { return {}; }
        auto        return_void() noexcept -> void {}
        auto        unhandled_exception() noexcept -> void { std::terminate(); }
    };
};

/// Finishes a connection when its coroutine ends, whichever way.
struct conn_finisher
{
    conn_finisher(gocoro_server* srv, gocoro_server_conn* conn) : s(srv), c(conn) {}
    ~conn_finisher() { finish_conn(s, c); }
    conn_finisher(const conn_finisher&)                                   = delete;
    auto                operator=(const conn_finisher&) -> conn_finisher& = delete;
    gocoro_server*      s;
    gocoro_server_conn* c;
};

auto go_serve(gocoro_server* s, gocoro_server_conn* c, bool& refused, bool input_ready = false) -> detached_conn;
auto go_first_input(gocoro_server* s, gocoro_server_conn* c, bool& refused) -> detached_conn;
const gocoro_server_handler* go_handler_table();

auto open_conn(gocoro_server* s, int fd, uintptr_t dial_token = 0) -> int
{
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); // like Go's net package
    auto* c       = new gocoro_server_conn{};
    c->fd         = fd;
    c->id         = s->next_id.fetch_add(1, std::memory_order_relaxed) + 1;
    c->server     = s;
    c->dial_token = dial_token;
    {
        std::scoped_lock lk{s->mu};
        if (s->stopping.load(std::memory_order_relaxed))
        {
            ::close(fd);
            delete c;
            return -ESHUTDOWN;
        }
        c->next = s->conns;
        if (s->conns != nullptr)
        {
            s->conns->prev = c;
        }
        s->conns = c;
        ++s->alive;
        ++s->active;
    }
    if (dial_token == 0)
    {
        s->accepted.fetch_add(1, std::memory_order_relaxed);
    }
    if (s->handler == go_handler_table())
    {
        // A connection without TLS whose host opens it lazily needs nothing but a poll until its first input.
        const bool lazy    = s->lazy_open && !s->tls && dial_token == 0;
        bool       refused = false;
        if (!(lazy ? go_first_input(s, c, refused) : go_serve(s, c, refused)).ok)
        {
            finish_conn(s, c);
            return -ENOMEM;
        }
        return refused ? -ESHUTDOWN : 0;
    }
    if (!s->scheduler->spawn(serve_conn(s, c)))
    {
        finish_conn(s, c); // the scheduler is shutting down; the coroutine never ran
        return -ESHUTDOWN;
    }
    return 0;
}

auto at_limit(gocoro_server* s) -> bool
{
    std::scoped_lock lk{s->mu};
    return s->max_conns > 0 && s->active >= s->max_conns;
}

auto report(gocoro_server* s, int32_t kind, int32_t err, const char* text = "", int fd = -1) -> void
{
    if (s->host_handle != 0 && g_report != nullptr)
    {
        // Options.OnError runs on the loop's thread like a callback: a Close or Shutdown it calls must not wait
        // for this thread.
        in_callback mark{s};
        g_report(s->host_handle, kind, err, text, fd);
    }
}

auto accept_stopped(gocoro_server* s) -> bool
{
    std::scoped_lock lk{s->mu};
    return !s->accepting;
}

auto accept_loop(gocoro_server* s) -> coro::task<void>
{
    try
    {
        while (!accept_stopped(s))
        {
            // stop_accepting shuts the socket down, which ends this poll (HUP).
            auto status = co_await s->scheduler->poll(s->listen_fd, coro::poll_op::read);
            if (accept_stopped(s))
            {
                break;
            }
            if (status != coro::poll_status::event)
            {
                s->errors.fetch_add(1, std::memory_order_relaxed);
                co_await s->scheduler->yield_for(std::chrono::milliseconds{10}); // never spin on a bad socket
                continue;
            }
            for (int i = 0; i < 64; ++i) // bounded, so the loop's connections get their turn
            {
                int fd = ::accept4(s->listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd >= 0)
                {
                    if (at_limit(s))
                    {
                        // Accepted and closed at once: the client learns right away (EOF) instead of waiting in
                        // the backlog, and the host hears about it.
                        ::close(fd);
                        s->refused.fetch_add(1, std::memory_order_relaxed);
                        s->errors.fetch_add(1, std::memory_order_relaxed);
                        report(s, GOCORO_REPORT_REFUSED, 0);
                        continue;
                    }
                    open_conn(s, fd);
                    continue;
                }
                int e = errno;
                if (e == EINTR || e == ECONNABORTED)
                {
                    continue;
                }
                if (e != EAGAIN && e != EWOULDBLOCK)
                {
                    s->errors.fetch_add(1, std::memory_order_relaxed);
                    report(s, GOCORO_REPORT_ACCEPT, e);
                    if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
                    {
                        co_await s->scheduler->yield_for(std::chrono::milliseconds{10}); // wait for descriptors
                    }
                }
                break;
            }
        }
    }
    catch (...)
    {
        s->errors.fetch_add(1, std::memory_order_relaxed);
    }
    std::scoped_lock lk{s->mu};
    s->accepting = false;
    close_listener_locked(s);
    release_locked(s);
}

// ---- built-in handlers ----

auto echo(connection conn) -> coro::task<void>
{
    std::vector<char> buf(16 * 1024);
    while (true)
    {
        // Read first; poll only when nothing is queued (saves the epoll round trip on a busy connection).
        auto [st, got] = conn.recv(buf);
        if (st == coro::net::recv_status::would_block)
        {
            if (co_await conn.poll(coro::poll_op::read) != coro::poll_status::event)
            {
                co_return;
            }
            continue;
        }
        if (st != coro::net::recv_status::ok || !co_await conn.send_all(got))
        {
            co_return;
        }
    }
}

/// Length of the complete HTTP request at the start of `in` (headers + Content-Length body), 0 if incomplete.
auto http_request_length(std::string_view in) -> std::size_t
{
    auto end = in.find("\r\n\r\n");
    if (end == std::string_view::npos)
    {
        return 0;
    }
    constexpr std::string_view name = "content-length:";
    std::size_t                body = 0;
    for (std::size_t line = in.find("\r\n"); line < end; line = in.find("\r\n", line))
    {
        line += 2;
        if (end - line >= name.size() && ::strncasecmp(in.data() + line, name.data(), name.size()) == 0)
        {
            for (std::size_t i = line + name.size(); i < end && in[i] != '\r'; ++i)
            {
                if (in[i] >= '0' && in[i] <= '9')
                {
                    body = body * 10 + static_cast<std::size_t>(in[i] - '0');
                }
            }
            break;
        }
    }
    const std::size_t total = end + 4 + body;
    return total <= in.size() ? total : 0;
}

/// A connection's unconsumed input. read() is one non-blocking recv (no coroutine frame per read).
struct input
{
    std::vector<char> buf = std::vector<char>(8 * 1024);
    std::size_t       used{0};
    std::size_t       max{1 << 20};
    // A client that waits for each response (wrk, browsers) has sent nothing yet: poll before reading. One that
    // streams or pipelines usually has more queued: read first and poll only if the read comes back empty.
    bool read_first{false};

    /// 1: got bytes; 0: nothing there (poll, then read again); -1: closed, error, or more than max buffered.
    auto read(connection& conn) -> int
    {
        if (buf.size() - used < 2048)
        {
            if (buf.size() >= max)
            {
                return -1;
            }
            buf.resize(std::min(buf.size() * 2, max));
        }
        auto [st, got] = conn.recv(std::span<char>{buf.data() + used, buf.size() - used});
        if (st == coro::net::recv_status::would_block)
        {
            read_first = false;
            return 0;
        }
        if (st != coro::net::recv_status::ok)
        {
            return -1;
        }
        used += got.size();
        read_first = used == buf.size(); // filled the buffer: more is probably queued
        return 1;
    }

    auto consume(std::size_t n) -> void
    {
        std::memmove(buf.data(), buf.data() + n, used - n);
        used -= n;
    }
};

auto http200(connection conn) -> coro::task<void>
{
    const std::string_view response = conn.data();
    input                  in{.max = conn.native()->server->max_input};
    std::string            out;
    while (true)
    {
        if (!in.read_first && co_await conn.poll(coro::poll_op::read) != coro::poll_status::event)
        {
            co_return; // closed, error, or the server is stopping
        }
        int r = in.read(conn);
        if (r < 0)
        {
            co_return;
        }
        if (r == 0)
        {
            continue;
        }
        std::size_t consumed{0};
        std::size_t requests{0};
        while (auto n = http_request_length(std::string_view{in.buf.data() + consumed, in.used - consumed}))
        {
            consumed += n;
            ++requests;
        }
        if (consumed < in.used || requests > 1)
        {
            in.read_first = true; // partial or pipelined: more is coming
        }
        in.consume(consumed);
        if (requests == 0)
        {
            continue;
        }
        conn.add_requests(requests);
        bool ok{false};
        if (requests == 1)
        {
            ok = co_await conn.send_all(response);
        }
        else
        {
            out.clear();
            for (std::size_t i = 0; i < requests; ++i)
            {
                out.append(response);
            }
            ok = co_await conn.send_all(out);
        }
        if (!ok)
        {
            co_return;
        }
    }
}

} // namespace

/// A Go connection's state shared with other threads (AsyncWrite, Wake, Close from any goroutine).
struct gocoro_go_conn
{
    std::mutex  mu;
    std::string async; // queued by gocoro_server_conn_async_write, taken by the loop
    bool        wake{false};
    bool        close{false};
    // Set (under mu) with any of the above, before the loop is woken: the loop takes the lock only when it is set,
    // not once per message.
    std::atomic<bool> posted{false};
    // Output queued and not sent (loop's pending + async), for max_output and gocoro_server_conn_outbound.
    std::atomic<std::size_t> outbound{0};
};

namespace
{
/// Buffers one loop thread lends to the connection it is serving: input is read here first and output written
/// here by the callback, so an idle connection owns no buffer at all (memory per connection is what matters with
/// many of them); a connection keeps its own copy only of input it did not consume and output the socket did
/// not take. Used without suspending in between (read, callback, send), so connections never share them.
struct loop_scratch
{
    static constexpr std::size_t size = 64 * 1024;
    std::vector<char>            in   = std::vector<char>(size);
    char*                        out{nullptr};
    std::size_t                  out_cap{0};
    ~loop_scratch() { std::free(out); }
};
thread_local loop_scratch t_scratch;

/// The loop side of a Go connection: unconsumed input, output not sent yet, the host handle, and why it ended.
struct go_loop
{
    connection     conn;
    gocoro_server* s;
    // Made with the host's connection (open): a connection the host never saw owns none.
    std::unique_ptr<gocoro_go_conn> shared;
    uintptr_t                       h{0};
    std::vector<char>               own;     // unconsumed input (empty while everything was consumed)
    std::size_t                     used{0}; // of own
    bool                            read_first{false};
    std::string                     pending; // output the socket did not take yet
    std::size_t                     sent{0}; // of pending
    int32_t                         reason{GOCORO_END_EOF};
    int32_t                         err{0};
    bool                            above_water{false};
    // TLS session (null: plain TCP). OpenSSL may need the other direction than the call's own (a write that must
    // read, a read that must write): the next poll then waits for that too.
    gocoro_tls_conn* tls{nullptr};
    bool             write_wants_read{false};
    bool             read_wants_write{false};
    // The end of the input (GOCORO_TLS_EOF or an error) that a read met after decrypting data: the data goes to
    // the host first, the end is returned by the next read (OpenSSL does not say it twice).
    int64_t tls_end{0};

    using clock = std::chrono::steady_clock;
    clock::time_point last_input{clock::now()};
    clock::time_point input_since{}; // when the oldest unconsumed input arrived
    clock::time_point last_progress{clock::now()};
    // Reading the clock costs a call per message: the stamps are kept only for the timeouts that are set.
    auto stamp(std::chrono::milliseconds timeout) const -> clock::time_point
    {
        return timeout.count() > 0 ? clock::now() : clock::time_point{};
    }

    go_loop(connection c, gocoro_server* srv) : conn(c), s(srv) {}
    go_loop(const go_loop&)                    = delete;
    auto operator=(const go_loop&) -> go_loop& = delete;
    ~go_loop()
    {
        if (h != 0)
        {
            in_callback mark{s};
            g_close(h, reason, err);
        }
        conn.native()->go = nullptr;
        if (tls != nullptr)
        {
            g_tls.load(std::memory_order_acquire)->conn_free(tls); // with close_notify if the session is sound
        }
    }

    auto end(int32_t why, int32_t e = 0) -> void
    {
        if (reason == GOCORO_END_EOF)
        {
            reason = why;
            err    = e;
        }
    }

    auto unsent() const -> std::size_t { return pending.size() - sent; }

    /// The socket was found not ready for op: the next poll waits for the next edge without a system call.
    auto drained(coro::poll_op op) -> void { gocoro::compat::note_drained(*s->scheduler, conn.fd(), op); }
    auto publish() -> void
    {
        if (shared)
        {
            shared->outbound.store(unsent(), std::memory_order_relaxed);
        }
    }

    /// One non-blocking send (encrypted first on a TLS connection): {status, unsent tail}. Notes the socket
    /// drained when it would block.
    auto send(std::span<const char> p) -> std::pair<coro::net::send_status, std::span<const char>>
    {
        if (tls == nullptr)
        {
            auto r = conn.send(p);
            if (r.first == coro::net::send_status::would_block)
            {
                drained(coro::poll_op::write);
            }
            return r;
        }
        write_wants_read = false;
        int64_t r        = g_tls.load(std::memory_order_relaxed)->write(tls, p.data(), p.size());
        if (r >= 0)
        {
            conn.count(0, static_cast<uint64_t>(r)); // plaintext, as the host sees it
            return {coro::net::send_status::ok, p.subspan(static_cast<std::size_t>(r))};
        }
        if (r == GOCORO_TLS_WANT_WRITE || r == GOCORO_TLS_WANT_READ)
        {
            write_wants_read = r == GOCORO_TLS_WANT_READ;
            drained(write_wants_read ? coro::poll_op::read : coro::poll_op::write);
            return {coro::net::send_status::would_block, p};
        }
        return {static_cast<coro::net::send_status>(tls_errno(r)), p};
    }

    /// The errno standing for a failed TLS call's result (a negated errno, or one of the shim's codes).
    static auto tls_errno(int64_t r) -> int
    {
        if (r == GOCORO_TLS_EOF)
        {
            return EPIPE;
        }
        return r < 0 && r > -4096 ? static_cast<int>(-r) : EPROTO;
    }

    /// recv for a TLS connection: decrypts records until dst is full or the socket has nothing more, so that no
    /// record is left in OpenSSL's buffer while the loop waits for the socket. `more`: read again before polling.
    auto tls_recv(std::span<char> dst, bool& more) -> std::pair<coro::net::recv_status, std::span<char>>
    {
        const gocoro_server_tls_ops* ops = g_tls.load(std::memory_order_relaxed);
        std::size_t                  got = 0;
        more                             = false;
        read_wants_write                 = false;
        while (got < dst.size())
        {
            int64_t r = tls_end != 0 ? tls_end : ops->read(tls, dst.data() + got, dst.size() - got);
            if (r > 0)
            {
                got += static_cast<std::size_t>(r);
                if (ops->conn_drained(tls) != 0)
                {
                    drained(coro::poll_op::read); // a short recv took all there was: no need to hear EAGAIN
                    break;
                }
                continue;
            }
            if (r == GOCORO_TLS_WANT_READ)
            {
                drained(coro::poll_op::read);
                break;
            }
            if (r == GOCORO_TLS_WANT_WRITE)
            {
                read_wants_write = true;
                drained(coro::poll_op::write);
                break;
            }
            if (r == 0)
            {
                break;
            }
            if (got > 0)
            {
                tls_end = r;
                more    = true; // deliver what came; the end shows on the next read
                break;
            }
            if (r == GOCORO_TLS_EOF)
            {
                return {coro::net::recv_status::closed, dst.first(0)};
            }
            return {static_cast<coro::net::recv_status>(tls_errno(r)), dst.first(0)};
        }
        more = more || (got == dst.size() && ops->conn_drained(tls) == 0);
        if (got == 0)
        {
            return {coro::net::recv_status::would_block, dst.first(0)};
        }
        conn.count(got, 0);
        return {coro::net::recv_status::ok, dst.first(got)};
    }

    /// Creates the TLS session if the server speaks TLS (accepted connections only; dialled ones are plain).
    /// False (reported) if it cannot.
    auto start_tls() -> bool
    {
        if (conn.native()->dial_token != 0)
        {
            return true;
        }
        std::scoped_lock lk{s->tls_mu};
        if (s->tls_ctx == nullptr)
        {
            return true;
        }
        char text[256] = {};
        if (g_tls.load(std::memory_order_acquire)
                ->conn_new(s->tls_ctx, conn.fd(), 1, nullptr, &tls, text, sizeof(text)) != 0)
        {
            s->errors.fetch_add(1, std::memory_order_relaxed);
            report(s, GOCORO_REPORT_HANDSHAKE, ENOMEM, text, conn.fd());
            return false;
        }
        return true;
    }

    /// Runs the server side of the TLS handshake, bounded by the handshake timeout. False (reported, counted as
    /// an error) if it failed, timed out, or the server is stopping.
    auto handshake() -> coro::task<bool>
    {
        const gocoro_server_tls_ops* ops      = g_tls.load(std::memory_order_relaxed);
        const auto                   deadline = clock::now() + s->handshake_timeout;
        bool                         hung_up  = false;
        int                          e        = 0;
        while (!s->stopping.load(std::memory_order_relaxed))
        {
            int64_t r = ops->handshake(tls);
            if (r == 0)
            {
                last_input = last_progress = clock::now(); // the timeouts count from here
                read_first                 = true; // OpenSSL may hold early data read with the client's Finished
                co_return true;
            }
            if (r != GOCORO_TLS_WANT_READ && r != GOCORO_TLS_WANT_WRITE)
            {
                e = tls_errno(r);
                break;
            }
            if (hung_up)
            {
                e = EPIPE; // the socket was closed and OpenSSL still waits
                break;
            }
            auto op = r == GOCORO_TLS_WANT_READ ? coro::poll_op::read : coro::poll_op::write;
            drained(op);
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
            if (left.count() <= 0)
            {
                e = ETIMEDOUT;
                break;
            }
            auto st = co_await gocoro::compat::poll_kept(*s->scheduler, conn.fd(), op, left);
            if (st == coro::poll_status::error)
            {
                e = EIO;
                break;
            }
            hung_up = st == coro::poll_status::closed; // one more call reads the end (and OpenSSL's verdict)
        }
        if (e != 0)
        {
            char text[256] = {};
            long verify    = 0;
            if (e == EPROTO)
            {
                ops->conn_error(tls, text, sizeof(text), &verify);
            }
            s->errors.fetch_add(1, std::memory_order_relaxed);
            report(s, GOCORO_REPORT_HANDSHAKE, e, text, conn.fd());
        }
        co_return false;
    }

    /// A message for a callback whose output goes to the thread's scratch buffer.
    static auto lend_out(gocoro_server_msg& m) -> bool
    {
        if (t_scratch.out == nullptr)
        {
            t_scratch.out = static_cast<char*>(std::malloc(loop_scratch::size));
            if (t_scratch.out == nullptr)
            {
                return false;
            }
            t_scratch.out_cap = loop_scratch::size;
        }
        m.out     = t_scratch.out;
        m.out_cap = t_scratch.out_cap;
        m.out_len = 0;
        return true;
    }

    /// Takes the scratch buffer back from m (reserve may have moved it) and sends the callback's reply: straight
    /// from the scratch buffer when nothing is queued before it, the rest is copied to pending. False on a send
    /// error.
    auto take_reply(gocoro_server_msg& m) -> bool
    {
        t_scratch.out     = m.out;
        t_scratch.out_cap = m.out_cap;
        bool        ok    = true;
        std::size_t done  = 0;
        if (m.out_len > 0 && unsent() == 0)
        {
            pending.clear();
            sent = 0;
            while (done < m.out_len)
            {
                auto [st, rest] = send(std::span<const char>{m.out + done, m.out_len - done});
                if (st == coro::net::send_status::would_block)
                {
                    break;
                }
                if (st != coro::net::send_status::ok)
                {
                    end(GOCORO_END_IO, static_cast<int32_t>(st));
                    ok = false;
                    break;
                }
                done          = m.out_len - rest.size();
                last_progress = stamp(s->write_timeout);
            }
        }
        if (ok && done < m.out_len)
        {
            pending.append(m.out + done, m.out_len - done);
        }
        if (t_scratch.out_cap > 16 * loop_scratch::size) // a one-off huge reply: give the memory back
        {
            if (auto* p = static_cast<char*>(std::realloc(t_scratch.out, loop_scratch::size)); p != nullptr)
            {
                t_scratch.out     = p;
                t_scratch.out_cap = loop_scratch::size;
            }
        }
        publish();
        return ok;
    }

    /// One non-blocking read: into the scratch buffer when no input is kept, else after the kept input.
    /// 1: got bytes (view set to all unconsumed input); 0: nothing there; -1: closed or error; -2: input limit.
    auto read(std::span<char>& view, bool& scratch) -> int
    {
        std::span<char> dst;
        scratch = used == 0;
        if (scratch)
        {
            dst = std::span<char>{t_scratch.in};
        }
        else
        {
            if (own.size() - used < 2048)
            {
                if (own.size() >= s->max_input)
                {
                    return -2;
                }
                own.resize(std::min(std::max(own.size() * 2, std::size_t{16 * 1024}), s->max_input));
            }
            dst = std::span<char>{own.data() + used, own.size() - used};
        }
        bool more      = false;
        auto [st, got] = tls != nullptr ? tls_recv(dst, more) : conn.recv(dst);
        if (st == coro::net::recv_status::would_block)
        {
            read_first = false;
            if (tls == nullptr)
            {
                drained(coro::poll_op::read);
            }
            return 0;
        }
        if (st != coro::net::recv_status::ok)
        {
            return -1;
        }
        if (tls != nullptr)
        {
            read_first = more; // tls_recv noted the socket drained otherwise
        }
        else
        {
            read_first = got.size() == dst.size(); // filled the buffer: more is probably queued
            if (!read_first)
            {
                drained(coro::poll_op::read); // a short read took all there was
            }
        }
        if (scratch)
        {
            view = got;
        }
        else
        {
            used += got.size();
            view = std::span<char>{own.data(), used};
        }
        return 1;
    }

    /// Calls the host's open callback; false: refused, or the reply could not be sent.
    auto open() -> bool
    {
        gocoro_server_msg msg{};
        if (!lend_out(msg))
        {
            return false;
        }
        try
        {
            shared = std::make_unique<gocoro_go_conn>();
        }
        catch (const std::bad_alloc&)
        {
            return false;
        }
        conn.native()->go = shared.get();
        {
            in_callback mark{s};
            h = g_open(s->host_handle, conn.native(), conn.id(), &msg);
        }
        if (h == 0)
        {
            t_scratch.out     = msg.out;
            t_scratch.out_cap = msg.out_cap;
            return false;
        }
        return take_reply(msg);
    }

    /// Calls the host's data callback with `in` (the unconsumed input; from the scratch buffer if `scratch`);
    /// false: close (after flushing).
    auto call(int32_t event, std::span<char> in, bool scratch) -> bool
    {
        if (h == 0 && !open())
        {
            return false;
        }
        gocoro_server_msg msg{};
        if (!lend_out(msg))
        {
            end(GOCORO_END_IO, ENOMEM);
            return false;
        }
        msg.in     = in.data();
        msg.in_len = in.size();
        int64_t r  = 0;
        {
            in_callback mark{s};
            r = g_data(h, &msg, event);
        }
        conn.add_requests(msg.requests);
        if (r < -1)
        {
            s->errors.fetch_add(1, std::memory_order_relaxed);
            end(GOCORO_END_HOST_ERROR);
        }
        if (!take_reply(msg))
        {
            return false;
        }
        if (r < 0)
        {
            return false;
        }
        const std::size_t consumed = std::min(static_cast<std::size_t>(r), in.size());
        const std::size_t left     = in.size() - consumed;
        if (left == 0)
        {
            used        = 0;
            input_since = {};
            if (own.capacity() > 0)
            {
                std::vector<char>{}.swap(own); // an idle connection keeps no buffer
            }
            return true;
        }
        if (scratch)
        {
            own.resize(std::max(left + 2048, std::size_t{16 * 1024}));
            std::memcpy(own.data(), in.data() + consumed, left);
        }
        else if (consumed > 0)
        {
            std::memmove(own.data(), own.data() + consumed, left);
        }
        used = left;
        if (consumed > 0 || input_since == clock::time_point{})
        {
            input_since = stamp(s->read_timeout); // what is left is a newer (incomplete) message
        }
        read_first = true; // an incomplete message: the rest is probably on its way
        return true;
    }

    /// Sends what the socket takes now of the pending output. False on a send error.
    auto flush() -> bool
    {
        while (sent < pending.size())
        {
            auto [st, rest] = send(std::span<const char>{pending.data() + sent, pending.size() - sent});
            if (st == coro::net::send_status::would_block)
            {
                break;
            }
            if (st != coro::net::send_status::ok)
            {
                end(GOCORO_END_IO, static_cast<int32_t>(st));
                return false;
            }
            sent          = pending.size() - rest.size();
            last_progress = stamp(s->write_timeout);
        }
        if (sent == pending.size() && !pending.empty())
        {
            std::string{}.swap(pending); // an idle connection keeps no buffer
            sent = 0;
        }
        else if (sent > 64 * 1024 && sent * 2 > pending.size())
        {
            pending.erase(0, sent); // keep the buffer from growing without bound
            sent = 0;
        }
        publish();
        return true;
    }

    /// Takes what other threads queued; returns the wake/close requests.
    auto take_shared(bool& wake, bool& close) -> void
    {
        if (!shared || !shared->posted.load(std::memory_order_acquire))
        {
            return;
        }
        std::scoped_lock lk{shared->mu};
        shared->posted.store(false, std::memory_order_relaxed);
        if (!shared->async.empty())
        {
            if (pending.empty())
            {
                pending.swap(shared->async);
                sent = 0;
            }
            else
            {
                pending.append(shared->async);
                shared->async.clear();
            }
        }
        wake  = std::exchange(shared->wake, false);
        close = close || shared->close;
    }

    /// The earliest deadline that applies now, relative to now (0: none); sets `why` to its end reason.
    auto next_deadline(bool reading, bool writing, int32_t& why) const -> std::chrono::milliseconds
    {
        const bool idle = reading && s->idle_timeout.count() > 0;
        const bool slow = reading && s->read_timeout.count() > 0;
        if (!idle && !slow && !(writing && s->write_timeout.count() > 0))
        {
            return std::chrono::milliseconds{0}; // no clock reading when no timeout applies
        }
        const auto now  = clock::now();
        auto       best = clock::time_point::max();
        auto       pick = [&](clock::time_point at, int32_t w)
        {
            if (at < best)
            {
                best = at;
                why  = w;
            }
        };
        if (reading && s->idle_timeout.count() > 0)
        {
            pick(last_input + s->idle_timeout, GOCORO_END_IDLE_TIMEOUT);
        }
        if (reading && s->read_timeout.count() > 0 && input_since != clock::time_point{})
        {
            pick(input_since + s->read_timeout, GOCORO_END_READ_TIMEOUT);
        }
        if (writing && s->write_timeout.count() > 0)
        {
            pick(last_progress + s->write_timeout, GOCORO_END_WRITE_TIMEOUT);
        }
        if (best == clock::time_point::max())
        {
            return std::chrono::milliseconds{0};
        }
        auto left = std::chrono::ceil<std::chrono::milliseconds>(best - now);
        return left.count() > 0 ? left : std::chrono::milliseconds{-1};
    }
};

/// Serves one connection with the host's callbacks, from its start on the scheduler to finish_conn. The loop:
/// take what other threads queued, send what is pending, wait (for input unless the output is above the
/// high-water mark, for writability while output is pending, bounded by the nearest timeout), read, call the host.
/// input_ready: called on the loop by go_first_input, whose poll saw the socket readable.
auto go_serve(gocoro_server* s, gocoro_server_conn* c, bool& refused, bool input_ready) -> detached_conn
{
    // Declared first, so that it runs last: after go_loop has said goodbye to the host.
    const conn_finisher fin{s, c};
    try
    {
        if (!input_ready)
        {
            co_await s->scheduler->schedule(); // onto the loop (open_conn runs on the accept loop or any thread)
        }
    }
    catch (...)
    {
        refused = true; // the scheduler is shutting down: nothing ran (still on open_conn's stack)
        co_return;
    }
    try
    {
        connection conn{c};
        if (g_open == nullptr)
        {
            co_return;
        }
        go_loop l{conn, s};
        if (!l.start_tls() || (l.tls != nullptr && !co_await l.handshake()))
        {
            co_return; // the host never saw this connection
        }
        if ((!s->lazy_open || conn.native()->dial_token != 0) && !l.open())
        {
            co_return;
        }
        l.read_first = l.read_first || input_ready; // (the handshake may have set it)
        bool closing = false;
        while (true)
        {
            bool wake = false;
            l.take_shared(wake, closing);
            if (wake && !closing && !l.call(GOCORO_EVENT_WAKE, std::span<char>{l.own.data(), l.used}, false))
            {
                closing = true;
            }
            // Measured before the flush: output a callback queued above the mark is back-pressure even if this
            // flush sends it all (the peer may have started reading meanwhile), so OnDrained follows it.
            if (l.unsent() > s->high_water)
            {
                l.above_water = true;
            }
            if (!l.flush())
            {
                co_return;
            }
            if (l.above_water && l.unsent() == 0)
            {
                l.above_water = false;
                if (!closing && !l.call(GOCORO_EVENT_DRAINED, std::span<char>{l.own.data(), l.used}, false))
                {
                    closing = true;
                }
                continue; // the callback may have written more
            }
            if (closing && l.unsent() == 0)
            {
                co_return;
            }
            if (s->stopping.load(std::memory_order_relaxed))
            {
                l.end(GOCORO_END_STOPPING);
                co_return;
            }
            const bool reading = !closing && !l.above_water;
            const bool writing = l.unsent() > 0;
            if (!(reading && l.read_first))
            {
                int32_t why     = GOCORO_END_EOF;
                auto    timeout = l.next_deadline(reading, writing, why);
                if (timeout.count() < 0)
                {
                    l.end(why);
                    co_return;
                }
                const bool want_read  = reading || l.write_wants_read;
                const bool want_write = writing || l.read_wants_write;
                auto       op =
                    want_read ? (want_write ? coro::poll_op::read_write : coro::poll_op::read) : coro::poll_op::write;
                auto st = co_await gocoro::compat::poll_kept(*s->scheduler, conn.fd(), op, timeout);
                if (st == coro::poll_status::timeout)
                {
                    continue; // the deadline check above decides (a wake may have moved the clock)
                }
                if (st != coro::poll_status::event)
                {
                    if (st == coro::poll_status::closed && reading)
                    {
                        // The peer hung up or half-closed: read what is left (and see EOF) before ending.
                        l.read_first = true;
                        continue;
                    }
                    l.end(s->stopping.load(std::memory_order_relaxed) ? GOCORO_END_STOPPING : GOCORO_END_IO, EPIPE);
                    co_return;
                }
                if (!reading)
                {
                    continue;
                }
            }
            std::span<char> view;
            bool            scratch = false;
            int             rr      = l.read(view, scratch);
            if (rr < 0)
            {
                if (rr == -2)
                {
                    l.end(GOCORO_END_INPUT_LIMIT);
                }
                else if (s->stopping.load(std::memory_order_relaxed))
                {
                    l.end(GOCORO_END_STOPPING);
                }
                // EOF (or a reset): flush what we can, then end.
                closing = true;
                continue;
            }
            if (rr == 0)
            {
                continue;
            }
            l.last_input = l.stamp(s->idle_timeout);
            if (l.input_since == go_loop::clock::time_point{})
            {
                l.input_since = l.stamp(s->read_timeout);
            }
            if (!l.call(GOCORO_EVENT_DATA, view, scratch))
            {
                closing = true;
            }
        }
    }
    catch (...)
    {
        s->errors.fetch_add(1, std::memory_order_relaxed);
    }
}

/// The start of a connection that go_serve would not open before its first input (lazy open, no TLS): only a
/// small frame and a poll until the socket is readable, then go_serve takes over. So an idle connection costs
/// less than go_serve's frame. Its end before any input (idle timeout, hang-up without data, stop) is silent, as
/// go_serve's would be: the host never saw the connection.
auto go_first_input(gocoro_server* s, gocoro_server_conn* c, bool& refused) -> detached_conn
{
    try
    {
        co_await s->scheduler->schedule(); // onto the loop (open_conn runs on the accept loop)
    }
    catch (...)
    {
        refused = true; // the scheduler is shutting down: nothing ran (still on open_conn's stack)
        finish_conn(s, c);
        co_return;
    }
    auto st = coro::poll_status::error;
    try
    {
        st = co_await gocoro::compat::poll_kept(*s->scheduler, c->fd, coro::poll_op::read, s->idle_timeout);
    }
    catch (...)
    {
        s->errors.fetch_add(1, std::memory_order_relaxed);
    }
    // closed: a hang-up may follow data (read it first); go_serve also tells a stop from a peer's end.
    if (st == coro::poll_status::event || st == coro::poll_status::closed)
    {
        bool unused = false;
        if (go_serve(s, c, unused, true).ok)
        {
            co_return; // go_serve owns the connection now
        }
    }
    finish_conn(s, c);
}

/// Calls the host's tick callback on the loop until it says stop or the server stops.
auto go_ticker(gocoro_server* s) -> coro::task<void>
{
    using namespace std::chrono;
    auto next = steady_clock::now();
    while (!s->stopping.load(std::memory_order_relaxed))
    {
        auto now = steady_clock::now();
        if (now < next)
        {
            // Short naps, so that stop (which waits for this coroutine) is not held up by a long interval.
            co_await s->scheduler->yield_for(std::min(ceil<milliseconds>(next - now), milliseconds{20}));
            continue;
        }
        int64_t ns = 0;
        {
            in_callback mark{s};
            ns = g_tick(s->host_handle);
        }
        if (ns < 0)
        {
            break;
        }
        next = steady_clock::now() + nanoseconds{ns};
    }
    std::scoped_lock lk{s->mu};
    release_locked(s);
}

constinit const gocoro_server_handler echo_handler    = gocoro::server::make_handler<echo>("echo");
constinit const gocoro_server_handler http200_handler = gocoro::server::make_handler<http200>("http200");
/// The Go handler's table identifies it; open_conn serves its connections with go_serve, never through start.
auto go_start(void* /*user_arg*/, gocoro_server_conn* /*conn*/) noexcept -> gocoro_server_task*
{
    return nullptr;
}
constinit const gocoro_server_handler go_handler{GOCORO_SERVER_HANDLER_ABI, "go", &go_start};

auto go_handler_table() -> const gocoro_server_handler*
{
    return &go_handler;
}

auto listen_socket(const gocoro_server_options* o, int* err, const char** op) -> int
{
    sockaddr_storage addr{};
    socklen_t        len{};
    try
    {
        std::string host{o->host == nullptr ? "" : o->host};
        auto domain = host.find(':') != std::string::npos ? coro::net::domain_t::ipv6 : coro::net::domain_t::ipv4;
        len         = gocoro::compat::to_sockaddr(coro::net::ip_address::from_string(host, domain), o->port, addr);
    }
    catch (const std::exception&)
    {
        *err = -EINVAL;
        *op  = "parse";
        return -1;
    }
    int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
    {
        *err = -errno_or_eio();
        *op  = "socket";
        return -1;
    }
    int one = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        (o->reuse_port != 0 && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0))
    {
        *err = -errno_or_eio();
        *op  = "setsockopt";
    }
    else if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0)
    {
        *err = -errno_or_eio();
        *op  = "bind";
    }
    else if (::listen(fd, o->backlog > 0 ? o->backlog : 1024) != 0)
    {
        *err = -errno_or_eio();
        *op  = "listen";
    }
    else
    {
        return fd;
    }
    ::close(fd);
    return -1;
}
} // namespace

extern "C" {

const gocoro_server_handler* gocoro_server_echo_handler(void)
{
    return &echo_handler;
}

const gocoro_server_handler* gocoro_server_http200_handler(void)
{
    return &http200_handler;
}

const gocoro_server_handler* gocoro_server_go_handler(void)
{
    return &go_handler;
}

void gocoro_server_install_go_callbacks(
    gocoro_server_open_fn   open,
    gocoro_server_data_fn   data,
    gocoro_server_close_fn  close,
    gocoro_server_report_fn report,
    gocoro_server_tick_fn   tick)
{
    g_open   = open;
    g_data   = data;
    g_close  = close;
    g_report = report;
    g_tick   = tick;
}

void gocoro_server_install_tls(const gocoro_server_tls_ops* ops)
{
    g_tls.store(ops, std::memory_order_release);
}

int gocoro_server_reload_certificate(gocoro_server* s, const gocoro_tls_context_options* o, char* err, size_t cap)
{
    const gocoro_server_tls_ops* ops = g_tls.load(std::memory_order_acquire);
    {
        std::scoped_lock lk{s->tls_mu};
        if (ops == nullptr || s->tls_ctx == nullptr)
        {
            return -EINVAL;
        }
    }
    gocoro_tls_context* fresh = nullptr;
    if (int rc = ops->context_new(o, &fresh, err, cap); rc != 0)
    {
        return rc;
    }
    gocoro_tls_context* old = nullptr;
    {
        std::scoped_lock lk{s->tls_mu};
        old = std::exchange(s->tls_ctx, fresh);
    }
    ops->context_free(old);
    return 0;
}

int gocoro_server_conn_async_write(gocoro_server_conn* c, const void* p, size_t n)
{
    gocoro_go_conn* g = c->go;
    if (g == nullptr)
    {
        return -EPIPE;
    }
    {
        std::scoped_lock lk{g->mu};
        if (g->close)
        {
            return -EPIPE;
        }
        if (g->outbound.load(std::memory_order_relaxed) + g->async.size() + n > c->server->max_output)
        {
            return -ENOBUFS;
        }
        try
        {
            g->async.append(static_cast<const char*>(p), n);
            g->posted.store(true, std::memory_order_release);
        }
        catch (const std::bad_alloc&)
        {
            return -ENOMEM;
        }
    }
    gocoro::compat::wake_poll(*c->server->scheduler, c->fd);
    return 0;
}

void gocoro_server_conn_wake(gocoro_server_conn* c)
{
    if (gocoro_go_conn* g = c->go; g != nullptr)
    {
        {
            std::scoped_lock lk{g->mu};
            g->wake = true;
            g->posted.store(true, std::memory_order_release);
        }
        gocoro::compat::wake_poll(*c->server->scheduler, c->fd);
    }
}

void gocoro_server_conn_close(gocoro_server_conn* c)
{
    if (gocoro_go_conn* g = c->go; g != nullptr)
    {
        {
            std::scoped_lock lk{g->mu};
            g->close = true;
            g->posted.store(true, std::memory_order_release);
        }
        gocoro::compat::wake_poll(*c->server->scheduler, c->fd);
    }
}

uintptr_t gocoro_server_conn_dial_token(const gocoro_server_conn* c)
{
    return c->dial_token;
}

int gocoro_server_adopt(gocoro_server* s, int fd, uintptr_t dial_token)
{
    try
    {
        return open_conn(s, fd, dial_token);
    }
    catch (...)
    {
        ::close(fd);
        return -ENOMEM;
    }
}

size_t gocoro_server_conn_outbound(const gocoro_server_conn* c)
{
    gocoro_go_conn* g = c->go;
    return g == nullptr ? 0 : g->outbound.load(std::memory_order_relaxed);
}

int gocoro_server_msg_reserve(gocoro_server_msg* m, size_t more)
{
    if (m->out_cap - m->out_len >= more)
    {
        return 0;
    }
    std::size_t cap = std::max(m->out_cap * 2, m->out_len + more);
    auto*       p   = static_cast<char*>(std::realloc(m->out, cap));
    if (p == nullptr)
    {
        return -ENOMEM;
    }
    m->out     = p;
    m->out_cap = cap;
    return 0;
}

gocoro_server* gocoro_server_start(
    gocoro_io_scheduler*         sched,
    const gocoro_server_options* opts,
    const gocoro_server_handler* handler,
    void*                        user_arg,
    int*                         err,
    const char**                 failed_op)
{
    *err       = 0;
    *failed_op = "";
    if (sched == nullptr || opts == nullptr || handler == nullptr || handler->start == nullptr ||
        handler->abi_version != GOCORO_SERVER_HANDLER_ABI)
    {
        *err       = -EINVAL;
        *failed_op = "start";
        return nullptr;
    }
    gocoro_tls_context* tls_ctx = nullptr;
    if (opts->tls != nullptr)
    {
        const gocoro_server_tls_ops* ops = g_tls.load(std::memory_order_acquire);
        *failed_op                       = "tls";
        if (handler != &go_handler)
        {
            *err = -EINVAL; // only the Go loop speaks TLS
            return nullptr;
        }
        if (ops == nullptr)
        {
            *err = -ENOTSUP;
            return nullptr;
        }
        if (int rc = ops->context_new(opts->tls, &tls_ctx, opts->tls_error, opts->tls_error_cap); rc != 0)
        {
            *err = rc;
            return nullptr;
        }
        *failed_op = "";
    }
    int fd = listen_socket(opts, err, failed_op);
    if (fd < 0)
    {
        if (tls_ctx != nullptr)
        {
            g_tls.load(std::memory_order_relaxed)->context_free(tls_ctx);
        }
        return nullptr;
    }
    gocoro_server* s = nullptr;
    try
    {
        s                   = new gocoro_server{};
        s->scheduler        = sched->scheduler;
        s->native_scheduler = sched;
        s->handler          = handler;
        s->user_arg         = user_arg;
        if (opts->data != nullptr)
        {
            s->data.assign(static_cast<const char*>(opts->data), opts->data_len);
        }
        if (opts->max_input > 0)
        {
            s->max_input = opts->max_input;
        }
        s->host_handle   = opts->host_handle;
        s->max_conns     = opts->max_conns;
        s->idle_timeout  = std::chrono::milliseconds{opts->idle_timeout_ms};
        s->read_timeout  = std::chrono::milliseconds{opts->read_timeout_ms};
        s->write_timeout = std::chrono::milliseconds{opts->write_timeout_ms};
        if (opts->high_water > 0)
        {
            s->high_water = opts->high_water;
        }
        s->max_output = opts->max_output > 0 ? opts->max_output : 4 * s->high_water;
        s->lazy_open  = opts->lazy_open != 0;
        s->listen_fd  = fd;
        s->tls        = tls_ctx != nullptr;
        s->tls_ctx    = std::exchange(tls_ctx, nullptr);
        if (opts->handshake_timeout_ms > 0)
        {
            s->handshake_timeout = std::chrono::milliseconds{opts->handshake_timeout_ms};
        }
        sockaddr_storage addr{};
        socklen_t        len = sizeof(addr);
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        {
            coro::net::ip_address ip{};
            gocoro::compat::from_sockaddr(addr, ip, s->port);
        }
        s->alive = 1; // the accept loop
        if (!s->scheduler->spawn(accept_loop(s)))
        {
            *err       = -ESHUTDOWN;
            *failed_op = "spawn";
            ::close(fd);
            gocoro_server_destroy(s);
            return nullptr;
        }
        if (opts->tick != 0 && s->host_handle != 0 && g_tick != nullptr)
        {
            {
                std::scoped_lock lk{s->mu};
                ++s->alive;
            }
            if (!s->scheduler->spawn(go_ticker(s)))
            {
                std::scoped_lock lk{s->mu};
                release_locked(s); // the accept loop is still alive, so this is never the last
            }
        }
    }
    catch (...)
    {
        *err       = -ENOMEM;
        *failed_op = "start";
        ::close(fd);
        if (tls_ctx != nullptr)
        {
            g_tls.load(std::memory_order_relaxed)->context_free(tls_ctx); // new gocoro_server failed
        }
        gocoro_server_destroy(s);
        return nullptr;
    }
    return s;
}

uint16_t gocoro_server_port(const gocoro_server* s)
{
    return s->port;
}

void gocoro_server_stats_get(const gocoro_server* s, gocoro_server_stats* out)
{
    std::scoped_lock lk{s->mu};
    out->accepted      = s->accepted.load(std::memory_order_relaxed);
    out->errors        = s->errors.load(std::memory_order_relaxed);
    out->refused       = s->refused.load(std::memory_order_relaxed);
    out->active        = s->active;
    out->bytes_read    = s->closed_read;
    out->bytes_written = s->closed_written;
    out->requests      = s->closed_requests;
    for (auto* c = s->conns; c != nullptr; c = c->next)
    {
        out->bytes_read += c->bytes_read.load(std::memory_order_relaxed);
        out->bytes_written += c->bytes_written.load(std::memory_order_relaxed);
        out->requests += c->requests.load(std::memory_order_relaxed);
    }
}

int gocoro_server_in_callback(const gocoro_server* s)
{
    return s != nullptr && t_in_callback == s ? 1 : 0;
}

void gocoro_server_stop_accepting(gocoro_server* s)
{
    std::scoped_lock lk{s->mu};
    if (s->accepting)
    {
        s->accepting = false;
        if (!s->listen_closed)
        {
            ::shutdown(s->listen_fd, SHUT_RDWR); // wakes the accept loop's poll
        }
    }
}

void gocoro_server_notify_idle(gocoro_server* s, uintptr_t handle)
{
    std::scoped_lock lk{s->mu};
    if (s->active == 0)
    {
        gocoro_completion_post(handle, 0);
        return;
    }
    s->idle_handle = handle;
}

void gocoro_server_stop(gocoro_server* s)
{
    gocoro_server_stop_accepting(s);
    std::unique_lock lk{s->mu};
    s->stopping.store(true, std::memory_order_relaxed);
    for (auto* c = s->conns; c != nullptr; c = c->next)
    {
        ::shutdown(c->fd, SHUT_RDWR); // their polls report closed, reads return 0
    }
    while (s->alive > 0)
    {
        s->idle.wait_for(lk, std::chrono::milliseconds{5});
        if (s->alive > 0)
        {
            // A manual-thread scheduler may be driven by this very caller: keep its events flowing (a no-op for
            // a spawned event thread, or while another thread is processing).
            lk.unlock();
            s->scheduler->process_events(std::chrono::milliseconds{0});
            lk.lock();
        }
    }
    close_listener_locked(s);
}

void gocoro_server_destroy(gocoro_server* s)
{
    if (s != nullptr && s->tls_ctx != nullptr)
    {
        g_tls.load(std::memory_order_relaxed)->context_free(s->tls_ctx);
    }
    delete s;
}

int gocoro_server_conn_fd(const gocoro_server_conn* c)
{
    return c->fd;
}

gocoro_io_scheduler* gocoro_server_conn_scheduler(const gocoro_server_conn* c)
{
    return c->server->native_scheduler;
}

void* gocoro_server_conn_user_arg(const gocoro_server_conn* c)
{
    return c->server->user_arg;
}

const void* gocoro_server_conn_data(const gocoro_server_conn* c, size_t* len)
{
    *len = c->server->data.size();
    return c->server->data.data();
}

int gocoro_server_conn_stopping(const gocoro_server_conn* c)
{
    return c->server->stopping.load(std::memory_order_relaxed) ? 1 : 0;
}

} // extern "C"
