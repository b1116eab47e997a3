#pragma once

// A std::expected-compatible vocabulary type for C++20 toolchains whose standard library does not ship
// <expected> (GCC 12's libstdc++ in C++20 mode). Written from the C++23 interface description; coro/expected.hpp
// picks std::expected instead whenever the library provides it.

#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <utility>

namespace coro::detail
{
template <typename E>
class unexpected;

template <typename T, typename E>
class expected;

/// Tag selecting the error alternative in in-place constructors.
struct unexpect_t
{
    explicit unexpect_t() = default;
};
inline constexpr unexpect_t unexpect{};

template <typename E>
class bad_expected_access;

/// Thrown by expected::value() when it holds an error.
template <>
class bad_expected_access<void> : public std::exception
{
public:
    auto what() const noexcept -> const char* override { return "bad access to expected without a value"; }

protected:
    bad_expected_access() noexcept                                     = default;
    bad_expected_access(const bad_expected_access&)                    = default;
    bad_expected_access(bad_expected_access&&)                         = default;
    auto operator=(const bad_expected_access&) -> bad_expected_access& = default;
    auto operator=(bad_expected_access&&) -> bad_expected_access&      = default;
    ~bad_expected_access() override                                    = default;
};

template <typename E>
class bad_expected_access : public bad_expected_access<void>
{
public:
    explicit bad_expected_access(E e) : m_error(std::move(e)) {}

    auto error() & noexcept -> E& { return m_error; }
    auto error() const& noexcept -> const E& { return m_error; }
    auto error() && noexcept -> E&& { return std::move(m_error); }
    auto error() const&& noexcept -> const E&& { return std::move(m_error); }

private:
    E m_error;
};

// Copy/move constructors and destructors that are trivial exactly when T's and E's are: a defaulted and a
// user-written overload, told apart by their constraints (P0848). clang implements that from version 16; older
// clang takes the defaulted one regardless and deletes it, so there only the user-written ones are declared: the
// same behaviour, but expected is never trivially copyable or destructible.
#if defined(__clang__) && __clang_major__ < 16
    #define CORO_EXPECTED_TRIVIAL_MEMBERS 0
#else
    #define CORO_EXPECTED_TRIVIAL_MEMBERS 1
#endif

namespace expected_detail
{
inline constexpr bool trivial_members = CORO_EXPECTED_TRIVIAL_MEMBERS;

template <typename>
inline constexpr bool is_expected = false;
template <typename T, typename E>
inline constexpr bool is_expected<expected<T, E>> = true;

template <typename>
inline constexpr bool is_unexpected = false;
template <typename E>
inline constexpr bool is_unexpected<unexpected<E>> = true;

/// Types an unexpected<E> may hold: a non-array, non-cv object type that is not itself an unexpected.
template <typename E>
concept valid_error =
    std::is_object_v<E> && !std::is_array_v<E> && !std::is_const_v<E> && !std::is_volatile_v<E> && !is_unexpected<E>;

/// Constructs `T` at `p` from `args`; if that may throw and the old object had to be destroyed first, the old
/// value is kept in a temporary so a throwing construction leaves the destination unchanged (the C++23
/// "reinit-expected" rule).
template <typename New, typename Old, typename... Args>
constexpr auto reinit(New* new_ptr, Old* old_ptr, Args&&... args) -> void
{
    if constexpr (std::is_nothrow_constructible_v<New, Args...>)
    {
        std::destroy_at(old_ptr);
        std::construct_at(new_ptr, std::forward<Args>(args)...);
    }
    else if constexpr (std::is_nothrow_move_constructible_v<New>)
    {
        New tmp(std::forward<Args>(args)...);
        std::destroy_at(old_ptr);
        std::construct_at(new_ptr, std::move(tmp));
    }
    else
    {
        static_assert(std::is_nothrow_move_constructible_v<Old>, "expected: one alternative must be nothrow movable");
        Old tmp(std::move(*old_ptr));
        std::destroy_at(old_ptr);
        try
        {
            std::construct_at(new_ptr, std::forward<Args>(args)...);
        }
        catch (...)
        {
            std::construct_at(old_ptr, std::move(tmp));
            throw;
        }
    }
}
} // namespace expected_detail

/// Wraps an error value so it can initialise or be assigned to an expected.
template <typename E>
class unexpected
{
    static_assert(expected_detail::valid_error<E>, "unexpected<E>: E must be a non-const, non-array object type");

public:
    constexpr unexpected(const unexpected&) = default;
    constexpr unexpected(unexpected&&)      = default;

    template <typename Err = E>
        requires(
            !std::is_same_v<std::remove_cvref_t<Err>, unexpected> &&
            !std::is_same_v<std::remove_cvref_t<Err>, std::in_place_t> && std::is_constructible_v<E, Err>)
    constexpr explicit unexpected(Err&& e) noexcept(std::is_nothrow_constructible_v<E, Err>)
        : m_error(std::forward<Err>(e))
    {
    }

