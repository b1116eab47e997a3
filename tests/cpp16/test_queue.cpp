#include "catch_extensions.hpp"

#include <atomic>
#include <vector>

TEST_CASE("queue shutdown produce", "[queue]")
{
    coro::queue<uint64_t> q{};

    coro::sync_wait(q.shutdown());
    REQUIRE(coro::sync_wait(q.push(42)) == coro::queue_produce_result::stopped);

    auto make_consumer_task = [](coro::queue<uint64_t>& q) -> coro::task<uint64_t>
    {
        auto expected = co_await q.pop();
        if (!expected)
        {
            co_return 0;
        }
        co_return *expected;
    };

    REQUIRE(coro::sync_wait(make_consumer_task(q)) == 0);
    REQUIRE(q.empty());
}

TEST_CASE("queue single produce consume", "[queue]")
{
    coro::queue<uint64_t> q{};

    auto make_consumer_task = [](coro::queue<uint64_t>& q) -> coro::task<uint64_t>
    {
        auto expected = co_await q.pop();
        if (!expected)
        {
            co_return 0;
        }
        co_return *expected;
    };

    REQUIRE(coro::sync_wait(q.push(42)) == coro::queue_produce_result::produced);
    REQUIRE(coro::sync_wait(make_consumer_task(q)) == 42);
    REQUIRE(q.empty());
}

TEST_CASE("queue multiple produce and consume", "[queue]")
{
    const uint64_t        ITERATIONS = 10;
    coro::queue<uint64_t> q{};

    auto make_consumer_task = [](coro::queue<uint64_t>& q) -> coro::task<uint64_t>
    {
        auto expected = co_await q.pop();
        if (!expected)
        {
            co_return 0;
        }
        co_return *expected;
    };

    std::vector<coro::task<uint64_t>> tasks{};
    for (uint64_t i = 0; i < ITERATIONS; ++i)
    {
        coro::sync_wait(q.push(i));
        tasks.emplace_back(make_consumer_task(q));
    }

    auto results = coro::sync_wait(coro::when_all(std::move(tasks)));
    REQUIRE(results.size() == ITERATIONS);
    for (uint64_t i = 0; i < ITERATIONS; ++i)
    {
        REQUIRE(results[i].return_value() == i);
    }
}

TEST_CASE("queue produce consume direct", "[queue]")
{
    const uint64_t        ITERATIONS = 10;
    coro::queue<uint64_t> q{};
    auto                  tp = coro::thread_pool::make_unique();

    auto make_consumer_task = [](std::unique_ptr<coro::thread_pool>& tp,
                                 coro::queue<uint64_t>&              q) -> coro::task<uint64_t>
    {
        co_await tp->schedule();
        uint64_t sum{0};
        while (true)
        {
            auto expected = co_await q.pop();
            if (!expected)
            {
                co_return sum;
            }
            sum += *expected;
        }
    };

    auto make_producer_task = [](std::unique_ptr<coro::thread_pool>& tp,
                                 coro::queue<uint64_t>&              q,
                                 uint64_t                            iterations) -> coro::task<uint64_t>
    {
        co_await tp->schedule();
        for (uint64_t i = 0; i < iterations; ++i)
        {
            co_await q.push(i);
            co_await tp->yield();
        }
        co_await q.shutdown_drain(tp);
        co_return 0;
    };

    auto results = coro::sync_wait(coro::when_all(make_consumer_task(tp, q), make_producer_task(tp, q, ITERATIONS)));
    REQUIRE(std::get<0>(results).return_value() == 45);
    REQUIRE(std::get<1>(results).return_value() == 0);
}

TEST_CASE("queue multithreaded produce consume", "[queue]")
{
    const uint64_t        WORKERS    = 3;
    const uint64_t        ITERATIONS = 100;
    coro::queue<uint64_t> q{};
    auto                  tp = coro::thread_pool::make_unique();
    coro::latch           wait{static_cast<std::int64_t>(WORKERS)};
    std::atomic<uint64_t> counter{0};

    auto make_producer_task = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        for (uint64_t i = 0; i < ITERATIONS; ++i)
        {
            co_await q.push(i);
            co_await tp->yield();
        }
        wait.count_down();
    };

    auto make_consumer_task = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        while (true)
        {
            auto expected = co_await q.pop();
            if (!expected)
            {
                co_return;
            }
            counter.fetch_add(*expected, std::memory_order::relaxed);
        }
    };

    auto make_shutdown_task = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        co_await wait;
        co_await q.shutdown_drain(tp);
    };

    std::vector<coro::task<void>> tasks{};
    for (uint64_t i = 0; i < WORKERS; ++i)
    {
        tasks.emplace_back(make_producer_task());
        tasks.emplace_back(make_consumer_task());
    }
    tasks.emplace_back(make_shutdown_task());

    coro::sync_wait(coro::when_all(std::move(tasks)));
    REQUIRE(counter == 14850);
}

