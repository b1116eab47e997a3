// io_scheduler's task scheduling: schedule(), spawn() and resume(), onto the thread pool or the inline run queue
// that the event thread drains.
#include "coro/detail/io_scheduler_internal.hpp"
#include "coro/io_scheduler.hpp"

#include <new>

namespace coro
{
auto io_scheduler::schedule() -> schedule_operation
{
    throw_if_stopped();
    return schedule_operation{*this, false};
}

auto io_scheduler::schedule_operation::await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
{
    // Once accepted, a worker may resume and destroy this frame at once: touch the awaiter only when refused.
    if (m_ref.scheduler().schedule_impl(awaiting_coroutine, m_ref.fifo()))
    {
        return true;
    }
    m_ref.set_refused();
    return false;
}

auto io_scheduler::schedule_impl(std::coroutine_handle<> handle, bool fifo, bool counted) noexcept -> bool
{
    if (m_thread_pool != nullptr)
    {
        try
        {
            // schedule() from a worker pushes onto that worker's own deque (cheap, depth-first). Both refuse once
            // the pool has shut down (schedule() by throwing).
            auto op = fifo ? m_thread_pool->yield() : m_thread_pool->schedule();
            return op.await_suspend(handle);
        }
        catch (...)
        {
            return false;
        }
    }

    if (counted)
    {
        m_size.fetch_add(1, std::memory_order_relaxed);
    }
    else if (!enter_size())
    {
        return false;
    }
    try
    {
        std::lock_guard lk{m_inline_mutex};
        m_inline_queue.push_back(handle);
    }
    catch (const std::bad_alloc&)
    {
        m_size.fetch_sub(1, std::memory_order_release); // refused: the awaiter throws std::bad_alloc (throw_refused)
        return false;
    }
    if (!m_schedule_fd_triggered.exchange(true, std::memory_order_acq_rel))
    {
        detail::signal_fd(m_schedule_fd);
    }
    return true;
}

auto io_scheduler::spawn(coro::task<void>&& task) -> bool
{
    if (m_shutdown_requested.load(std::memory_order_acquire))
    {
        return false; // unlike v0.14, size() is not left incremented
    }
    auto wrapper = detail::make_task_self_deleting(std::move(task));
    // Counted while it lives; the count also keeps the scheduler from stopping before it is queued below.
    if (!enter_size())
    {
        wrapper.handle().destroy(); // never started
        return false;
    }
    wrapper.promise().executor_size(m_size);
    if (!schedule_impl(wrapper.handle(), true, true))
    {
        wrapper.handle().destroy();
        m_size.fetch_sub(1, std::memory_order_release);
        return false;
    }
    return true;
}

auto io_scheduler::resume(std::coroutine_handle<> handle) -> bool
{
    if (handle == nullptr || handle.done() || m_shutdown_requested.load(std::memory_order_acquire))
    {
        return false;
    }
    if (m_thread_pool != nullptr)
    {
        return m_thread_pool->resume(handle);
    }
    return schedule_impl(handle, true);
}

auto io_scheduler::run_inline_queue() -> void
{
    // An RMW, not a store: if a producer's exchange saw `true` just before this, we read its release and so see its
    // push under the lock below (a plain store could be ordered after our lock and lose that push's signal).
    (void)m_schedule_fd_triggered.exchange(false, std::memory_order_acq_rel);
    {
        std::lock_guard lk{m_inline_mutex};
        m_inline_running.swap(m_inline_queue);
    }
    for (auto handle : m_inline_running)
    {
        handle.resume();
        m_size.fetch_sub(1, std::memory_order_release);
    }
    m_inline_running.clear();
}

} // namespace coro
