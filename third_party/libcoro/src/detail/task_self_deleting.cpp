#include "coro/detail/task_self_deleting.hpp"

#include <utility>

namespace coro::detail
{
promise_self_deleting::promise_self_deleting() = default;

promise_self_deleting::~promise_self_deleting() = default;

promise_self_deleting::promise_self_deleting(promise_self_deleting&& other)
    : m_executor_size(std::exchange(other.m_executor_size, nullptr)),
      m_user_final_suspend(std::move(other.m_user_final_suspend))
{
}

auto promise_self_deleting::operator=(promise_self_deleting&& other) -> promise_self_deleting&
{
    if (std::addressof(other) != this)
    {
        m_executor_size      = std::exchange(other.m_executor_size, nullptr);
        m_user_final_suspend = std::move(other.m_user_final_suspend);
    }
    return *this;
}

auto promise_self_deleting::get_return_object() -> task_self_deleting
{
    return task_self_deleting{*this};
}

auto promise_self_deleting::initial_suspend() -> std::suspend_always
{
    return std::suspend_always{};
}

auto promise_self_deleting::final_suspend() noexcept -> std::suspend_never
{
    if (m_user_final_suspend)
    {
        m_user_final_suspend();
    }
    // The counter is decremented last so that an executor waiting for size() == 0 during shutdown only
    // proceeds once this task has finished all of its work.
    if (m_executor_size != nullptr)
    {
        m_executor_size->fetch_sub(1, std::memory_order_release);
    }
    return std::suspend_never{};
}

auto promise_self_deleting::return_void() noexcept -> void {}

auto promise_self_deleting::unhandled_exception() -> void
{
    // Detached: there is nobody to rethrow to.
}

auto promise_self_deleting::executor_size(std::atomic<std::size_t>& executor_size) -> void
{
    m_executor_size = &executor_size;
}

auto promise_self_deleting::user_final_suspend(std::function<void()> callback) noexcept -> void
{
    m_user_final_suspend = std::move(callback);
}

task_self_deleting::task_self_deleting(promise_self_deleting& promise) : m_promise(&promise) {}

task_self_deleting::~task_self_deleting() = default;

task_self_deleting::task_self_deleting(task_self_deleting&& other) : m_promise(std::exchange(other.m_promise, nullptr))
{
}

auto task_self_deleting::operator=(task_self_deleting&& other) -> task_self_deleting&
{
    if (std::addressof(other) != this)
    {
        m_promise = std::exchange(other.m_promise, nullptr);
    }
    return *this;
}

auto task_self_deleting::resume() -> bool
{
    auto h = handle();
    if (h.done())
    {
        return false;
    }
    h.resume();
    return true; // the frame may be gone now: do not look at it again
}

auto make_task_self_deleting(coro::task<void> user_task) -> task_self_deleting
{
    co_await user_task;
    co_return;
}

} // namespace coro::detail
