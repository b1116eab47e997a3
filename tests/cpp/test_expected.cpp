#include <catch2/catch.hpp>

#include <coro/coro.hpp>

// Not parity scenarios (upstream has no expected tests): the std::expected surface coro::expected must offer,
// including move-only values, which ring_buffer::consume() relies on.

namespace
{
enum class err
{
    bad,
    worse
};
} // namespace

TEST_CASE("expected holds a value or an error", "[expected]")
{
    coro::expected<int, err> v{42};
    REQUIRE(v.has_value());
    REQUIRE(static_cast<bool>(v));
    REQUIRE(*v == 42);
    REQUIRE(v.value() == 42);
    REQUIRE(v.value_or(7) == 42);
    REQUIRE(v == 42);

    coro::expected<int, err> e{coro::unexpected<err>(err::worse)};
    REQUIRE_FALSE(e.has_value());
    REQUIRE_FALSE(static_cast<bool>(e));
    REQUIRE(e.error() == err::worse);
    REQUIRE(e.value_or(7) == 7);
    REQUIRE(e == coro::unexpected<err>(err::worse));
    // Double parentheses: Catch's decomposition of an expected comparison picks expected's operator==(const
    // expected&, const T2&) with T2 = Catch's expression type under clang < 16.
    REQUIRE((e != v));

    bool thrown = false;
    try
    {
        (void)e.value();
    }
    catch (const std::exception& ex)
    {
        thrown = true;
        REQUIRE(std::string{ex.what()}.size() > 0);
    }
    REQUIRE(thrown);

    // Assignment switches alternatives both ways.
    e = 5;
    REQUIRE(e.has_value());
    REQUIRE(*e == 5);
    e = coro::unexpected<err>(err::bad);
    REQUIRE(e.error() == err::bad);

    coro::expected<std::string, err> s{"hello"};
    REQUIRE(s->size() == 5);
    auto copy = s;
    REQUIRE((copy == s));
    s = coro::unexpected<err>(err::bad);
    REQUIRE(copy.value() == "hello");
    copy = s;
    REQUIRE_FALSE(copy.has_value());
}

TEST_CASE("expected works with move-only values", "[expected]")
{
    using ex = coro::expected<std::unique_ptr<int>, err>;
    static_assert(!std::is_copy_constructible_v<ex>);
    static_assert(std::is_move_constructible_v<ex>);
    static_assert(std::is_move_assignable_v<ex>);

    ex a{std::make_unique<int>(9)};
    ex b{std::move(a)};
    REQUIRE(**b == 9);
    REQUIRE(*a == nullptr); // moved-from value stays engaged

    auto p = std::move(b).value();
    REQUIRE(*p == 9);

    ex c{coro::unexpected<err>(err::bad)};
    c = ex{std::make_unique<int>(3)};
    REQUIRE(**c == 3);
    c = coro::unexpected<err>(err::worse);
    REQUIRE(c.error() == err::worse);

    std::unique_ptr<int> fallback = std::move(c).value_or(std::make_unique<int>(11));
    REQUIRE(*fallback == 11);
}

TEST_CASE("expected<void, E>", "[expected]")
{
    coro::expected<void, std::string> ok;
    REQUIRE(ok.has_value());
    REQUIRE_NOTHROW(ok.value());

    coro::expected<void, std::string> bad{coro::unexpected<std::string>("nope")};
    REQUIRE_FALSE(bad);
    REQUIRE(bad.error() == "nope");
    REQUIRE_THROWS(bad.value());

    ok = bad;
    REQUIRE(ok.error() == "nope");
    ok.emplace();
    REQUIRE(ok.has_value());
    REQUIRE(ok != bad);
}

TEST_CASE("expected monadic operations", "[expected]")
{
    coro::expected<int, err> v{20};
    auto                     doubled = v.transform([](int x) { return x * 2; });
    REQUIRE(*doubled == 40);
    auto chained = v.and_then([](int x) -> coro::expected<std::string, err> { return std::to_string(x); });
    REQUIRE(*chained == "20");

    coro::expected<int, err> e{coro::unexpected<err>(err::bad)};
    REQUIRE(e.transform([](int x) { return x + 1; }).error() == err::bad);
    auto recovered = e.or_else([](err) -> coro::expected<int, err> { return 0; });
    REQUIRE(*recovered == 0);
    auto as_int = e.transform_error([](err x) { return static_cast<int>(x) + 100; });
    REQUIRE(as_int.error() == 100);
}
