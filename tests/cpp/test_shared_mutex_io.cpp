#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// Parity scenario 46 (tests/scenarios.tsv; upstream's test/test_shared_mutex.cpp; needs io_scheduler).
//
// Port note: v0.14's test polls the reader tasks' is_ready()/result from the driver while pool threads are
// still running them (a data race ThreadSanitizer reports). Here every reader publishes its completion and
// result through atomics, and the reader frames are kept alive until the scheduler has shut down.
TEST_CASE("mutex many shared and exclusive waiters interleaved", "[shared_mutex]")
{
    auto s = coro::io_scheduler::make_shared(
        coro::io_scheduler::options{.pool = coro::thread_pool::options{.thread_count = 8}});
    coro::shared_mutex<coro::io_scheduler> m{s};

    std::atomic<bool>             read_value{false};
    std::atomic<bool>             reader_saw_true{false};
    std::atomic<std::size_t>      readers_created{0};
    std::atomic<std::size_t>      readers_done{0};
    std::vector<coro::task<bool>> readers;

    auto make_exclusive_task = [&]() -> coro::task<void>
    {
        // Let some readers get going.
        co_await s->yield_for(50ms);

        {
            auto scoped_lock = co_await m.lock();

            // Stack up more readers while holding the lock.
            co_await s->yield_for(50ms);

            read_value = true;
        }

        co_return;
    };

    auto make_shared_task = [&]() -> coro::task<bool>
    {
        co_await s->schedule();
        bool value{false};
        {
            auto scoped_lock = co_await m.lock_shared();
            value            = read_value.load();
        }
        if (value)
        {
            reader_saw_true = true;
        }
        readers_done.fetch_add(1, std::memory_order_release);
        co_return value;
    };

    auto make_shared_tasks_task = [&]() -> coro::task<void>
    {
        co_await s->schedule();

        while (!reader_saw_true.load(std::memory_order_acquire))
        {
            readers.emplace_back(make_shared_task());
            readers_created.fetch_add(1, std::memory_order_relaxed);
            readers.back().resume();

            co_await s->yield_for(1ms);
        }

        while (readers_done.load(std::memory_order_acquire) < readers_created.load(std::memory_order_relaxed))
        {
            std::this_thread::sleep_for(1ms);
        }

        co_return;
    };

    coro::sync_wait(coro::when_all(make_shared_tasks_task(), make_exclusive_task()));

    REQUIRE(reader_saw_true);
    REQUIRE(readers_done == readers_created);
    s->shutdown();
    REQUIRE(s->empty());
}
