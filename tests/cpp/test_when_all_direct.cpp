// when_all runs a coro::task child without a wrapper coroutine (the task counts down the when_all latch itself,
// when_all_direct_task): these cases pin that path's results, exceptions and thread hand-offs to those of the
// wrapper path that every other awaitable still takes.
#include <catch2/catch.hpp>

#include <coro/coro.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{
auto make_unique_int(int v) -> coro::task<std::unique_ptr<int>>
{
    co_return std::make_unique<int>(v);
}

/// Not a coro::task: when_all wraps it in a when_all_task coroutine.
struct ready_value
{
    int  value;
    auto await_ready() const noexcept -> bool { return true; }
    auto await_suspend(std::coroutine_handle<>) const noexcept -> void {}
    auto await_resume() const noexcept -> int { return value; }
};

auto fib(coro::thread_pool& tp, uint32_t n) -> coro::task<uint64_t>
{
    co_await tp.schedule();
    if (n < 2)
    {
        co_return n;
    }
    auto [a, b] = co_await coro::when_all(fib(tp, n - 1), fib(tp, n - 2));
    co_return a.return_value() + b.return_value();
}
} // namespace

TEST_CASE("when_all direct task: a move-only result can be moved out", "[when_all]")
{
    auto                 tuple_results = coro::sync_wait(coro::when_all(make_unique_int(1), make_unique_int(2)));
    std::unique_ptr<int> first         = std::move(std::get<0>(tuple_results).return_value());
    REQUIRE(first != nullptr);
    REQUIRE(*first == 1);
    REQUIRE(*std::get<1>(tuple_results).return_value() == 2);

    std::vector<coro::task<std::unique_ptr<int>>> tasks;
    tasks.emplace_back(make_unique_int(3));
    tasks.emplace_back(make_unique_int(4));
    auto                 vector_results = coro::sync_wait(coro::when_all(std::move(tasks)));
    std::unique_ptr<int> last           = std::move(vector_results[1].return_value());
    REQUIRE(*last == 4);
    REQUIRE(vector_results[1].return_value() == nullptr); // moved out of the child's frame, not copied
}

TEST_CASE("when_all direct task: a reference result refers to the original object", "[when_all]")
{
    int  target   = 7;
    auto make_ref = [](int& r) -> coro::task<int&> { co_return r; };

    auto results = coro::sync_wait(coro::when_all(make_ref(target)));
    int& ref     = std::get<0>(results).return_value();
    REQUIRE(&ref == &target);
    ref = 8;
    REQUIRE(target == 8);
}

TEST_CASE("when_all direct task: tasks and other awaitables mixed", "[when_all]")
{
    auto make_string = []() -> coro::task<std::string> { co_return "task"; };
    auto make_void   = [](int& ran) -> coro::task<void>
    {
        ++ran;
        co_return;
    };

    int  ran     = 0;
    auto results = coro::sync_wait(coro::when_all(make_string(), ready_value{42}, make_void(ran)));
    REQUIRE(std::get<0>(results).return_value() == "task");
    REQUIRE(std::get<1>(results).return_value() == 42);
    std::get<2>(results).return_value(); // void: rethrows nothing
    REQUIRE(ran == 1);
}

TEST_CASE("when_all direct task: a task that already finished yields its result", "[when_all]")
{
    auto make_task = []() -> coro::task<int> { co_return 5; };
    auto t         = make_task();
    REQUIRE_FALSE(t.resume()); // runs to completion before when_all sees it
    REQUIRE(t.is_ready());

    auto results = coro::sync_wait(coro::when_all(std::move(t), make_task()));
    REQUIRE(std::get<0>(results).return_value() == 5);
    REQUIRE(std::get<1>(results).return_value() == 5);
}