    template <typename... Args>
        requires std::is_constructible_v<E, Args...>
    constexpr explicit unexpected(std::in_place_t, Args&&... args) noexcept(std::is_nothrow_constructible_v<E, Args...>)
        : m_error(std::forward<Args>(args)...)
    {
    }

    template <typename U, typename... Args>
        requires std::is_constructible_v<E, std::initializer_list<U>&, Args...>
    constexpr explicit unexpected(std::in_place_t, std::initializer_list<U> il, Args&&... args)
        : m_error(il, std::forward<Args>(args)...)
    {
    }

    constexpr auto operator=(const unexpected&) -> unexpected& = default;
    constexpr auto operator=(unexpected&&) -> unexpected&      = default;

    constexpr auto error() & noexcept -> E& { return m_error; }
    constexpr auto error() const& noexcept -> const E& { return m_error; }
    constexpr auto error() && noexcept -> E&& { return std::move(m_error); }
    constexpr auto error() const&& noexcept -> const E&& { return std::move(m_error); }

    constexpr auto swap(unexpected& other) noexcept(std::is_nothrow_swappable_v<E>) -> void
    {
        using std::swap;
        swap(m_error, other.m_error);
    }

    friend constexpr auto swap(unexpected& a, unexpected& b) noexcept(noexcept(a.swap(b))) -> void
        requires std::is_swappable_v<E>
    {
        a.swap(b);
    }

    template <typename E2>
    friend constexpr auto operator==(const unexpected& a, const unexpected<E2>& b) -> bool
    {
        return a.m_error == b.error();
    }

private:
    E m_error;
};

template <typename E>
unexpected(E) -> unexpected<E>;

/// Holds either a `T` (the expected value) or an `E` (the error). Same interface as C++23 std::expected.
template <typename T, typename E>
class expected
{
    static_assert(!std::is_reference_v<T>, "expected<T&, E> is not supported");
    static_assert(!std::is_same_v<std::remove_cv_t<T>, std::in_place_t>);
    static_assert(!std::is_same_v<std::remove_cv_t<T>, unexpect_t>);
    static_assert(!expected_detail::is_unexpected<std::remove_cv_t<T>>);
    static_assert(expected_detail::valid_error<E>);

    template <typename U, typename G>
    friend class expected;

    // Whether expected<U, G> may be converted from (U and G different from T and E).
    template <typename U, typename G, typename UF, typename GF>
    static constexpr bool can_convert_from =
        std::is_constructible_v<T, UF> && std::is_constructible_v<E, GF> &&
        (std::is_same_v<std::remove_cv_t<T>, bool> ||
         !(std::is_constructible_v<T, expected<U, G>&> || std::is_constructible_v<T, expected<U, G>> ||
           std::is_constructible_v<T, const expected<U, G>&> || std::is_constructible_v<T, const expected<U, G>> ||
           std::is_convertible_v<expected<U, G>&, T> || std::is_convertible_v<expected<U, G>, T> ||
           std::is_convertible_v<const expected<U, G>&, T> || std::is_convertible_v<const expected<U, G>, T>)) &&
        !(std::is_constructible_v<unexpected<E>, expected<U, G>&> ||
          std::is_constructible_v<unexpected<E>, expected<U, G>> ||
          std::is_constructible_v<unexpected<E>, const expected<U, G>&> ||
          std::is_constructible_v<unexpected<E>, const expected<U, G>>);

public:
    using value_type      = T;
    using error_type      = E;
    using unexpected_type = unexpected<E>;

    template <typename U>
    using rebind = expected<U, error_type>;

    // -- construction ---------------------------------------------------------------------------------------

    constexpr expected() noexcept(std::is_nothrow_default_constructible_v<T>)
        requires std::is_default_constructible_v<T>
        : m_value(), m_has_value(true)
    {
    }

#if CORO_EXPECTED_TRIVIAL_MEMBERS
    constexpr expected(const expected&)
        requires(std::is_copy_constructible_v<T> && std::is_copy_constructible_v<E> &&
                 std::is_trivially_copy_constructible_v<T> && std::is_trivially_copy_constructible_v<E>)
    = default;
#endif

    constexpr expected(const expected& other) noexcept(
        std::is_nothrow_copy_constructible_v<T> && std::is_nothrow_copy_constructible_v<E>)
        requires(
            std::is_copy_constructible_v<T> && std::is_copy_constructible_v<E> &&
            (!expected_detail::trivial_members ||
             !(std::is_trivially_copy_constructible_v<T> && std::is_trivially_copy_constructible_v<E>)))
        : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            std::construct_at(std::addressof(m_value), other.m_value);
        else
            std::construct_at(std::addressof(m_error), other.m_error);
    }

#if CORO_EXPECTED_TRIVIAL_MEMBERS
    constexpr expected(expected&&)
        requires(std::is_move_constructible_v<T> && std::is_move_constructible_v<E> &&
                 std::is_trivially_move_constructible_v<T> && std::is_trivially_move_constructible_v<E>)
    = default;
#endif

