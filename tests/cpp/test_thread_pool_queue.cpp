#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <cstdint>
#include <vector>

// The thread pool's shared queue (what schedule() from outside the pool and yield() use): a ring that wraps and
// doubles while the workers take from it.

TEST_CASE("thread_pool shared queue keeps order while it wraps and grows", "[thread_pool]")
{
    // One worker, so tasks must run in the order the main thread queued them. The worker takes from the ring while
    // it is filled, so its head moves and the ring both wraps and grows (from 1024 entries) with a moved head.
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
    uint64_t out_of_order = 0;
    for (uint64_t i = 0; i < count; ++i)
    {
        out_of_order += order[i] != i ? 1 : 0;
    }
    REQUIRE(out_of_order == 0);
}
