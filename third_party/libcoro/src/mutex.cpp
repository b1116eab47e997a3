#include "coro/mutex.hpp"

namespace coro::LIBCORO_INLINE_V14 v14
{
auto mutex::lock_operation::await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
{
    m_awaiting_coroutine = awaiting_coroutine;

    void* const unlocked = m_mutex.unlocked_value();
    void*       state    = m_mutex.m_state.load(std::memory_order_acquire);
    while (true)
    {
        if (state == unlocked)
        {
            // Freed since await_ready(): take it without suspending.
            if (m_mutex.m_state.compare_exchange_weak(
                    state, locked_no_waiters, std::memory_order_acquire, std::memory_order_acquire))
            {
                return false;
            }
        }
        else
        {
            m_next = static_cast<lock_operation*>(state);
            if (m_mutex.m_state.compare_exchange_weak(
                    state, this, std::memory_order_release, std::memory_order_acquire))
            {
                return true;
            }
        }
    }
}

auto mutex::unlock_slow() -> void
{
    if (m_waiters == nullptr)
    {
        // Detach every waiter queued since the last hand-off; the lock stays held (state: locked, no waiters).
        // They are served in stack order, i.e. most recent first.
        m_waiters = static_cast<lock_operation*>(m_state.exchange(locked_no_waiters, std::memory_order_acq_rel));
    }

    lock_operation* next_owner = m_waiters;
    m_waiters                  = next_owner->m_next;
    // Ownership passes to next_owner; it runs on this thread now and may unlock() again inside this call.
    next_owner->m_awaiting_coroutine.resume();
}

} // namespace coro::LIBCORO_INLINE_V14v14