    constexpr expected(expected&& other) noexcept(
        std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_constructible_v<E>)
        requires(
            std::is_move_constructible_v<T> && std::is_move_constructible_v<E> &&
            (!expected_detail::trivial_members ||
             !(std::is_trivially_move_constructible_v<T> && std::is_trivially_move_constructible_v<E>)))
        : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            std::construct_at(std::addressof(m_value), std::move(other.m_value));
        else
            std::construct_at(std::addressof(m_error), std::move(other.m_error));
    }

    template <typename U, typename G>
        requires can_convert_from<U, G, const U&, const G&>
    constexpr explicit(!std::is_convertible_v<const U&, T> || !std::is_convertible_v<const G&, E>)
        expected(const expected<U, G>& other)
        : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            std::construct_at(std::addressof(m_value), other.m_value);
        else
            std::construct_at(std::addressof(m_error), other.m_error);
    }

    template <typename U, typename G>
        requires can_convert_from<U, G, U, G>
    constexpr explicit(!std::is_convertible_v<U, T> || !std::is_convertible_v<G, E>) expected(expected<U, G>&& other)
        : m_has_value(other.m_has_value)
    {
        if (m_has_value)
            std::construct_at(std::addressof(m_value), std::move(other.m_value));
        else
            std::construct_at(std::addressof(m_error), std::move(other.m_error));
    }

    template <typename U = T>
        requires(!std::is_same_v<std::remove_cvref_t<U>, std::in_place_t> &&
                 !std::is_same_v<std::remove_cvref_t<U>, expected> &&
                 !expected_detail::is_unexpected<std::remove_cvref_t<U>> && std::is_constructible_v<T, U> &&
                 (!std::is_same_v<std::remove_cv_t<T>, bool> || !expected_detail::is_expected<std::remove_cvref_t<U>>))
    constexpr explicit(!std::is_convertible_v<U, T>) expected(U&& v) noexcept(std::is_nothrow_constructible_v<T, U>)
        : m_value(std::forward<U>(v)), m_has_value(true)
    {
    }

    template <typename G>
        requires std::is_constructible_v<E, const G&>
    constexpr explicit(!std::is_convertible_v<const G&, E>)
        expected(const unexpected<G>& e) noexcept(std::is_nothrow_constructible_v<E, const G&>)
        : m_error(e.error()), m_has_value(false)
    {
    }

    template <typename G>
        requires std::is_constructible_v<E, G>
    constexpr explicit(!std::is_convertible_v<G, E>)
        expected(unexpected<G>&& e) noexcept(std::is_nothrow_constructible_v<E, G>)
        : m_error(std::move(e).error()), m_has_value(false)
    {
    }

    template <typename... Args>
        requires std::is_constructible_v<T, Args...>
    constexpr explicit expected(std::in_place_t, Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args...>)
        : m_value(std::forward<Args>(args)...), m_has_value(true)
    {
    }

    template <typename U, typename... Args>
        requires std::is_constructible_v<T, std::initializer_list<U>&, Args...>
    constexpr explicit expected(std::in_place_t, std::initializer_list<U> il, Args&&... args)
        : m_value(il, std::forward<Args>(args)...), m_has_value(true)
    {
    }

    template <typename... Args>
        requires std::is_constructible_v<E, Args...>
    constexpr explicit expected(unexpect_t, Args&&... args) noexcept(std::is_nothrow_constructible_v<E, Args...>)
        : m_error(std::forward<Args>(args)...), m_has_value(false)
    {
    }

    template <typename U, typename... Args>
        requires std::is_constructible_v<E, std::initializer_list<U>&, Args...>
    constexpr explicit expected(unexpect_t, std::initializer_list<U> il, Args&&... args)
        : m_error(il, std::forward<Args>(args)...), m_has_value(false)
    {
    }

    // -- destruction ----------------------------------------------------------------------------------------

#if CORO_EXPECTED_TRIVIAL_MEMBERS
    constexpr ~expected()
        requires(std::is_trivially_destructible_v<T> && std::is_trivially_destructible_v<E>)
    = default;
