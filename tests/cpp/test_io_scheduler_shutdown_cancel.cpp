// gocoro's own tests (not parity scenarios) for io_scheduler::shutdown_cancel_polls(), the gocoro extension that
// shuts down without waiting for pending polls (the Go binding's IOScheduler.Close), and for shutdown() keeping
// libcoro v0.14's behaviour of waiting for them.

#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;

namespace
{
auto new_eventfd() -> int
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    REQUIRE(fd >= 0);
    return fd;
}

auto wait_for_size(const std::shared_ptr<coro::io_scheduler>& s, std::size_t n) -> void
{
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (s->size() < n && std::chrono::steady_clock::now() < deadline)
    {
        std::this_thread::sleep_for(1ms);
    }
    REQUIRE(s->size() >= n);
}
} // namespace

TEST_CASE(
    "gocoro io_scheduler shutdown_cancel_polls completes pending polls with closed",
    "[io_scheduler][gocoro][poll]")
{
    const bool inline_tasks = GENERATE(false, true);
    auto       s            = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                         .pool               = coro::thread_pool::options{.thread_count = 2},
                         .execution_strategy = inline_tasks ? coro::io_scheduler::execution_strategy_t::process_tasks_inline
                                                            : coro::io_scheduler::execution_strategy_t::process_tasks_on_thread_pool});

    constexpr std::size_t    count = 500;
    std::vector<int>         fds;
    std::atomic<std::size_t> closed{0};
    std::atomic<std::size_t> other{0};
    auto                     waiter = [&](int fd, std::chrono::milliseconds timeout, bool notify) -> coro::task<void>
    {
        // Idle descriptors: nothing ever makes them readable. Half the polls have a (long) timeout, half none;
        // half are poll_notify waiters (resumed on the event thread), half ordinary polls.
        co_await s->schedule();
        const auto status = notify ? co_await s->poll_notify(fd, coro::poll_op::read, timeout)
                                   : co_await s->poll(fd, coro::poll_op::read, timeout);
        (status == coro::poll_status::closed ? closed : other).fetch_add(1);
    };
    for (std::size_t i = 0; i < count; ++i)
    {
        fds.push_back(new_eventfd());
        REQUIRE(s->spawn(waiter(fds.back(), (i % 2 == 0) ? 0ms : 3600s, i % 4 < 2)));
    }
    wait_for_size(s, count);
    std::this_thread::sleep_for(20ms); // let every waiter reach its poll

    const auto start = std::chrono::steady_clock::now();
    s->shutdown_cancel_polls();
    REQUIRE(std::chrono::steady_clock::now() - start < 5s);
    REQUIRE(closed.load() == count);
    REQUIRE(other.load() == 0);
    REQUIRE(s->empty());
    // A poll after the shutdown throws, as after shutdown().
    REQUIRE_THROWS_AS(coro::sync_wait(s->poll(fds[0], coro::poll_op::read)), std::runtime_error);
    for (int fd : fds)
    {
        close(fd);
    }
}

TEST_CASE("gocoro io_scheduler shutdown_cancel_polls in manual mode", "[io_scheduler][gocoro][poll]")
{
    auto              s  = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                      .thread_strategy    = coro::io_scheduler::thread_strategy_t::manual,
                      .execution_strategy = coro::io_scheduler::execution_strategy_t::process_tasks_inline});
    int               fd = new_eventfd();
    coro::poll_status got{coro::poll_status::event};
    std::atomic<bool> finished{false};
    auto              waiter = [&]() -> coro::task<void>
    {
        got = co_await s->poll(fd, coro::poll_op::read);
        finished.store(true);
    };
    REQUIRE(s->spawn(waiter()));
    s->process_events(10ms); // runs the task up to its poll
    REQUIRE_FALSE(finished.load());
    s->shutdown_cancel_polls(); // processes the round that resumes it
    REQUIRE(finished.load());
    REQUIRE(got == coro::poll_status::closed);
    REQUIRE(s->empty());
    close(fd);
}

