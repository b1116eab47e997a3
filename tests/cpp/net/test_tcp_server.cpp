#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <string>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;

// Parity scenarios 110-111 (test/net/test_tcp_server.cpp) plus the error cases users hit. Upstream listens
// on the fixed port 8080; here every server binds port 0 and the client connects to the port the kernel
// chose, so parallel test runs never collide. The server is created before the client task starts (so
// the client cannot race the bind).

namespace
{
auto make_server(std::shared_ptr<coro::io_scheduler> s) -> coro::net::tcp::server
{
    return coro::net::tcp::server{s, coro::net::tcp::server::options{.port = 0}};
}

auto client_options(const coro::net::tcp::server& server) -> coro::net::tcp::client::options
{
    return coro::net::tcp::client::options{
        .address = coro::net::ip_address::from_string("127.0.0.1"), .port = coro::net::local_port(server.socket())};
}
} // namespace

TEST_CASE("tcp_server ping server", "[tcp_server]")
{
    const std::string client_msg{"Hello from client"};
    const std::string server_msg{"Reply from server!"};

    auto scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
    auto server = make_server(scheduler);
    auto copts  = client_options(server);
    REQUIRE(copts.port != 0);

    auto make_client_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        coro::net::tcp::client client{scheduler, copts};

        auto cstatus = co_await client.connect();
        REQUIRE(cstatus == coro::net::connect_status::connected);

        auto [sstatus, remaining] = client.send(client_msg);
        REQUIRE(sstatus == coro::net::send_status::ok);
        REQUIRE(remaining.empty());

        auto pstatus = co_await client.poll(coro::poll_op::read);
        REQUIRE(pstatus == coro::poll_status::event);

        std::string buffer(256, '\0');
        auto [rstatus, rspan] = client.recv(buffer);
        REQUIRE(rstatus == coro::net::recv_status::ok);
        REQUIRE(rspan.size() == server_msg.length());
        buffer.resize(rspan.size());
        REQUIRE(buffer == server_msg);
        co_return;
    };

    auto make_server_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();

        auto pstatus = co_await server.poll();
        REQUIRE(pstatus == coro::poll_status::event);

        auto client = server.accept();
        REQUIRE(client.socket().is_valid());

        pstatus = co_await client.poll(coro::poll_op::read);
        REQUIRE(pstatus == coro::poll_status::event);

        std::string buffer(256, '\0');
        auto [rstatus, rspan] = client.recv(buffer);
        REQUIRE(rstatus == coro::net::recv_status::ok);
        REQUIRE(rspan.size() == client_msg.size());
        buffer.resize(rspan.size());
        REQUIRE(buffer == client_msg);

        auto [sstatus, remaining] = client.send(server_msg);
        REQUIRE(sstatus == coro::net::send_status::ok);
        REQUIRE(remaining.empty());
        co_return;
    };

    coro::sync_wait(coro::when_all(make_server_task(), make_client_task()));
}

TEST_CASE("tcp_server concurrent polling on the same socket", "[tcp_server]")
{
    // Issue 224: two coroutines poll one connection at the same time through dup()'d descriptors.
    auto scheduler = coro::io_scheduler::make_shared(coro::io_scheduler::options{
        .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});
    auto server    = make_server(scheduler);
    auto copts     = client_options(server);

    auto make_read_task = [](coro::net::tcp::client client) -> coro::task<void>
    {
        auto pstatus = co_await client.poll(coro::poll_op::read, 2s);
        (void)pstatus; // the other side never writes to us; either timeout or closed is fine
        co_return;
    };

    auto make_server_task = [&]() -> coro::task<std::string>
    {
        co_await scheduler->schedule();

        auto pstatus = co_await server.poll();
        REQUIRE(pstatus == coro::poll_status::event);

        auto read_client = server.accept();
        REQUIRE(read_client.socket().is_valid());
        auto write_client = read_client; // dup()s the socket

        scheduler->spawn(make_read_task(std::move(read_client)));

        co_await scheduler->yield_for(500ms);

        std::string           data(8096, 'A');
        std::span<const char> remaining{data};
        do
        {
            auto poll_status = co_await write_client.poll(coro::poll_op::write);
            REQUIRE(poll_status == coro::poll_status::event);
            auto [send_status, r] = write_client.send(remaining);
            REQUIRE(send_status == coro::net::send_status::ok);
            remaining = r;
        } while (!remaining.empty());

        co_return data;
    };

    auto make_client_task = [&]() -> coro::task<std::string>
    {
        co_await scheduler->schedule();
        coro::net::tcp::client client{scheduler, copts};

        auto cstatus = co_await client.connect();
        REQUIRE(cstatus == coro::net::connect_status::connected);

        std::string response(8096, '\0');
        std::size_t filled{0};
        while (filled < response.size())
        {
            auto pstatus = co_await client.poll(coro::poll_op::read);
            REQUIRE(pstatus == coro::poll_status::event);
            auto [rstatus, rspan] = client.recv(std::span<char>{response.data() + filled, response.size() - filled});
            REQUIRE(rstatus == coro::net::recv_status::ok);
            filled += rspan.size();
        }
        co_return response;
    };

    auto  result      = coro::sync_wait(coro::when_all(make_server_task(), make_client_task()));
    auto& server_data = std::get<0>(result).return_value();
    auto& client_data = std::get<1>(result).return_value();
    REQUIRE(server_data == client_data);
    scheduler->shutdown();
}

