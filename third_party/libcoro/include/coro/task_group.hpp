#pragma once

// coro::task_group<E> (libcoro v0.16): a set of detached tasks on an executor that can be awaited as a whole.

#include "coro/concepts/executor.hpp"
#include "coro/concepts/range_of.hpp"
#include "coro/task.hpp"

#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace coro
{
namespace detail
{
/// A started-on-demand coroutine that runs one group task, frees its own frame (and so the task's) when it
/// finishes, and only then reports completion through the callback: nothing of it is left when the group sees its
/// count drop. Exceptions escaping the task are discarded.
class task_group_runner
{
public:
    using done_callback = void (*)(void* context) noexcept;

    struct promise_type
    {
        auto get_return_object() noexcept -> task_group_runner
        {
            return task_group_runner{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        auto initial_suspend() noexcept -> std::suspend_always { return {}; }
        auto final_suspend() noexcept
        {
            struct destroy_then_report
            {
                auto await_ready() noexcept -> bool { return false; }
                auto await_suspend(std::coroutine_handle<promise_type> h) noexcept -> void
                {
                    const auto done    = h.promise().m_done;
                    auto*      context = h.promise().m_context;
                    h.destroy();
                    done(context);
                }
                auto await_resume() noexcept -> void {}
            };
            return destroy_then_report{};
        }
        auto return_void() noexcept -> void {}
        auto unhandled_exception() noexcept -> void {}

        done_callback m_done{nullptr};
        void*         m_context{nullptr};
    };

    explicit task_group_runner(std::coroutine_handle<promise_type> handle) noexcept : m_handle(handle) {}

    auto handle() const noexcept -> std::coroutine_handle<promise_type> { return m_handle; }

private:
    std::coroutine_handle<promise_type> m_handle;
};

inline auto make_task_group_runner(coro::task<void> user_task) -> task_group_runner
{
    co_await user_task;
}
} // namespace detail

/// A group of tasks started on an executor. `co_await group` (or sync_wait(group)) completes once every task
/// started so far has finished, at once for a group with no running task; the group can be reused afterwards.
/// The destructor blocks until the group is empty. Thread-safe.
template <concepts::v16::executor executor_type>
class task_group
{
public:
    /// Throws std::runtime_error if `executor` is null.
    explicit task_group(executor_type* executor) : m_executor(executor)
    {
        if (m_executor == nullptr)
        {
            throw std::runtime_error{"coro::task_group: the executor is null"};
        }
    }

    explicit task_group(executor_type* executor, coro::task<void>&& task) : task_group(executor)
    {
        (void)start(std::move(task));
    }

    /// Starts every task of `tasks` (moved out of the range).
    template <coro::concepts::range_of<coro::task<void>> range_type>
    explicit task_group(executor_type* executor, range_type tasks) : task_group(executor)
    {
        for (auto& task : tasks)
        {
            (void)start(std::move(task));
        }
    }

    /// The executor stays owned by `executor`, which must outlive the group. Throws std::runtime_error if it is
    /// empty (libcoro v0.16 accepts a null one here and crashes later).
    explicit task_group(std::unique_ptr<executor_type>& executor) : task_group(executor.get()) {}

    explicit task_group(std::unique_ptr<executor_type>& executor, coro::task<void>&& task)
        : task_group(executor.get(), std::move(task))
    {
    }

    template <coro::concepts::range_of<coro::task<void>> range_type>
    explicit task_group(std::unique_ptr<executor_type>& executor, range_type tasks)
        : task_group(executor.get(), std::move(tasks))
    {
    }

    task_group(const task_group&)                    = delete;
    task_group(task_group&&)                         = delete;
    auto operator=(const task_group&) -> task_group& = delete;
    auto operator=(task_group&&) -> task_group&      = delete;

    /// Blocks the calling thread until every task has finished (so never destroy a group from one of the tasks
    /// it is waiting for, or from the only thread of their executor).
    ~task_group()
    {
        std::unique_lock lk{m_mutex};
        m_empty.wait(lk, [this] { return m_size == 0; });
    }

    /// Hands `task` to the executor. False (and the task is destroyed unrun) if the executor refused it.
    [[nodiscard]] auto start(coro::task<void>&& task) -> bool
    {
        {
            std::lock_guard lk{m_mutex};
            ++m_size;
        }
        auto runner                         = detail::make_task_group_runner(std::move(task));
        runner.handle().promise().m_done    = &task_group::on_task_done;
        runner.handle().promise().m_context = this;
        if (m_executor->resume(runner.handle()))
        {
            return true;
        }
        runner.handle().destroy();
        task_done();
        return false;
    }

    /// Tasks started and not finished yet.
    [[nodiscard]] auto size() const -> std::size_t
    {
        std::lock_guard lk{m_mutex};
        return m_size;
    }

    [[nodiscard]] auto empty() const -> bool { return size() == 0; }

    struct awaiter
    {
        auto await_ready() const noexcept -> bool { return m_group.empty(); }
        auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
        {
            std::lock_guard lk{m_group.m_mutex};
            if (m_group.m_size == 0)
            {
                return false;
            }
            m_awaiting_coroutine = awaiting_coroutine;
            m_next               = std::exchange(m_group.m_waiters, this);
            return true;
        }
        auto await_resume() const noexcept -> void {}

        const task_group&       m_group;
        std::coroutine_handle<> m_awaiting_coroutine{};
        awaiter*                m_next{nullptr};
    };

    /// Completes once the group is empty; resumed inline on the thread that finishes the last task.
    auto operator co_await() const noexcept -> awaiter { return awaiter{*this}; }

private:
    static auto on_task_done(void* group) noexcept -> void { static_cast<task_group*>(group)->task_done(); }

    auto task_done() noexcept -> void
    {
        awaiter* waiters = nullptr;
        {
            std::lock_guard lk{m_mutex};
            if (--m_size == 0)
            {
                waiters = std::exchange(m_waiters, nullptr);
                m_empty.notify_all();
            }
        }
        // The group may be destroyed as soon as the lock is released (a waiter or the destructor may end its
        // life), so only the detached waiters are touched from here on.
        while (waiters != nullptr)
        {
            auto* next = waiters->m_next;
            waiters->m_awaiting_coroutine.resume();
            waiters = next;
        }
    }

    executor_type*          m_executor;
    mutable std::mutex      m_mutex;
    std::condition_variable m_empty;
    std::size_t             m_size{0};
    mutable awaiter*        m_waiters{nullptr};
};

} // namespace coro
