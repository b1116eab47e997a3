#pragma once

#include "coro/api_version.hpp"
#include "coro/concepts/executor.hpp"

#include <coroutine>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace coro
{
// The v0.14 shared_mutex and its shared_scoped_lock (coro::v16::shared_mutex, coro/v16/shared_mutex.hpp, is the
// v0.16 one).
LIBCORO_INLINE_V14 namespace v14
{
    template <concepts::v14::executor executor_type>
    class shared_mutex;

    /// Owns a shared or exclusive hold on a shared_mutex and releases it on destruction (or through unlock()).
    template <concepts::v14::executor executor_type>
    class shared_scoped_lock
    {
    public:
        shared_scoped_lock(shared_mutex<executor_type>& sm, bool exclusive)
            : m_shared_mutex(&sm), m_exclusive(exclusive)
        {
        }

        ~shared_scoped_lock() { unlock(); }

        shared_scoped_lock(const shared_scoped_lock&) = delete;
        shared_scoped_lock(shared_scoped_lock&& other)
            : m_shared_mutex(std::exchange(other.m_shared_mutex, nullptr)), m_exclusive(other.m_exclusive)
        {
        }

        auto operator=(const shared_scoped_lock&) -> shared_scoped_lock& = delete;
        auto operator=(shared_scoped_lock&& other) noexcept -> shared_scoped_lock&
        {
            if (std::addressof(other) != this)
            {
                m_shared_mutex = std::exchange(other.m_shared_mutex, nullptr);
                m_exclusive    = other.m_exclusive;
            }
            return *this;
        }

        /// Releases the hold the way it was taken (unlock() or unlock_shared()); later calls do nothing.
        auto unlock() -> void
        {
            if (m_shared_mutex != nullptr)
            {
                auto* sm = std::exchange(m_shared_mutex, nullptr);
                if (m_exclusive)
                {
                    sm->unlock();
                }
                else
                {
                    sm->unlock_shared();
                }
            }
        }

    private:
        shared_mutex<executor_type>* m_shared_mutex{nullptr};
        bool                         m_exclusive{false};
    };

    /// Reader/writer lock for coroutines. Any number of shared holders or one exclusive holder. Waiters queue in
    /// FIFO order; once an exclusive waiter is queued, new shared requests queue behind it (writer preference).
    /// On release an exclusive waiter at the head is resumed inline on the releasing thread; a run of shared
    /// waiters at the head is admitted together and handed to the executor to run in parallel.
    template <concepts::v14::executor executor_type>
    class shared_mutex
    {
    public:
        /// Throws std::runtime_error if `e` is null.
        explicit shared_mutex(std::shared_ptr<executor_type> e) : m_executor(std::move(e))
        {
            if (m_executor == nullptr)
            {
                throw std::runtime_error{"shared_mutex cannot have a nullptr executor"};
            }
        }
        ~shared_mutex() = default;

        shared_mutex(const shared_mutex&)                    = delete;
        shared_mutex(shared_mutex&&)                         = delete;
        auto operator=(const shared_mutex&) -> shared_mutex& = delete;
        auto operator=(shared_mutex&&) -> shared_mutex&      = delete;

        struct lock_operation
        {
            lock_operation(shared_mutex& sm, bool exclusive) : m_shared_mutex(sm), m_exclusive(exclusive) {}

            auto await_ready() const noexcept -> bool
            {
                return m_exclusive ? m_shared_mutex.try_lock() : m_shared_mutex.try_lock_shared();
            }

            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
            {
                m_awaiting_coroutine = awaiting_coroutine;
                std::unique_lock lk{m_shared_mutex.m_mutex};
                // Re-check under the lock: the holder may have released since await_ready().
                if (m_exclusive ? m_shared_mutex.try_lock_locked() : m_shared_mutex.try_lock_shared_locked())
                {
                    return false;
                }
                m_shared_mutex.enqueue_locked(this);
                return true;
            }

            auto await_resume() noexcept -> shared_scoped_lock<executor_type>
            {
                return shared_scoped_lock<executor_type>{m_shared_mutex, m_exclusive};
            }

        private:
            friend class shared_mutex;

            shared_mutex&           m_shared_mutex;
            bool                    m_exclusive{false};
            std::coroutine_handle<> m_awaiting_coroutine;
            lock_operation*         m_next{nullptr};
        };

        /// Awaitable yielding a shared_scoped_lock holding shared ownership.
        [[nodiscard]] auto lock_shared() -> lock_operation { return lock_operation{*this, false}; }

        /// Awaitable yielding a shared_scoped_lock holding exclusive ownership.
        [[nodiscard]] auto lock() -> lock_operation { return lock_operation{*this, true}; }

        /// Takes shared ownership if free or shared with no exclusive waiter; balance with unlock_shared().
        auto try_lock_shared() -> bool
        {
            std::scoped_lock lk{m_mutex};
            return try_lock_shared_locked();
        }

        /// Takes exclusive ownership if nobody holds the lock; balance with unlock().
        auto try_lock() -> bool
        {
            std::scoped_lock lk{m_mutex};
            return try_lock_locked();
        }

        /// Drops one shared hold; the last one wakes the queue head.
        auto unlock_shared() -> void
        {
            std::unique_lock lk{m_mutex};
            if (--m_shared_users == 0)
            {
                wake_waiters(lk);
            }
        }

        /// Drops exclusive ownership and wakes the queue head.
        auto unlock() -> void
        {
            std::unique_lock lk{m_mutex};
            wake_waiters(lk);
        }

    private:
        enum class state
        {
            unlocked,
            locked_shared,
            locked_exclusive
        };

        auto try_lock_shared_locked() -> bool
        {
            if (m_state == state::unlocked)
            {
                m_state        = state::locked_shared;
                m_shared_users = 1;
                return true;
            }
            if (m_state == state::locked_shared && m_exclusive_waiters == 0)
            {
                ++m_shared_users;
                return true;
            }
            return false;
        }

        auto try_lock_locked() -> bool
        {
            if (m_state == state::unlocked)
            {
                m_state = state::locked_exclusive;
                return true;
            }
            return false;
        }

        auto enqueue_locked(lock_operation* op) -> void
        {
            if (op->m_exclusive)
            {
                ++m_exclusive_waiters;
            }
            op->m_next = nullptr;
            if (m_tail == nullptr)
            {
                m_head = op;
            }
            else
            {
                m_tail->m_next = op;
            }
            m_tail = op;
        }

        auto pop_head_locked() -> lock_operation*
        {
            lock_operation* op = m_head;
            m_head             = op->m_next;
            if (m_head == nullptr)
            {
                m_tail = nullptr;
            }
            return op;
        }

        /// Called with the lock held and the mutex free of holders: passes ownership to the queue head.
        auto wake_waiters(std::unique_lock<std::mutex>& lk) -> void
        {
            if (m_head == nullptr)
            {
                m_state = state::unlocked;
                return;
            }

            if (m_head->m_exclusive)
            {
                lock_operation* op = pop_head_locked();
                --m_exclusive_waiters;
                m_state = state::locked_exclusive;
                lk.unlock();
                op->m_awaiting_coroutine.resume();
                return;
            }

            // Admit the run of shared waiters at the head (up to the next exclusive waiter) all at once.
            m_state               = state::locked_shared;
            lock_operation* first = m_head;
            lock_operation* last  = m_head;
            m_shared_users        = 1;
            while (last->m_next != nullptr && !last->m_next->m_exclusive)
            {
                last = last->m_next;
                ++m_shared_users;
            }
            m_head       = last->m_next;
            last->m_next = nullptr;
            if (m_head == nullptr)
            {
                m_tail = nullptr;
            }
            // Nothing of *this is touched after the first hand-off: a resumed reader may release and destroy it.
            executor_type* executor = m_executor.get();
            lk.unlock();

            while (first != nullptr)
            {
                // Read the link first: once handed to the executor the operation may be destroyed at any time.
                lock_operation* next = first->m_next;
                executor->resume(first->m_awaiting_coroutine);
                first = next;
            }
        }

        std::shared_ptr<executor_type> m_executor;
        std::mutex                     m_mutex;
        state                          m_state{state::unlocked};
        std::uint64_t                  m_shared_users{0};
        std::uint64_t                  m_exclusive_waiters{0};
        lock_operation*                m_head{nullptr};
        lock_operation*                m_tail{nullptr};
    };
} // namespace v14

} // namespace coro

#include "coro/v16/shared_mutex.hpp"
