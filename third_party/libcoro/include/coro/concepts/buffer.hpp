#pragma once

#include <concepts>
#include <cstddef>

namespace coro::concepts
{
/// A read-only contiguous byte buffer (std::string, std::string_view, std::span<const char>, ...).
template <typename type>
concept const_buffer = requires(const type t) {
    { t.empty() } -> std::same_as<bool>;
    { t.data() } -> std::same_as<const char*>;
    { t.size() } -> std::same_as<std::size_t>;
};

/// A writable contiguous byte buffer (std::string, std::span<char>, ...).
template <typename type>
concept mutable_buffer = requires(type t) {
    { t.empty() } -> std::same_as<bool>;
    { t.data() } -> std::same_as<char*>;
    { t.size() } -> std::same_as<std::size_t>;
};
} // namespace coro::concepts
