#pragma once

#include "coro/concepts/executor.hpp"

#include <atomic>
#include <coroutine>
#include <memory>

namespace coro
{
/// Order in which set() resumes the coroutines waiting on an event.
enum class resume_order_policy
{
    /// Most recent waiter first (the default: no list reversal).
    lifo,
    /// Waiters resumed in the order they started waiting.
    fifo
};

/// Manual-reset event for coroutines: any number may await it; set() resumes them all. Lock-free (one
/// atomic word). Thread-safe. Must outlive every awaiter.
class event
{
public:
    struct awaiter
    {
        awaiter(const event& e) noexcept : m_event(e) {}

        auto await_ready() const noexcept -> bool { return m_event.is_set(); }
        auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool;
        auto await_resume() noexcept {}

        const event&            m_event;
        std::coroutine_handle<> m_awaiting_coroutine;
        awaiter*                m_next{nullptr};
    };

    explicit event(bool initially_set = false) noexcept;
    ~event() = default;

    event(const event&)                    = delete;
    event(event&&)                         = delete;
    auto operator=(const event&) -> event& = delete;
    auto operator=(event&&) -> event&      = delete;

    auto is_set() const noexcept -> bool { return m_state.load(std::memory_order_acquire) == this; }

    /// Sets the event and resumes every waiter inline on this thread before returning. Idempotent.
    auto set(resume_order_policy policy = resume_order_policy::lifo) noexcept -> void;

    /// Sets the event and hands every waiter to `e.resume()` so they run on the executor's threads.
    template <concepts::v14::executor executor_type>
    auto set(executor_type& e, resume_order_policy policy = resume_order_policy::lifo) noexcept -> void
    {
        set_on(e, policy);
    }

    /// libcoro v0.16 spelling of set(executor, policy): the executor is passed as the unique_ptr owning it.
    template <concepts::v16::executor executor_type>
    auto set(std::unique_ptr<executor_type>& e, resume_order_policy policy = resume_order_policy::lifo) noexcept -> void
    {
        set_on(*e, policy);
    }

    auto operator co_await() const noexcept -> awaiter { return awaiter(*this); }

    /// Unsets a set event so it can be awaited again; does nothing to an unset event.
    auto reset() noexcept -> void;

protected:
    friend struct awaiter;

    template <typename executor_type>
    auto set_on(executor_type& e, resume_order_policy policy) noexcept -> void
    {
        void* old_value = m_state.exchange(this, std::memory_order_acq_rel);
        if (old_value != this)
        {
            auto* waiters = static_cast<awaiter*>(old_value);
            if (policy == resume_order_policy::fifo)
            {
                waiters = reverse(waiters);
            }
            while (waiters != nullptr)
            {
                auto* next = waiters->m_next;
                if (!e.resume(waiters->m_awaiting_coroutine))
                {
                    // The executor shut down meanwhile: resumed here rather than never (gocoro; libcoro drops it).
                    waiters->m_awaiting_coroutine.resume();
                }
                waiters = next;
            }
        }
    }

    static auto reverse(awaiter* head) noexcept -> awaiter*;

    /// nullptr: unset, no waiters. `this`: set. Anything else: head of the waiter list.
    mutable std::atomic<void*> m_state;
};

} // namespace coro
