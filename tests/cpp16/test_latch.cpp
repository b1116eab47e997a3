#include "catch_extensions.hpp"

// Parity scenarios 252-256 (tests/scenarios16.tsv; upstream's test/test_latch.cpp); the executor overload of count_down()
// takes the std::unique_ptr owning the pool (D9).

TEST_CASE("latch count=0", "[latch]")
{
    coro::latch l{0};

    auto make_task = [&]() -> coro::task<uint64_t>
    {
        co_await l;
        co_return 42;
    };

    auto task = make_task();

    task.resume();
    REQUIRE(task.is_ready()); // The latch never waits due to zero count.
    REQUIRE(task.promise().result() == 42);
}

TEST_CASE("latch count=1", "[latch]")
{
    coro::latch l{1};

    auto make_task = [&]() -> coro::task<uint64_t>
    {
        auto workers = l.remaining();
        co_await l;
        co_return workers;
    };

    auto task = make_task();

    task.resume();
    REQUIRE_FALSE(task.is_ready());

    l.count_down();
    REQUIRE(task.is_ready());
    REQUIRE(task.promise().result() == 1);
}

TEST_CASE("latch count=1 count_down=5", "[latch]")
{
    coro::latch l{1};

    auto make_task = [&]() -> coro::task<uint64_t>
    {
        auto workers = l.remaining();
        co_await l;
        co_return workers;
    };

    auto task = make_task();

    task.resume();
    REQUIRE_FALSE(task.is_ready());

    l.count_down(5);
    REQUIRE(task.is_ready());
    REQUIRE(task.promise().result() == 1);
}

TEST_CASE("latch count=5 count_down=1 x5", "[latch]")
{
    coro::latch l{5};

    auto make_task = [&]() -> coro::task<uint64_t>
    {
        auto workers = l.remaining();
        co_await l;
        co_return workers;
    };

    auto task = make_task();

    task.resume();
    REQUIRE_FALSE(task.is_ready());

    l.count_down(1);
    REQUIRE_FALSE(task.is_ready());
    l.count_down(1);
    REQUIRE_FALSE(task.is_ready());
    l.count_down(1);
    REQUIRE_FALSE(task.is_ready());
    l.count_down(1);
    REQUIRE_FALSE(task.is_ready());
    l.count_down(1);
    REQUIRE(task.is_ready());
    REQUIRE(task.promise().result() == 5);
}

TEST_CASE("latch count=5 count_down=5", "[latch]")
{
    coro::latch l{5};

    auto make_task = [&]() -> coro::task<uint64_t>
    {
        auto workers = l.remaining();
        co_await l;
        co_return workers;
    };

    auto task = make_task();

    task.resume();
    REQUIRE_FALSE(task.is_ready());

    l.count_down(5);
    REQUIRE(task.is_ready());
    REQUIRE(task.promise().result() == 5);
}

// ---- Not parity scenarios ------------------------------------------------------------------------------------

TEST_CASE("latch executor count_down resumes waiters on the pool across threads", "[latch]")
{
    auto             tp      = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 2});
    constexpr int    workers = 64;
    coro::latch      l{workers};
    std::atomic<int> done{0};

    auto waiter = [&]() -> coro::task<int>
    {
        co_await l;
        co_return done.load();
    };
    auto worker = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        done.fetch_add(1);
        l.count_down(tp);
    };

    std::vector<coro::task<void>> tasks;
    for (int i = 0; i < workers; ++i)
    {
        tasks.emplace_back(worker());
    }
    auto results = coro::sync_wait(coro::when_all(waiter(), waiter(), coro::when_all(std::move(tasks))));
    REQUIRE(std::get<0>(results).return_value() == workers);
    REQUIRE(std::get<1>(results).return_value() == workers);
    REQUIRE(l.is_ready());
    REQUIRE(l.remaining() == 0);
}
