#include "catch_extensions.hpp"

#include <coro/detail/awaiter_list.hpp>

#include <atomic>
#include <thread>
#include <vector>

// coro::detail::awaiter_list_* (D24): no upstream test uses them directly.

namespace
{
struct entry
{
    int                     id{0};
    entry*                  m_next{nullptr};
    std::coroutine_handle<> m_awaiting_coroutine{};
};

auto ids(entry* head) -> std::vector<int>
{
    std::vector<int> out{};
    for (; head != nullptr; head = head->m_next)
    {
        out.push_back(head->id);
    }
    return out;
}
} // namespace

TEST_CASE("gocoro awaiter_list push, pop, pop_all and reverse", "[awaiter_list][gocoro]")
{
    std::atomic<entry*> list{nullptr};
    entry               a{.id = 1}, b{.id = 2}, c{.id = 3};

    REQUIRE(coro::detail::awaiter_list_pop(list) == nullptr);
    coro::detail::awaiter_list_push(list, &a);
    coro::detail::awaiter_list_push(list, &b);
    coro::detail::awaiter_list_push(list, &c);
    REQUIRE(ids(list.load()) == std::vector<int>{3, 2, 1}); // LIFO

    REQUIRE(coro::detail::awaiter_list_pop(list) == &c);
    REQUIRE(ids(list.load()) == std::vector<int>{2, 1});

    entry* all = coro::detail::awaiter_list_pop_all(list);
    REQUIRE(list.load() == nullptr);
    REQUIRE(ids(all) == std::vector<int>{2, 1});
    REQUIRE(ids(coro::detail::awaiter_list_reverse(all)) == std::vector<int>{1, 2});
    REQUIRE(coro::detail::awaiter_list_reverse<entry>(nullptr) == nullptr);
}

TEST_CASE("gocoro awaiter_list concurrent pushes lose nothing", "[awaiter_list][gocoro]")
{
    constexpr int       threads = 4;
    constexpr int       per     = 10'000;
    std::vector<entry>  entries(threads * per);
    std::atomic<entry*> list{nullptr};

    std::vector<std::thread> pushers{};
    for (int t = 0; t < threads; ++t)
    {
        pushers.emplace_back(
            [&, t]
            {
                for (int i = 0; i < per; ++i)
                {
                    coro::detail::awaiter_list_push(list, &entries[t * per + i]);
                }
            });
    }
    // One popper runs concurrently with the pushers (the supported shape: many pushers, one popper).
    int popped = 0;
    while (popped < threads * per)
    {
        if (coro::detail::awaiter_list_pop(list) != nullptr)
        {
            ++popped;
        }
    }
    for (auto& p : pushers)
    {
        p.join();
    }
    REQUIRE(popped == threads * per);
    REQUIRE(coro::detail::awaiter_list_pop_all(list) == nullptr);
}
