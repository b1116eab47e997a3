#include "coro/semaphore.hpp"

#include <algorithm>

namespace coro::LIBCORO_INLINE_V14 v14
{
std::string semaphore::acquire_result_acquired          = "acquired";
std::string semaphore::acquire_result_semaphore_stopped = "semaphore_stopped";
std::string semaphore::acquire_result_unknown           = "unknown";

auto semaphore::to_string(acquire_result ar) -> const std::string&
{
    switch (ar)
    {
        case acquire_result::acquired:
            return acquire_result_acquired;
        case acquire_result::semaphore_stopped:
            return acquire_result_semaphore_stopped;
    }
    return acquire_result_unknown;
}

semaphore::semaphore(std::ptrdiff_t least_max_value_and_starting_value)
    : semaphore(least_max_value_and_starting_value, least_max_value_and_starting_value)
{
}

semaphore::semaphore(std::ptrdiff_t least_max_value, std::ptrdiff_t starting_value)
    : m_least_max_value(least_max_value), m_counter(std::min(starting_value, least_max_value))
{
}

semaphore::~semaphore()
{
    notify_waiters();
}

auto semaphore::acquire_operation::await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
{
    m_awaiting_coroutine = awaiting_coroutine;

    std::unique_lock lk{m_semaphore.m_waiter_mutex};
    if (m_semaphore.m_notify_all_set.load(std::memory_order_acquire))
    {
        m_result = acquire_result::semaphore_stopped;
        return false;
    }

    m_semaphore.m_waiter_count.fetch_add(1, std::memory_order_seq_cst);
    if (m_semaphore.try_acquire())
    {
        // A release() landed since await_ready(); it may or may not have seen us registered, either way the
        // unit is ours now.
        m_semaphore.m_waiter_count.fetch_sub(1, std::memory_order_relaxed);
        m_result = acquire_result::acquired;
        return false;
    }

    m_next                        = m_semaphore.m_acquire_waiters;
    m_semaphore.m_acquire_waiters = this;
    return true;
}

auto semaphore::release_to_waiter() -> void
{
    std::unique_lock   lk{m_waiter_mutex};
    acquire_operation* waiter = m_acquire_waiters;
    // The unit this release() added may already have been taken by a concurrent try_acquire()/acquire(); then
    // there is nothing to hand over (whoever took it will release it later).
    if (waiter == nullptr || !try_acquire())
    {
        return;
    }
    m_acquire_waiters = waiter->m_next;
    m_waiter_count.fetch_sub(1, std::memory_order_relaxed);
    lk.unlock();

    waiter->m_result = acquire_result::acquired;
    waiter->m_awaiting_coroutine.resume();
}

auto semaphore::notify_waiters() noexcept -> void
{
    m_notify_all_set.store(true, std::memory_order_release);

    acquire_operation* waiters = nullptr;
    {
        std::scoped_lock lk{m_waiter_mutex};
        waiters           = m_acquire_waiters;
        m_acquire_waiters = nullptr;
        m_waiter_count.store(0, std::memory_order_relaxed);
    }

    while (waiters != nullptr)
    {
        acquire_operation* next = waiters->m_next;
        waiters->m_result       = acquire_result::semaphore_stopped;
        waiters->m_awaiting_coroutine.resume();
        waiters = next;
    }
}

} // namespace coro::LIBCORO_INLINE_V14v14
