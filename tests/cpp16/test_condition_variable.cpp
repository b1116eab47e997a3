#include "catch_extensions.hpp"

#include <atomic>
#include <stdexcept>
#include <stop_token>
#include <vector>

TEST_CASE("wait(lock) 1 waiter", "[condition_variable]")
{
    coro::condition_variable cv{};
    coro::mutex              m{};
    coro::event              e{}; // tells the notifier that the waiter holds the lock

    auto make_waiter = [&]() -> coro::task<int64_t>
    {
        auto lk = co_await m.scoped_lock();
        e.set();
        co_await cv.wait(lk);
        REQUIRE_FALSE(m.try_lock()); // the lock is held again after the wait
        co_return 42;
    };

    auto make_notifier = [&]() -> coro::task<int64_t>
    {
        co_await e;
        co_await cv.notify_one();
        co_return 0;
    };

    auto results = coro::sync_wait(coro::when_all(make_waiter(), make_notifier()));
    REQUIRE(std::get<0>(results).return_value() == 42);
    REQUIRE(std::get<1>(results).return_value() == 0);
    REQUIRE(m.try_lock()); // and released by the scoped_lock
    m.unlock();
}

TEST_CASE("wait(lock predicate) 1 waiter", "[condition_variable]")
{
    coro::condition_variable cv{};
    coro::mutex              m{};
    coro::event              e{};

    auto make_waiter = [&]() -> coro::task<int64_t>
    {
        auto lk = co_await m.scoped_lock();
        e.set();
        co_await cv.wait(lk, []() { return true; });
        co_return 42;
    };

    auto make_notifier = [&]() -> coro::task<int64_t>
    {
        co_await e;
        co_await cv.notify_one();
        co_return 0;
    };

    auto results = coro::sync_wait(coro::when_all(make_waiter(), make_notifier()));
    REQUIRE(std::get<0>(results).return_value() == 42);
    REQUIRE(std::get<1>(results).return_value() == 0);
}

TEST_CASE("wait(lock stop_token predicate) 1 waiter", "[condition_variable]")
{
    coro::condition_variable cv{};
    coro::mutex              m{};
    coro::event              e{};
    std::stop_source         ss{};

    auto make_waiter = [&]() -> coro::task<int64_t>
    {
        auto lk = co_await m.scoped_lock();
        e.set();
        auto result = co_await cv.wait(lk, ss.get_token(), []() { return false; });
        REQUIRE_FALSE(result);
        co_return 42;
    };

    auto make_notifier = [&]() -> coro::task<int64_t>
    {
        co_await e;
        ss.request_stop();
        co_await cv.notify_one();
        co_return 0;
    };

    auto results = coro::sync_wait(coro::when_all(make_waiter(), make_notifier()));
    REQUIRE(std::get<0>(results).return_value() == 42);
    REQUIRE(std::get<1>(results).return_value() == 0);
}

// Beyond the scenarios.

TEST_CASE("condition_variable notify_one consumes a notification whose predicate is false", "[condition_variable]")
{
    coro::condition_variable cv{};
    coro::mutex              m{};
    int                      ready           = 0;
    int                      predicate_calls = 0;

    // A named lambda: the coroutine refers to its captures, so the closure must outlive it.
    auto make_waiter = [&]() -> coro::task<void>
    {
        auto lk = co_await m.scoped_lock();
        co_await cv.wait(
            lk,
            [&]()
            {
                ++predicate_calls;
                return ready == 1;
            });
    };
    auto waiter = make_waiter();
    waiter.resume();
    REQUIRE_FALSE(waiter.is_ready());
    REQUIRE(predicate_calls == 1);

    coro::sync_wait(cv.notify_one()); // predicate false: back to waiting, lock released
    REQUIRE_FALSE(waiter.is_ready());
    REQUIRE(predicate_calls == 2);
    REQUIRE(m.try_lock());
    ready = 1;
    m.unlock();

    coro::sync_wait(cv.notify_one()); // resumed inline, then its scoped_lock unlocks
    REQUIRE(waiter.is_ready());
    REQUIRE(predicate_calls == 3);
    REQUIRE(m.try_lock());
    m.unlock();
}

TEST_CASE("condition_variable notify_all resumes every waiter most recent first", "[condition_variable]")
{
    coro::condition_variable cv{};
    coro::mutex              m{};
    std::vector<int>         order;

    auto make_waiter = [&](int id) -> coro::task<void>
    {
        auto lk = co_await m.scoped_lock();
        co_await cv.wait(lk);
        order.push_back(id);
    };

    std::vector<coro::task<void>> waiters;
    for (int id = 1; id <= 3; ++id)
    {
        waiters.emplace_back(make_waiter(id));
        waiters.back().resume();
    }
    coro::sync_wait(cv.notify_one()); // a notification without waiter is not remembered
    REQUIRE(order == std::vector<int>{3});
    coro::sync_wait(cv.notify_all());
    REQUIRE(order == std::vector<int>{3, 2, 1});
    coro::sync_wait(cv.notify_all());
    REQUIRE(order.size() == 3);
}

TEST_CASE("condition_variable notify_all(executor) on a thread_pool", "[condition_variable]")
{
    auto                     tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 2});
    coro::condition_variable cv{};
    coro::mutex              m{};
    coro::latch              ready{10};
    std::atomic<int>         sum{0};

    auto make_waiter = [&](int id) -> coro::task<void>
    {
        co_await tp->schedule();
        auto lk = co_await m.scoped_lock();
        ready.count_down(tp);
        co_await cv.wait(lk);
        sum += id;
    };
    auto make_notifier = [&]() -> coro::task<void>
    {
        co_await ready;
        {
            // Every waiter counted down while holding the lock; taking it once means all are waiting.
            auto lk = co_await m.scoped_lock();
        }
        cv.notify_all(tp);
    };

    std::vector<coro::task<void>> tasks;
    for (int id = 1; id <= 10; ++id)
    {
        tasks.emplace_back(make_waiter(id));
    }
    tasks.emplace_back(make_notifier());
    coro::sync_wait(coro::when_all(std::move(tasks)));
    REQUIRE(sum == 55);
}

TEST_CASE("condition_variable wait without a held lock throws", "[condition_variable]")
{
    coro::condition_variable cv{};
    coro::mutex              m{};

    auto make_task = [&]() -> coro::task<void>
    {
        auto lk = co_await m.scoped_lock();
        lk.unlock();
        co_await cv.wait(lk);
    };
    REQUIRE_THROWS_AS(coro::sync_wait(make_task()), std::runtime_error);
}
