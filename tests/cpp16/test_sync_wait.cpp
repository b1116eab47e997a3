#include "catch_extensions.hpp"

// Parity scenarios 221-230 (tests/scenarios16.tsv; upstream's test/test_sync_wait.cpp): 225-230 are new in v0.16 (D4:
// the original exception for value tasks too, results by value, exact move counts).

#include <random>
#include <unordered_set>

TEST_CASE("sync_wait simple integer return", "[sync_wait]")
{
    auto func = []() -> coro::task<int> { co_return 11; };

    auto result = coro::sync_wait(func());
    REQUIRE(result == 11);
}

TEST_CASE("sync_wait void", "[sync_wait]")
{
    std::string output;

    auto func = [](std::string& output) -> coro::task<void>
    {
        output = "hello from sync_wait<void>\n";
        co_return;
    };

    coro::sync_wait(func(output));
    REQUIRE(output == "hello from sync_wait<void>\n");
}

TEST_CASE("sync_wait task co_await single", "[sync_wait]")
{
    auto answer = []() -> coro::task<int>
    {
        std::cerr << "\tthinking deep thoughts...\n";
        co_return 42;
    };

    auto await_answer = [&]() -> coro::task<int>
    {
        std::cerr << "\tStarting to wait for answer.\n";
        auto a = answer();
        std::cerr << "\tGot the coroutine, getting the value.\n";
        auto v = co_await a;
        std::cerr << "\tCoroutine value is " << v << "\n";
        REQUIRE(v == 42);
        // A finished task awaited again as an lvalue yields the stored value.
        v = co_await a;
        std::cerr << "\tValue is still " << v << "\n";
        REQUIRE(v == 42);
        co_return 1337;
    };

    auto output = coro::sync_wait(await_answer());
    REQUIRE(output == 1337);
}

TEST_CASE("sync_wait task that throws", "[sync_wait]")
{
    auto f = []() -> coro::task<uint64_t>
    {
        throw std::runtime_error("I always throw!");
        co_return 42;
    };

    REQUIRE_THROWS(coro::sync_wait(f()));
}

TEST_CASE("sync_wait very rarely hangs issue-270", "[sync_wait]")
{
    auto tp = coro::thread_pool::make_unique();

    const int ITERATIONS = 100;

    std::unordered_set<int> data{};
    data.reserve(ITERATIONS);

    std::random_device                 dev;
    std::mt19937                       rng(dev());
    std::uniform_int_distribution<int> dist(0, ITERATIONS);

    for (int i = 0; i < ITERATIONS; ++i)
    {
        data.insert(dist(rng));
    }

    std::atomic<int> count{0};

    auto make_task = [&](int i) -> coro::task<void>
    {
        co_await tp->schedule();

        if (data.find(i) != data.end())
        {
            count.fetch_add(1, std::memory_order_release);
        }

        co_return;
    };

    std::vector<coro::task<void>> tasks{};
    tasks.reserve(ITERATIONS);
    for (int i = 0; i < ITERATIONS; ++i)
    {
        tasks.emplace_back(make_task(i));
    }

    coro::sync_wait(coro::when_all(std::move(tasks)));

    REQUIRE(count > 0);
}

// Not a parity scenario: a value result (not a reference) comes back by value and survives the wrapper frame.
TEST_CASE("sync_wait returns non-reference awaiter results by value", "[sync_wait]")
{
    struct value_awaiter
    {
        auto await_ready() const noexcept -> bool { return true; }
        auto await_suspend(std::coroutine_handle<>) noexcept -> void {}
        auto await_resume() -> std::string { return std::string(64, 'x'); }
    };

    static_assert(std::is_same_v<decltype(coro::sync_wait(value_awaiter{})), std::string>);
    auto s = coro::sync_wait(value_awaiter{});
    REQUIRE(s == std::string(64, 'x'));
}

namespace
{
struct user_exception : public std::exception
{
    explicit user_exception(std::string message) : m_message(std::move(message)) {}
    auto what() const noexcept -> const char* override { return m_message.c_str(); }

    std::string m_message;
};
} // namespace

