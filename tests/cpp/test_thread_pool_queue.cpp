#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

// The thread pool's shared queue (what schedule() from outside the pool and yield() use): a lock-free ring of 1024
// cells that wraps while the workers take from it, and an overflow deque that takes every push from the moment
// the ring is full until the workers have emptied it.

namespace
{
/// How many entries of `order` are not their own index (0 when tasks ran in the order they were queued).
auto out_of_order(const std::vector<uint64_t>& order) -> uint64_t
{
    uint64_t count = 0;
    for (uint64_t i = 0; i < order.size(); ++i)
    {
        count += order[i] != i ? 1 : 0;
    }
    return count;
}
} // namespace

TEST_CASE("thread_pool shared queue keeps order while it wraps and grows", "[thread_pool]")
{
    // One worker, so tasks must run in the order the main thread queued them. The worker takes from the ring while
    // it is filled, so the ring wraps many times, and whenever the main thread gets ahead by 1024 the overflow
    // takes over (block by block) until the worker has caught up.
    constexpr uint64_t    count = 200'000;
    coro::thread_pool     tp{coro::thread_pool::options{.thread_count = 1}};
    std::vector<uint64_t> order; // touched by the worker only
    order.reserve(count);

    auto make_task = [&](uint64_t i) -> coro::task<void>
    {
        co_await tp.schedule();
        order.push_back(i);
    };
    std::vector<coro::task<void>> tasks;
    tasks.reserve(count);
    for (uint64_t i = 0; i < count; ++i)
    {
        tasks.emplace_back(make_task(i));
    }
    coro::sync_wait(coro::when_all(std::move(tasks)));

    REQUIRE(order.size() == count);
    REQUIRE(out_of_order(order) == 0);
}

namespace
{
/// Occupies the only worker of `tp` until `release` is set, so that everything queued meanwhile waits in the shared
/// queue.
auto block_worker(coro::thread_pool& tp, std::atomic<bool>& started, std::atomic<bool>& release) -> coro::task<void>
{
    co_await tp.schedule();
    started.store(true);
    while (!release.load())
    {
        std::this_thread::yield();
    }
}
} // namespace

TEST_CASE("thread_pool shared queue: a full ring spills into the overflow in order", "[thread_pool]")
{
    // 5,000 tasks queued behind a blocked worker: the first 1,024 fill the ring, the rest go to the overflow (which
    // grows by blocks); the ring's tasks run first, then the overflow's, all in queue order.
    constexpr uint64_t    count = 5'000;
    coro::thread_pool     tp{coro::thread_pool::options{.thread_count = 1}};
    std::atomic<bool>     started{false};
    std::atomic<bool>     release{false};
    std::vector<uint64_t> order;
    order.reserve(count);

    auto blocker = block_worker(tp, started, release);
    blocker.resume();
    while (!started.load())
    {
        std::this_thread::yield();
    }

    auto make_task = [&](uint64_t i) -> coro::task<void>
    {
        co_await tp.schedule();
        order.push_back(i);
    };
    std::vector<coro::task<void>> tasks;
    tasks.reserve(count);
    for (uint64_t i = 0; i < count; ++i)
    {
        tasks.emplace_back(make_task(i));
        tasks.back().resume();
    }
    REQUIRE(tp.queue_size() == count);
    REQUIRE(tp.size() == count + 1); // and the blocker, running

    release.store(true);
    tp.shutdown(); // drains the queue before the worker leaves
    REQUIRE(blocker.is_ready());
    REQUIRE(order.size() == count);
    REQUIRE(out_of_order(order) == 0);
    REQUIRE(tp.empty());
    for (auto& t : tasks)
    {
        REQUIRE(t.is_ready());
    }
}

TEST_CASE("thread_pool shared queue: concurrent outside producers each keep their order", "[thread_pool]")
{
    // Four threads resume handles onto a one-worker pool at once, through the ring and (when they get ahead of the
    // worker) the overflow: every task runs exactly once, and each producer's tasks run in the order it queued them.
    constexpr std::size_t                        producers    = 4;
    constexpr uint64_t                           per_producer = 50'000;
    coro::thread_pool                            tp{coro::thread_pool::options{.thread_count = 1}};
    std::array<std::vector<uint64_t>, producers> order; // touched by the worker only

    auto make_task = [&](std::size_t producer, uint64_t i) -> coro::task<void>
    {
        order[producer].push_back(i);
        co_return;
    };
    std::array<std::vector<coro::task<void>>, producers> tasks;
    for (std::size_t p = 0; p < producers; ++p)
    {
        order[p].reserve(per_producer);
        tasks[p].reserve(per_producer);
        for (uint64_t i = 0; i < per_producer; ++i)
        {
            tasks[p].emplace_back(make_task(p, i));
        }
    }
    std::atomic<uint64_t>    refused{0};
    std::vector<std::thread> threads;
    for (std::size_t p = 0; p < producers; ++p)
    {
        threads.emplace_back(
            [&, p]()
            {
                for (auto& t : tasks[p])
                {
                    refused.fetch_add(tp.resume(t.handle()) ? 0 : 1);
                }
            });
    }
    for (auto& t : threads)
    {
        t.join();
    }
    tp.shutdown();
    REQUIRE(refused.load() == 0);
    for (std::size_t p = 0; p < producers; ++p)
    {
        REQUIRE(order[p].size() == per_producer);
        REQUIRE(out_of_order(order[p]) == 0);
    }
}

TEST_CASE("thread_pool shared queue: once the workers have left, outside pushes are refused", "[thread_pool]")
{
    coro::thread_pool tp{coro::thread_pool::options{.thread_count = 2}};
    tp.shutdown();
    auto task = []() -> coro::task<void> { co_return; }();
    REQUIRE_FALSE(tp.resume(task.handle()));
    std::array<std::coroutine_handle<>, 2> handles{task.handle(), task.handle()};
    REQUIRE(tp.resume(handles) == 0);
    REQUIRE_FALSE(task.is_ready());
    REQUIRE(tp.empty());
}