#endif

    constexpr ~expected()
        requires(
            !expected_detail::trivial_members ||
            !(std::is_trivially_destructible_v<T> && std::is_trivially_destructible_v<E>))
    {
        if (m_has_value)
            std::destroy_at(std::addressof(m_value));
        else
            std::destroy_at(std::addressof(m_error));
    }

    // -- assignment -----------------------------------------------------------------------------------------

    constexpr auto operator=(const expected& other) noexcept(
        std::is_nothrow_copy_assignable_v<T> && std::is_nothrow_copy_constructible_v<T> &&
        std::is_nothrow_copy_assignable_v<E> && std::is_nothrow_copy_constructible_v<E>)
        -> expected& requires(
            std::is_copy_assignable_v<T>&& std::is_copy_constructible_v<T>&& std::is_copy_assignable_v<E>&&
                                                                             std::is_copy_constructible_v<E> &&
            (std::is_nothrow_move_constructible_v<T> || std::is_nothrow_move_constructible_v<E>)) {
            if (m_has_value && other.m_has_value)
                m_value = other.m_value;
            else if (m_has_value)
                assign_error(other.m_error);
            else if (other.m_has_value)
                assign_value(other.m_value);
            else
                m_error = other.m_error;
            return *this;
        }

    constexpr auto operator=(expected&& other) noexcept(
        std::is_nothrow_move_assignable_v<T> && std::is_nothrow_move_constructible_v<T> &&
        std::is_nothrow_move_assignable_v<E> && std::is_nothrow_move_constructible_v<E>)
        -> expected& requires(
            std::is_move_assignable_v<T>&& std::is_move_constructible_v<T>&& std::is_move_assignable_v<E>&&
                                                                             std::is_move_constructible_v<E> &&
            (std::is_nothrow_move_constructible_v<T> || std::is_nothrow_move_constructible_v<E>)) {
            if (m_has_value && other.m_has_value)
                m_value = std::move(other.m_value);
            else if (m_has_value)
                assign_error(std::move(other.m_error));
            else if (other.m_has_value)
                assign_value(std::move(other.m_value));
            else
                m_error = std::move(other.m_error);
            return *this;
        }

    template <typename U = T>
        requires(
            !std::is_same_v<expected, std::remove_cvref_t<U>> &&
            !expected_detail::is_unexpected<std::remove_cvref_t<U>> && std::is_constructible_v<T, U> &&
            std::is_assignable_v<T&, U> &&
            (std::is_nothrow_constructible_v<T, U> || std::is_nothrow_move_constructible_v<T> ||
             std::is_nothrow_move_constructible_v<E>))
    constexpr auto operator=(U&& v) -> expected&
    {
        if (m_has_value)
            m_value = std::forward<U>(v);
        else
            assign_value(std::forward<U>(v));
        return *this;
    }

    template <typename G>
        requires(
            std::is_constructible_v<E, const G&> && std::is_assignable_v<E&, const G&> &&
            (std::is_nothrow_constructible_v<E, const G&> || std::is_nothrow_move_constructible_v<T> ||
             std::is_nothrow_move_constructible_v<E>))
    constexpr auto operator=(const unexpected<G>& e) -> expected&
    {
        if (m_has_value)
            assign_error(e.error());
        else
            m_error = e.error();
        return *this;
    }

    template <typename G>
        requires(
            std::is_constructible_v<E, G> && std::is_assignable_v<E&, G> &&
            (std::is_nothrow_constructible_v<E, G> || std::is_nothrow_move_constructible_v<T> ||
             std::is_nothrow_move_constructible_v<E>))
    constexpr auto operator=(unexpected<G>&& e) -> expected&
    {
        if (m_has_value)
            assign_error(std::move(e).error());
        else
            m_error = std::move(e).error();
        return *this;
    }

    template <typename... Args>
        requires std::is_nothrow_constructible_v<T, Args...>
    constexpr auto emplace(Args&&... args) noexcept -> T&
    {
        if (m_has_value)
            std::destroy_at(std::addressof(m_value));
        else
            std::destroy_at(std::addressof(m_error));
        std::construct_at(std::addressof(m_value), std::forward<Args>(args)...);
        m_has_value = true;
        return m_value;
    }

    template <typename U, typename... Args>
        requires std::is_nothrow_constructible_v<T, std::initializer_list<U>&, Args...>
    constexpr auto emplace(std::initializer_list<U> il, Args&&... args) noexcept -> T&
    {
        if (m_has_value)
            std::destroy_at(std::addressof(m_value));
        else
            std::destroy_at(std::addressof(m_error));
        std::construct_at(std::addressof(m_value), il, std::forward<Args>(args)...);
        m_has_value = true;
        return m_value;
    }

    constexpr auto swap(expected& other) noexcept(
        std::is_nothrow_move_constructible_v<T> && std::is_nothrow_swappable_v<T> &&
        std::is_nothrow_move_constructible_v<E> && std::is_nothrow_swappable_v<E>) -> void
        requires(
            std::is_swappable_v<T> && std::is_swappable_v<E> && std::is_move_constructible_v<T> &&
            std::is_move_constructible_v<E> &&
            (std::is_nothrow_move_constructible_v<T> || std::is_nothrow_move_constructible_v<E>))
    {
        using std::swap;
        if (m_has_value && other.m_has_value)
            swap(m_value, other.m_value);
        else if (!m_has_value && !other.m_has_value)
            swap(m_error, other.m_error);
        else if (!m_has_value)
            other.swap(*this);
        else
        {
            // this holds a value, other an error.
            E tmp(std::move(other.m_error));
            std::destroy_at(std::addressof(other.m_error));
            std::construct_at(std::addressof(other.m_value), std::move(m_value));
            std::destroy_at(std::addressof(m_value));
            std::construct_at(std::addressof(m_error), std::move(tmp));
            m_has_value       = false;
            other.m_has_value = true;
        }
    }

    friend constexpr auto swap(expected& a, expected& b) noexcept(noexcept(a.swap(b))) -> void
        requires requires { a.swap(b); }
    {
        a.swap(b);
    }

    // -- observers ------------------------------------------------------------------------------------------

    constexpr auto operator->() noexcept -> T* { return std::addressof(m_value); }
    constexpr auto operator->() const noexcept -> const T* { return std::addressof(m_value); }
    constexpr auto operator*() & noexcept -> T& { return m_value; }
    constexpr auto operator*() const& noexcept -> const T& { return m_value; }
    constexpr auto operator*() && noexcept -> T&& { return std::move(m_value); }
    constexpr auto operator*() const&& noexcept -> const T&& { return std::move(m_value); }

    constexpr explicit operator bool() const noexcept { return m_has_value; }
    constexpr auto     has_value() const noexcept -> bool { return m_has_value; }

    constexpr auto value() & -> T&
    {
        if (!m_has_value)
            throw bad_expected_access<std::decay_t<E>>(std::as_const(m_error));
        return m_value;
    }
    constexpr auto value() const& -> const T&
    {
        if (!m_has_value)
            throw bad_expected_access<std::decay_t<E>>(m_error);
        return m_value;
    }
    constexpr auto value() && -> T&&
    {
        if (!m_has_value)
            throw bad_expected_access<std::decay_t<E>>(std::move(m_error));
        return std::move(m_value);
    }
    constexpr auto value() const&& -> const T&&
    {
        if (!m_has_value)
            throw bad_expected_access<std::decay_t<E>>(std::move(m_error));
        return std::move(m_value);
    }

    constexpr auto error() & noexcept -> E& { return m_error; }
    constexpr auto error() const& noexcept -> const E& { return m_error; }
    constexpr auto error() && noexcept -> E&& { return std::move(m_error); }
    constexpr auto error() const&& noexcept -> const E&& { return std::move(m_error); }

    template <typename U>
    constexpr auto value_or(U&& fallback) const& -> T
    {
        return m_has_value ? m_value : static_cast<T>(std::forward<U>(fallback));
    }
    template <typename U>
    constexpr auto value_or(U&& fallback) && -> T
    {
        return m_has_value ? std::move(m_value) : static_cast<T>(std::forward<U>(fallback));
    }

    template <typename G = E>
    constexpr auto error_or(G&& fallback) const& -> E
    {
        return m_has_value ? static_cast<E>(std::forward<G>(fallback)) : m_error;
    }
    template <typename G = E>
    constexpr auto error_or(G&& fallback) && -> E
    {
        return m_has_value ? static_cast<E>(std::forward<G>(fallback)) : std::move(m_error);
    }

    // -- monadic operations ---------------------------------------------------------------------------------

    template <typename F>
    constexpr auto and_then(F&& f) &
    {
        return and_then_impl(*this, std::forward<F>(f));
    }
    template <typename F>
    constexpr auto and_then(F&& f) const&
    {
        return and_then_impl(*this, std::forward<F>(f));
    }
    template <typename F>
    constexpr auto and_then(F&& f) &&
    {
        return and_then_impl(std::move(*this), std::forward<F>(f));
    }
    template <typename F>
    constexpr auto and_then(F&& f) const&&
    {
        return and_then_impl(std::move(*this), std::forward<F>(f));
    }

    template <typename F>
    constexpr auto or_else(F&& f) &
    {
        return or_else_impl(*this, std::forward<F>(f));
    }
    template <typename F>
    constexpr auto or_else(F&& f) const&
    {
        return or_else_impl(*this, std::forward<F>(f));
    }
    template <typename F>
    constexpr auto or_else(F&& f) &&
    {
        return or_else_impl(std::move(*this), std::forward<F>(f));
    }
    template <typename F>
    constexpr auto or_else(F&& f) const&&
    {
        return or_else_impl(std::move(*this), std::forward<F>(f));
    }

    template <typename F>
    constexpr auto transform(F&& f) &
    {
        return transform_impl(*this, std::forward<F>(f));
    }
    template <typename F>
    constexpr auto transform(F&& f) const&
    {
        return transform_impl(*this, std::forward<F>(f));
    }
    template <typename F>
    constexpr auto transform(F&& f) &&
    {
        return transform_impl(std::move(*this), std::forward<F>(f));
    }
    template <typename F>
    constexpr auto transform(F&& f) const&&
    {
        return transform_impl(std::move(*this), std::forward<F>(f));
    }

    template <typename F>
    constexpr auto transform_error(F&& f) &
    {
        return transform_error_impl(*this, std::forward<F>(f));
    }
    template <typename F>
    constexpr auto transform_error(F&& f) const&
    {
        return transform_error_impl(*this, std::forward<F>(f));
    }
    template <typename F>
    constexpr auto transform_error(F&& f) &&
    {
        return transform_error_impl(std::move(*this), std::forward<F>(f));
    }
    template <typename F>
    constexpr auto transform_error(F&& f) const&&
    {
        return transform_error_impl(std::move(*this), std::forward<F>(f));
    }

    // -- comparison -----------------------------------------------------------------------------------------

    template <typename T2, typename E2>
        requires(!std::is_void_v<T2>)
    friend constexpr auto operator==(const expected& a, const expected<T2, E2>& b) -> bool
    {
        if (a.has_value() != b.has_value())
            return false;
        return a.has_value() ? static_cast<bool>(*a == *b) : static_cast<bool>(a.error() == b.error());
    }

    template <typename T2>
        requires(!expected_detail::is_expected<T2>)
    friend constexpr auto operator==(const expected& a, const T2& v) -> bool
    {
        return a.has_value() && static_cast<bool>(*a == v);
    }

    template <typename E2>
    friend constexpr auto operator==(const expected& a, const unexpected<E2>& e) -> bool
    {
        return !a.has_value() && static_cast<bool>(a.error() == e.error());
    }

