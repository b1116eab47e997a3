#pragma once

// coro::expected / coro::unexpected: std::expected when the standard library provides it (C++23), otherwise
// gocoro's own std::expected-compatible implementation (libcoro v0.14 bundles tl::expected for this case).

#include <version>

#if defined(__cpp_lib_expected)
    #include <expected>

namespace coro
{
template <typename T, typename E>
using expected = std::expected<T, E>;

template <typename E>
using unexpected = std::unexpected<E>;
} // namespace coro

#else
    #include "coro/detail/expected.hpp"

namespace coro
{
template <typename T, typename E>
using expected = coro::detail::expected<T, E>;

template <typename E>
using unexpected = coro::detail::unexpected<E>;
} // namespace coro

#endif
