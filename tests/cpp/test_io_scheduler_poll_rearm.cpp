// gocoro's own tests (not parity scenarios) for io_scheduler's persistent epoll registrations: a polled fd
// stays registered between polls and is re-armed with EPOLL_CTL_MOD, so closing and reusing fd numbers,
// timeouts and concurrent polls must behave exactly as if every poll registered afresh.

#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <chrono>
#include <cstdint>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace
{
auto make_scheduler(bool inline_tasks) -> std::shared_ptr<coro::io_scheduler>
{
    if (inline_tasks)
    {
        return coro::io_scheduler::make_shared(coro::io_scheduler::options{
            .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});
    }
    return coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
}

auto signal(int fd) -> void
{
    uint64_t value{1};
    REQUIRE(write(fd, &value, sizeof(value)) == sizeof(value));
}

auto drain(int fd) -> void
{
    uint64_t value{0};
    REQUIRE(read(fd, &value, sizeof(value)) == sizeof(value));
}

auto new_eventfd() -> int
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    REQUIRE(fd >= 0);
    return fd;
}

auto poll_once(std::shared_ptr<coro::io_scheduler> s, int fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::poll_status
{
    auto task = [](std::shared_ptr<coro::io_scheduler> s, int fd, coro::poll_op op, std::chrono::milliseconds timeout)
        -> coro::task<coro::poll_status>
    {
        co_await s->schedule();
        co_return co_await s->poll(fd, op, timeout);
    };
    return coro::sync_wait(task(s, fd, op, timeout));
}
} // namespace

TEST_CASE("gocoro io_scheduler sequential polls on one fd re-arm it", "[io_scheduler][gocoro][poll]")
{
    const bool inline_tasks = GENERATE(false, true);
    auto       s            = make_scheduler(inline_tasks);
    int        fd           = new_eventfd();

    auto task = [&]() -> coro::task<std::size_t>
    {
        co_await s->schedule();
        std::size_t events{0};
        for (int i = 0; i < 1000; ++i)
        {
            signal(fd);
            if ((co_await s->poll(fd, coro::poll_op::read, (i % 2 == 0) ? 5s : 0ms)) == coro::poll_status::event)
            {
                ++events;
            }
            drain(fd);
            // Write interest on the same registration (an eventfd is always writable).
            if ((co_await s->poll(fd, coro::poll_op::write)) == coro::poll_status::event)
            {
                ++events;
            }
        }
        // Nothing to read now: the re-armed registration must not report the earlier readiness again.
        if ((co_await s->poll(fd, coro::poll_op::read, 20ms)) == coro::poll_status::timeout)
        {
            ++events;
        }
        // After a timeout the fd can be polled again.
        signal(fd);
        if ((co_await s->poll(fd, coro::poll_op::read, 5s)) == coro::poll_status::event)
        {
            ++events;
        }
        co_return events;
    };
    REQUIRE(coro::sync_wait(task()) == 2002);

    s->shutdown();
    REQUIRE(s->empty());
    close(fd);
}

TEST_CASE("gocoro io_scheduler poll after the fd number is closed and reused", "[io_scheduler][gocoro][poll]")
{
    const bool inline_tasks = GENERATE(false, true);
    auto       s            = make_scheduler(inline_tasks);

    int first = new_eventfd();
    signal(first);
    REQUIRE(poll_once(s, first, coro::poll_op::read, 5s) == coro::poll_status::event);
    close(first); // the kernel drops the (disarmed) registration with the file

    int second = new_eventfd();
    REQUIRE(second == first); // lowest free number; nothing else opens descriptors here
    // A fresh file under the same number: nothing pending, so the poll must time out ...
    REQUIRE(poll_once(s, second, coro::poll_op::read, 20ms) == coro::poll_status::timeout);
    // ... and see its own readiness.
    signal(second);
    REQUIRE(poll_once(s, second, coro::poll_op::read, 5s) == coro::poll_status::event);
    close(second);

    // The number now refers to a directory (always ready; epoll refuses it) and then to a bad fd.
    int file = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(file == first);
    REQUIRE(poll_once(s, file, coro::poll_op::read, 5s) == coro::poll_status::event);
    close(file);
    REQUIRE(poll_once(s, file, coro::poll_op::read, 5s) == coro::poll_status::error);

    s->shutdown();
    REQUIRE(s->empty());
}

TEST_CASE(
    "gocoro io_scheduler reused fd number while a dup keeps the old file registered",
    "[io_scheduler][gocoro][poll]")
{
    // The old registration is keyed by (file, number) and survives close() while a dup holds the file. Its
    // readiness must never be delivered to a poll of the new file that got the same number.
    const bool inline_tasks = GENERATE(false, true);
    auto       s            = make_scheduler(inline_tasks);
    int        sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);

    REQUIRE(send(sv[1], "x", 1, MSG_NOSIGNAL) == 1);
    REQUIRE(poll_once(s, sv[0], coro::poll_op::read, 5s) == coro::poll_status::event);

    const int number = sv[0];
    const int dup_fd = dup(sv[0]);
    REQUIRE(dup_fd >= 0);
    close(sv[0]);
    int reused = new_eventfd();
    REQUIRE(reused == number);

    // The old socket is readable (one byte pending) but the eventfd now under its number is not.
    REQUIRE(poll_once(s, reused, coro::poll_op::read, 20ms) == coro::poll_status::timeout);
    signal(reused);
    REQUIRE(poll_once(s, reused, coro::poll_op::read, 5s) == coro::poll_status::event);
    // The old socket through its dup still works.
    REQUIRE(poll_once(s, dup_fd, coro::poll_op::read, 5s) == coro::poll_status::event);

    s->shutdown();
    REQUIRE(s->empty());
    close(reused);
    close(dup_fd);
    close(sv[1]);
}