private:
    template <typename... Args>
    constexpr auto assign_value(Args&&... args) -> void
    {
        expected_detail::reinit(std::addressof(m_value), std::addressof(m_error), std::forward<Args>(args)...);
        m_has_value = true;
    }

    template <typename... Args>
    constexpr auto assign_error(Args&&... args) -> void
    {
        expected_detail::reinit(std::addressof(m_error), std::addressof(m_value), std::forward<Args>(args)...);
        m_has_value = false;
    }

    template <typename Self, typename F>
    static constexpr auto and_then_impl(Self&& self, F&& f)
    {
        using value_ref = decltype(*std::forward<Self>(self));
        using error_ref = decltype(std::forward<Self>(self).error());
        using result    = std::remove_cvref_t<std::invoke_result_t<F, value_ref>>;
        static_assert(expected_detail::is_expected<result>, "and_then: F must return an expected");
        static_assert(std::is_same_v<typename result::error_type, E>, "and_then: F must keep the error type");
        if (self.has_value())
            return std::invoke(std::forward<F>(f), *std::forward<Self>(self));
        return result(unexpect, static_cast<error_ref>(std::forward<Self>(self).error()));
    }

    template <typename Self, typename F>
    static constexpr auto or_else_impl(Self&& self, F&& f)
    {
        using error_ref = decltype(std::forward<Self>(self).error());
        using result    = std::remove_cvref_t<std::invoke_result_t<F, error_ref>>;
        static_assert(expected_detail::is_expected<result>, "or_else: F must return an expected");
        static_assert(std::is_same_v<typename result::value_type, T>, "or_else: F must keep the value type");
        if (self.has_value())
            return result(std::in_place, *std::forward<Self>(self));
        return std::invoke(std::forward<F>(f), std::forward<Self>(self).error());
    }

    template <typename Self, typename F>
    static constexpr auto transform_impl(Self&& self, F&& f)
    {
        using value_ref = decltype(*std::forward<Self>(self));
        using mapped    = std::remove_cv_t<std::invoke_result_t<F, value_ref>>;
        using result    = expected<mapped, E>;
        if (!self.has_value())
            return result(unexpect, std::forward<Self>(self).error());
        if constexpr (std::is_void_v<mapped>)
        {
            std::invoke(std::forward<F>(f), *std::forward<Self>(self));
            return result();
        }
        else
        {
            return result(std::in_place, std::invoke(std::forward<F>(f), *std::forward<Self>(self)));
        }
    }

    template <typename Self, typename F>
    static constexpr auto transform_error_impl(Self&& self, F&& f)
    {
        using error_ref = decltype(std::forward<Self>(self).error());
        using mapped    = std::remove_cv_t<std::invoke_result_t<F, error_ref>>;
        using result    = expected<T, mapped>;
        if (self.has_value())
            return result(std::in_place, *std::forward<Self>(self));
        return result(unexpect, std::invoke(std::forward<F>(f), std::forward<Self>(self).error()));
    }

    union
    {
        T m_value;
        E m_error;
    };
    bool m_has_value;
};