TEST_CASE("queue stopped", "[queue]")
{
    coro::queue<uint64_t> q{};

    auto make_consumer_task = [](coro::queue<uint64_t>& q) -> coro::task<uint64_t>
    {
        auto expected = co_await q.pop();
        if (!expected)
        {
            co_return 0;
        }
        co_return *expected;
    };

    coro::sync_wait(q.push(42));
    coro::sync_wait(q.shutdown());

    REQUIRE(coro::sync_wait(make_consumer_task(q)) == 0);
    REQUIRE(q.size() == 1); // the element is kept, just not delivered
}

TEST_CASE("queue.try_pop", "[queue]")
{
    coro::queue<uint64_t> q{};

    auto expected = q.try_pop();
    REQUIRE_FALSE(expected);
    REQUIRE(expected.error() == coro::queue_consume_result::empty);

    coro::sync_wait(q.push(42));
    expected = q.try_pop();
    REQUIRE(expected);
    REQUIRE(*expected == 42);
    REQUIRE(q.empty());

    coro::sync_wait(q.shutdown());
    expected = q.try_pop();
    REQUIRE_FALSE(expected);
    REQUIRE(expected.error() == coro::queue_consume_result::stopped);
}

TEST_CASE("queue shutdown_drain non-empty consumer shutdown", "[queue]")
{
    auto             exec = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});
    coro::queue<int> q{};

    auto make_producer_task = [&]() -> coro::task<void>
    {
        auto produced = co_await q.push(1);
        REQUIRE_THREAD_SAFE(produced == coro::queue_produce_result::produced);
        co_await q.shutdown_drain(exec);
        REQUIRE_THREAD_SAFE(q.is_shutdown());
    };

    auto make_consumer_task = [&]() -> coro::task<void>
    {
        co_await q.shutdown();
        REQUIRE_THREAD_SAFE(q.is_shutdown());
    };

    coro::sync_wait(coro::when_all(exec->schedule(make_producer_task()), exec->schedule(make_consumer_task())));
    REQUIRE(q.is_shutdown());
}

// Beyond the scenarios: what the queue promises about hand-off order and draining.
TEST_CASE("queue push hands elements to waiting consumers most recent first", "[queue]")
{
    coro::queue<int> q{};
    std::vector<int> seen;

    auto make_consumer = [&](int id) -> coro::task<void>
    {
        auto value = co_await q.pop();
        REQUIRE(value);
        seen.push_back(id * 100 + *value);
    };

    std::vector<coro::task<void>> consumers;
    for (int id = 1; id <= 3; ++id)
    {
        consumers.emplace_back(make_consumer(id));
        consumers.back().resume(); // waits: the queue is empty
        REQUIRE_FALSE(consumers.back().is_ready());
    }
    for (int value = 1; value <= 3; ++value)
    {
        // The consumer runs inline inside the push.
        REQUIRE(coro::sync_wait(q.push(value)) == coro::queue_produce_result::produced);
    }
    REQUIRE(seen == std::vector<int>{301, 202, 103});
    REQUIRE(q.empty());
}

TEST_CASE("queue shutdown_drain refuses pushes but delivers what is stored", "[queue]")
{
    auto             tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});
    coro::queue<int> q{};
    coro::sync_wait(q.push(1));
    coro::sync_wait(q.push(2));

    auto drain = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        co_await q.shutdown_drain(tp);
    };
    auto consume = [&]() -> coro::task<int>
    {
        co_await tp->schedule();
        REQUIRE_THREAD_SAFE(q.is_shutdown()); // the drain task ran first on the single worker
        auto refused = co_await q.push(3);
        REQUIRE_THREAD_SAFE(refused == coro::queue_produce_result::stopped);
        int sum = 0;
        while (auto value = co_await q.pop())
        {
            sum += *value;
        }
        co_return sum;
    };

    auto [drained, consumed] = coro::sync_wait(coro::when_all(drain(), consume()));
    drained.return_value();
    REQUIRE(consumed.return_value() == 3);
    REQUIRE(q.empty());
}
