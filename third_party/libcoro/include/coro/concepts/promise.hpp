#pragma once

#include "coro/concepts/awaitable.hpp"

#include <concepts>
#include <coroutine>

namespace coro::concepts
{
/// Shape of a coroutine promise that produces `return_type` (public name only; unused by the library).
template <typename type, typename return_type>
concept promise = requires(type t) {
    { t.get_return_object() } -> std::convertible_to<std::coroutine_handle<>>;
    { t.initial_suspend() } -> awaiter;
    { t.final_suspend() } -> awaiter;
    { t.yield_value() } -> awaitable;
} && requires(type t, return_type return_value) {
    requires std::same_as<decltype(t.return_void()), void> ||
                 std::same_as<decltype(t.return_value(return_value)), void> ||
                 requires { t.yield_value(return_value); };
};
} // namespace coro::concepts