TEST_CASE("gocoro io_scheduler shutdown still waits for pending polls (v0.14)", "[io_scheduler][gocoro][poll]")
{
    auto s = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 1}});
    int              fd = new_eventfd();
    std::atomic<int> got{-1};
    auto             waiter = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        got.store(static_cast<int>(co_await s->poll(fd, coro::poll_op::read, 50ms)));
    };
    REQUIRE(s->spawn(waiter()));
    wait_for_size(s, 1);
    s->shutdown();
    REQUIRE(got.load() == static_cast<int>(coro::poll_status::timeout));
    close(fd);
}

TEST_CASE("gocoro io_scheduler shutdown_cancel_polls cancels pending timers", "[io_scheduler][gocoro][timer]")
{
    const bool               inline_tasks = GENERATE(false, true);
    auto                     s            = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                                       .pool = coro::thread_pool::options{.thread_count = 2},
                                       .execution_strategy = inline_tasks ? coro::io_scheduler::execution_strategy_t::process_tasks_inline
                                                                          : coro::io_scheduler::execution_strategy_t::process_tasks_on_thread_pool});
    constexpr std::size_t    count        = 300;
    std::atomic<std::size_t> thrown{0};
    std::atomic<std::size_t> fired{0};
    auto                     waiter = [&](std::size_t i) -> coro::task<void>
    {
        co_await s->schedule();
        try
        {
            if (i % 2 == 0)
            {
                co_await s->yield_for(std::chrono::hours{24 * 365});
            }
            else
            {
                co_await s->yield_until(std::chrono::steady_clock::now() + 3600s);
            }
            fired.fetch_add(1);
        }
        catch (const std::runtime_error&)
        {
            thrown.fetch_add(1);
        }
    };
    for (std::size_t i = 0; i < count; ++i)
    {
        REQUIRE(s->spawn(waiter(i)));
    }
    wait_for_size(s, count);
    std::this_thread::sleep_for(20ms);

    const auto start = std::chrono::steady_clock::now();
    s->shutdown_cancel_polls();
    REQUIRE(std::chrono::steady_clock::now() - start < 5s);
    REQUIRE(thrown.load() == count);
    REQUIRE(fired.load() == 0);
    REQUIRE(s->empty());
}

TEST_CASE("gocoro io_scheduler work racing shutdown is run or refused, never lost", "[io_scheduler][gocoro][shutdown]")
{
    // Outside threads schedule, yield and spawn while another thread shuts the scheduler down: each operation
    // either completes or is refused (spawn returns false, a co_await throws), and shutdown returns. Before the
    // scheduler sealed itself, work that passed the shutdown checks just as the event thread left was never run.
    const bool inline_tasks = GENERATE(false, true);
    for (int round = 0; round < 200; ++round)
    {
        auto                     s = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                                .pool               = coro::thread_pool::options{.thread_count = 1},
                                .execution_strategy = inline_tasks
                                                          ? coro::io_scheduler::execution_strategy_t::process_tasks_inline
                                                          : coro::io_scheduler::execution_strategy_t::process_tasks_on_thread_pool});
        std::atomic<bool>        stop{false};
        std::atomic<std::size_t> done{0};
        auto                     body = [&](int kind) -> coro::task<void>
        {
            try
            {
                if (kind == 0)
                {
                    co_await s->schedule();
                }
                else if (kind == 1)
                {
                    co_await s->yield();
                }
                else
                {
                    co_await s->yield_for(1ms);
                }
            }
            catch (const std::runtime_error&)
            {
            }
            done.fetch_add(1);
        };
        std::vector<std::thread> threads;
        for (int kind = 0; kind < 4; ++kind)
        {
            threads.emplace_back(
                [&, kind]
                {
                    for (int i = 0; i < 200 && !stop.load(); ++i)
                    {
                        if (kind == 3)
                        {
                            (void)s->spawn(body(0));
                            continue;
                        }
                        coro::sync_wait(body(kind)); // hangs if the operation is lost
                    }
                });
        }
        std::this_thread::sleep_for(std::chrono::microseconds{round % 7 * 50});
        s->shutdown_cancel_polls();
        stop.store(true);
        for (auto& t : threads)
        {
            t.join();
        }
        REQUIRE(s->empty());
    }
}
