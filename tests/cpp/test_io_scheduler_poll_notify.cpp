// gocoro's own tests (not parity scenarios) for the io_scheduler::poll_notify extension: like poll(), but the
// waiter is resumed on the thread processing events even in thread-pool mode (for waiters that only pass the
// outcome on, such as the Go binding's completion posts).

#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;

namespace
{
struct pool_scheduler
{
    std::atomic<std::thread::id>        io_thread{};
    std::shared_ptr<coro::io_scheduler> s = coro::io_scheduler::make_shared(coro::io_scheduler::options{
        .on_io_thread_start_functor = [this] { io_thread.store(std::this_thread::get_id()); },
        .pool                       = coro::thread_pool::options{.thread_count = 1}});
};

auto new_eventfd() -> int
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    REQUIRE(fd >= 0);
    return fd;
}

auto signal(int fd) -> void
{
    uint64_t value{1};
    REQUIRE(write(fd, &value, sizeof(value)) == sizeof(value));
}

/// Polls with poll_notify (or poll) from a pool worker and reports the status and the thread that resumed it.
auto poll_from_pool(
    coro::io_scheduler&       s,
    int                       fd,
    bool                      notify,
    std::chrono::milliseconds timeout,
    std::thread::id&          resumed_on) -> coro::task<coro::poll_status>
{
    co_await s.schedule();
    auto status = notify ? co_await s.poll_notify(fd, coro::poll_op::read, timeout)
                         : co_await s.poll(fd, coro::poll_op::read, timeout);
    resumed_on  = std::this_thread::get_id();
    co_return status;
}
} // namespace

TEST_CASE("io_scheduler poll_notify resumes on the event thread in pool mode", "[io_scheduler][poll_notify]")
{
    pool_scheduler ps{};
    auto&          s  = *ps.s;
    const int      fd = new_eventfd();

    auto waiter = [&](bool notify, std::thread::id& on) -> coro::task<coro::poll_status>
    { co_return co_await poll_from_pool(s, fd, notify, 0ms, on); };
    auto setter = [&]() -> coro::task<void>
    {
        co_await s.schedule();
        co_await s.yield_for(20ms);
        signal(fd);
    };

    std::thread::id notify_on{};
    auto [notified, ignored] = coro::sync_wait(coro::when_all(waiter(true, notify_on), setter()));
    (void)ignored;
    REQUIRE(notified.return_value() == coro::poll_status::event);
    REQUIRE(notify_on == ps.io_thread.load());

    uint64_t value{0};
    REQUIRE(read(fd, &value, sizeof(value)) == sizeof(value));

    // The same wait through poll() is handed to the pool worker, as libcoro does.
    std::thread::id poll_on{};
    auto [polled, ignored2] = coro::sync_wait(coro::when_all(waiter(false, poll_on), setter()));
    (void)ignored2;
    REQUIRE(polled.return_value() == coro::poll_status::event);
    REQUIRE(poll_on != ps.io_thread.load());

    s.shutdown();
    REQUIRE(s.size() == 0);
    close(fd);
}

TEST_CASE("io_scheduler poll_notify timeout and many waiters", "[io_scheduler][poll_notify]")
{
    pool_scheduler ps{};
    auto&          s = *ps.s;

    SECTION("a timeout resumes on the event thread with poll_status::timeout")
    {
        const int       fd = new_eventfd();
        std::thread::id on{};
        auto            status = coro::sync_wait(poll_from_pool(s, fd, true, 10ms, on));
        REQUIRE(status == coro::poll_status::timeout);
        REQUIRE(on == ps.io_thread.load());
        // The descriptor can be polled again right away (the timed-out registration was disarmed).
        signal(fd);
        REQUIRE(coro::sync_wait(poll_from_pool(s, fd, true, 1000ms, on)) == coro::poll_status::event);
        close(fd);
    }

    SECTION("many descriptors ready in one round are all resumed")
    {
        constexpr std::size_t n = 64;
        std::vector<int>      fds;
        for (std::size_t i = 0; i < n; ++i)
        {
            fds.push_back(new_eventfd());
        }
        std::atomic<std::size_t> events{0};
        auto                     waiter = [&](int fd) -> coro::task<void>
        {
            co_await s.schedule();
            if (co_await s.poll_notify(fd, coro::poll_op::read, 5000ms) == coro::poll_status::event)
            {
                events.fetch_add(1);
            }
        };
        auto setter = [&]() -> coro::task<void>
        {
            co_await s.schedule();
            co_await s.yield_for(20ms);
            for (int fd : fds)
            {
                signal(fd);
            }
        };
        std::vector<coro::task<void>> tasks;
        for (int fd : fds)
        {
            tasks.push_back(waiter(fd));
        }
        tasks.push_back(setter());
        coro::sync_wait(coro::when_all(std::move(tasks)));
        REQUIRE(events.load() == n);
        for (int fd : fds)
        {
            close(fd);
        }
    }

    s.shutdown();
    REQUIRE(s.size() == 0);
}