TEST_CASE("sync_wait task void that throws user exception inheriting std::exception", "[sync_wait]")
{
    auto make_task = []() -> coro::task<void>
    {
        throw user_exception{"user exception thrown"};
        co_return;
    };

    try
    {
        coro::sync_wait(make_task());
        FAIL("sync_wait did not throw");
    }
    catch (const user_exception& e)
    {
        REQUIRE(std::string{e.what()} == "user exception thrown");
    }
    catch (...)
    {
        FAIL("sync_wait threw another exception than the task's");
    }
}

TEST_CASE("sync_wait task int64_t that throws user exception inheriting std::exception", "[sync_wait]")
{
    auto make_task = []() -> coro::task<uint64_t>
    {
        throw user_exception{"user exception thrown"};
        co_return 42;
    };

    try
    {
        (void)coro::sync_wait(make_task());
        FAIL("sync_wait did not throw");
    }
    catch (const user_exception& e)
    {
        REQUIRE(std::string{e.what()} == "user exception thrown");
    }
    catch (...)
    {
        FAIL("sync_wait threw another exception than the task's");
    }
}

namespace
{
struct counted_foo
{
    static inline std::atomic<int> copies{0};
    static inline std::atomic<int> moves{0};

    counted_foo() = default;
    counted_foo(const counted_foo& other) : v(other.v) { ++copies; }
    counted_foo(counted_foo&& other) noexcept : v(other.v) { ++moves; }
    auto operator=(const counted_foo& other) -> counted_foo&
    {
        v = other.v;
        ++copies;
        return *this;
    }
    auto operator=(counted_foo&& other) noexcept -> counted_foo&
    {
        v = other.v;
        ++moves;
        return *this;
    }

    int v{0};
};
} // namespace

TEST_CASE("issue-286", "[sync_wait]")
{
    counted_foo::copies = 0;
    counted_foo::moves  = 0;

    auto get_foo = []() -> coro::task<counted_foo>
    {
        counted_foo foo;
        foo.v = 1337;
        co_return foo;
    };

    auto foo = coro::sync_wait(get_foo());
    REQUIRE(foo.v == 1337);
    REQUIRE(counted_foo::copies == 0);
    REQUIRE(counted_foo::moves == 2);
}

namespace
{
struct move_only_not_assignable
{
    explicit move_only_not_assignable(int d) : data(d) {}
    move_only_not_assignable(const move_only_not_assignable&)                    = delete;
    move_only_not_assignable(move_only_not_assignable&&)                         = default;
    auto operator=(const move_only_not_assignable&) -> move_only_not_assignable& = delete;
    auto operator=(move_only_not_assignable&&) -> move_only_not_assignable&      = delete;

    int data;
};

struct copy_only_not_assignable
{
    explicit copy_only_not_assignable(int d) : data(d) {}
    copy_only_not_assignable(const copy_only_not_assignable&)                    = default;
    copy_only_not_assignable(copy_only_not_assignable&&)                         = delete;
    auto operator=(const copy_only_not_assignable&) -> copy_only_not_assignable& = delete;
    auto operator=(copy_only_not_assignable&&) -> copy_only_not_assignable&      = delete;

    int data;
};
} // namespace

TEST_CASE("sync_wait move-only, non-move assignable", "[sync_wait]")
{
    struct awaitable : std::suspend_never
    {
        auto await_resume() noexcept -> move_only_not_assignable { return move_only_not_assignable{42}; }
    };
    auto r = coro::sync_wait(awaitable{});
    REQUIRE(r.data == 42);

    auto make_task = [](move_only_not_assignable value) -> coro::task<move_only_not_assignable>
    { co_return std::move(value); };
    auto r2 = coro::sync_wait(make_task(move_only_not_assignable{42}));
    REQUIRE(r2.data == 42);
}

TEST_CASE("sync_wait copy-only, non-assignable", "[sync_wait]")
{
    struct awaitable : std::suspend_never
    {
        auto await_resume() noexcept -> copy_only_not_assignable { return copy_only_not_assignable{42}; }
    };
    auto r = coro::sync_wait(awaitable{});
    REQUIRE(r.data == 42);

    struct const_awaitable : std::suspend_never
    {
        auto await_resume() noexcept -> const copy_only_not_assignable { return copy_only_not_assignable{42}; }
    };
    auto r2 = coro::sync_wait(const_awaitable{});
    REQUIRE(r2.data == 42);
}
