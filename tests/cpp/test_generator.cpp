#include <catch2/catch.hpp>

#include <coro/coro.hpp>

TEST_CASE("generator single yield", "[generator]")
{
    std::string msg{"Hello World Generator!"};
    auto        func = [](std::string& msg) -> coro::generator<std::string> { co_yield std::string{msg}; };

    int iterations = 0;
    for (const auto& v : func(msg))
    {
        REQUIRE(v == msg);
        ++iterations;
    }
    REQUIRE(iterations == 1);
}

TEST_CASE("generator infinite incrementing integer yield", "[generator]")
{
    constexpr const int64_t max = 1024;

    auto func = []() -> coro::generator<int64_t>
    {
        int64_t i{0};
        while (true)
        {
            ++i;
            co_yield i;
        }
    };

    int64_t v{1};
    for (const auto& v_1 : func())
    {
        REQUIRE(v == v_1);
        ++v;

        if (v > max)
        {
            break;
        }
    }
    REQUIRE(v == max + 1);
}

TEST_CASE("generator satisfies view concept for compatibility with std::views::take")
{
    auto counter = size_t{0};
    auto natural = [n = counter]() mutable -> coro::generator<size_t>
    {
        while (true)
            co_yield ++n;
    };
    auto nat = natural();
    static_assert(std::ranges::view<decltype(nat)>, "does not satisfy view concept");
    SECTION("Count the items")
    {
#if defined(__clang__) && __clang_major__ < 16
        // clang < 16 cannot compile libstdc++ 12's take_view over any view whose begin() is not const (not just
        // generator: view_interface's constraints are checked too early), so there the loop takes 5 by hand.
        auto gen = natural();
        for (auto it = gen.begin(); it != gen.end() && counter < 5; ++it)
        {
            ++counter;
            REQUIRE(*it == counter);
        }
#else
        for (auto&& n : natural() | std::views::take(5))
        {
            ++counter;
            REQUIRE(n == counter);
        }
#endif
        REQUIRE(counter == 5);
    }
    SECTION("Not supported when std::ranges::view is satisfied, see issue 261")
    {
        // Upstream keeps only commented-out code here: a generator piped into a view adaptor that needs a
        // copyable or sized range does not compile. Nothing to run.
    }
}

// ---- Not parity scenarios: edge cases users hit -----------------------------------------------------------

TEST_CASE("generator rethrows an exception from the body at begin and at increment", "[generator]")
{
    auto throws_first = []() -> coro::generator<int>
    {
        throw std::runtime_error{"before first yield"};
        co_yield 1;
    };
    auto g1 = throws_first();
    REQUIRE_THROWS_AS(g1.begin(), std::runtime_error);

    auto throws_later = []() -> coro::generator<int>
    {
        co_yield 1;
        co_yield 2;
        throw std::logic_error{"after two"};
    };
    std::vector<int> seen;
    auto             g2 = throws_later();
    auto             it = g2.begin();
    REQUIRE_THROWS_AS(
        [&]
        {
            for (; it != g2.end(); ++it)
            {
                seen.push_back(*it);
            }
        }(),
        std::logic_error);
    REQUIRE(seen == std::vector<int>{1, 2});
    REQUIRE(it == g2.end());
}

namespace
{
struct counted
{
    counted() = default;
    counted(const counted&) { ++copies; }
    counted(counted&&) noexcept { ++moves; }
    inline static int copies = 0;
    inline static int moves  = 0;
    int               value{7};
};
} // namespace

TEST_CASE("generator yields references without copying and supports empty bodies", "[generator]")
{
    counted source;
    auto    by_ref = [](counted& c) -> coro::generator<counted&>
    {
        co_yield c;
        c.value = 8;
        co_yield c;
    };
    int n = 0;
    for (auto& c : by_ref(source))
    {
        REQUIRE(std::addressof(c) == std::addressof(source));
        REQUIRE(c.value == 7 + n);
        ++n;
    }
    REQUIRE(n == 2);

    auto by_value = []() -> coro::generator<counted>
    {
        counted local;
        co_yield local;
        co_yield counted{};
    };
    for (auto& c : by_value())
    {
        REQUIRE(c.value == 7);
    }
    REQUIRE(counted::copies == 0);
    REQUIRE(counted::moves == 0);

    auto empty = []() -> coro::generator<int> { co_return; };
    auto e     = empty();
    REQUIRE(e.begin() == e.end());

    coro::generator<int> defaulted;
    REQUIRE(defaulted.begin() == defaulted.end());

    // Move keeps the frame alive in the new owner.
    auto src   = []() -> coro::generator<int> { co_yield 5; }();
    auto moved = std::move(src);
    REQUIRE(*moved.begin() == 5);
}