TEST_CASE("gocoro io_scheduler concurrent poll on a re-armed fd still fails fast", "[io_scheduler][gocoro][poll]")
{
    const bool inline_tasks = GENERATE(false, true);
    auto       s            = make_scheduler(inline_tasks);
    int        fd           = new_eventfd();

    // Leave a disarmed registration behind first, so the second poll would find one to re-arm.
    signal(fd);
    REQUIRE(poll_once(s, fd, coro::poll_op::read, 5s) == coro::poll_status::event);
    drain(fd);

    coro::event first_polling;
    auto        first = [&]() -> coro::task<coro::poll_status>
    {
        co_await s->schedule();
        first_polling.set();
        co_return co_await s->poll(fd, coro::poll_op::read, 5s);
    };
    auto second = [&]() -> coro::task<coro::poll_status>
    {
        co_await first_polling;
        co_await s->yield_for(20ms);
        auto status = co_await s->poll(fd, coro::poll_op::read, 5s);
        signal(fd); // releases the first poller
        co_return status;
    };

    auto [a, b] = coro::sync_wait(coro::when_all(first(), second()));
    REQUIRE(a.return_value() == coro::poll_status::event);
    REQUIRE(b.return_value() == coro::poll_status::error);
    drain(fd);
    // The failed attempt left the first registration intact and usable.
    signal(fd);
    REQUIRE(poll_once(s, fd, coro::poll_op::read, 5s) == coro::poll_status::event);

    s->shutdown();
    REQUIRE(s->empty());
    close(fd);
}

TEST_CASE(
    "gocoro io_scheduler poll on a reused number while the old file's poll is pending",
    "[io_scheduler][gocoro][poll]")
{
    // Closing a descriptor that a coroutine is polling is a user error, but it must not break the number's
    // next user: the new file's poll works, and the stale poll finishes by its timeout even if the old file
    // (kept alive by a dup) becomes ready later.
    const bool inline_tasks = GENERATE(false, true);
    auto       s            = make_scheduler(inline_tasks);
    int        sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
    const int number = sv[0];
    const int dup_fd = dup(sv[0]);
    REQUIRE(dup_fd >= 0);

    coro::event stale_polling;
    auto        stale = [&]() -> coro::task<coro::poll_status>
    {
        co_await s->schedule();
        stale_polling.set();
        co_return co_await s->poll(number, coro::poll_op::read, 300ms);
    };
    auto fresh = [&]() -> coro::task<coro::poll_status>
    {
        co_await stale_polling;
        co_await s->yield_for(20ms);
        close(number);
        int reused = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK); // readable right away
        if (reused != number)
        {
            co_return coro::poll_status::closed; // fails the REQUIRE below
        }
        auto status = co_await s->poll(reused, coro::poll_op::read, 5s);
        // Make the old file readable: its registration is stale and must be ignored.
        [[maybe_unused]] auto n = send(sv[1], "x", 1, MSG_NOSIGNAL);
        co_await s->yield_for(20ms);
        close(reused);
        co_return status;
    };

    auto [a, b] = coro::sync_wait(coro::when_all(stale(), fresh()));
    REQUIRE(b.return_value() == coro::poll_status::event);
    REQUIRE(a.return_value() == coro::poll_status::timeout);

    s->shutdown();
    REQUIRE(s->empty());
    close(dup_fd);
    close(sv[1]);
}

TEST_CASE("gocoro io_scheduler registrations end with the scheduler", "[io_scheduler][gocoro][poll]")
{
    int fd = new_eventfd();
    for (int round = 0; round < 3; ++round)
    {
        // Each scheduler leaves fd registered (disarmed) with its own epoll; destroying it must not affect
        // the fd or the next scheduler.
        auto s = make_scheduler(round % 2 == 1);
        signal(fd);
        REQUIRE(poll_once(s, fd, coro::poll_op::read, 5s) == coro::poll_status::event);
        drain(fd);
        REQUIRE(poll_once(s, fd, coro::poll_op::read, 10ms) == coro::poll_status::timeout);
        REQUIRE(poll_once(s, fd, coro::poll_op::write, 5s) == coro::poll_status::event);
    }
    // Two live schedulers polling the same fd have independent registrations.
    auto s1 = make_scheduler(false);
    auto s2 = make_scheduler(true);
    signal(fd);
    REQUIRE(poll_once(s1, fd, coro::poll_op::read, 5s) == coro::poll_status::event);
    REQUIRE(poll_once(s2, fd, coro::poll_op::read, 5s) == coro::poll_status::event);
    REQUIRE(poll_once(s1, fd, coro::poll_op::read, 5s) == coro::poll_status::event);
    s1->shutdown();
    s2->shutdown();
    close(fd);
}
