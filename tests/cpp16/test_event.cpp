#include "catch_extensions.hpp"

// Parity scenarios 240-249 (tests/scenarios16.tsv; upstream's test/test_event.cpp): the executor overload of set() takes
// the std::unique_ptr owning the pool (D8).

TEST_CASE("event single awaiter", "[event]")
{
    coro::event e{};

    auto func = [&]() -> coro::task<uint64_t>
    {
        co_await e;
        co_return 42;
    };

    auto task = func();

    task.resume();
    REQUIRE_FALSE(task.is_ready());
    e.set(); // this will automaticaly resume the task that is awaiting the event.
    REQUIRE(task.is_ready());
    REQUIRE(task.promise().result() == 42);
}

namespace
{
auto producer(coro::event& event) -> void
{
    // Long running task that consumers are waiting for goes here...
    event.set();
}

auto consumer(const coro::event& event) -> coro::task<uint64_t>
{
    co_await event;
    // Normally consume from some object which has the stored result from the producer
    co_return 42;
}
} // namespace

TEST_CASE("event one watcher", "[event]")
{
    coro::event e{};

    auto value = consumer(e);
    value.resume(); // start co_await
    producer(e);    // set value and resume the waiting consumer

    REQUIRE(value.promise().result() == 42);
}

TEST_CASE("event multiple watchers", "[event]")
{
    coro::event e{};

    auto value1 = consumer(e);
    auto value2 = consumer(e);
    auto value3 = consumer(e);
    value1.resume(); // start co_await
    value2.resume(); // start co_await
    value3.resume(); // start co_await

    REQUIRE_FALSE(value1.is_ready());
    REQUIRE_FALSE(value2.is_ready());
    REQUIRE_FALSE(value3.is_ready());

    producer(e); // set value and resume all waiting consumers

    REQUIRE(value1.promise().result() == 42);
    REQUIRE(value2.promise().result() == 42);
    REQUIRE(value3.promise().result() == 42);
}

TEST_CASE("event reset", "[event]")
{
    coro::event e{};

    e.reset();
    REQUIRE_FALSE(e.is_set());

    auto value1 = consumer(e);
    value1.resume(); // start co_await
    REQUIRE_FALSE(value1.is_ready());

    producer(e);
    REQUIRE(value1.promise().result() == 42);

    e.reset();

    auto value2 = consumer(e);
    value2.resume();
    REQUIRE_FALSE(value2.is_ready());

    producer(e);

    REQUIRE(value2.promise().result() == 42);
}

TEST_CASE("event fifo", "[event]")
{
    coro::event e{};

    // Need consistency FIFO on a single thread to verify the execution order is correct.
    auto tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});

    std::atomic<uint64_t> counter{0};

    auto make_waiter = [&](uint64_t value) -> coro::task<void>
    {
        co_await tp->schedule();
        co_await e;

        counter++;
        REQUIRE(counter == value);

        co_return;
    };

    auto make_setter = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        REQUIRE(counter == 0);
        e.set(coro::resume_order_policy::fifo);
        co_return;
    };

    coro::sync_wait(
        coro::when_all(make_waiter(1), make_waiter(2), make_waiter(3), make_waiter(4), make_waiter(5), make_setter()));

    REQUIRE(counter == 5);
}

TEST_CASE("event fifo none", "[event]")
{
    coro::event e{};

    auto tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});

    std::atomic<uint64_t> counter{0};

    auto make_setter = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        REQUIRE(counter == 0);
        e.set(coro::resume_order_policy::fifo);
        co_return;
    };

    coro::sync_wait(coro::when_all(make_setter()));

    REQUIRE(counter == 0);
}

TEST_CASE("event fifo single", "[event]")
{
    coro::event e{};

    auto tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});

    std::atomic<uint64_t> counter{0};

    auto make_waiter = [&](uint64_t value) -> coro::task<void>
    {
        co_await tp->schedule();
        co_await e;

        counter++;
        REQUIRE(counter == value);

        co_return;
    };

    auto make_setter = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        REQUIRE(counter == 0);
        e.set(coro::resume_order_policy::fifo);
        co_return;
    };

    coro::sync_wait(coro::when_all(make_waiter(1), make_setter()));

    REQUIRE(counter == 1);
}

TEST_CASE("event fifo executor", "[event]")
{
    coro::event e{};

    auto tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});

    std::atomic<uint64_t> counter{0};

    auto make_waiter = [&](uint64_t value) -> coro::task<void>
    {
        co_await tp->schedule();
        co_await e;

        counter++;
        REQUIRE(counter == value);

        co_return;
    };

    auto make_setter = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        REQUIRE(counter == 0);
        e.set(tp, coro::resume_order_policy::fifo);
        co_return;
    };

    coro::sync_wait(
        coro::when_all(make_waiter(1), make_waiter(2), make_waiter(3), make_waiter(4), make_waiter(5), make_setter()));

    REQUIRE(counter == 5);
}

TEST_CASE("event fifo none executor", "[event]")
{
    coro::event e{};

    auto tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});

    std::atomic<uint64_t> counter{0};

    auto make_setter = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        REQUIRE(counter == 0);
        e.set(tp, coro::resume_order_policy::fifo);
        co_return;
    };

    coro::sync_wait(coro::when_all(make_setter()));

    REQUIRE(counter == 0);
}

TEST_CASE("event fifo single executor", "[event]")
{
    coro::event e{};

    auto tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});

    std::atomic<uint64_t> counter{0};

    auto make_waiter = [&](uint64_t value) -> coro::task<void>
    {
        co_await tp->schedule();
        co_await e;

        counter++;
        REQUIRE(counter == value);

        co_return;
    };

    auto make_setter = [&]() -> coro::task<void>
    {
        co_await tp->schedule();
        REQUIRE(counter == 0);
        e.set(tp, coro::resume_order_policy::fifo);
        co_return;
    };

    coro::sync_wait(coro::when_all(make_waiter(1), make_setter()));

    REQUIRE(counter == 1);
}

// ---- Not parity scenarios ------------------------------------------------------------------------------------

TEST_CASE("event set(executor) on a shut down pool resumes the waiter inline", "[event][gocoro]")
{
    // D38.8 (fixed): upstream loses a waiter the executor refuses; here it runs on the setting thread instead.
    auto            tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});
    coro::event     e{};
    std::thread::id resumed_on{};

    auto make_waiter = [&]() -> coro::task<void>
    {
        co_await e;
        resumed_on = std::this_thread::get_id();
    };
    auto waiter = make_waiter();
    waiter.resume();
    tp->shutdown();
    REQUIRE(tp->is_shutdown());

    e.set(tp, coro::resume_order_policy::fifo);
    REQUIRE(waiter.is_ready());
    REQUIRE(resumed_on == std::this_thread::get_id());
}
