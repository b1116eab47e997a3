// A TCP server run by C++ coroutines on a coro::io_scheduler (see server.h): one accept loop plus one coroutine
// per connection, each running a handler (built-in or the user's, through gocoro_server_handler).

#include "cshim/net/server.h"
#include "cshim/net/server_handler.hpp"
#include "cshim/compat/sockaddr.hpp"
#include "cshim/compat/sockaddr.hpp"

#include <coro/net/ip_address.hpp>
#include <coro/net/socket.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
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
    int                                 listen_fd{-1};
    uint16_t                            port{0};

    std::atomic<bool>     stopping{false};
    std::atomic<uint64_t> accepted{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> next_id{0};

    // Guarded by mu: the live connections, the accept loop's and connections' liveness, totals of closed ones.
    mutable std::mutex      mu;
    std::condition_variable idle;
    bool                    accepting{true};
    bool                    listen_closed{false};
    std::size_t             alive{0}; // accept loop + connections
    uint64_t                active{0};
    gocoro_server_conn*     conns{nullptr};
    uint64_t                closed_read{0};
    uint64_t                closed_written{0};
    uint64_t                closed_requests{0};
};

namespace
{
using gocoro::server::connection;

gocoro_server_open_fn  g_open{nullptr};
gocoro_server_data_fn  g_data{nullptr};
gocoro_server_close_fn g_close{nullptr};

/// The server whose Go callback this thread is running, if any: stopping that server from inside the callback
/// must not wait (the thread it would wait for is this one).
thread_local const gocoro_server* t_in_callback{nullptr};

/// Marks this thread as inside a Go callback of `s` for its lifetime.
struct in_callback
{
    explicit in_callback(const gocoro_server* s) : prev(t_in_callback) { t_in_callback = s; }
    ~in_callback() { t_in_callback = prev; }
    in_callback(const in_callback&)                    = delete;
    auto operator=(const in_callback&) -> in_callback& = delete;
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
        ::close(c->fd);
        --s->active;
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

auto open_conn(gocoro_server* s, int fd) -> void
{
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); // like Go's net package
    auto* c      = new gocoro_server_conn{};
    c->fd        = fd;
    c->id        = s->next_id.fetch_add(1, std::memory_order_relaxed) + 1;
    c->server    = s;
    c->scheduler = s->native_scheduler;
    c->user_arg  = s->user_arg;
    c->data      = s->data;
    c->stopping  = &s->stopping;
    {
        std::scoped_lock lk{s->mu};
        if (s->stopping.load(std::memory_order_relaxed))
        {
            ::close(fd);
            delete c;
            return;
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
    s->accepted.fetch_add(1, std::memory_order_relaxed);
    if (!s->scheduler->spawn(serve_conn(s, c)))
    {
        finish_conn(s, c); // the scheduler is shutting down; the coroutine never ran
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

/// Calls the host's close callback exactly once, however the coroutine ends.
struct host_conn_guard
{
    uintptr_t handle;
    char*     out;
    ~host_conn_guard()
    {
        g_close(handle);
        std::free(out);
    }
};

auto go_conn(connection conn) -> coro::task<void>
{
    gocoro_server* s = conn.native()->server;
    if (g_open == nullptr)
    {
        co_return;
    }
    uintptr_t h = 0;
    {
        in_callback mark{s};
        h = g_open(s->host_handle, conn.native(), conn.id());
    }
    if (h == 0)
    {
        co_return;
    }
    gocoro_server_msg msg{};
    host_conn_guard   guard{h, nullptr};
    msg.out_cap = 4096;
    msg.out     = static_cast<char*>(std::malloc(msg.out_cap));
    guard.out   = msg.out;
    if (msg.out == nullptr)
    {
        co_return;
    }
    input in{.max = s->max_input};
    while (true)
    {
        if (!in.read_first && co_await conn.poll(coro::poll_op::read) != coro::poll_status::event)
        {
            co_return;
        }
        int rr = in.read(conn);
        if (rr < 0)
        {
            co_return;
        }
        if (rr == 0)
        {
            continue;
        }
        msg.in       = in.buf.data();
        msg.in_len   = in.used;
        msg.out_len  = 0;
        msg.requests = 0;
        int64_t r    = 0;
        {
            in_callback mark{s};
            r = g_data(h, &msg);
        }
        guard.out    = msg.out; // reserve may have moved it
        conn.add_requests(msg.requests);
        if (r < -1)
        {
            s->errors.fetch_add(1, std::memory_order_relaxed);
        }
        in.consume(r < 0 ? in.used : std::min(static_cast<std::size_t>(r), in.used));
        if (in.used > 0)
        {
            in.read_first = true; // an incomplete message: the rest is probably on its way
        }
        if (msg.out_len > 0 && !co_await conn.send_all(std::span<const char>{msg.out, msg.out_len}))
        {
            co_return;
        }
        if (r < 0)
        {
            co_return;
        }
        if (msg.out_cap > 64 * 1024) // a one-off large reply: give the memory back
        {
            if (auto* p = static_cast<char*>(std::realloc(msg.out, 4096)); p != nullptr)
            {
                msg.out     = p;
                msg.out_cap = 4096;
                guard.out   = p;
            }
        }
    }
}

constinit const gocoro_server_handler echo_handler    = gocoro::server::make_handler<echo>("echo");
constinit const gocoro_server_handler http200_handler = gocoro::server::make_handler<http200>("http200");
constinit const gocoro_server_handler go_handler      = gocoro::server::make_handler<go_conn>("go");

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

void gocoro_server_install_go_callbacks(gocoro_server_open_fn open, gocoro_server_data_fn data,
                                        gocoro_server_close_fn close)
{
    g_open  = open;
    g_data  = data;
    g_close = close;
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

gocoro_server* gocoro_server_start(gocoro_io_scheduler* sched, const gocoro_server_options* opts,
                                   const gocoro_server_handler* handler, void* user_arg, int* err,
                                   const char** failed_op)
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
    int fd = listen_socket(opts, err, failed_op);
    if (fd < 0)
    {
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
        s->host_handle = opts->host_handle;
        s->listen_fd   = fd;
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
            delete s;
            return nullptr;
        }
    }
    catch (...)
    {
        *err       = -ENOMEM;
        *failed_op = "start";
        ::close(fd);
        delete s;
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
    delete s;
}

int gocoro_server_conn_fd(const gocoro_server_conn* c)
{
    return c->fd;
}

uint64_t gocoro_server_conn_id(const gocoro_server_conn* c)
{
    return c->id;
}

gocoro_io_scheduler* gocoro_server_conn_scheduler(const gocoro_server_conn* c)
{
    return c->scheduler;
}

const void* gocoro_server_conn_data(const gocoro_server_conn* c, size_t* len)
{
    *len = c->data.size();
    return c->data.data();
}

int gocoro_server_conn_stopping(const gocoro_server_conn* c)
{
    return c->stopping->load(std::memory_order_relaxed) ? 1 : 0;
}

void gocoro_server_conn_count(gocoro_server_conn* c, uint64_t bytes_read, uint64_t bytes_written, uint64_t requests)
{
    gocoro::server::detail::bump(c->bytes_read, bytes_read);
    gocoro::server::detail::bump(c->bytes_written, bytes_written);
    gocoro::server::detail::bump(c->requests, requests);
}

} // extern "C"
