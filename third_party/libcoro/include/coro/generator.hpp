#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <iterator>
#include <memory>
#include <ranges>
#include <type_traits>
#include <utility>

namespace coro
{
template <typename T>
class generator;

namespace detail
{
/// Promise of generator<T>: keeps the address of the most recently yielded object (which stays alive in the
/// suspended body until the next resume) and any exception that ended the body.
template <typename T>
class generator_promise
{
public:
    using value_type     = std::remove_reference_t<T>;
    using reference_type = std::conditional_t<std::is_reference_v<T>, T, T&>;
    using pointer_type   = value_type*;

    generator_promise() = default;

    auto get_return_object() noexcept -> generator<T>;

    auto initial_suspend() const { return std::suspend_always{}; }

    auto final_suspend() const noexcept { return std::suspend_always{}; }

    auto yield_value(std::remove_reference_t<T>& value) noexcept
        requires(!std::is_rvalue_reference_v<T>)
    {
        m_value = std::addressof(value);
        return std::suspend_always{};
    }

    auto yield_value(std::remove_reference_t<T>&& value) noexcept
    {
        m_value = std::addressof(value);
        return std::suspend_always{};
    }

    auto unhandled_exception() -> void { m_exception = std::current_exception(); }

    auto return_void() noexcept -> void {}

    auto value() const noexcept -> reference_type { return static_cast<reference_type>(*m_value); }

    auto rethrow_if_exception() -> void
    {
        if (m_exception)
        {
            std::rethrow_exception(std::exchange(m_exception, nullptr));
        }
    }

private:
    pointer_type       m_value{nullptr};
    std::exception_ptr m_exception;
};

struct generator_sentinel
{
};

/// Input iterator over a generator: ++ resumes the body to its next co_yield.
template <typename T>
class generator_iterator
{
    using coroutine_handle = std::coroutine_handle<generator_promise<T>>;

public:
    using iterator_category = std::input_iterator_tag;
    using iterator_concept  = std::input_iterator_tag;
    using difference_type   = std::ptrdiff_t;
    using value_type        = typename generator_promise<T>::value_type;
    using reference         = typename generator_promise<T>::reference_type;
    using pointer           = typename generator_promise<T>::pointer_type;

    generator_iterator() noexcept {}

    explicit generator_iterator(coroutine_handle coroutine) noexcept : m_coroutine(coroutine) {}

    friend auto operator==(const generator_iterator& it, generator_sentinel) noexcept -> bool
    {
        return it.m_coroutine == nullptr || it.m_coroutine.done();
    }

    friend auto operator!=(const generator_iterator& it, generator_sentinel s) noexcept -> bool { return !(it == s); }

    friend auto operator==(generator_sentinel s, const generator_iterator& it) noexcept -> bool { return it == s; }

    friend auto operator!=(generator_sentinel s, const generator_iterator& it) noexcept -> bool { return !(it == s); }

    auto operator++() -> generator_iterator&
    {
        m_coroutine.resume();
        if (m_coroutine.done())
        {
            m_coroutine.promise().rethrow_if_exception();
        }
        return *this;
    }

    auto operator++(int) -> void { (void)operator++(); }

    auto operator*() const noexcept -> reference { return m_coroutine.promise().value(); }

    auto operator->() const noexcept -> pointer { return std::addressof(operator*()); }

private:
    coroutine_handle m_coroutine{nullptr};
};

} // namespace detail

/// Lazy, synchronous, single-pass sequence produced by a coroutine body with co_yield. The body may co_await
/// (libcoro v0.16) only what completes synchronously, or resumes it on the consumer's thread before the consumer
/// goes on: begin()/++ return as soon as the body suspends, at a co_yield or elsewhere. Yielded objects are
/// exposed by reference (never copied). A std::ranges::view, so it composes with range adaptors.
template <typename T>
class generator : public std::ranges::view_base
{
public:
    using promise_type = detail::generator_promise<T>;
    using iterator     = detail::generator_iterator<T>;
    using sentinel     = detail::generator_sentinel;

    generator() noexcept : m_coroutine(nullptr) {}

    generator(const generator&) = delete;
    generator(generator&& other) noexcept : m_coroutine(std::exchange(other.m_coroutine, nullptr)) {}

    auto operator=(const generator&) = delete;
    auto operator=(generator&& other) noexcept -> generator&
    {
        if (std::addressof(other) != this)
        {
            if (m_coroutine != nullptr)
            {
                m_coroutine.destroy();
            }
            m_coroutine = std::exchange(other.m_coroutine, nullptr);
        }
        return *this;
    }

    ~generator()
    {
        if (m_coroutine != nullptr)
        {
            m_coroutine.destroy();
        }
    }

    /// Runs the body to its first co_yield; rethrows if it ended by throwing. Empty generator → end.
    auto begin() -> iterator
    {
        if (m_coroutine != nullptr)
        {
            m_coroutine.resume();
            if (m_coroutine.done())
            {
                m_coroutine.promise().rethrow_if_exception();
            }
        }
        return iterator{m_coroutine};
    }

    auto end() noexcept -> sentinel { return sentinel{}; }

private:
    friend class detail::generator_promise<T>;

    explicit generator(std::coroutine_handle<promise_type> coroutine) noexcept : m_coroutine(coroutine) {}

    std::coroutine_handle<promise_type> m_coroutine;
};

namespace detail
{
template <typename T>
auto generator_promise<T>::get_return_object() noexcept -> generator<T>
{
    return generator<T>{std::coroutine_handle<generator_promise<T>>::from_promise(*this)};
}

} // namespace detail

} // namespace coro
