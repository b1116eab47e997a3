#pragma once

#include "coro/task.hpp"

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <functional>

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
    /// v0.16 (D18): `callback` runs in final_suspend, before the executor's counter (if any) is decremented and
    /// before the frame is freed.
    auto user_final_suspend(std::function<void()> callback) noexcept -> void;

private:
    std::atomic<std::size_t>* m_executor_size{nullptr};
    std::function<void()>     m_user_final_suspend{};
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
    auto promise() const -> const promise_self_deleting& { return *m_promise; }
    auto handle() const -> std::coroutine_handle<promise_self_deleting>
    {
        return std::coroutine_handle<promise_self_deleting>::from_promise(*m_promise);
    }
    /// v0.16 (D18): resumes the coroutine unless it is done; false if it was. Call it only while the coroutine is
    /// known to be suspended: once it finishes, the frame deletes itself (upstream then reads done() of that frame
    /// to report whether it is still running; here true only says it was resumed).
    auto resume() -> bool;

private:
    promise_self_deleting* m_promise{nullptr};
};

/// Wraps `user_task` in a coroutine that owns it and deletes itself when done.
auto make_task_self_deleting(coro::task<void> user_task) -> task_self_deleting;

} // namespace coro::detail