/// expected<void, E>: either "success" or an error.
template <typename T, typename E>
    requires std::is_void_v<T>
class expected<T, E>
{
    static_assert(expected_detail::valid_error<E>);

    template <typename U, typename G>
    friend class expected;

public:
    using value_type      = T;
    using error_type      = E;
    using unexpected_type = unexpected<E>;

    template <typename U>
    using rebind = expected<U, error_type>;

    constexpr expected() noexcept : m_has_value(true) {}

#if CORO_EXPECTED_TRIVIAL_MEMBERS
    constexpr expected(const expected&)
        requires(std::is_trivially_copy_constructible_v<E>)
    = default;
#endif

    constexpr expected(const expected& other) noexcept(std::is_nothrow_copy_constructible_v<E>)
        requires(
            std::is_copy_constructible_v<E> &&
            (!expected_detail::trivial_members || !std::is_trivially_copy_constructible_v<E>))
        : m_has_value(other.m_has_value)
    {
        if (!m_has_value)
            std::construct_at(std::addressof(m_error), other.m_error);
    }

#if CORO_EXPECTED_TRIVIAL_MEMBERS
    constexpr expected(expected&&)
        requires(std::is_trivially_move_constructible_v<E>)
    = default;
#endif

    constexpr expected(expected&& other) noexcept(std::is_nothrow_move_constructible_v<E>)
        requires(
            std::is_move_constructible_v<E> &&
            (!expected_detail::trivial_members || !std::is_trivially_move_constructible_v<E>))
        : m_has_value(other.m_has_value)
    {
        if (!m_has_value)
            std::construct_at(std::addressof(m_error), std::move(other.m_error));
    }

