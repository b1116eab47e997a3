#pragma once

// Entire header is empty under EMSCRIPTEN (as in libcoro v0.14).
#ifndef EMSCRIPTEN

    #include "coro/concepts/awaitable.hpp"
    #include "coro/detail/task_self_deleting.hpp"
    #include "coro/event.hpp"
    #include "coro/task.hpp"
    #include "coro/when_all.hpp"

    #include <atomic>
    #include <cstddef>
    #include <memory>
    #include <optional>
    #include <ranges>
    #include <stop_token>
    #include <type_traits>
    #include <utility>
    #include <variant>
    #include <vector>

namespace coro
{
namespace detail
{
/// The type a when_any stores for a child result of type `T`: `void` children (libcoro v0.16) contribute
/// std::monostate.
template <typename T>
struct when_any_variant_traits
{
    using type = T;
};
template <>
struct when_any_variant_traits<void>
{
    using type = std::monostate;
};

/// Shared between a when_any task and its children. Reference counted because the losers keep running
/// (and finish) after the when_any task may already have returned and been destroyed.
template <typename value_type>
struct when_any_state
{
    /// First-wins guard: a single atomic exchange decides the winner.
    std::atomic<bool>         m_won{false};
    std::optional<value_type> m_result{};
    /// Set by the winner; the when_any task waits on it and is resumed inline on the winner's thread.
    coro::event m_notify{};
};

/// Awaits one child of a range when_any and, if it is the first to finish, publishes its result.
/// Exceptions are swallowed (such a child never wins).
template <concepts::awaitable awaitable_type, typename value_type>
auto make_when_any_task(awaitable_type a, std::shared_ptr<when_any_state<value_type>> state) -> coro::task<void>
{
    try
    {
        if constexpr (std::is_void_v<typename concepts::awaitable_traits<awaitable_type>::awaiter_return_type>)
        {
            co_await static_cast<awaitable_type&&>(a);
            if (!state->m_won.exchange(true, std::memory_order_acq_rel))
            {
                state->m_result.emplace();
                state->m_notify.set();
            }
        }
        else
        {
            auto&& result = co_await static_cast<awaitable_type&&>(a);
            if (!state->m_won.exchange(true, std::memory_order_acq_rel))
            {
                state->m_result.emplace(std::move(result));
                state->m_notify.set();
            }
        }
    }
    catch (...)
    {
    }
    co_return;
}

/// Same for a tuple/variadic when_any: the winner emplaces its value at its argument position.
template <std::size_t index, concepts::awaitable awaitable_type, typename variant_type>
auto make_when_any_tuple_task(awaitable_type a, std::shared_ptr<when_any_state<variant_type>> state) -> coro::task<void>
{
    try
    {
        if constexpr (std::is_void_v<typename concepts::awaitable_traits<awaitable_type>::awaiter_return_type>)
        {
            co_await static_cast<awaitable_type&&>(a);
            if (!state->m_won.exchange(true, std::memory_order_acq_rel))
            {
                state->m_result.emplace(std::in_place_index<index>);
                state->m_notify.set();
            }
        }
        else
        {
            auto&& result = co_await static_cast<awaitable_type&&>(a);
            if (!state->m_won.exchange(true, std::memory_order_acq_rel))
            {
                state->m_result.emplace(std::in_place_index<index>, std::move(result));
                state->m_notify.set();
            }
        }
    }
    catch (...)
    {
    }
    co_return;
}

/// Detached owner of every child: starts them in order (each runs inline until it first suspends) and
/// frees itself once the last one has finished.
inline auto make_when_any_controller_task(std::vector<coro::task<void>> tasks) -> detail::task_self_deleting
{
    co_await coro::when_all(std::move(tasks));
    co_return;
}

inline auto make_when_any_tuple_controller_task(std::vector<coro::task<void>> tasks) -> detail::task_self_deleting
{
    return make_when_any_controller_task(std::move(tasks));
}

template <typename value_type>
auto when_any_start_and_wait(std::shared_ptr<when_any_state<value_type>> state, std::vector<coro::task<void>> tasks)
    -> coro::task<void>
{
    auto controller = make_when_any_controller_task(std::move(tasks));
    controller.handle().resume();
    co_await state->m_notify;
}

template <typename... awaitable_type>
using when_any_variant_t = std::variant<typename when_any_variant_traits<
    std::remove_reference_t<typename concepts::awaitable_traits<awaitable_type>::awaiter_return_type>>::type...>;

template <typename variant_type, typename... awaitable_type, std::size_t... indices>
auto make_when_any_tuple_tasks(
    const std::shared_ptr<when_any_state<variant_type>>& state,
    std::index_sequence<indices...>,
    awaitable_type&&... awaitables) -> std::vector<coro::task<void>>
{
    std::vector<coro::task<void>> tasks;
    tasks.reserve(sizeof...(awaitable_type));
    (tasks.emplace_back(make_when_any_tuple_task<indices, std::remove_cvref_t<awaitable_type>, variant_type>(
         std::move(awaitables), state)),
     ...);
    return tasks;
}

} // namespace detail

/// Runs every awaitable (started in order on the awaiting thread) and completes with the value of the first
/// one to finish, as the variant alternative at that awaitable's position (std::monostate for a void one). Losers are not cancelled; once
/// a winner is known `stop_source.request_stop()` is called so cooperative tasks can stop early.
template <concepts::awaitable... awaitable_type>
[[nodiscard]] auto when_any(std::stop_source stop_source, awaitable_type... awaitables)
    -> coro::task<detail::when_any_variant_t<awaitable_type...>>
{
    using variant_type = detail::when_any_variant_t<awaitable_type...>;
    auto state         = std::make_shared<detail::when_any_state<variant_type>>();
    co_await detail::when_any_start_and_wait(
        state,
        detail::make_when_any_tuple_tasks(
            state, std::index_sequence_for<awaitable_type...>{}, std::move(awaitables)...));
    stop_source.request_stop();
    co_return std::move(*state->m_result);
}

/// As above without a stop_source.
template <concepts::awaitable... awaitable_type>
[[nodiscard]] auto when_any(awaitable_type... awaitables) -> coro::task<detail::when_any_variant_t<awaitable_type...>>
{
    using variant_type = detail::when_any_variant_t<awaitable_type...>;
    auto state         = std::make_shared<detail::when_any_state<variant_type>>();
    co_await detail::when_any_start_and_wait(
        state,
        detail::make_when_any_tuple_tasks(
            state, std::index_sequence_for<awaitable_type...>{}, std::move(awaitables)...));
    co_return std::move(*state->m_result);
}

/// Range form: completes with the value of the first awaitable in `awaitables` to finish (a range of `void`
/// awaitables gives a task<void> that completes when the first one does).
template <
    std::ranges::range  range_type,
    concepts::awaitable awaitable_type = std::ranges::range_value_t<range_type>,
    typename return_type               = typename concepts::awaitable_traits<awaitable_type>::awaiter_return_type,
    typename return_type_base          = std::remove_reference_t<return_type>>
[[nodiscard]] auto when_any(std::stop_source stop_source, range_type awaitables) -> coro::task<return_type_base>
{
    using stored_type                   = typename detail::when_any_variant_traits<return_type_base>::type;
    auto                          state = std::make_shared<detail::when_any_state<stored_type>>();
    std::vector<coro::task<void>> tasks;
    if constexpr (std::ranges::sized_range<range_type>)
    {
        tasks.reserve(std::ranges::size(awaitables));
    }
    for (auto&& a : awaitables)
    {
        tasks.emplace_back(detail::make_when_any_task<awaitable_type, stored_type>(std::move(a), state));
    }
    co_await detail::when_any_start_and_wait(state, std::move(tasks));
    stop_source.request_stop();
    if constexpr (!std::is_void_v<return_type_base>)
    {
        co_return std::move(*state->m_result);
    }
}

template <
    std::ranges::range  range_type,
    concepts::awaitable awaitable_type = std::ranges::range_value_t<range_type>,
    typename return_type               = typename concepts::awaitable_traits<awaitable_type>::awaiter_return_type,
    typename return_type_base          = std::remove_reference_t<return_type>>
[[nodiscard]] auto when_any(range_type awaitables) -> coro::task<return_type_base>
{
    using stored_type                   = typename detail::when_any_variant_traits<return_type_base>::type;
    auto                          state = std::make_shared<detail::when_any_state<stored_type>>();
    std::vector<coro::task<void>> tasks;
    if constexpr (std::ranges::sized_range<range_type>)
    {
        tasks.reserve(std::ranges::size(awaitables));
    }
    for (auto&& a : awaitables)
    {
        tasks.emplace_back(detail::make_when_any_task<awaitable_type, stored_type>(std::move(a), state));
    }
    co_await detail::when_any_start_and_wait(state, std::move(tasks));
    if constexpr (!std::is_void_v<return_type_base>)
    {
        co_return std::move(*state->m_result);
    }
}

} // namespace coro

#endif // EMSCRIPTEN
