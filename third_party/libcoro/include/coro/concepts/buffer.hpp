#pragma once

#include "coro/api_version.hpp"

#include <concepts>
#include <cstddef>
#include <type_traits>

namespace coro::concepts
{
// libcoro v0.14: byte buffers of exactly `char`.
LIBCORO_INLINE_V14 namespace v14
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
} // namespace v14

// libcoro v0.16 (D2.2): any contiguous buffer of a trivial element type (char, uint8_t, std::byte, ...).
LIBCORO_INLINE_V16 namespace v16
{
    /// A read-only contiguous buffer of trivial elements.
    template <typename type>
    concept const_buffer = requires(const type t) {
        typename std::remove_pointer_t<decltype(t.data())>;
        requires std::is_trivial_v<std::remove_pointer_t<decltype(t.data())>>;
        { t.empty() } -> std::same_as<bool>;
        { t.size() } -> std::same_as<std::size_t>;
        { t.data() } -> std::convertible_to<const std::remove_pointer_t<decltype(t.data())>*>;
    };

    /// The element type a const_buffer exposes (const-qualified).
    template <const_buffer buffer_type>
    struct const_buffer_traits
    {
        using element_type = std::add_const_t<std::remove_pointer_t<decltype(std::declval<buffer_type>().data())>>;
    };

    /// A writable contiguous buffer of trivial elements. As upstream (D38.19, kept), a type whose data() returns a
    /// pointer-to-const also satisfies it; the functions that write through it then fail to compile.
    template <typename type>
    concept mutable_buffer = requires(type t) {
        typename std::remove_pointer_t<decltype(t.data())>;
        requires std::is_trivial_v<std::remove_pointer_t<decltype(t.data())>>;
        { t.empty() } -> std::same_as<bool>;
        { t.size() } -> std::same_as<std::size_t>;
        { t.data() } -> std::same_as<std::remove_pointer_t<decltype(t.data())>*>;
    };

    /// The element type a mutable_buffer exposes.
    template <mutable_buffer buffer_type>
    struct mutable_buffer_traits
    {
        using element_type = std::remove_pointer_t<decltype(std::declval<buffer_type>().data())>;
    };
} // namespace v16
} // namespace coro::concepts
