#include "catch_extensions.hpp"

#include <coro/detail/pipe.hpp>

#include <cstring>
#include <string>

// HEAD-only scenarios 448-452 (tests/scenarios16.tsv; upstream's test/detail/test_pipe.cpp).

namespace
{
struct pipe_test_class
{
    std::string m_value{"hello world"};
};
} // namespace

TEST_CASE("hello world", "[detail::pipe]")
{
    coro::detail::pipe_t p{};
    const std::string    data{"hello world hello world hello world"};
    REQUIRE(p.write(data.data(), data.size()) == 35);

    char buffer[128]{};
    REQUIRE(p.read(buffer, sizeof(buffer)) == 35);
    REQUIRE(std::memcmp(buffer, data.data(), data.size()) == 0);
}

TEST_CASE("pass pointer", "[detail::pipe]")
{
    coro::detail::pipe_t p{};
    pipe_test_class      object{};
    pipe_test_class*     sent = &object;
    REQUIRE(p.write(&sent, sizeof(sent)) == sizeof(sent));

    pipe_test_class* received{nullptr};
    REQUIRE(p.read(&received, sizeof(received)) == sizeof(received));
    REQUIRE(received == &object);
    REQUIRE(received->m_value == "hello world");
}

TEST_CASE("pass pointers", "[detail::pipe]")
{
    coro::detail::pipe_t p{};
    pipe_test_class      object{};
    pipe_test_class*     sent = &object;
    REQUIRE(p.write(&sent, sizeof(sent)) == sizeof(sent));

    pipe_test_class* received[16]{};
    REQUIRE(p.read(received, sizeof(received)) == sizeof(pipe_test_class*));
    REQUIRE(received[0] == &object);
}

TEST_CASE("gocoro detail::pipe copies, moves and closes", "[detail::pipe][gocoro]")
{
    coro::detail::pipe_t a{};
    coro::detail::pipe_t copy{a};
    REQUIRE(copy.read_fd() != a.read_fd());
    REQUIRE(copy.write(&a, 1) == 1);
    char c{};
    REQUIRE(a.read(&c, 1) == 1); // same pipe through either copy

    coro::detail::pipe_t moved{std::move(a)};
    REQUIRE(a.read_fd() == -1);
    REQUIRE(moved.read_fd() >= 0);
    moved.close();
    moved.close();
    REQUIRE(moved.write_fd() == -1);
    REQUIRE(moved.read(&c, 1) == -1);
}
