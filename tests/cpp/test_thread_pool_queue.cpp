#include <catch2/catch.hpp>

#include <coro/coro.hpp>
#include <coro/detail/handle_fifo.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <new>
#include <thread>
#include <vector>

// The thread pool's shared queue (what schedule() from outside the pool and yield() use): a lock-free ring of 1024
// cells that wraps while the workers take from it, and an overflow FIFO (coro/detail/handle_fifo.hpp) that takes
// every push from the moment the ring is full until the workers have emptied it.

namespace
{
/// While set, the nothrow operator new fails: the overflow makes its blocks with it (handle_fifo::make_block), and
/// nothing else in these tests uses it.
std::atomic<bool> g_fail_nothrow_new{false};
} // namespace

// Replaces the global nothrow form for this test binary; it allocates through the throwing form so that sanitizers
// pair it with operator delete.
auto operator new(std::size_t size, const std::nothrow_t&) noexcept -> void*
{
    if (g_fail_nothrow_new.load(std::memory_order_relaxed))
    {
        return nullptr;
    }
    try
    {
        return ::operator new(size);
    }
    catch (...)
    {
        return nullptr;
    }
}

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

namespace
{
/// A distinct fake handle per value (never resumed).
auto fake_handle(uint64_t i) -> std::coroutine_handle<>
{
    return std::coroutine_handle<>::from_address(reinterpret_cast<void*>((i + 1) * 16));
}
} // namespace

TEST_CASE("handle_fifo keeps order across blocks and reuses its drained blocks", "[thread_pool]")
{
    using fifo                        = coro::detail::handle_fifo;
    constexpr std::size_t per_block   = fifo::block::capacity;
    std::size_t           blocks_made = 0;
    fifo                  q;
    uint64_t              pushed = 0;
    uint64_t              popped = 0;

    auto push = [&](std::size_t n)
    {
        for (std::size_t i = 0; i < n; ++i)
        {
            if (q.needs_block())
            {
                REQUIRE(q.give(fifo::make_block()) == nullptr);
                ++blocks_made;
            }
            q.push(fake_handle(pushed++));
        }
    };
    auto pop = [&](std::size_t n)
    {
        std::array<std::coroutine_handle<>, 40> out{};
        while (n > 0)
        {
            const std::size_t take = std::min(n, out.size());
            fifo::free_block(q.pop(out.data(), take));
            for (std::size_t i = 0; i < take; ++i)
            {
                REQUIRE(out[i] == fake_handle(popped++));
            }
            n -= take;
        }
    };

    // Grow over three blocks and drain: a block per fill, in order.
    push(3 * per_block + 7);
    REQUIRE(blocks_made == 4);
    REQUIRE(q.size() == 3 * per_block + 7);
    pop(3 * per_block + 7);
    REQUIRE(q.size() == 0);

    // Now a queue that rises and falls, never by more than a block, and wraps across block ends many times: the
    // block kept when it emptied and the spare are enough, nothing more is made.
    const std::size_t made = blocks_made;
    for (int round = 0; round < 50; ++round)
    {
        push(per_block - 3);
        pop(per_block / 2);
        push(per_block / 3);
        pop(q.size());
    }
    REQUIRE(blocks_made == made);
    REQUIRE(q.size() == 0);
    REQUIRE(popped == pushed);

    // A block left with handles when the queue is destroyed is freed with it (ASan: no leak).
    push(per_block + 1);
}

TEST_CASE("thread_pool shared queue: a push the overflow has no memory for throws std::bad_alloc", "[thread_pool]")
{
    // Behind a blocked worker the first 1,024 tasks fill the ring; while the overflow cannot get a block, the next
    // ones are refused (their co_await throws std::bad_alloc, on the thread that awaited) and lose nothing; once
    // memory is back, pushes go to the overflow again. Everything accepted runs once, in order.
    constexpr uint64_t    ring     = 1024;
    constexpr uint64_t    refusing = 500;
    constexpr uint64_t    after    = 300;
    coro::thread_pool     tp{coro::thread_pool::options{.thread_count = 1}};
    std::atomic<bool>     started{false};
    std::atomic<bool>     release{false};
    std::vector<uint64_t> order; // the worker's
    std::atomic<uint64_t> out_of_memory{0};
    std::atomic<uint64_t> other_errors{0};
    std::atomic<uint64_t> finished{0};

    auto blocker = block_worker(tp, started, release);
    blocker.resume();
    while (!started.load())
    {
        std::this_thread::yield();
    }

    auto make_task = [&](uint64_t i) -> coro::task<void>
    {
        try
        {
            co_await tp.schedule();
            order.push_back(i);
        }
        catch (const std::bad_alloc&)
        {
            out_of_memory.fetch_add(1);
        }
        catch (...)
        {
            other_errors.fetch_add(1);
        }
        finished.fetch_add(1);
    };
    std::vector<coro::task<void>> tasks;
    tasks.reserve(ring + refusing + after);
    g_fail_nothrow_new.store(true);
    for (uint64_t i = 0; i < ring + refusing; ++i)
    {
        tasks.emplace_back(make_task(i));
        tasks.back().resume();
    }
    g_fail_nothrow_new.store(false);
    REQUIRE(out_of_memory.load() == refusing);
    REQUIRE(finished.load() == refusing); // the refused ones went on right here
    REQUIRE(tp.queue_size() == ring);
    for (uint64_t i = ring + refusing; i < ring + refusing + after; ++i)
    {
        tasks.emplace_back(make_task(i));
        tasks.back().resume();
    }
    REQUIRE(tp.queue_size() == ring + after);

    release.store(true);
    tp.shutdown(); // drains the queue before the worker leaves
    REQUIRE(blocker.is_ready());
    REQUIRE(finished.load() == ring + refusing + after);
    REQUIRE(other_errors.load() == 0);
    REQUIRE(order.size() == ring + after);
    for (uint64_t i = 0; i < order.size(); ++i)
    {
        REQUIRE(order[i] == (i < ring ? i : i + refusing));
    }
    REQUIRE(tp.empty());
}
