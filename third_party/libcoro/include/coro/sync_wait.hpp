#pragma once

#include "coro/concepts/awaitable.hpp"
#include "coro/detail/futex.hpp"

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <exception>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

namespace coro
{
namespace detail
{
/// One-shot completion flag a plain thread can block on. A futex instead of mutex+condvar: set() by a
/// worker costs one atomic exchange unless the waiter actually went to sleep.
class sync_wait_event
{
public:
    sync_wait_event(bool initially_set = false);
    sync_wait_event(const sync_wait_event&)                    = delete;
    sync_wait_event(sync_wait_event&&)                         = delete;
    auto operator=(const sync_wait_event&) -> sync_wait_event& = delete;
    auto operator=(sync_wait_event&&) -> sync_wait_event&      = delete;
    ~sync_wait_event()                                         = default;

    auto set() noexcept -> void;
    auto reset() noexcept -> void;
    auto wait() noexcept -> void;

private:
    static constexpr uint32_t unset    = 0;
    static constexpr uint32_t is_set   = 1;
    static constexpr uint32_t sleeping = 2;
    std::atomic<uint32_t>     m_state{unset};
};

class sync_wait_task_promise_base
{
public:
    sync_wait_task_promise_base() noexcept = default;

    auto initial_suspend() noexcept -> std::suspend_always { return {}; }

    auto unhandled_exception() noexcept -> void { m_exception = std::current_exception(); }

protected:
    sync_wait_event*   m_event{nullptr};
    std::exception_ptr m_exception;

    ~sync_wait_task_promise_base() = default;
};

template <typename return_type>
class sync_wait_task;

/// Promise of the eager wrapper sync_wait runs. Non-void results arrive through co_yield, which keeps the
/// awaited value (a reference into the awaited object, or a temporary in this frame) alive while the
/// wrapper stays suspended, so only its address is stored: nothing is copied or moved here.
template <typename return_type>
class sync_wait_task_promise : public sync_wait_task_promise_base
{
public:
    using coroutine_type = std::coroutine_handle<sync_wait_task_promise<return_type>>;
    using value_type     = std::remove_reference_t<return_type>;

    sync_wait_task_promise() noexcept = default;
    ~sync_wait_task_promise()         = default;

    auto start(sync_wait_event& event) -> void
    {
        m_event = &event;
        coroutine_type::from_promise(*this).resume();
    }

    auto get_return_object() noexcept -> sync_wait_task<return_type>;

    auto yield_value(return_type&& value) noexcept
    {
        m_value = std::addressof(value);
        return final_suspend();
    }

    auto final_suspend() noexcept
    {
        struct completion_notifier
        {
            auto await_ready() const noexcept -> bool { return false; }
            auto await_suspend(coroutine_type coroutine) const noexcept -> void { coroutine.promise().m_event->set(); }
            auto await_resume() noexcept -> void {}
        };
        return completion_notifier{};
    }

    auto return_void() noexcept -> void {}

    auto result() -> return_type&&
    {
        if (m_exception)
        {
            std::rethrow_exception(m_exception);
        }
        return static_cast<return_type&&>(*m_value);
    }

private:
    value_type* m_value{nullptr};
};

template <>
class sync_wait_task_promise<void> : public sync_wait_task_promise_base
{
    using coroutine_type = std::coroutine_handle<sync_wait_task_promise<void>>;

public:
    sync_wait_task_promise() noexcept = default;
    ~sync_wait_task_promise()         = default;

    auto start(sync_wait_event& event) -> void
    {
        m_event = &event;
        coroutine_type::from_promise(*this).resume();
    }

    auto get_return_object() noexcept -> sync_wait_task<void>;

    auto final_suspend() noexcept
    {
        struct completion_notifier
        {
            auto await_ready() const noexcept -> bool { return false; }
            auto await_suspend(coroutine_type coroutine) const noexcept -> void { coroutine.promise().m_event->set(); }
            auto await_resume() noexcept -> void {}
        };
        return completion_notifier{};
    }

