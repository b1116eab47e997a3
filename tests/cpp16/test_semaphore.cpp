#include "catch_extensions.hpp"

#include <atomic>
#include <vector>

// Parity scenarios 272-278 (tests/scenarios16.tsv; upstream's test/test_semaphore.cpp).

static_assert(std::is_same_v<coro::semaphore<1>, coro::v16::semaphore<1>>);

TEST_CASE("semaphore binary", "[semaphore]")
{
    std::vector<uint64_t> output;
    coro::semaphore<1>    s{1};

    auto make_emitter_task = [&]() -> coro::task<void>
    {
        auto result = co_await s.acquire();
        REQUIRE(result == coro::semaphore_acquire_result::acquired);
        REQUIRE_FALSE(s.try_acquire());
        output.emplace_back(1);
        REQUIRE(s.value() == 0);
        co_await s.release();
        REQUIRE(s.value() == 1);
        REQUIRE(s.try_acquire());
        co_await s.release();
    };

    coro::sync_wait(make_emitter_task());

    REQUIRE(s.value() == 1);
    REQUIRE(s.try_acquire());
    REQUIRE(s.value() == 0);
    coro::sync_wait(s.release());
    REQUIRE(s.value() == 1);
    REQUIRE(output.size() == 1);
    REQUIRE(output[0] == 1);
}

TEST_CASE("semaphore binary many waiters until event", "[semaphore]")
{
    std::atomic<uint64_t>         value{0};
    std::vector<coro::task<void>> tasks;

    coro::semaphore<1> s{1};
    coro::event        e;

    auto make_task = [&](uint64_t id) -> coro::task<void>
    {
        (void)id;
        // Never co_await inside a Catch2 assertion: its handler object would live across the suspension.
        auto result = co_await s.acquire();
        REQUIRE(result == coro::semaphore_acquire_result::acquired);
        REQUIRE_FALSE(s.try_acquire());
        value++;
        co_await s.release();
    };
    auto make_block_task = [&]() -> coro::task<void>
    {
        // Never co_await inside a Catch2 assertion: its handler object would live across the suspension.
        auto result = co_await s.acquire();
        REQUIRE(result == coro::semaphore_acquire_result::acquired);
        REQUIRE_FALSE(s.try_acquire());
        co_await e;
        co_await s.release();
    };
    auto make_set_task = [&]() -> coro::task<void>
    {
        e.set();
        co_return;
    };

    tasks.emplace_back(make_block_task());
    for (uint64_t i = 1; i <= 4; ++i)
    {
        tasks.emplace_back(make_task(i));
    }
    tasks.emplace_back(make_set_task());

    coro::sync_wait(coro::when_all(std::move(tasks)));
    REQUIRE(value == 4);
}

TEST_CASE("semaphore release over max", "[semaphore]")
{
    coro::semaphore<2> s{0};
    coro::sync_wait(s.release());
    REQUIRE(s.value() == 1);
    coro::sync_wait(s.release());
    REQUIRE(s.value() == 2);
    coro::sync_wait(s.release());
    REQUIRE(s.value() == 2);
}

TEST_CASE("semaphore try_acquire", "[semaphore]")
{
    coro::semaphore<2> s{2};
    REQUIRE(s.try_acquire());
    REQUIRE(s.try_acquire());
    REQUIRE_FALSE(s.try_acquire());
}

TEST_CASE("semaphore produce consume", "[semaphore]")
{
    const std::size_t     iterations = 10;
    auto                  tp         = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});
    std::atomic<uint64_t> value{0};
    coro::semaphore<2>    s{2};

    auto make_consumer_task = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        while (true)
        {
            if (co_await s.acquire() == coro::semaphore_acquire_result::shutdown)
            {
                co_return;
            }
            value++;
        }
    };
    auto make_producer_task = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        while (value < iterations)
        {
            co_await tp->yield();
            co_await s.release();
        }
        co_await s.shutdown();
    };

    coro::sync_wait(coro::when_all(make_producer_task(), make_consumer_task()));
    REQUIRE(value == iterations);
}

