#pragma once

#include <ranges>
#include <type_traits>

namespace coro::concepts
{
/// A range whose value type is exactly `V`.
template <typename T, typename V>
concept range_of = std::ranges::range<T> && std::is_same_v<V, std::ranges::range_value_t<T>>;

/// A sized range whose value type is exactly `V`.
template <typename T, typename V>
concept sized_range_of = std::ranges::sized_range<T> && std::is_same_v<V, std::ranges::range_value_t<T>>;
} // namespace coro::concepts