    auto return_void() noexcept -> void {}

    auto result() -> void
    {
        if (m_exception)
        {
            std::rethrow_exception(m_exception);
        }
    }
};

template <typename return_type>
class sync_wait_task
{
public:
    using promise_type   = sync_wait_task_promise<return_type>;
    using coroutine_type = std::coroutine_handle<promise_type>;

    sync_wait_task(coroutine_type coroutine) noexcept : m_coroutine(coroutine) {}
    sync_wait_task(const sync_wait_task&) = delete;
    sync_wait_task(sync_wait_task&& other) noexcept : m_coroutine(std::exchange(other.m_coroutine, nullptr)) {}
    auto operator=(const sync_wait_task&) -> sync_wait_task& = delete;
    auto operator=(sync_wait_task&& other) -> sync_wait_task&
    {
        if (std::addressof(other) != this)
        {
            if (m_coroutine)
            {
                m_coroutine.destroy();
            }
            m_coroutine = std::exchange(other.m_coroutine, nullptr);
        }
        return *this;
    }

    ~sync_wait_task()
    {
        if (m_coroutine)
        {
            m_coroutine.destroy();
        }
    }

    auto promise() & -> promise_type& { return m_coroutine.promise(); }
    auto promise() const& -> const promise_type& { return m_coroutine.promise(); }
    auto promise() && -> promise_type&& { return std::move(m_coroutine.promise()); }

private:
    coroutine_type m_coroutine;
};

template <typename return_type>
inline auto sync_wait_task_promise<return_type>::get_return_object() noexcept -> sync_wait_task<return_type>
{
    return sync_wait_task<return_type>{coroutine_type::from_promise(*this)};
}

inline auto sync_wait_task_promise<void>::get_return_object() noexcept -> sync_wait_task<void>
{
    return sync_wait_task<void>{coroutine_type::from_promise(*this)};
}

template <
    concepts::awaitable awaitable_type,
    typename return_type = typename concepts::awaitable_traits<awaitable_type>::awaiter_return_type>
static auto make_sync_wait_task(awaitable_type&& a) -> sync_wait_task<return_type>
{
    if constexpr (std::is_void_v<return_type>)
    {
        co_await std::forward<awaitable_type>(a);
        co_return;
    }
    else
    {
        co_yield co_await std::forward<awaitable_type>(a);
    }
}

} // namespace detail

/// Runs `a` on the calling thread until it completes (it may hop to other threads meanwhile), blocking this
/// thread, and returns its result here. Reference results refer into the awaited object (valid until the end of
/// the caller's full-expression); value results are returned by value.
template <
    concepts::awaitable awaitable_type,
    typename return_type = typename concepts::awaitable_traits<awaitable_type>::awaiter_return_type>
auto sync_wait(awaitable_type&& a) -> decltype(auto)
{
    detail::sync_wait_event e{};
    auto                    task = detail::make_sync_wait_task(std::forward<awaitable_type>(a));
    task.promise().start(e);
    e.wait();

    if constexpr (std::is_void_v<return_type>)
    {
        task.promise().result();
        return;
    }
    else if constexpr (std::is_reference_v<return_type>)
    {
        return task.promise().result();
    }
    else
    {
        // A prvalue result lives in the wrapper frame; move it out before the frame dies (fixes v0.14.1's
        // dangling const& for non-move-assignable types). Copy-only types (deleted move constructor) and const
        // results are copied (libcoro v0.16, D4).
        using value_type = std::remove_const_t<return_type>;
        if constexpr (std::is_move_constructible_v<value_type> && !std::is_const_v<return_type>)
        {
            return value_type(std::move(task.promise().result()));
        }
        else
        {
            return value_type(static_cast<const value_type&>(task.promise().result()));
        }
    }
}

} // namespace coro
