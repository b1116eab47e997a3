#include "catch_extensions.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// Parity scenarios 383-384 (tests/scenarios16.tsv; upstream's test/concepts/test_concepts.cpp): the v0.16 buffer concepts
// accept any trivial element type (D2.2); then the v0.14 ones, still reachable as coro::concepts::v14, and the
// awaiter list entry concept (D2.3).

namespace
{
template <typename element>
struct test_buffer
{
    auto empty() const -> bool { return true; }
    auto data() const -> const element* { return nullptr; }
    auto data() -> element* { return nullptr; }
    auto size() const -> std::size_t { return 0; }
};

using char_buffer     = test_buffer<char>;
using uint8_buffer    = test_buffer<uint8_t>;
using std_byte_buffer = test_buffer<std::byte>;

struct list_entry
{
    list_entry*             m_next{nullptr};
    std::coroutine_handle<> m_awaiting_coroutine{};
};

struct wrong_link_entry
{
    void*                   m_next{nullptr};
    std::coroutine_handle<> m_awaiting_coroutine{};
};
} // namespace

TEST_CASE("mutable_buffer", "[concepts]")
{
    static_assert(coro::concepts::mutable_buffer<char_buffer>);
    static_assert(coro::concepts::mutable_buffer<uint8_buffer>);
    static_assert(coro::concepts::mutable_buffer<std_byte_buffer>);
    static_assert(coro::concepts::mutable_buffer<std::vector<char>>);
    static_assert(coro::concepts::mutable_buffer<std::vector<uint8_t>>);
    REQUIRE(true);
}

TEST_CASE("const_buffer", "[concepts]")
{
    static_assert(coro::concepts::const_buffer<char_buffer>);
    static_assert(coro::concepts::const_buffer<uint8_buffer>);
    static_assert(coro::concepts::const_buffer<std_byte_buffer>);
    static_assert(coro::concepts::const_buffer<std::vector<char>>);
    static_assert(coro::concepts::const_buffer<std::vector<uint8_t>>);
    REQUIRE(true);
}

// ---- Not parity scenarios ------------------------------------------------------------------------------------

TEST_CASE("gocoro buffer concepts: v16 element traits, v14 still char only", "[concepts][gocoro]")
{
    static_assert(std::is_same_v<coro::concepts::const_buffer_traits<std::string>::element_type, const char>);
    static_assert(std::is_same_v<coro::concepts::mutable_buffer_traits<std::string>::element_type, char>);
    static_assert(std::is_same_v<coro::concepts::const_buffer_traits<uint8_buffer>::element_type, const uint8_t>);
    // Not a buffer: a non-trivial element.
    static_assert(!coro::concepts::const_buffer<std::vector<std::string>>);

    static_assert(coro::concepts::v14::mutable_buffer<char_buffer>);
    static_assert(!coro::concepts::v14::mutable_buffer<uint8_buffer>);
    static_assert(!coro::concepts::v14::const_buffer<std_byte_buffer>);
    REQUIRE(true);
}

TEST_CASE("gocoro awaiter_forward_list_entry checks the member types", "[concepts][gocoro]")
{
    static_assert(coro::concepts::detail::awaiter_forward_list_entry<list_entry>);
    static_assert(!coro::concepts::detail::awaiter_forward_list_entry<wrong_link_entry>);
    static_assert(!coro::concepts::detail::awaiter_forward_list_entry<int>);
    REQUIRE(true);
}
