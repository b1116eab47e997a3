#include "coro/event.hpp"

namespace coro
{
event::event(bool initially_set) noexcept : m_state((initially_set) ? static_cast<void*>(this) : nullptr) {}

auto event::set(resume_order_policy policy) noexcept -> void
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
            // Read next first: resuming may destroy the awaiter (it lives in the waiter's frame).
            auto* next = waiters->m_next;
            waiters->m_awaiting_coroutine.resume();
            waiters = next;
        }
    }
}

auto event::reverse(awaiter* curr) noexcept -> awaiter*
{
    awaiter* prev = nullptr;
    while (curr != nullptr)
    {
        awaiter* next = curr->m_next;
        curr->m_next  = prev;
        prev          = curr;
        curr          = next;
    }
    return prev;
}

auto event::awaiter::await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
{
    const void* const set_state = &m_event;

    m_awaiting_coroutine = awaiting_coroutine;

    void* old_value = m_event.m_state.load(std::memory_order_acquire);
    do
    {
        if (old_value == set_state)
        {
            return false; // set meanwhile: do not suspend
        }
        m_next = static_cast<awaiter*>(old_value);
    } while (
        !m_event.m_state.compare_exchange_weak(old_value, this, std::memory_order_release, std::memory_order_acquire));

    return true;
}

auto event::reset() noexcept -> void
{
    void* old_value = this;
    m_state.compare_exchange_strong(old_value, nullptr, std::memory_order_acquire);
}

} // namespace coro
