#include "catch_extensions.hpp"

// Parity scenarios 352-362 (tests/scenarios16.tsv; upstream's test/test_when_all.cpp): 361 and 362 are new in v0.16 (D5:
// vectors of void tasks, move-only results moved out of an rvalue when_all_task).

#include <list>
#include <span>

TEST_CASE("when_all single task with tuple container", "[when_all]")
{
    auto make_task = [](uint64_t amount) -> coro::task<uint64_t> { co_return amount; };

    auto output_tasks = coro::sync_wait(coro::when_all(make_task(100)));
    REQUIRE(std::tuple_size<decltype(output_tasks)>() == 1);

    uint64_t counter{0};
    std::apply([&counter](auto&&... tasks) -> void { ((counter += tasks.return_value()), ...); }, output_tasks);

    REQUIRE(counter == 100);
}

TEST_CASE("when_all single task with tuple container by move", "[when_all]")
{
    auto make_task = [](uint64_t amount) -> coro::task<uint64_t> { co_return amount; };

    auto t            = make_task(100);
    auto output_tasks = coro::sync_wait(coro::when_all(std::move(t)));
    REQUIRE(std::tuple_size<decltype(output_tasks)>() == 1);

    uint64_t counter{0};
    std::apply([&counter](auto&&... tasks) -> void { ((counter += tasks.return_value()), ...); }, output_tasks);

    REQUIRE(counter == 100);
}

TEST_CASE("when_all multiple tasks with tuple container", "[when_all]")
{
    auto make_task = [](uint64_t amount) -> coro::task<uint64_t> { co_return amount; };

    auto output_tasks = coro::sync_wait(coro::when_all(make_task(100), make_task(50), make_task(20)));
    REQUIRE(std::tuple_size<decltype(output_tasks)>() == 3);

    uint64_t counter{0};
    std::apply([&counter](auto&&... tasks) -> void { ((counter += tasks.return_value()), ...); }, output_tasks);

    REQUIRE(counter == 170);
}

TEST_CASE("when_all single task with vector container", "[when_all]")
{
    auto make_task = [](uint64_t amount) -> coro::task<uint64_t> { co_return amount; };

    std::vector<coro::task<uint64_t>> input_tasks;
    input_tasks.emplace_back(make_task(100));

    auto output_tasks = coro::sync_wait(coro::when_all(std::move(input_tasks)));
    REQUIRE(output_tasks.size() == 1);

    uint64_t counter{0};
    for (const auto& task : output_tasks)
    {
        counter += task.return_value();
    }

    REQUIRE(counter == 100);
}

TEST_CASE("when_all multple task withs vector container", "[when_all]")
{
    auto make_task = [](uint64_t amount) -> coro::task<uint64_t> { co_return amount; };

    std::vector<coro::task<uint64_t>> input_tasks;
    input_tasks.emplace_back(make_task(100));
    input_tasks.emplace_back(make_task(200));
    input_tasks.emplace_back(make_task(550));
    input_tasks.emplace_back(make_task(1000));

    auto output_tasks = coro::sync_wait(coro::when_all(std::move(input_tasks)));
    REQUIRE(output_tasks.size() == 4);

    uint64_t counter{0};
    for (const auto& task : output_tasks)
    {
        counter += task.return_value();
    }

    REQUIRE(counter == 1850);
}

TEST_CASE("when_all multple task withs list container", "[when_all]")
{
    auto make_task = [](uint64_t amount) -> coro::task<uint64_t> { co_return amount; };

    std::list<coro::task<uint64_t>> input_tasks;
    input_tasks.emplace_back(make_task(100));
    input_tasks.emplace_back(make_task(200));
    input_tasks.emplace_back(make_task(550));
    input_tasks.emplace_back(make_task(1000));

    auto output_tasks = coro::sync_wait(coro::when_all(std::move(input_tasks)));
    REQUIRE(output_tasks.size() == 4);

    uint64_t counter{0};
    for (const auto& task : output_tasks)
    {
        counter += task.return_value();
    }

    REQUIRE(counter == 1850);
}

TEST_CASE("when_all inside coroutine", "[when_all]")
{
    auto tp        = coro::thread_pool::make_unique();
    auto make_task = [&](uint64_t amount) -> coro::task<uint64_t>
    {
        co_await tp->schedule();
        co_return amount;
    };

    auto runner_task = [&]() -> coro::task<uint64_t>
    {
        std::list<coro::task<uint64_t>> task_list;
        task_list.emplace_back(make_task(1));
        task_list.emplace_back(make_task(2));
        task_list.emplace_back(make_task(3));

        uint64_t result{0};

        auto output_tasks = co_await coro::when_all(std::move(task_list));
        for (const auto& task : output_tasks)
        {
            result += task.return_value();
        }

        co_return result;
    };

    auto result = coro::sync_wait(runner_task());

    REQUIRE(result == (1 + 2 + 3));
}

