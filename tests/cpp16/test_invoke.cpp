#include "catch_extensions.hpp"

#include <functional>
#include <string>

TEST_CASE("invoke no captures", "[invoke]")
{
    coro::task<int> task;
    {
        int a = 1;
        int b = 2;

        auto make_task = [](int a, int b) -> coro::task<int> { co_return a + b; };
        task           = coro::invoke(make_task, a, b);
    }
    // a, b and the lambda are gone; the task carries copies.
    REQUIRE(coro::sync_wait(task) == 3);
}

TEST_CASE("invoke captures", "[invoke]")
{
    coro::task<int> task;
    {
        int a = 1;
        int b = 2;
        int c = 3;
        int d = 4;

        auto make_task = [c, d](int a, int b) -> coro::task<int> { co_return a + b + c + d; };
        task           = coro::invoke(make_task, a, b);
    }
    REQUIRE(coro::sync_wait(task) == 10);
}

TEST_CASE("invoke captures in coroutine context", "[invoke]")
{
    auto tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});

    auto make_root_task = [&]() -> coro::task<int>
    {
        co_await tp->schedule();
        coro::task<int> user_task;
        {
            int a = 1;
            int b = 2;
            int c = 3;
            int d = 4;

            auto make_user_task = [c, d](int a, int b) -> coro::task<int> { co_return a + b + c + d; };
            user_task           = coro::invoke(make_user_task, a, b);
        }
        co_return co_await user_task;
    };

    REQUIRE(coro::sync_wait(make_root_task()) == 10);
}

TEST_CASE("invoke co_await coro::invoke", "[invoke]")
{
    auto tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 1});

    auto make_root_task = [&]() -> coro::task<int>
    {
        co_await tp->schedule();
        int  a              = 1;
        int  b              = 2;
        int  c              = 3;
        int  d              = 4;
        auto make_user_task = [c, d](int a, int b) -> coro::task<int> { co_return a + b + c + d; };
        co_return co_await coro::invoke(make_user_task, a, b);
    };

    REQUIRE(coro::sync_wait(make_root_task()) == 10);
}

// Beyond the scenarios: the decided D38.17 behaviour.

TEST_CASE("invoke is lazy and owns copies of its arguments", "[invoke]")
{
    bool            called = false;
    coro::task<int> task;
    {
        std::string text      = "four";
        auto        make_task = [&called](const std::string& s, int n) -> coro::task<int>
        {
            called = true;
            co_return static_cast<int>(s.size()) + n;
        };
        task = coro::invoke(make_task, text, 6);
        text = "overwritten before the task runs";
    }
    REQUIRE_FALSE(called); // nothing runs before the task is awaited
    REQUIRE(coro::sync_wait(task) == 10);
    REQUIRE(called);
}

TEST_CASE("invoke of a task that suspends on an executor", "[invoke]")
{
    auto tp = coro::thread_pool::make_unique(coro::thread_pool::options{.thread_count = 2});

    auto task = [&]
    {
        auto prefix = std::string{"value "};
        return coro::invoke(
            [prefix, &tp](int n) -> coro::task<std::string>
            {
                co_await tp->schedule();
                co_await tp->yield();
                co_return prefix + std::to_string(n);
            },
            7);
    }();
    REQUIRE(coro::sync_wait(task) == "value 7");
}

TEST_CASE("invoke passes references only through std::ref", "[invoke]")
{
    int  counter   = 0;
    auto increment = [](int& c) -> coro::task<void>
    {
        ++c;
        co_return;
    };
    coro::sync_wait(coro::invoke(increment, std::ref(counter)));
    REQUIRE(counter == 1);
}