    template <typename U, typename G>
        requires(std::is_void_v<U> && std::is_constructible_v<E, const G&>)
    constexpr explicit(!std::is_convertible_v<const G&, E>) expected(const expected<U, G>& other)
        : m_has_value(other.m_has_value)
    {
        if (!m_has_value)
            std::construct_at(std::addressof(m_error), other.m_error);
    }

    template <typename U, typename G>
        requires(std::is_void_v<U> && std::is_constructible_v<E, G>)
    constexpr explicit(!std::is_convertible_v<G, E>) expected(expected<U, G>&& other) : m_has_value(other.m_has_value)
    {
        if (!m_has_value)
            std::construct_at(std::addressof(m_error), std::move(other.m_error));
    }

    template <typename G>
        requires std::is_constructible_v<E, const G&>
    constexpr explicit(!std::is_convertible_v<const G&, E>) expected(const unexpected<G>& e)
        : m_error(e.error()), m_has_value(false)
    {
    }

    template <typename G>
        requires std::is_constructible_v<E, G>
    constexpr explicit(!std::is_convertible_v<G, E>) expected(unexpected<G>&& e)
        : m_error(std::move(e).error()), m_has_value(false)
    {
    }

    constexpr explicit expected(std::in_place_t) noexcept : m_has_value(true) {}

    template <typename... Args>
        requires std::is_constructible_v<E, Args...>
    constexpr explicit expected(unexpect_t, Args&&... args) : m_error(std::forward<Args>(args)...), m_has_value(false)
    {
    }

    template <typename U, typename... Args>
        requires std::is_constructible_v<E, std::initializer_list<U>&, Args...>
    constexpr explicit expected(unexpect_t, std::initializer_list<U> il, Args&&... args)
        : m_error(il, std::forward<Args>(args)...), m_has_value(false)
    {
    }

#if CORO_EXPECTED_TRIVIAL_MEMBERS
    constexpr ~expected()
        requires std::is_trivially_destructible_v<E>
    = default;
#endif

    constexpr ~expected()
        requires(!expected_detail::trivial_members || !std::is_trivially_destructible_v<E>)
    {
        if (!m_has_value)
            std::destroy_at(std::addressof(m_error));
    }

    constexpr auto operator=(const expected& other)
        -> expected& requires(std::is_copy_assignable_v<E>&& std::is_copy_constructible_v<E>) {
            if (m_has_value && !other.m_has_value)
            {
                std::construct_at(std::addressof(m_error), other.m_error);
                m_has_value = false;
            }
            else if (!m_has_value && other.m_has_value)
            {
                std::destroy_at(std::addressof(m_error));
                m_has_value = true;
            }
            else if (!m_has_value)
                m_error = other.m_error;
            return *this;
        }

    constexpr auto operator=(expected&& other) noexcept(
        std::is_nothrow_move_constructible_v<E> && std::is_nothrow_move_assignable_v<E>)
        -> expected& requires(std::is_move_assignable_v<E>&& std::is_move_constructible_v<E>) {
            if (m_has_value && !other.m_has_value)
            {
                std::construct_at(std::addressof(m_error), std::move(other.m_error));
                m_has_value = false;
            }
            else if (!m_has_value && other.m_has_value)
            {
                std::destroy_at(std::addressof(m_error));
                m_has_value = true;
            }
            else if (!m_has_value)
                m_error = std::move(other.m_error);
            return *this;
        }

    template <typename G>
        requires(std::is_constructible_v<E, const G&> && std::is_assignable_v<E&, const G&>)
    constexpr auto operator=(const unexpected<G>& e) -> expected&
    {
        if (m_has_value)
        {
            std::construct_at(std::addressof(m_error), e.error());
            m_has_value = false;
        }
        else
            m_error = e.error();
        return *this;
    }

    template <typename G>
        requires(std::is_constructible_v<E, G> && std::is_assignable_v<E&, G>)
    constexpr auto operator=(unexpected<G>&& e) -> expected&
    {
        if (m_has_value)
        {
            std::construct_at(std::addressof(m_error), std::move(e).error());
            m_has_value = false;
        }
        else
            m_error = std::move(e).error();
        return *this;
    }

    constexpr auto emplace() noexcept -> void
    {
        if (!m_has_value)
        {
            std::destroy_at(std::addressof(m_error));
            m_has_value = true;
        }
    }

    constexpr auto swap(expected& other) noexcept(
        std::is_nothrow_move_constructible_v<E> && std::is_nothrow_swappable_v<E>) -> void
        requires(std::is_swappable_v<E> && std::is_move_constructible_v<E>)
    {
        using std::swap;
        if (m_has_value && other.m_has_value)
            return;
        if (!m_has_value && !other.m_has_value)
            swap(m_error, other.m_error);
        else if (m_has_value)
        {
            std::construct_at(std::addressof(m_error), std::move(other.m_error));
            std::destroy_at(std::addressof(other.m_error));
            m_has_value       = false;
            other.m_has_value = true;
        }
        else
            other.swap(*this);
    }

