#include "catch_extensions.hpp"

// Parity scenarios 202-218 (parity-scenarios-v0.16.md, test/test_task.cpp): unchanged from v0.14 (D3).

#include <chrono>
#include <thread>

using namespace std::chrono_literals;

TEST_CASE("task hello world", "[task]")
{
    using task_type = coro::task<std::string>;

    auto h = []() -> task_type { co_return "Hello"; }();
    auto w = []() -> task_type { co_return "World"; }();

    REQUIRE_THROWS_AS(h.promise().result(), std::runtime_error);
    REQUIRE_THROWS_AS(w.promise().result(), std::runtime_error);

    h.resume(); // task suspends immediately
    w.resume();

    REQUIRE(h.is_ready());
    REQUIRE(w.is_ready());

    auto w_value = std::move(w).promise().result();

    REQUIRE(h.promise().result() == "Hello");
    REQUIRE(w_value == "World");
    // The rvalue result() hands out a reference into the promise; the caller's move emptied the stored string.
    REQUIRE(w.promise().result().empty());
}

TEST_CASE("task void", "[task]")
{
    auto t = []() -> coro::task<>
    {
        std::this_thread::sleep_for(10ms);
        co_return;
    }();
    t.resume();

    REQUIRE(t.is_ready());
}

TEST_CASE("task exception thrown", "[task]")
{
    using task_type = coro::task<std::string>;

    std::string throw_msg = "I'll be reached";

    auto task = [](std::string& throw_msg) -> task_type
    {
        throw std::runtime_error(throw_msg);
        co_return "I'll never be reached";
    }(throw_msg);

    task.resume();

    REQUIRE(task.is_ready());

    bool thrown{false};
    try
    {
        auto value = task.promise().result();
        (void)value;
    }
    catch (const std::exception& e)
    {
        thrown = true;
        REQUIRE(e.what() == throw_msg);
    }

    REQUIRE(thrown);
}

TEST_CASE("task in a task", "[task]")
{
    auto outer_task = []() -> coro::task<>
    {
        auto inner_task = []() -> coro::task<int>
        {
            std::cerr << "inner_task start\n";
            std::cerr << "inner_task stop\n";
            co_return 42;
        };

        std::cerr << "outer_task start\n";
        auto v = co_await inner_task();
        REQUIRE(v == 42);
        std::cerr << "outer_task stop\n";
    }();

    outer_task.resume(); // all tasks start suspended, kick it off.

    REQUIRE(outer_task.is_ready());
}

TEST_CASE("task in a task in a task", "[task]")
{
    auto task1 = []() -> coro::task<>
    {
        std::cerr << "task1 start\n";
        auto task2 = []() -> coro::task<int>
        {
            std::cerr << "\ttask2 start\n";
            auto task3 = []() -> coro::task<int>
            {
                std::cerr << "\t\ttask3 start\n";
                std::cerr << "\t\ttask3 stop\n";
                co_return 3;
            };

            auto v2 = co_await task3();
            REQUIRE(v2 == 3);

            std::cerr << "\ttask2 stop\n";
            co_return 2;
        };

        auto v1 = co_await task2();
        REQUIRE(v1 == 2);

        std::cerr << "task1 stop\n";
    }();

    task1.resume(); // all tasks start suspended, kick it off.

    REQUIRE(task1.is_ready());
}

TEST_CASE("task multiple suspends return void", "[task]")
{
    auto task = []() -> coro::task<void>
    {
        co_await std::suspend_always{};
        co_await std::suspend_never{};
        co_await std::suspend_always{};
        co_await std::suspend_always{};
        co_return;
    }();

    task.resume(); // initial suspend
    REQUIRE_FALSE(task.is_ready());

    task.resume(); // first internal suspend
    REQUIRE_FALSE(task.is_ready());

    task.resume(); // second internal suspend
    REQUIRE_FALSE(task.is_ready());

    task.resume(); // third internal suspend
    REQUIRE(task.is_ready());
}

TEST_CASE("task multiple suspends return integer", "[task]")
{
    auto task = []() -> coro::task<int>
    {
        co_await std::suspend_always{};
        co_await std::suspend_always{};
        co_await std::suspend_always{};
        co_return 11;
    }();

    task.resume(); // initial suspend
    REQUIRE_FALSE(task.is_ready());

    task.resume(); // first internal suspend
    REQUIRE_FALSE(task.is_ready());

    task.resume(); // second internal suspend
    REQUIRE_FALSE(task.is_ready());

    task.resume(); // third internal suspend
    REQUIRE(task.is_ready());
    REQUIRE(task.promise().result() == 11);
}