// ---------------------------------------------------------------------------------------------------------
// Error cases.

TEST_CASE("tcp_client connect to a closed port", "[tcp_client][error]")
{
    auto scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});

    // Reserve a free port, then close it: nobody listens there.
    uint16_t port{0};
    {
        auto s = coro::net::make_accept_socket(
            coro::net::socket::options{
                coro::net::domain_t::ipv4, coro::net::socket::type_t::tcp, coro::net::socket::blocking_t::no},
            coro::net::ip_address::from_string("127.0.0.1"),
            0);
        port = coro::net::local_port(s);
        REQUIRE(port != 0);
    }

    auto task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        coro::net::tcp::client client{
            scheduler, {.address = coro::net::ip_address::from_string("127.0.0.1"), .port = port}};
        auto start  = std::chrono::steady_clock::now();
        auto status = co_await client.connect(5s);
        REQUIRE(status == coro::net::connect_status::error);
        REQUIRE(std::chrono::steady_clock::now() - start < 4s); // refused promptly, no hang
        // The outcome is cached.
        REQUIRE((co_await client.connect(5s)) == coro::net::connect_status::error);
        REQUIRE(coro::net::to_string(status) == "error");
        // Using the unconnected socket gives errno statuses, not crashes.
        std::string buf(16, '\0');
        auto [rstatus, rspan] = client.recv(buf);
        REQUIRE(rstatus != coro::net::recv_status::ok);
        REQUIRE(rspan.empty());
        auto [sstatus, unsent] = client.send(std::string_view{"x"});
        REQUIRE(sstatus != coro::net::send_status::ok);
        REQUIRE(unsent.size() == 1);
    };
    coro::sync_wait(task());

    REQUIRE_THROWS_AS((coro::net::tcp::client{nullptr}), std::runtime_error);
    REQUIRE_THROWS_AS((coro::net::tcp::server{nullptr}), std::runtime_error);
    scheduler->shutdown();
    REQUIRE(scheduler->empty());
}

TEST_CASE("tcp_server peer closes mid-stream", "[tcp_server][error]")
{
    auto scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
    auto server = make_server(scheduler);
    auto copts  = client_options(server);

    auto server_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        REQUIRE((co_await server.poll()) == coro::poll_status::event);
        auto client = server.accept();
        REQUIRE(client.socket().is_valid());
        // Send half a message and hang up.
        auto [sstatus, rest] = client.send(std::string_view{"partial"});
        REQUIRE(sstatus == coro::net::send_status::ok);
        REQUIRE(rest.empty());
        client.socket().close();
    };

    auto client_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        coro::net::tcp::client client{scheduler, copts};
        REQUIRE((co_await client.connect(5s)) == coro::net::connect_status::connected);
        std::string received;
        std::string buf(64, '\0');
        while (true)
        {
            auto pstatus = co_await client.poll(coro::poll_op::read, 5s);
            REQUIRE(pstatus != coro::poll_status::timeout);
            auto [rstatus, rspan] = client.recv(buf);
            if (rstatus == coro::net::recv_status::ok)
            {
                received.append(rspan.data(), rspan.size());
                continue;
            }
            REQUIRE(rstatus == coro::net::recv_status::closed);
            break;
        }
        REQUIRE(received == "partial");
        // Polling a closed connection reports it instead of hanging.
        auto pstatus = co_await client.poll(coro::poll_op::read, 2s);
        REQUIRE(pstatus != coro::poll_status::timeout);
    };

    coro::sync_wait(coro::when_all(server_task(), client_task()));
    scheduler->shutdown();
}

