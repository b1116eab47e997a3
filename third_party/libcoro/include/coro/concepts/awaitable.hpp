#pragma once

#include <concepts>
#include <coroutine>
#include <type_traits>
#include <utility>

namespace coro::concepts
{
/// True when `type` is one of `types`.
template <typename type, typename... types>
concept in_types = (std::same_as<type, types> || ...);

/// Something that can be awaited directly: await_ready/await_suspend/await_resume.
template <typename type>
concept awaiter = requires(type t, std::coroutine_handle<> c) {
    { t.await_ready() } -> std::same_as<bool>;
    { t.await_suspend(c) } -> in_types<void, bool, std::coroutine_handle<>>;
    { t.await_resume() };
};

template <typename type>
concept member_co_await_awaitable = requires(type t) {
    { t.operator co_await() } -> awaiter;
};

template <typename type>
concept global_co_await_awaitable = requires(type t) {
    { operator co_await(t) } -> awaiter;
};

template <typename type>
concept awaitable = member_co_await_awaitable<type> || global_co_await_awaitable<type> || awaiter<type>;

template <typename type>
concept awaiter_void = awaiter<type> && requires(type t) {
    { t.await_resume() } -> std::same_as<void>;
};

template <typename type>
concept member_co_await_awaitable_void = requires(type t) {
    { t.operator co_await() } -> awaiter_void;
};

template <typename type>
concept global_co_await_awaitable_void = requires(type t) {
    { operator co_await(t) } -> awaiter_void;
};

template <typename type>
concept awaitable_void =
    member_co_await_awaitable_void<type> || global_co_await_awaitable_void<type> || awaiter_void<type>;

/// Returns the awaiter `co_await value` would use: member operator co_await first, then the free
/// operator, else the object itself.
template <awaitable awaitable_type>
static auto get_awaiter(awaitable_type&& value)
{
    if constexpr (member_co_await_awaitable<awaitable_type>)
        return std::forward<awaitable_type>(value).operator co_await();
    else if constexpr (global_co_await_awaitable<awaitable_type>)
        return operator co_await(std::forward<awaitable_type>(value));
    else
        return std::forward<awaitable_type>(value);
}

template <awaitable awaitable_type, typename = void>
struct awaitable_traits
{
};

template <awaitable awaitable_type>
struct awaitable_traits<awaitable_type>
{
    using awaiter_type        = decltype(get_awaiter(std::declval<awaitable_type>()));
    using awaiter_return_type = decltype(std::declval<awaiter_type>().await_resume());
};

} // namespace coro::concepts

namespace coro::concepts::detail
{
/// An entry of an intrusive singly linked awaiter list (libcoro v0.16, D2.3): `m_next` points to the next entry of
/// the same type and `m_awaiting_coroutine` is the suspended coroutine. Upstream only requires the two member names
/// to exist; here their types are checked too.
template <typename entry_type>
concept awaiter_forward_list_entry = requires(entry_type* e) {
    requires std::same_as<entry_type*, std::remove_cvref_t<decltype(e->m_next)>>;
    requires std::same_as<std::coroutine_handle<>, std::remove_cvref_t<decltype(e->m_awaiting_coroutine)>>;
};
} // namespace coro::concepts::detail