TEST_CASE("semaphore 1 producers and many consumers", "[semaphore]")
{
    std::atomic<uint64_t> value{0};
    const uint64_t        iterations = 100'000;
    auto                  tp         = coro::thread_pool::make_unique();
    coro::semaphore<50>   s{0};

    auto make_consumer = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        while (!s.is_shutdown())
        {
            if (co_await s.acquire() == coro::semaphore_acquire_result::acquired)
            {
                co_await tp->schedule();
                value++;
            }
            else
            {
                co_return;
            }
        }
    };
    auto make_producer = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        for (uint64_t i = 0; i < iterations; ++i)
        {
            co_await s.release();
            co_await tp->yield();
        }
        while (value < iterations)
        {
            co_await tp->yield();
        }
        co_await s.shutdown();
    };

    std::vector<coro::task<void>> tasks;
    for (int i = 0; i < 16; ++i)
    {
        tasks.emplace_back(make_consumer());
    }
    tasks.emplace_back(make_producer());
    coro::sync_wait(coro::when_all(std::move(tasks)));
    REQUIRE(value >= iterations);
}

TEST_CASE("semaphore max()", "[semaphore]")
{
    coro::semaphore<64> s{32};
    REQUIRE(s.max() == 64);
    REQUIRE(s.value() == 32);
    // v0.16's max() is static constexpr (v0.14's is a non-static member): usable in constant expressions.
    static_assert(coro::semaphore<64>::max() == 64);
}

// ---------------------------------------------------------------------------------------------------------
// gocoro's own semaphore<max> tests.

TEST_CASE("gocoro semaphore shutdown wakes waiters and later acquires", "[semaphore][gocoro]")
{
    coro::semaphore<1>                          s{0};
    std::vector<coro::semaphore_acquire_result> results;

    auto make_waiter  = [&]() -> coro::task<void> { results.push_back(co_await s.acquire()); };
    auto make_stopper = [&]() -> coro::task<void>
    {
        REQUIRE_FALSE(s.is_shutdown());
        co_await s.shutdown();
        REQUIRE(s.is_shutdown());
        co_await s.shutdown(); // idempotent
    };

    coro::sync_wait(coro::when_all(make_waiter(), make_waiter(), make_stopper()));
    REQUIRE(results.size() == 2);
    REQUIRE(results[0] == coro::semaphore_acquire_result::shutdown);
    REQUIRE(results[1] == coro::semaphore_acquire_result::shutdown);

    // Units released after the shutdown are still counted and try_acquire() takes them (D38.14 kept), but acquire()
    // reports shutdown.
    coro::sync_wait(s.release());
    REQUIRE(coro::sync_wait(s.acquire()) == coro::semaphore_acquire_result::shutdown);
    REQUIRE(s.try_acquire());
    REQUIRE(coro::to_string(coro::semaphore_acquire_result::acquired) == "acquired");
    REQUIRE(coro::to_string(coro::semaphore_acquire_result::shutdown) == "shutdown");
}

TEST_CASE("gocoro semaphore release hands the unit to the most recent waiter", "[semaphore][gocoro]")
{
    coro::semaphore<3> s{0};
    std::vector<int>   order;
    auto               make_waiter = [&](int id) -> coro::task<void>
    {
        // Never co_await inside a Catch2 assertion: its handler object would live across the suspension.
        auto result = co_await s.acquire();
        REQUIRE(result == coro::semaphore_acquire_result::acquired);
        order.push_back(id);
    };
    auto make_releaser = [&]() -> coro::task<void>
    {
        for (int i = 0; i < 3; ++i)
        {
            co_await s.release();
        }
    };
    coro::sync_wait(coro::when_all(make_waiter(1), make_waiter(2), make_waiter(3), make_releaser()));
    REQUIRE(order == std::vector<int>{3, 2, 1});
    REQUIRE(s.value() == 0); // handed over, never counted
}
