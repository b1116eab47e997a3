#pragma once

#include "coro/task.hpp"

#include <atomic>
#include <coroutine>
#include <cstddef>

namespace coro::detail
{
class task_self_deleting;

/// Promise of a detached coroutine: it frees its own frame when it finishes and then decrements the
/// executor's counter of live detached tasks (if one was registered). Exceptions are swallowed.
class promise_self_deleting
{
public:
    promise_self_deleting();
    ~promise_self_deleting();

    promise_self_deleting(const promise_self_deleting&) = delete;
    promise_self_deleting(promise_self_deleting&&);
    auto operator=(const promise_self_deleting&) -> promise_self_deleting& = delete;
    auto operator=(promise_self_deleting&&) -> promise_self_deleting&;

    auto get_return_object() -> task_self_deleting;
    auto initial_suspend() -> std::suspend_always;
    auto final_suspend() noexcept -> std::suspend_never;
    auto return_void() noexcept -> void;
    auto unhandled_exception() -> void;

    auto executor_size(std::atomic<std::size_t>& task_container_size) -> void;

private:
    std::atomic<std::size_t>* m_executor_size{nullptr};
};

/// Handle to a detached coroutine. Destroying this object does not destroy the frame.
class task_self_deleting
{
public:
    using promise_type = promise_self_deleting;

    explicit task_self_deleting(promise_self_deleting& promise);
    ~task_self_deleting();

    task_self_deleting(const task_self_deleting&) = delete;
    task_self_deleting(task_self_deleting&&);
    auto operator=(const task_self_deleting&) -> task_self_deleting& = delete;
    auto operator=(task_self_deleting&&) -> task_self_deleting&;

    auto promise() -> promise_self_deleting& { return *m_promise; }
    auto handle() -> std::coroutine_handle<promise_self_deleting>
    {
        return std::coroutine_handle<promise_self_deleting>::from_promise(*m_promise);
    }

private:
    promise_self_deleting* m_promise{nullptr};
};

/// Wraps `user_task` in a coroutine that owns it and deletes itself when done.
auto make_task_self_deleting(coro::task<void> user_task) -> task_self_deleting;

} // namespace coro::detail
