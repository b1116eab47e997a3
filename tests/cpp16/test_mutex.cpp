#include "catch_extensions.hpp"

#include <atomic>
#include <stdexcept>
#include <vector>

static_assert(std::is_same_v<coro::mutex, coro::v16::mutex>);
static_assert(std::is_same_v<coro::scoped_lock, coro::v16::scoped_lock>);

TEST_CASE("mutex single waiter not locked", "[mutex]")
{
    std::vector<uint64_t> output;
    coro::mutex           m;

    auto make_emplace_task = [&](coro::mutex& m) -> coro::task<void>
    {
        {
            auto scoped_lock = co_await m.scoped_lock();
            REQUIRE_FALSE(m.try_lock());
            output.emplace_back(1);
        }
        // The scoped lock released the mutex when it went out of scope.
        REQUIRE(m.try_lock());
        REQUIRE_FALSE(m.try_lock());
        m.unlock();
        co_return;
    };

    coro::sync_wait(make_emplace_task(m));

    REQUIRE(m.try_lock());
    m.unlock();
    REQUIRE(output == std::vector<uint64_t>{1});
}

TEST_CASE("mutex many waiters until event", "[mutex]")
{
    std::atomic<uint64_t>         value{0};
    std::vector<coro::task<void>> tasks;

    auto tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});

    coro::mutex m; // held by the blocker until the event is set
    coro::event e;

    auto make_task = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        auto scoped_lock = co_await m.scoped_lock();
        REQUIRE_THREAD_SAFE(!m.try_lock());
        value.fetch_add(1, std::memory_order::relaxed);
        co_return;
    };

    auto make_block_task = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        auto scoped_lock = co_await m.scoped_lock();
        REQUIRE_THREAD_SAFE(!m.try_lock());
        co_await e;
        co_return;
    };

    auto make_set_task = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        e.set();
        co_return;
    };

    tasks.emplace_back(make_block_task());
    for (int i = 0; i < 4; ++i)
    {
        tasks.emplace_back(make_task());
    }
    tasks.emplace_back(make_set_task());

    coro::sync_wait(coro::when_all(std::move(tasks)));

    REQUIRE(value == 4);
}

TEST_CASE("mutex scoped_lock unlock prior to scope exit", "[mutex]")
{
    coro::mutex m;

    auto make_task = [&]() -> coro::task<void>
    {
        {
            auto lk = co_await m.scoped_lock();
            REQUIRE_FALSE(m.try_lock());
            lk.unlock();
            REQUIRE(m.try_lock());
        }
        co_return;
    };

    coro::sync_wait(make_task());
    // The scope exit did not unlock a second time: the try_lock() above still holds it.
    REQUIRE_FALSE(m.try_lock());
    m.unlock();
}

TEST_CASE("mutex lock", "[mutex]")
{
    coro::mutex m;

    auto make_task = [&]() -> coro::task<void>
    {
        co_await m.lock();
        REQUIRE_FALSE(m.try_lock());
        m.unlock();
        REQUIRE(m.try_lock());
        co_return;
    };

    coro::sync_wait(make_task());
    REQUIRE_FALSE(m.try_lock());
    m.unlock();
}

// D38.13 (kept): unlocking a mutex that is not locked is an error the caller hears about.
TEST_CASE("mutex unlock when not locked throws", "[mutex][v16-quirk]")
{
    coro::mutex m;
    REQUIRE_THROWS_AS(m.unlock(), std::runtime_error);
    REQUIRE(m.try_lock());
    m.unlock();
    REQUIRE_THROWS_AS(m.unlock(), std::runtime_error);
}

// D38.13 (kept): waiters get the mutex strictly most recent first, inline inside unlock().
TEST_CASE("mutex waiters are resumed in LIFO order", "[mutex][v16-quirk]")
{
    coro::mutex      m;
    std::vector<int> order;

    auto make_waiter = [&](int id) -> coro::task<void>
    {
        co_await m.lock();
        order.push_back(id);
        m.unlock();
    };

    REQUIRE(m.try_lock());
    std::vector<coro::task<void>> waiters;
    for (int id = 1; id <= 3; ++id)
    {
        waiters.emplace_back(make_waiter(id));
        waiters.back().resume(); // suspends in lock()
        REQUIRE_FALSE(waiters.back().is_ready());
    }

    m.unlock();
    for (auto& w : waiters)
    {
        REQUIRE(w.is_ready());
    }
    REQUIRE(order == std::vector<int>{3, 2, 1});
    REQUIRE(m.try_lock());
    m.unlock();
}

// Both versions stay reachable by their explicit names from a v0.16 translation unit.
TEST_CASE("mutex v14 still reachable from v16 code", "[mutex]")
{
    coro::v14::mutex m;
    auto             make_task = [&]() -> coro::task<void>
    {
        auto lk = co_await m.lock(); // the v0.14 meaning: a scoped_lock
        REQUIRE_FALSE(m.try_lock());
    };
    coro::sync_wait(make_task());
    REQUIRE(m.try_lock());
    m.unlock();
}