TEST_CASE("task resume from promise to coroutine handles of different types", "[task]")
{
    auto task1 = [&]() -> coro::task<int>
    {
        std::cerr << "Task ran\n";
        co_return 42;
    }();

    auto task2 = [&]() -> coro::task<void>
    {
        std::cerr << "Task 2 ran\n";
        co_return;
    }();

    // task.resume() normally does this, but here the handles are type-erased and resumed directly.
    auto coro_handle1 = std::coroutine_handle<coro::task<int>::promise_type>::from_promise(task1.promise());
    auto coro_handle2 = std::coroutine_handle<coro::task<void>::promise_type>::from_promise(task2.promise());

    std::vector<std::coroutine_handle<>> handles;

    handles.emplace_back(coro_handle1);
    handles.emplace_back(coro_handle2);

    auto& coro_handle1_erased = handles[0];
    auto& coro_handle2_erased = handles[1];

    coro_handle1_erased.resume();
    coro_handle2_erased.resume();

    REQUIRE(task1.is_ready());
    REQUIRE(coro_handle1_erased.done());
    REQUIRE(task1.promise().result() == 42);

    REQUIRE(task2.is_ready());
    REQUIRE(coro_handle2_erased.done());
}

TEST_CASE("task throws void", "[task]")
{
    auto task = []() -> coro::task<void>
    {
        throw std::runtime_error{"I always throw."};
        co_return;
    }();

    REQUIRE_NOTHROW(task.resume());
    REQUIRE(task.is_ready());
    REQUIRE_THROWS_AS(task.promise().result(), std::runtime_error);
}

TEST_CASE("task throws non-void l-value", "[task]")
{
    auto task = []() -> coro::task<int>
    {
        throw std::runtime_error{"I always throw."};
        co_return 42;
    }();

    REQUIRE_NOTHROW(task.resume());
    REQUIRE(task.is_ready());
    REQUIRE_THROWS_AS(task.promise().result(), std::runtime_error);
}

TEST_CASE("task throws non-void r-value", "[task]")
{
    struct type
    {
        int m_value;
    };

    auto task = []() -> coro::task<type>
    {
        type return_value{42};

        throw std::runtime_error{"I always throw."};
        co_return std::move(return_value);
    }();

    task.resume();
    REQUIRE(task.is_ready());
    REQUIRE_THROWS_AS(task.promise().result(), std::runtime_error);
}

TEST_CASE("const task returning a reference", "[task]")
{
    struct type
    {
        int m_value;
    };

    type return_value{42};

    auto task = [](type& return_value) -> coro::task<const type&> { co_return std::ref(return_value); }(return_value);

    task.resume();
    REQUIRE(task.is_ready());
    auto& result = task.promise().result();
    REQUIRE(result.m_value == 42);
    REQUIRE(std::addressof(return_value) == std::addressof(result));
    static_assert(std::is_same_v<decltype(task.promise().result()), const type&>);
}

TEST_CASE("mutable task returning a reference", "[task]")
{
    struct type
    {
        int m_value;
    };

    type return_value{42};

    auto task = [](type& return_value) -> coro::task<type&> { co_return std::ref(return_value); }(return_value);

    task.resume();
    REQUIRE(task.is_ready());
    auto& result = task.promise().result();
    REQUIRE(result.m_value == 42);
    REQUIRE(std::addressof(return_value) == std::addressof(result));
    static_assert(std::is_same_v<decltype(task.promise().result()), type&>);
}

TEST_CASE("task doesn't require default constructor", "[task]")
{
    // Only constructible from an int.
    struct A
    {
        A(int value) : m_value(value) {}

        int m_value{};
    };

    auto make_task = []() -> coro::task<A> { co_return A(42); };
    REQUIRE(coro::sync_wait(make_task()).m_value == 42);
}

TEST_CASE("task supports instantiation with rvalue reference", "[task]")
{
    int  i         = 42;
    auto make_task = [](int& i) -> coro::task<int&&> { co_return std::move(i); };
    int  ret       = coro::sync_wait(make_task(i));
    REQUIRE(ret == 42);
}

namespace
{
// Move-only, holds a reference (so it cannot be assigned).
struct move_construct_only
{
    inline static int move_count;

    move_construct_only(int& i) : i(i) {}
    move_construct_only(move_construct_only&& x) noexcept : i(x.i) { ++move_count; }
    move_construct_only(const move_construct_only&)                    = delete;
    auto operator=(move_construct_only&&) -> move_construct_only&      = delete;
    auto operator=(const move_construct_only&) -> move_construct_only& = delete;
    ~move_construct_only()                                             = default;

    int& i;
};

// Copy-only: the move constructor is deleted.
struct copy_construct_only
{
    inline static int copy_count;

