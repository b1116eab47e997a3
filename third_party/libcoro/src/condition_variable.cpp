#include "coro/condition_variable.hpp"

#include <stdexcept>

namespace coro
{
condition_variable::awaiter_base::awaiter_base(condition_variable& cv, coro::v16::scoped_lock& lock)
    : m_cv(cv), m_mutex(mutex_of(lock))
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
    // A waiter whose timer took it over meanwhile does not consume the notification: try the next one.
    while (auto popped = pop())
    {
        if (co_await notify_waiter(std::move(*popped)))
        {
            co_return;
        }
    }
}

auto condition_variable::notify_all() -> coro::task<void>
{
    for (auto& popped : detach_all())
    {
        co_await notify_waiter(std::move(popped));
    }
}

auto condition_variable::push(awaiter_base* waiter) -> void
{
    std::lock_guard lk{m_waiters_mutex};
    waiter->m_next = std::exchange(m_waiters, waiter);
}

auto condition_variable::push_back(const popped_waiter& popped) -> void
{
    std::lock_guard lk{m_waiters_mutex};
    // Checked under the list lock, which withdraw() takes after the timer's claim: either the timer finds the
    // waiter back on the list and takes it off, or we see its claim and leave it off.
    if (popped.timed == nullptr || popped.timed->m_state.load(std::memory_order_acquire) == timed_state::waiting)
    {
        popped.waiter->m_next = std::exchange(m_waiters, popped.waiter);
    }
}

auto condition_variable::pop() -> std::optional<popped_waiter>
{
    std::lock_guard lk{m_waiters_mutex};
    auto*           waiter = m_waiters;
    if (waiter == nullptr)
    {
        return std::nullopt;
    }
    m_waiters = waiter->m_next;
    return popped_waiter{waiter, &waiter->m_mutex, waiter->m_timed};
}

auto condition_variable::detach_all() -> std::vector<popped_waiter>
{
    std::vector<popped_waiter> all;
    std::lock_guard            lk{m_waiters_mutex};
    for (auto* waiter = std::exchange(m_waiters, nullptr); waiter != nullptr; waiter = waiter->m_next)
    {
        all.push_back(popped_waiter{waiter, &waiter->m_mutex, waiter->m_timed});
    }
    return all;
}

auto condition_variable::withdraw(timed_state& state) -> void
{
    std::lock_guard lk{m_waiters_mutex};
    for (awaiter_base** link = &m_waiters; *link != nullptr; link = &(*link)->m_next)
    {
        if (*link == state.m_waiter)
        {
            *link = state.m_waiter->m_next;
            return;
        }
    }
}

auto condition_variable::notify_waiter(popped_waiter popped) -> coro::task<bool>
{
    co_await popped.mutex->lock();
    // Holding the mutex keeps a timed waiter suspended: its timer needs the mutex to resume it. So while the state
    // still says `waiting` the waiter is there to ask.
    if (popped.timed != nullptr && popped.timed->m_state.load(std::memory_order_acquire) != timed_state::waiting)
    {
        popped.mutex->unlock();
        co_return false;
    }
    if (popped.waiter->on_notify())
    {
        if (popped.timed != nullptr && !popped.timed->claim(timed_state::notified))
        {
            popped.mutex->unlock(); // the timer claimed it meanwhile and waits for the mutex
            co_return false;
        }
        if (popped.timed != nullptr)
        {
            popped.timed->cancel_timer(); // it lost: let it end now
        }
        // The waiter now owns the mutex.
        popped.waiter->m_awaiting_coroutine.resume();
        co_return true;
    }
    auto* mutex = popped.mutex;
    popped.waiter->m_cv.push_back(popped);
    mutex->unlock();
    co_return true;
}

auto condition_variable::notify_one_waiter(popped_waiter popped) -> coro::task<void>
{
    co_await notify_waiter(std::move(popped));
}

auto condition_variable::resume_timed_out(timed_state& state) -> void
{
    state.m_waiter->on_timeout();
    state.m_waiter->m_awaiting_coroutine.resume();
}

} // namespace coro
