// gocoro's own tests for io_scheduler::wake_poll(), the extension net/server uses to wake the coroutine waiting on a
// connection when another thread queued output for it: a pending poll completes with event, a wake with no poll
// pending completes the next poll at once, and both one-shot (raw fd) and kept (poll_kept) registrations work.

#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <atomic>
#include <chrono>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;

namespace
{
auto idle_eventfd() -> int
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    REQUIRE(fd >= 0);
    return fd;
}

auto eventually(const std::atomic<bool>& flag) -> bool
{
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!flag.load() && std::chrono::steady_clock::now() < deadline)
    {
        std::this_thread::sleep_for(1ms);
    }
    return flag.load();
}
} // namespace

TEST_CASE("gocoro io_scheduler wake_poll completes a pending poll", "[io_scheduler][gocoro][poll]")
{
    const bool        inline_tasks = GENERATE(false, true);
    const bool        kept         = GENERATE(false, true);
    auto              s            = coro::io_scheduler::make_shared(coro::io_scheduler::options{
                                .pool               = coro::thread_pool::options{.thread_count = 1},
                                .execution_strategy = inline_tasks ? coro::io_scheduler::execution_strategy_t::process_tasks_inline
                                                                   : coro::io_scheduler::execution_strategy_t::process_tasks_on_thread_pool});
    int               fd           = idle_eventfd(); // never readable
    std::atomic<bool> done{false};
    coro::poll_status got{coro::poll_status::error};
    auto              waiter = [&]() -> coro::task<void>
    {
        co_await s->schedule();
        got  = kept ? co_await s->poll_kept(fd, coro::poll_op::read, 3600s)
                    : co_await s->poll(fd, coro::poll_op::read, 3600s);
        done = true;
    };
    REQUIRE(s->spawn(waiter()));
    std::this_thread::sleep_for(20ms); // the waiter reaches its poll
    REQUIRE_FALSE(done.load());
    s->wake_poll(fd);
    REQUIRE(eventually(done));
    REQUIRE(got == coro::poll_status::event);

    // No poll pending: the next one completes at once, the one after that waits again (until its timeout).
    s->wake_poll(fd);
    std::this_thread::sleep_for(20ms); // the event thread records the wake
    const auto first  = coro::sync_wait(s->poll(fd, coro::poll_op::read, 3600s));
    const auto second = coro::sync_wait(s->poll(fd, coro::poll_op::read, 30ms));
    REQUIRE(first == coro::poll_status::event);
    REQUIRE(second == coro::poll_status::timeout);
    s->shutdown();
    close(fd);
}
