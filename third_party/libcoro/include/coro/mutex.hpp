#pragma once

#include "coro/api_version.hpp"
#include "coro/v16/mutex.hpp"

#include <atomic>
#include <coroutine>
#include <utility>

namespace coro
{
// The v0.14 mutex: lock() yields a scoped_lock (coro::v16::mutex is the v0.16 one, coro/v16/mutex.hpp).
LIBCORO_INLINE_V14 namespace v14
{
    class mutex;

    /// Owns a held coro::mutex and releases it on destruction (or earlier through unlock()).
    class scoped_lock
    {
        friend class mutex;

    public:
        enum class lock_strategy
        {
            /// The lock is already held by the caller; the scoped_lock takes over releasing it.
            adopt
        };

        explicit scoped_lock(mutex& m, lock_strategy strategy = lock_strategy::adopt) : m_mutex(&m) { (void)strategy; }

        /// Unlocks the mutex if this scoped_lock still owns it.
        ~scoped_lock();

        scoped_lock(const scoped_lock&) = delete;
        scoped_lock(scoped_lock&& other) : m_mutex(std::exchange(other.m_mutex, nullptr)) {}
        auto operator=(const scoped_lock&) -> scoped_lock& = delete;
        /// Takes over `other`'s lock. A lock this object held before is not released (libcoro v0.14 semantics).
        auto operator=(scoped_lock&& other) noexcept -> scoped_lock&
        {
            if (std::addressof(other) != this)
            {
                m_mutex = std::exchange(other.m_mutex, nullptr);
            }
            return *this;
        }

        /// Releases the mutex; later calls (and the destructor) do nothing.
        auto unlock() -> void;

    private:
        mutex* m_mutex{nullptr};
    };

    /// Coroutine mutex. Lock-free: one atomic word holds "unlocked", "locked, no waiters" or the head of a stack of
    /// waiting lock operations. unlock() with waiters hands the lock straight to one waiter and resumes it inline on
    /// the unlocking thread. Waiters that queued since the previous hand-off are taken as one batch and served most
    /// recent first. Not recursive.
    class mutex
    {
    public:
        explicit mutex() noexcept : m_state(unlocked_value()) {}
        ~mutex() = default;

        mutex(const mutex&)                    = delete;
        mutex(mutex&&)                         = delete;
        auto operator=(const mutex&) -> mutex& = delete;
        auto operator=(mutex&&) -> mutex&      = delete;

        struct lock_operation
        {
            explicit lock_operation(mutex& m) : m_mutex(m) {}

            auto await_ready() const noexcept -> bool { return m_mutex.try_lock(); }
            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool;
            auto await_resume() noexcept -> scoped_lock { return scoped_lock{m_mutex}; }

        private:
            friend class mutex;

            mutex&                  m_mutex;
            std::coroutine_handle<> m_awaiting_coroutine;
            lock_operation*         m_next{nullptr};
        };

        /// Awaitable yielding a scoped_lock that owns the mutex.
        [[nodiscard]] auto lock() -> lock_operation { return lock_operation{*this}; }

        /// Takes the lock only if it is free right now; the caller must later call unlock().
        auto try_lock() -> bool
        {
            void* expected = unlocked_value();
            return m_state.compare_exchange_strong(
                expected, locked_no_waiters, std::memory_order_acquire, std::memory_order_relaxed);
        }

        /// Releases the lock, or hands it to a waiter and resumes that waiter inline before returning.
        auto unlock() -> void
        {
            if (m_waiters == nullptr)
            {
                void* expected = locked_no_waiters;
                if (m_state.compare_exchange_strong(
                        expected, unlocked_value(), std::memory_order_release, std::memory_order_relaxed))
                {
                    return;
                }
            }
            unlock_slow();
        }

    private:
        static constexpr void* locked_no_waiters = nullptr;

        /// The mutex's own address can never be a lock_operation's, so it marks "unlocked".
        auto unlocked_value() const noexcept -> void* { return const_cast<mutex*>(this); }

        auto unlock_slow() -> void;

        /// unlocked_value(), locked_no_waiters, or the most recently queued lock_operation (linked by m_next).
        std::atomic<void*> m_state;
        /// Waiters already detached from m_state, in resumption order. Touched only by the lock holder.
        lock_operation* m_waiters{nullptr};
    };

    inline scoped_lock::~scoped_lock()
    {
        unlock();
    }

    inline auto scoped_lock::unlock() -> void
    {
        if (m_mutex != nullptr)
        {
            std::exchange(m_mutex, nullptr)->unlock();
        }
    }

} // namespace v14
} // namespace coro