    friend constexpr auto swap(expected& a, expected& b) noexcept(noexcept(a.swap(b))) -> void
        requires requires { a.swap(b); }
    {
        a.swap(b);
    }

    constexpr explicit operator bool() const noexcept { return m_has_value; }
    constexpr auto     has_value() const noexcept -> bool { return m_has_value; }

    constexpr auto operator*() const noexcept -> void {}

    constexpr auto value() const& -> void
    {
        if (!m_has_value)
            throw bad_expected_access<std::decay_t<E>>(m_error);
    }
    constexpr auto value() && -> void
    {
        if (!m_has_value)
            throw bad_expected_access<std::decay_t<E>>(std::move(m_error));
    }

    constexpr auto error() & noexcept -> E& { return m_error; }
    constexpr auto error() const& noexcept -> const E& { return m_error; }
    constexpr auto error() && noexcept -> E&& { return std::move(m_error); }
    constexpr auto error() const&& noexcept -> const E&& { return std::move(m_error); }

    template <typename G = E>
    constexpr auto error_or(G&& fallback) const& -> E
    {
        return m_has_value ? static_cast<E>(std::forward<G>(fallback)) : m_error;
    }
    template <typename G = E>
    constexpr auto error_or(G&& fallback) && -> E
    {
        return m_has_value ? static_cast<E>(std::forward<G>(fallback)) : std::move(m_error);
    }

    template <typename F>
    constexpr auto and_then(F&& f) const&
    {
        using result = std::remove_cvref_t<std::invoke_result_t<F>>;
        static_assert(expected_detail::is_expected<result>, "and_then: F must return an expected");
        if (m_has_value)
            return std::invoke(std::forward<F>(f));
        return result(unexpect, m_error);
    }
    template <typename F>
    constexpr auto and_then(F&& f) &&
    {
        using result = std::remove_cvref_t<std::invoke_result_t<F>>;
        static_assert(expected_detail::is_expected<result>, "and_then: F must return an expected");
        if (m_has_value)
            return std::invoke(std::forward<F>(f));
        return result(unexpect, std::move(m_error));
    }

    template <typename F>
    constexpr auto or_else(F&& f) const&
    {
        using result = std::remove_cvref_t<std::invoke_result_t<F, const E&>>;
        if (m_has_value)
            return result();
        return std::invoke(std::forward<F>(f), m_error);
    }
    template <typename F>
    constexpr auto or_else(F&& f) &&
    {
        using result = std::remove_cvref_t<std::invoke_result_t<F, E&&>>;
        if (m_has_value)
            return result();
        return std::invoke(std::forward<F>(f), std::move(m_error));
    }

    template <typename F>
    constexpr auto transform(F&& f) const&
    {
        using mapped = std::remove_cv_t<std::invoke_result_t<F>>;
        using result = expected<mapped, E>;
        if (!m_has_value)
            return result(unexpect, m_error);
        if constexpr (std::is_void_v<mapped>)
        {
            std::invoke(std::forward<F>(f));
            return result();
        }
        else
            return result(std::in_place, std::invoke(std::forward<F>(f)));
    }
    template <typename F>
    constexpr auto transform(F&& f) &&
    {
        using mapped = std::remove_cv_t<std::invoke_result_t<F>>;
        using result = expected<mapped, E>;
        if (!m_has_value)
            return result(unexpect, std::move(m_error));
        if constexpr (std::is_void_v<mapped>)
        {
            std::invoke(std::forward<F>(f));
            return result();
        }
        else
            return result(std::in_place, std::invoke(std::forward<F>(f)));
    }

    template <typename F>
    constexpr auto transform_error(F&& f) const&
    {
        using mapped = std::remove_cv_t<std::invoke_result_t<F, const E&>>;
        using result = expected<T, mapped>;
        if (m_has_value)
            return result();
        return result(unexpect, std::invoke(std::forward<F>(f), m_error));
    }
    template <typename F>
    constexpr auto transform_error(F&& f) &&
    {
        using mapped = std::remove_cv_t<std::invoke_result_t<F, E&&>>;
        using result = expected<T, mapped>;
        if (m_has_value)
            return result();
        return result(unexpect, std::invoke(std::forward<F>(f), std::move(m_error)));
    }

    template <typename T2, typename E2>
        requires std::is_void_v<T2>
    friend constexpr auto operator==(const expected& a, const expected<T2, E2>& b) -> bool
    {
        if (a.has_value() != b.has_value())
            return false;
        return a.has_value() || static_cast<bool>(a.error() == b.error());
    }

    template <typename E2>
    friend constexpr auto operator==(const expected& a, const unexpected<E2>& e) -> bool
    {
        return !a.has_value() && static_cast<bool>(a.error() == e.error());
    }

private:
    union
    {
        E m_error;
    };
    bool m_has_value;
};

} // namespace coro::detail

#undef CORO_EXPECTED_TRIVIAL_MEMBERS
