#pragma once

#include "coro/detail/when_all_latch.hpp"
#include "coro/gocoro_extensions.hpp"
#if GOCORO_CORE_EXTENSIONS
    #include "coro/detail/frame_allocator.hpp"
#endif

#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace coro
{
template <typename return_type = void>
class task;

namespace detail
{
/// Shared by every task promise: the single continuation slot and the final symmetric transfer.
struct promise_base
{
    friend struct final_awaitable;
    struct final_awaitable
    {
        auto await_ready() const noexcept -> bool { return false; }

        template <typename promise_type>
        auto await_suspend(std::coroutine_handle<promise_type> coroutine) noexcept -> std::coroutine_handle<>
        {
            // Symmetric transfer back to whoever awaited us: no stack growth, no thread hop.
            const std::uintptr_t continuation = coroutine.promise().m_continuation;
            if ((continuation & latch_tag) != 0)
            {
                if (t_starting_child == coroutine.address())
                {
                    t_starting_child = nullptr; // finished inline: when_all's awaiter counts us (when_all_latch.hpp)
                    return std::noop_coroutine();
                }
                return reinterpret_cast<detail::when_all_latch*>(continuation & ~latch_tag)
                    ->notify_awaitable_completed();
            }
            if (continuation != 0)
            {
                return std::coroutine_handle<>::from_address(reinterpret_cast<void*>(continuation));
            }
            return std::noop_coroutine();
        }

        auto await_resume() noexcept -> void {}
    };

    promise_base() noexcept = default;
    ~promise_base()         = default;

#if GOCORO_CORE_EXTENSIONS
    // Frames come from the per-thread frame cache (see frame_allocator.hpp).
    static auto operator new(std::size_t size) -> void* { return frame_allocate(size); }
    static auto operator delete(void* frame, std::size_t size) noexcept -> void { frame_deallocate(frame, size); }
#endif

    auto initial_suspend() noexcept { return std::suspend_always{}; }

    auto final_suspend() noexcept { return final_awaitable{}; }

    auto continuation(std::coroutine_handle<> continuation) noexcept -> void
    {
        m_continuation = reinterpret_cast<std::uintptr_t>(continuation.address());
    }

    /// Makes this task a direct child of a when_all: at its end it counts down `latch` instead of resuming an
    /// awaiter, which saves when_all a wrapper coroutine (a second frame) per child.
    auto notify_latch_at_end(detail::when_all_latch& latch) noexcept -> void
    {
        m_continuation = reinterpret_cast<std::uintptr_t>(&latch) | latch_tag;
    }

protected:
    // One word, so every task frame stays small: the awaiting coroutine's address, or a when_all latch's address
    // tagged in its low bit (both are at least 2-aligned), or 0 (nobody to resume).
    static constexpr std::uintptr_t latch_tag = 1;
    static_assert(alignof(detail::when_all_latch) >= 2);
    std::uintptr_t m_continuation{0};
};

/// Marker for "the coroutine has not produced a value yet".
struct unset_return_value
{
    unset_return_value() {}
    unset_return_value(unset_return_value&&)      = delete;
    unset_return_value(const unset_return_value&) = delete;
    auto operator=(unset_return_value&&)          = delete;
    auto operator=(const unset_return_value&)     = delete;
};

[[noreturn]] inline auto throw_unset_return_value() -> void
{
    throw std::runtime_error{"The return value was never set, did you execute the coroutine?"};
}

template <typename return_type>
struct promise final : public promise_base
{
    using task_type                                = task<return_type>;
    using coroutine_handle                         = std::coroutine_handle<promise<return_type>>;
    static constexpr bool return_type_is_reference = std::is_reference_v<return_type>;
    using stored_type                              = std::conditional_t<
                                     return_type_is_reference,
                                     std::remove_reference_t<return_type>*,
                                     std::remove_const_t<return_type>>;
    using variant_type = std::variant<unset_return_value, stored_type, std::exception_ptr>;

    promise() noexcept {}
    promise(const promise&)             = delete;
    promise(promise&& other)            = delete;
    promise& operator=(const promise&)  = delete;
    promise& operator=(promise&& other) = delete;
    ~promise()                          = default;

    auto get_return_object() noexcept -> task_type;

    template <typename value_type>
        requires(return_type_is_reference and std::is_constructible_v<return_type, value_type &&>) or
                (not return_type_is_reference and std::is_constructible_v<stored_type, value_type &&>)
    auto return_value(value_type&& value) -> void
    {
        if constexpr (return_type_is_reference)
        {
            return_type ref = static_cast<value_type&&>(value);
            m_storage.template emplace<stored_type>(std::addressof(ref));
        }
        else
        {
            // Constructed in place: exactly one construction from the operand.
            m_storage.template emplace<stored_type>(std::forward<value_type>(value));
        }
    }

    // Fallback for operands the template cannot take, e.g. a prvalue of a type whose move constructor is
    // deleted (it materialises as a temporary bound here). An rvalue reference, not a value (libcoro v0.16, D3):
    // for `co_return local;` this non-template overload ties with the template and wins, and taking the operand
    // by value cost one extra move (issue-286 expects two moves in total through sync_wait).
    auto return_value(stored_type&& value) -> void
        requires(not return_type_is_reference)
    {
        if constexpr (std::is_move_constructible_v<stored_type>)
        {
            m_storage.template emplace<stored_type>(std::move(value));
        }
        else
        {
            m_storage.template emplace<stored_type>(value);
        }
    }

    auto unhandled_exception() noexcept -> void
    {
        m_storage.template emplace<std::exception_ptr>(std::current_exception());
    }

    auto result() & -> decltype(auto)
    {
        if (std::holds_alternative<stored_type>(m_storage))
        {
            if constexpr (return_type_is_reference)
            {
                return static_cast<return_type>(*std::get<stored_type>(m_storage));
            }
            else
            {
                return static_cast<const return_type&>(std::get<stored_type>(m_storage));
            }
        }
        rethrow_or_throw_unset();
    }

    auto result() const& -> decltype(auto)
    {
        if (std::holds_alternative<stored_type>(m_storage))
        {
            if constexpr (return_type_is_reference)
            {
                return static_cast<std::add_const_t<return_type>>(*std::get<stored_type>(m_storage));
            }
            else
            {
                return static_cast<const return_type&>(std::get<stored_type>(m_storage));
            }
        }
        rethrow_or_throw_unset();
    }

    auto result() && -> decltype(auto)
    {
        if (std::holds_alternative<stored_type>(m_storage))
        {
            if constexpr (return_type_is_reference)
            {
                return static_cast<return_type>(*std::get<stored_type>(m_storage));
            }
            else if constexpr (std::is_move_constructible_v<return_type>)
            {
                return static_cast<return_type&&>(std::get<stored_type>(m_storage));
            }
            else
            {
                return static_cast<const return_type&&>(std::get<stored_type>(m_storage));
            }
        }
        rethrow_or_throw_unset();
    }

private:
    [[noreturn]] auto rethrow_or_throw_unset() const -> void
    {
        if (std::holds_alternative<std::exception_ptr>(m_storage))
        {
            std::rethrow_exception(std::get<std::exception_ptr>(m_storage));
        }
        throw_unset_return_value();
    }

    variant_type m_storage{};
};

template <>
struct promise<void> : public promise_base
{
    using task_type        = task<void>;
    using coroutine_handle = std::coroutine_handle<promise<void>>;

    promise() noexcept                  = default;
    promise(const promise&)             = delete;
    promise(promise&& other)            = delete;
    promise& operator=(const promise&)  = delete;
    promise& operator=(promise&& other) = delete;
    ~promise()                          = default;

    auto get_return_object() noexcept -> task_type;

    auto return_void() noexcept -> void {}

    auto unhandled_exception() noexcept -> void { m_exception_ptr = std::current_exception(); }

    auto result() -> void
    {
        if (m_exception_ptr)
        {
            std::rethrow_exception(m_exception_ptr);
        }
    }

private:
    std::exception_ptr m_exception_ptr{nullptr};
};

} // namespace detail

/// A lazy coroutine producing one `return_type`. Owns its frame; awaited by at most one coroutine at a
/// time; not thread-safe. The body starts at the first resume() or when awaited.
template <typename return_type>
class [[nodiscard]] task
{
public:
    using task_type        = task<return_type>;
    using promise_type     = detail::promise<return_type>;
    using coroutine_handle = std::coroutine_handle<promise_type>;

    struct awaitable_base
    {
        awaitable_base(coroutine_handle coroutine) noexcept : m_coroutine(coroutine) {}

        auto await_ready() const noexcept -> bool { return !m_coroutine || m_coroutine.done(); }

        auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> std::coroutine_handle<>
        {
            m_coroutine.promise().continuation(awaiting_coroutine);
            return m_coroutine;
        }

        std::coroutine_handle<promise_type> m_coroutine{nullptr};
    };

    task() noexcept : m_coroutine(nullptr) {}

    explicit task(coroutine_handle handle) : m_coroutine(handle) {}
    task(const task&) = delete;
    task(task&& other) noexcept : m_coroutine(in_register(std::exchange(other.m_coroutine, nullptr))) {}

    ~task()
    {
        if (m_coroutine != nullptr)
        {
            m_coroutine.destroy();
        }
    }

    auto operator=(const task&) -> task& = delete;

    auto operator=(task&& other) noexcept -> task&
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

    /// True when the task is empty or has run to completion.
    auto is_ready() const noexcept -> bool { return m_coroutine == nullptr || m_coroutine.done(); }

    /// Resumes the body if it is not finished; true when it is still not finished afterwards.
    auto resume() -> bool
    {
        if (!m_coroutine.done())
        {
            m_coroutine.resume();
        }
        return !m_coroutine.done();
    }

    auto destroy() -> bool
    {
        if (m_coroutine != nullptr)
        {
            m_coroutine.destroy();
            m_coroutine = nullptr;
            return true;
        }
        return false;
    }

    auto operator co_await() const& noexcept
    {
        struct awaitable : public awaitable_base
        {
            auto await_resume() -> decltype(auto) { return this->m_coroutine.promise().result(); }
        };
        return awaitable{m_coroutine};
    }

    auto operator co_await() const&& noexcept
    {
        struct awaitable : public awaitable_base
        {
            auto await_resume() -> decltype(auto) { return std::move(this->m_coroutine.promise()).result(); }
        };
        return awaitable{m_coroutine};
    }

    auto promise() & -> promise_type& { return m_coroutine.promise(); }
    auto promise() const& -> const promise_type& { return m_coroutine.promise(); }
    auto promise() && -> promise_type&& { return std::move(m_coroutine.promise()); }

    auto handle() -> coroutine_handle { return m_coroutine; }

private:
    /// Passes a moved handle through a register: GCC otherwise moves two adjacent tasks (the arguments of
    /// when_all(f(), g())) with one 16-byte load right after their ramps stored them 8 bytes each, which the store
    /// buffer cannot forward (a stall of about 5-10% of a fork-join node, fib_inline). Emits no instruction.
    static auto in_register(coroutine_handle handle) noexcept -> coroutine_handle
    {
        void* address = handle.address();
        __asm__("" : "+r"(address));
        return coroutine_handle::from_address(address);
    }

    coroutine_handle m_coroutine{nullptr};
};

namespace detail
{
template <typename return_type>
inline auto promise<return_type>::get_return_object() noexcept -> task<return_type>
{
    return task<return_type>{coroutine_handle::from_promise(*this)};
}

inline auto promise<void>::get_return_object() noexcept -> task<>
{
    return task<>{coroutine_handle::from_promise(*this)};
}

} // namespace detail

} // namespace coro