TEST_CASE("when_all use std::ranges::view", "[when_all]")
{
    auto tp = coro::thread_pool::make_unique();

    auto make_task = [&](uint64_t amount) -> coro::task<uint64_t>
    {
        co_await tp->schedule();
        co_return amount;
    };

    auto make_runner_task = [&]() -> coro::task<uint64_t>
    {
        std::vector<coro::task<uint64_t>> tasks;
        tasks.emplace_back(make_task(1));
        tasks.emplace_back(make_task(2));
        tasks.emplace_back(make_task(3));

#if defined(__clang__) && __clang_major__ < 16
        // clang < 16 cannot instantiate libstdc++ 12's ref_view (views::all of any vector fails: view_interface's
        // constraints are checked too early), so there the view is a std::span, which is a view without it.
        auto output_tasks = co_await coro::when_all(std::span<coro::task<uint64_t>>{tasks});
#else
        auto output_tasks = co_await coro::when_all(std::ranges::views::all(tasks));
#endif

        uint64_t result{0};
        for (const auto& task : output_tasks)
        {
            result += task.return_value();
        }
        co_return result;
    };

    auto result = coro::sync_wait(make_runner_task());
    REQUIRE(result == (1 + 2 + 3));
}

TEST_CASE("when_all each task throws", "[when_all]")
{
    auto tp = coro::thread_pool::make_unique();

    auto make_task = [&](uint64_t i) -> coro::task<uint64_t>
    {
        co_await tp->schedule();
        if (i % 2 == 0)
        {
            throw std::runtime_error{std::to_string(i)};
        }
        co_return i;
    };

    std::vector<coro::task<uint64_t>> tasks;
    for (auto i = 1; i <= 4; ++i)
    {
        tasks.emplace_back(make_task(i));
    }

    auto output_tasks = coro::sync_wait(coro::when_all(std::move(tasks)));
    for (auto i = 1; i <= 4; ++i)
    {
        auto& task = output_tasks.at(i - 1);
        if (i % 2 == 0)
        {
            REQUIRE_THROWS(task.return_value());
        }
        else
        {
            REQUIRE(static_cast<int>(task.return_value()) == i);
        }
    }
}

// ---- Not parity scenarios ------------------------------------------------------------------------------------

TEST_CASE("when_all with no awaitables and with void and value tasks mixed", "[when_all]")
{
    auto empty = coro::sync_wait(coro::when_all());
    static_assert(std::tuple_size_v<decltype(empty)> == 0);

    int  side_effect = 0;
    auto void_task   = [&]() -> coro::task<void>
    {
        side_effect = 1;
        co_return;
    };
    auto string_task = []() -> coro::task<std::string> { co_return std::string(100, 'z'); };

    auto results = coro::sync_wait(coro::when_all(void_task(), string_task()));
    REQUIRE(side_effect == 1);
    std::get<0>(results).return_value(); // void_value
    auto moved = std::move(std::get<1>(results).return_value());
    REQUIRE(moved == std::string(100, 'z'));
}

TEST_CASE("when_all return void", "[when_all]")
{
    auto                  tp = coro::thread_pool::make_unique();
    std::atomic<uint64_t> counter{0};

    auto make_task =
        [](std::unique_ptr<coro::thread_pool>& tp, std::atomic<uint64_t>& counter, uint64_t i) -> coro::task<void>
    {
        co_await tp->schedule();
        counter += i;
    };

    std::vector<coro::task<void>> tasks{};
    for (uint64_t i = 1; i <= 4; ++i)
    {
        tasks.emplace_back(make_task(tp, counter, i));
    }

    coro::sync_wait(coro::when_all(std::move(tasks)));
    REQUIRE(counter == 10);
}

namespace
{
struct move_only_text
{
    explicit move_only_text(std::string d) : data(std::move(d)) {}
    move_only_text(const move_only_text&)                    = delete;
    move_only_text(move_only_text&&)                         = default;
    auto operator=(const move_only_text&) -> move_only_text& = delete;
    auto operator=(move_only_text&&) -> move_only_text&      = default;

    std::string data;
};
} // namespace

TEST_CASE("when_all move only object", "[when_all]")
{
    auto make_task = [](std::string text) -> coro::task<move_only_text> { co_return move_only_text{std::move(text)}; };

    auto make_root = [&]() -> coro::task<void>
    {
        auto [task1, task2] = co_await coro::when_all(make_task("hello"), make_task("world"));
        auto r1             = std::move(task1.return_value());
        auto r2             = std::move(task2).return_value();
        REQUIRE(r1.data == "hello");
        REQUIRE(r2.data == "world");
        // Moved out, not copied: the stored results are left empty.
        REQUIRE(task1.return_value().data.empty());
        REQUIRE(task2.return_value().data.empty());
    };

    coro::sync_wait(make_root());
}