    copy_construct_only(int i) : i(i) {}
    copy_construct_only(copy_construct_only&&) = delete;
    copy_construct_only(const copy_construct_only& x) noexcept : i(x.i) { ++copy_count; }
    auto operator=(copy_construct_only&&) -> copy_construct_only&      = delete;
    auto operator=(const copy_construct_only&) -> copy_construct_only& = delete;
    ~copy_construct_only()                                             = default;

    int i;
};

struct move_copy_construct_only
{
    inline static int move_count;
    inline static int copy_count;

    move_copy_construct_only(int& i) : i(i) {}
    move_copy_construct_only(move_copy_construct_only&& x) noexcept : i(x.i) { ++move_count; }
    move_copy_construct_only(const move_copy_construct_only& x) : i(x.i) { ++copy_count; }
    auto operator=(move_copy_construct_only&&) -> move_copy_construct_only&      = delete;
    auto operator=(const move_copy_construct_only&) -> move_copy_construct_only& = delete;
    ~move_copy_construct_only()                                                  = default;

    int& i;
};
} // namespace

TEST_CASE("task supports instantiation with non assignable type", "[task]")
{
    int i = 42;

    {
        // One move into the promise storage, one out of the T&& sync_wait returns.
        move_construct_only::move_count = 0;
        auto make_task = [&]() -> coro::task<move_construct_only> { co_return move_construct_only(i); };
        auto result    = coro::sync_wait(make_task());
        REQUIRE(std::addressof(result.i) == std::addressof(i));
        REQUIRE(move_construct_only::move_count == 2);
    }
    {
        // Constructed in place from int& inside the promise: only the move out of sync_wait.
        move_construct_only::move_count = 0;
        auto make_task                  = [&]() -> coro::task<move_construct_only> { co_return i; };
        auto result                     = coro::sync_wait(make_task());
        REQUIRE(std::addressof(result.i) == std::addressof(i));
        REQUIRE(move_construct_only::move_count == 1);
    }
    {
        // By-value fallback copies into the storage, then the const T&& result is copied out.
        copy_construct_only::copy_count = 0;
        auto make_task = [&]() -> coro::task<copy_construct_only> { co_return copy_construct_only(i); };
        auto result    = coro::sync_wait(make_task());
        REQUIRE(result.i == 42);
        REQUIRE(copy_construct_only::copy_count == 2);
    }
    {
        copy_construct_only::copy_count = 0;
        auto make_task                  = [&]() -> coro::task<copy_construct_only> { co_return i; };
        auto result                     = coro::sync_wait(make_task());
        REQUIRE(result.i == 42);
        REQUIRE(copy_construct_only::copy_count == 1);
    }
    {
        move_copy_construct_only::move_count = 0;
        move_copy_construct_only::copy_count = 0;
        auto make_task = [&]() -> coro::task<move_copy_construct_only> { co_return move_copy_construct_only(i); };
        auto task      = make_task();
        auto result1   = coro::sync_wait(task);            // lvalue task: const T& → one copy
        auto result2   = coro::sync_wait(std::move(task)); // rvalue task: T&& → one move
        REQUIRE(std::addressof(result1.i) == std::addressof(i));
        REQUIRE(std::addressof(result2.i) == std::addressof(i));
        REQUIRE(result1.i == 42);
        REQUIRE(result2.i == 42);
        REQUIRE(move_copy_construct_only::move_count == 2);
        REQUIRE(move_copy_construct_only::copy_count == 1);
    }
    {
        auto make_tuple_task = [](int i) -> coro::task<std::tuple<int, int>> { co_return {i, i * 2}; };
        auto tuple           = coro::sync_wait(make_tuple_task(i));
        REQUIRE(std::get<0>(tuple) == 42);
        REQUIRE(std::get<1>(tuple) == 84);
    }
    {
        auto  make_task = [](int& i) -> coro::task<int&> { co_return std::ref(i); };
        auto& ret       = coro::sync_wait(make_task(i));
        REQUIRE(std::addressof(ret) == std::addressof(i));
    }
}

TEST_CASE("task promise sizeof", "[task]")
{
    REQUIRE(sizeof(coro::detail::promise<void>) >= sizeof(std::coroutine_handle<>) + sizeof(std::exception_ptr));
    REQUIRE(
        sizeof(coro::detail::promise<int32_t>) ==
        sizeof(std::coroutine_handle<>) + sizeof(std::variant<int32_t, std::exception_ptr>));
    REQUIRE(
        sizeof(coro::detail::promise<int64_t>) >=
        sizeof(std::coroutine_handle<>) + sizeof(std::variant<int64_t, std::exception_ptr>));
    REQUIRE(
        sizeof(coro::detail::promise<std::vector<int64_t>>) >=
        sizeof(std::coroutine_handle<>) + sizeof(std::variant<std::vector<int64_t>, std::exception_ptr>));
}