TEST_CASE("tcp_client send to a shut-down socket does not raise SIGPIPE", "[tcp_client][error]")
{
    // Make sure SIGPIPE would kill the process if a send raised it.
    auto previous = std::signal(SIGPIPE, SIG_DFL);

    auto scheduler = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
    auto server = make_server(scheduler);
    auto copts  = client_options(server);

    auto server_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        REQUIRE((co_await server.poll()) == coro::poll_status::event);
        auto client = server.accept();
        REQUIRE(client.socket().is_valid());
        client.socket().close(); // peer goes away immediately
    };

    auto client_task = [&]() -> coro::task<void>
    {
        co_await scheduler->schedule();
        coro::net::tcp::client client{scheduler, copts};
        REQUIRE((co_await client.connect(5s)) == coro::net::connect_status::connected);

        // Wait for the peer's FIN, then keep writing: the first write draws an RST, later ones EPIPE.
        auto pstatus = co_await client.poll(coro::poll_op::read, 5s);
        REQUIRE(pstatus != coro::poll_status::timeout);
        const std::string      data(1024, 'x');
        coro::net::send_status last{coro::net::send_status::ok};
        for (int i = 0; i < 100 && last == coro::net::send_status::ok; ++i)
        {
            last = client.send(data).first;
            if (last == coro::net::send_status::ok)
            {
                co_await scheduler->yield_for(5ms);
            }
        }
        REQUIRE((last == coro::net::send_status::pipe_closed || last == coro::net::send_status::connection_reset));

        // Own write side shut down: EPIPE, still no signal.
        coro::net::tcp::client other{scheduler, copts};
        (void)co_await other.connect(5s);
        REQUIRE(other.socket().shutdown(coro::poll_op::write));
        auto [sstatus, unsent] = other.send(data);
        REQUIRE(sstatus == coro::net::send_status::pipe_closed);
        REQUIRE(unsent.size() == data.size());
    };

    coro::sync_wait(coro::when_all(server_task(), client_task()));
    scheduler->shutdown();
    std::signal(SIGPIPE, previous);
}

TEST_CASE("net::socket copy, move and close", "[socket]")
{
    auto s = coro::net::make_socket(coro::net::socket::options{
        coro::net::domain_t::ipv4, coro::net::socket::type_t::tcp, coro::net::socket::blocking_t::yes});
    REQUIRE(s.is_valid());
    REQUIRE(s.blocking(coro::net::socket::blocking_t::no));
    coro::net::socket copy{s};
    REQUIRE(copy.is_valid());
    REQUIRE(copy.native_handle() != s.native_handle());
    coro::net::socket moved{std::move(copy)};
    REQUIRE_FALSE(copy.is_valid());
    REQUIRE(moved.is_valid());
    moved = std::move(s); // closes moved's old descriptor
    REQUIRE_FALSE(s.is_valid());
    moved.close();
    REQUIRE_FALSE(moved.is_valid());
    REQUIRE_FALSE(moved.blocking(coro::net::socket::blocking_t::yes));
    REQUIRE_FALSE(moved.shutdown());
    REQUIRE(coro::net::socket::type_to_os(coro::net::socket::type_t::udp) == SOCK_DGRAM);
}

TEST_CASE(
    "make_socket / make_bound_socket (extension): only the options asked, errno instead of exceptions",
    "[tcp_server]")
{
    using coro::net::socket;
    const socket::options tcp{coro::net::domain_t::ipv4, socket::type_t::tcp, socket::blocking_t::no};
    const auto            loopback = coro::net::ip_address::from_string("127.0.0.1");
    int                   error{-1};
    auto listener = coro::net::make_bound_socket(tcp, coro::net::socket_setup{.backlog = 8}, loopback, 0, error);
    REQUIRE(listener.is_valid());
    REQUIRE(error == 0);
    int       value{0};
    socklen_t len = sizeof(value);
    REQUIRE(::getsockopt(listener.native_handle(), SOL_SOCKET, SO_ACCEPTCONN, &value, &len) == 0);
    REQUIRE(value == 1);
    const uint16_t port = coro::net::local_port(listener);
    REQUIRE(port != 0);

    // Without reuse_port (which make_accept_socket always sets) the port in use is refused, as an errno.
    auto second = coro::net::make_bound_socket(tcp, coro::net::socket_setup{.backlog = 8}, loopback, port, error);
    REQUIRE_FALSE(second.is_valid());
    REQUIRE(error == EADDRINUSE);
    auto v6 = coro::net::make_bound_socket(
        tcp, coro::net::socket_setup{}, coro::net::ip_address::from_string("::1", coro::net::domain_t::ipv6), 0, error);
    REQUIRE_FALSE(v6.is_valid());
    REQUIRE(error == EAFNOSUPPORT);

    auto client = coro::net::make_socket(tcp, coro::net::socket_setup{.no_delay = true}, error);
    REQUIRE(client.is_valid());
    REQUIRE(error == 0);
    len = sizeof(value);
    REQUIRE(::getsockopt(client.native_handle(), IPPROTO_TCP, TCP_NODELAY, &value, &len) == 0);
    REQUIRE(value == 1);
    const int fd = client.release();
    REQUIRE_FALSE(client.is_valid());
    REQUIRE((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    REQUIRE((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    REQUIRE(::close(fd) == 0); // release() left the descriptor open
}
