#pragma once

// libcoro v0.16 shared_mutex<E>: lock/unlock operations are tasks, RAII is scoped_lock(task) /
// scoped_lock_shared(task). Included by coro/shared_mutex.hpp; with LIBCORO_API_VERSION 1600 coro::shared_mutex
// is coro::v16::shared_mutex.

#include "coro/api_version.hpp"
#include "coro/concepts/executor.hpp"
#include "coro/task.hpp"

#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace coro
{
LIBCORO_INLINE_V16 namespace v16
{
    /// Reader/writer lock for coroutines with writer preference: a shared acquisition succeeds while unlocked or
    /// shared-locked with no exclusive waiter queued; an exclusive one only while unlocked. Waiters queue FIFO. A
    /// release hands an exclusive head the lock and resumes it inline inside the releasing unlock task; a run of
    /// shared heads (up to the next exclusive waiter) is handed to the executor (resumed inline if it refuses, so no
    /// waiter is lost). The state is guarded by a std::mutex held for a few instructions, never across a resumption.
    template <coro::concepts::v16::executor executor_type>
    class shared_mutex
    {
    public:
        /// Keeps `e.get()`; the executor must outlive the mutex. Throws std::runtime_error for a null executor.
        explicit shared_mutex(std::unique_ptr<executor_type>& e) : m_executor(e.get())
        {
            if (m_executor == nullptr)
            {
                throw std::runtime_error{"coro::shared_mutex cannot have a nullptr executor"};
            }
        }
        ~shared_mutex() = default;

        shared_mutex(const shared_mutex&)                    = delete;
        shared_mutex(shared_mutex&&)                         = delete;
        auto operator=(const shared_mutex&) -> shared_mutex& = delete;
        auto operator=(shared_mutex&&) -> shared_mutex&      = delete;

        /// Holds the lock shared while `scoped_task` runs. Unlike upstream (D38.15) the lock is also released when the
        /// task throws; the exception then propagates.
        [[nodiscard]] auto scoped_lock_shared(coro::task<void> scoped_task) -> coro::task<void>
        {
            co_await lock_shared();
            std::exception_ptr error;
            try
            {
                co_await scoped_task;
            }
            catch (...)
            {
                error = std::current_exception();
            }
            co_await unlock_shared();
            if (error)
            {
                std::rethrow_exception(error);
            }
        }

        /// Holds the lock exclusively while `scoped_task` runs (released on an exception too).
        [[nodiscard]] auto scoped_lock(coro::task<void> scoped_task) -> coro::task<void>
        {
            co_await lock();
            std::exception_ptr error;
            try
            {
                co_await scoped_task;
            }
            catch (...)
            {
                error = std::current_exception();
            }
            co_await unlock();
            if (error)
            {
                std::rethrow_exception(error);
            }
        }

        /// Acquires shared ownership; the caller must later co_await unlock_shared().
        [[nodiscard]] auto lock_shared() -> coro::task<void> { co_await lock_operation{*this, false}; }
        /// Acquires exclusive ownership; the caller must later co_await unlock().
        [[nodiscard]] auto lock() -> coro::task<void> { co_await lock_operation{*this, true}; }

        [[nodiscard]] auto try_lock_shared() -> bool
        {
            std::lock_guard lk{m_mutex};
            return try_lock_shared_locked();
        }

        [[nodiscard]] auto try_lock() -> bool
        {
            std::lock_guard lk{m_mutex};
            return try_lock_locked();
        }

        /// Releases one shared ownership; the last one hands the lock on.
        [[nodiscard]] auto unlock_shared() -> coro::task<void>
        {
            std::unique_lock lk{m_mutex};
            if (m_state == state::shared && m_shared_users > 0 && --m_shared_users == 0)
            {
                wake_waiters(lk);
            }
            co_return;
        }

        /// Releases exclusive ownership and hands the lock on.
        [[nodiscard]] auto unlock() -> coro::task<void>
        {
            std::unique_lock lk{m_mutex};
            if (m_state == state::exclusive)
            {
                wake_waiters(lk);
            }
            co_return;
        }

        [[nodiscard]] auto executor() -> executor_type& { return *m_executor; }

    private:
        enum class state
        {
            unlocked,
            shared,
            exclusive
        };

        struct lock_operation
        {
            lock_operation(shared_mutex& m, bool exclusive) noexcept : m_mutex(m), m_exclusive(exclusive) {}

            auto await_ready() const noexcept -> bool { return false; }
            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) -> bool
            {
                std::lock_guard lk{m_mutex.m_mutex};
                if (m_exclusive ? m_mutex.try_lock_locked() : m_mutex.try_lock_shared_locked())
                {
                    return false;
                }
                m_awaiting_coroutine = awaiting_coroutine;
                if (m_exclusive)
                {
                    ++m_mutex.m_exclusive_waiters;
                }
                (m_mutex.m_tail != nullptr ? m_mutex.m_tail->m_next : m_mutex.m_head) = this;
                m_mutex.m_tail                                                        = this;
                return true;
            }
            auto await_resume() const noexcept -> void {}

            shared_mutex&           m_mutex;
            bool                    m_exclusive;
            std::coroutine_handle<> m_awaiting_coroutine{};
            lock_operation*         m_next{nullptr};
        };

        auto try_lock_shared_locked() -> bool
        {
            if (m_state == state::unlocked || (m_state == state::shared && m_exclusive_waiters == 0))
            {
                m_state = state::shared;
                ++m_shared_users;
                return true;
            }
            return false;
        }

        auto try_lock_locked() -> bool
        {
            if (m_state == state::unlocked)
            {
                m_state = state::exclusive;
                return true;
            }
            return false;
        }

        /// Called holding `lk` when the lock became free: hands it to the queue head (see the class comment).
        auto wake_waiters(std::unique_lock<std::mutex>& lk) -> void
        {
            lock_operation* head = m_head;
            if (head == nullptr)
            {
                m_state = state::unlocked;
                return;
            }
            if (head->m_exclusive)
            {
                m_head = head->m_next;
                if (m_head == nullptr)
                {
                    m_tail = nullptr;
                }
                --m_exclusive_waiters;
                m_state = state::exclusive;
                lk.unlock();
                head->m_awaiting_coroutine.resume();
                return;
            }
            // Detach the run of shared waiters up to the next exclusive one.
            lock_operation* last = head;
            m_shared_users       = 1;
            while (last->m_next != nullptr && !last->m_next->m_exclusive)
            {
                last = last->m_next;
                ++m_shared_users;
            }
            m_head = last->m_next;
            if (m_head == nullptr)
            {
                m_tail = nullptr;
            }
            last->m_next = nullptr;
            m_state      = state::shared;
            lk.unlock();
            while (head != nullptr)
            {
                lock_operation* next = head->m_next; // the resumed waiter may end the operation's life
                if (!m_executor->resume(head->m_awaiting_coroutine))
                {
                    head->m_awaiting_coroutine.resume();
                }
                head = next;
            }
        }

        executor_type*  m_executor;
        std::mutex      m_mutex;
        state           m_state{state::unlocked};
        std::uint64_t   m_shared_users{0};
        std::uint64_t   m_exclusive_waiters{0};
        lock_operation* m_head{nullptr};
        lock_operation* m_tail{nullptr};
    };
} // namespace v16
} // namespace coro