TEST_CASE("when_all direct task: exceptions are rethrown by return_value only", "[when_all]")
{
    coro::thread_pool tp{coro::thread_pool::options{.thread_count = 2}};
    auto              make_task = [](coro::thread_pool& tp, int i) -> coro::task<int>
    {
        co_await tp.schedule();
        if (i % 2 == 1)
        {
            throw std::runtime_error{"odd " + std::to_string(i)};
        }
        co_return i;
    };

    std::vector<coro::task<int>> tasks;
    for (int i = 0; i < 10; ++i)
    {
        tasks.emplace_back(make_task(tp, i));
    }
    auto results = coro::sync_wait(coro::when_all(std::move(tasks)));
    REQUIRE(results.size() == 10);
    for (int i = 0; i < 10; ++i)
    {
        if (i % 2 == 1)
        {
            REQUIRE_THROWS_WITH(results[i].return_value(), "odd " + std::to_string(i));
        }
        else
        {
            REQUIRE(results[i].return_value() == i);
        }
    }
}

TEST_CASE("when_all direct task: a fork-join tree across two workers", "[when_all]")
{
    coro::thread_pool tp{coro::thread_pool::options{.thread_count = 2}};
    // 21891 tasks, finishing on whichever worker ran them: each last child resumes its parent there.
    REQUIRE(coro::sync_wait(fib(tp, 20)) == 6765);
}

TEST_CASE("when_all direct task: children that finish elsewhere while the rest are still starting", "[when_all]")
{
    // The awaiter does not count itself on the latch: once its last child has started, that child (or any other,
    // finishing last on a worker) may resume and destroy the awaiting frame while await_suspend is still
    // returning; and children that finish inline are counted by the awaiter after the others started. Each round
    // mixes both, from a thread outside the pool, so the sanitizer builds see any touch of a dead latch.
    coro::thread_pool tp{coro::thread_pool::options{.thread_count = 2}};
    auto              child = [](coro::thread_pool& tp, bool hop, uint64_t v) -> coro::task<uint64_t>
    {
        if (hop)
        {
            co_await tp.schedule();
        }
        co_return v;
    };
    auto round = [&](uint64_t i) -> coro::task<uint64_t>
    {
        auto [a, b, c] =
            co_await coro::when_all(child(tp, (i & 1) != 0, 1), child(tp, (i & 2) != 0, 2), child(tp, (i & 4) != 0, 4));
        std::vector<coro::task<uint64_t>> more;
        for (uint64_t k = 0; k < i % 5; ++k)
        {
            more.emplace_back(child(tp, ((i >> k) & 1) != 0, 8));
        }
        uint64_t sum     = a.return_value() + b.return_value() + c.return_value();
        auto     results = co_await coro::when_all(std::move(more)); // a named copy: the awaitable is a temporary
        for (auto& t : results)
        {
            sum += t.return_value();
        }
        co_return sum;
    };
    for (uint64_t i = 0; i < 2000; ++i)
    {
        REQUIRE(coro::sync_wait(round(i)) == 7 + 8 * (i % 5));
    }
}

TEST_CASE("when_all of awaitables that complete inline does not grow the stack in a loop", "[when_all]")
{
    // Such children run in a wrapper coroutine. Had it counted itself down on the latch, the last one would resume
    // the awaiter inside its own await_suspend, one more level of stack per iteration: 2M iterations overflow 8 MiB.
    struct ready_awaitable
    {
        auto await_ready() const noexcept -> bool { return true; }
        auto await_suspend(std::coroutine_handle<>) const noexcept -> void {}
        auto await_resume() const noexcept -> int { return 1; }
    };
    auto loop = []() -> coro::task<long>
    {
        long sum = 0;
        for (long i = 0; i < 2'000'000; ++i)
        {
            auto [a, b]  = co_await coro::when_all(ready_awaitable{}, ready_awaitable{});
            auto results = co_await coro::when_all(std::vector<ready_awaitable>(1));
            sum += a.return_value() + b.return_value() + results[0].return_value();
        }
        co_return sum;
    };
    REQUIRE(coro::sync_wait(loop()) == 6'000'000);
}
