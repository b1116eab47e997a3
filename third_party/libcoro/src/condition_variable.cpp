#include "coro/condition_variable.hpp"

#include <stdexcept>

namespace coro
{
condition_variable::awaiter_base::awaiter_base(condition_variable& cv, coro::v16::scoped_lock& lock)
    : m_cv(cv),
      m_mutex(mutex_of(lock))
{
}

auto condition_variable::awaiter_base::await_suspend(std::coroutine_handle<> awaiting_coroutine) -> void
{
    m_awaiting_coroutine = awaiting_coroutine;
    m_cv.push(this);
    // From here on a notifier may own this waiter; nothing of `this` is touched after the unlock.
    m_mutex.unlock();
}

auto condition_variable::mutex_of(coro::v16::scoped_lock& lock) -> coro::v16::mutex&
{
    if (lock.m_mutex == nullptr)
    {
        throw std::runtime_error{"coro::condition_variable::wait: the scoped_lock does not own a mutex"};
    }
    return *lock.m_mutex;
}

auto condition_variable::notify_one() -> coro::task<void>
{
    if (auto* waiter = pop(); waiter != nullptr)
    {
        co_await notify_waiter(waiter);
    }
}

auto condition_variable::notify_all() -> coro::task<void>
{
    awaiter_base* waiters = detach_all();
    while (waiters != nullptr)
    {
        // A resumed waiter may end the awaiter's life, so the link is read first.
        auto* next = waiters->m_next;
        co_await notify_waiter(waiters);
        waiters = next;
    }
}

auto condition_variable::push(awaiter_base* waiter) -> void
{
    std::lock_guard lk{m_waiters_mutex};
    waiter->m_next = std::exchange(m_waiters, waiter);
}

auto condition_variable::pop() -> awaiter_base*
{
    std::lock_guard lk{m_waiters_mutex};
    auto*           waiter = m_waiters;
    if (waiter != nullptr)
    {
        m_waiters = waiter->m_next;
    }
    return waiter;
}

auto condition_variable::detach_all() -> awaiter_base*
{
    std::lock_guard lk{m_waiters_mutex};
    return std::exchange(m_waiters, nullptr);
}

auto condition_variable::notify_waiter(awaiter_base* waiter) -> coro::task<void>
{
    co_await waiter->m_mutex.lock();
    if (waiter->on_notify())
    {
        // The waiter now owns the mutex.
        waiter->m_awaiting_coroutine.resume();
        co_return;
    }
    auto& mutex = waiter->m_mutex;
    waiter->m_cv.push(waiter);
    mutex.unlock();
}

} // namespace coro
