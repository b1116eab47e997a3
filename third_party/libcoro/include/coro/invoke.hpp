#pragma once

// coro::invoke (libcoro v0.16): run a coroutine-returning callable so that the callable (and its captures) lives
// as long as the coroutine it started.

#include <functional>
#include <type_traits>
#include <utility>

namespace coro
{
namespace detail
{
template <typename return_type, typename functor_type, typename... stored_args_type>
auto invoke_in_frame(functor_type functor, stored_args_type... args) -> return_type
{
    // functor and args are parameters, i.e. they live in this coroutine's frame until it finishes.
    co_return co_await std::invoke(functor, std::move(args)...);
}
} // namespace detail

/// Returns a task (of the type `functor(args...)` returns) that calls `functor` and awaits the coroutine it
/// returns. The functor and the arguments are decay-copied into the returned task's frame, as std::thread does
/// (use std::ref to pass a reference), so a capturing lambda and temporaries may die before the task is awaited.
/// Unlike libcoro v0.16, which starts the functor eagerly inside invoke(), the returned task is lazy like every
/// coro::task: nothing runs until it is awaited, so it can never be resumed twice.
template <typename functor_type, typename... args_type>
auto invoke(functor_type functor, args_type&&... args)
    -> std::invoke_result_t<functor_type&, std::decay_t<args_type>&&...>
{
    using return_type = std::invoke_result_t<functor_type&, std::decay_t<args_type>&&...>;
    return detail::invoke_in_frame<return_type, functor_type, std::decay_t<args_type>...>(
        std::move(functor), std::decay_t<args_type>(std::forward<args_type>(args))...);
}

} // namespace coro
