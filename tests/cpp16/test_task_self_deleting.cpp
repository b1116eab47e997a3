#include "catch_extensions.hpp"

#include <coro/detail/task_self_deleting.hpp>

#include <atomic>
#include <cstddef>

// D18 (no upstream scenario exercises it directly): promise_self_deleting::user_final_suspend, the completion
// callback that v0.16's executors and task_group register instead of executor_size(). The frame frees itself; ASan
// checks that nothing leaks.

TEST_CASE("task_self_deleting user_final_suspend runs once before the executor count drops", "[task_self_deleting]")
{
    std::atomic<std::size_t> executor_size{1};
    int                      ran       = 0;
    int                      callbacks = 0;
    std::size_t              size_seen = 0;

    auto user = [&]() -> coro::task<void>
    {
        ++ran;
        co_return;
    };
    auto wrapper = coro::detail::make_task_self_deleting(user());
    wrapper.promise().executor_size(executor_size);
    wrapper.promise().user_final_suspend(
        [&]()
        {
            ++callbacks;
            size_seen = executor_size.load();
        });

    REQUIRE(ran == 0); // lazy until resumed
    REQUIRE(wrapper.resume());
    CHECK(ran == 1);
    CHECK(callbacks == 1);
    CHECK(size_seen == 1); // the callback ran first
    CHECK(executor_size.load() == 0);
}

TEST_CASE("task_self_deleting swallows the user task's exception and still reports completion", "[task_self_deleting]")
{
    int  callbacks = 0;
    auto user      = []() -> coro::task<void>
    {
        throw std::runtime_error{"detached"};
        co_return;
    };
    auto wrapper = coro::detail::make_task_self_deleting(user());
    wrapper.promise().user_final_suspend([&]() { ++callbacks; });
    REQUIRE(wrapper.resume());
    CHECK(callbacks == 1);
}
