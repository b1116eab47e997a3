#pragma once

// libcoro v0.16 mutex: `co_await m.lock()` yields nothing (the caller unlocks), `co_await m.scoped_lock()` yields a
// coro::v16::scoped_lock. Included by coro/mutex.hpp; with LIBCORO_API_VERSION 1600 these are coro::mutex and
// coro::scoped_lock.

#include "coro/api_version.hpp"

#include <atomic>
#include <coroutine>
#include <stdexcept>
#include <utility>

namespace coro
{
class condition_variable;
LIBCORO_INLINE_V16 namespace v16
{
    class mutex;
} // namespace v16

namespace detail
{
/// The part of a v16 mutex lock operation that does not depend on the result type. Queued waiters form an
/// intrusive stack through m_next.
struct lock_operation_base
{
    explicit lock_operation_base(coro::v16::mutex& m) noexcept : m_mutex(m) {}
    virtual ~lock_operation_base() = default;

    lock_operation_base(const lock_operation_base&)                    = delete;
    lock_operation_base(lock_operation_base&&)                         = delete;
    auto operator=(const lock_operation_base&) -> lock_operation_base& = delete;
    auto operator=(lock_operation_base&&) -> lock_operation_base&      = delete;

    auto await_ready() const noexcept -> bool;
    auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool;

    std::coroutine_handle<> m_awaiting_coroutine;
    lock_operation_base*    m_next{nullptr};

protected:
    coro::v16::mutex& m_mutex;
};

/// Awaitable lock operation; `return_type` is coro::v16::scoped_lock (scoped_lock()) or void (lock()).
template <typename return_type>
struct lock_operation : lock_operation_base
{
    explicit lock_operation(coro::v16::mutex& m) noexcept : lock_operation_base(m) {}

    auto await_resume() noexcept -> return_type;
};
} // namespace detail

LIBCORO_INLINE_V16 namespace v16
{
    /// Owns a held v16 mutex and releases it on destruction (or earlier through unlock()).
    class scoped_lock
    {
        friend class coro::v16::mutex;
        friend class coro::condition_variable;

    public:
        enum class lock_strategy
        {
            /// The lock is already held by the caller; the scoped_lock takes over releasing it.
            adopt
        };

        explicit scoped_lock(coro::v16::mutex& m, lock_strategy strategy = lock_strategy::adopt) noexcept : m_mutex(&m)
        {
            (void)strategy;
        }

        /// Unlocks the mutex if this scoped_lock still owns it.
        ~scoped_lock() { unlock(); }

        scoped_lock(const scoped_lock&) = delete;
        scoped_lock(scoped_lock&& other) noexcept : m_mutex(std::exchange(other.m_mutex, nullptr)) {}
        auto operator=(const scoped_lock&) -> scoped_lock& = delete;
        /// Takes over `other`'s lock. A lock this object held before is not released (libcoro semantics).
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
        coro::v16::mutex* m_mutex{nullptr};
    };

    /// Coroutine mutex, libcoro v0.16 flavour. Lock-free: one atomic word holds "unlocked", "locked, no waiters" or
    /// the head of a stack of waiting lock operations. unlock() with waiters transfers the lock to the most recently
    /// queued waiter (strict LIFO) and resumes it inline on the unlocking thread. unlock() of an unlocked mutex
    /// throws std::runtime_error. Not recursive.
    class mutex
    {
        friend struct coro::detail::lock_operation_base;

    public:
        explicit mutex() noexcept : m_state(unlocked_value()) {}
        ~mutex() = default;

        mutex(const mutex&)                    = delete;
        mutex(mutex&&)                         = delete;
        auto operator=(const mutex&) -> mutex& = delete;
        auto operator=(mutex&&) -> mutex&      = delete;

        /// Awaitable yielding a coro::v16::scoped_lock that owns the mutex.
        [[nodiscard]] auto scoped_lock() -> coro::detail::lock_operation<coro::v16::scoped_lock>
        {
            return coro::detail::lock_operation<coro::v16::scoped_lock>{*this};
        }

        /// Awaitable that acquires the mutex and yields nothing; the caller must call unlock() later.
        [[nodiscard]] auto lock() -> coro::detail::lock_operation<void>
        {
            return coro::detail::lock_operation<void>{*this};
        }

        /// Takes the lock only if it is free right now; the caller must later call unlock().
        [[nodiscard]] auto try_lock() -> bool
        {
            void* expected = unlocked_value();
            return m_state.compare_exchange_strong(
                expected, locked_no_waiters, std::memory_order_acquire, std::memory_order_relaxed);
        }

        /// Releases the lock, or transfers it to the most recently queued waiter and resumes that waiter inline before
        /// returning. Throws std::runtime_error if the mutex is not locked.
        auto unlock() -> void
        {
            void* state = m_state.load(std::memory_order_acquire);
            while (true)
            {
                if (state == unlocked_value())
                {
                    throw std::runtime_error{"coro::mutex::unlock() called on a mutex that is already unlocked"};
                }
                if (state == locked_no_waiters)
                {
                    if (m_state.compare_exchange_weak(
                            state, unlocked_value(), std::memory_order_release, std::memory_order_acquire))
                    {
                        return;
                    }
                    continue;
                }
                // Only the lock holder pops, and waiters only push, so the head cannot be popped and re-pushed behind
                // our back (no ABA).
                auto* waiter = static_cast<coro::detail::lock_operation_base*>(state);
                void* next   = waiter->m_next; // nullptr == locked_no_waiters: the lock stays held for the waiter
                if (m_state.compare_exchange_weak(state, next, std::memory_order_acq_rel, std::memory_order_acquire))
                {
                    waiter->m_awaiting_coroutine.resume();
                    return;
                }
            }
        }

    private:
        static constexpr void* locked_no_waiters = nullptr;

        /// The mutex's own address can never be a lock operation's, so it marks "unlocked".
        auto unlocked_value() const noexcept -> void* { return const_cast<mutex*>(this); }

        /// unlocked_value(), locked_no_waiters, or the most recently queued lock operation (linked by m_next).
        std::atomic<void*> m_state;
    };

    inline auto scoped_lock::unlock() -> void
    {
        if (m_mutex != nullptr)
        {
            std::exchange(m_mutex, nullptr)->unlock();
        }
    }
} // namespace v16

namespace detail
{
inline auto lock_operation_base::await_ready() const noexcept -> bool
{
    return m_mutex.try_lock();
}

inline auto lock_operation_base::await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
{
    m_awaiting_coroutine = awaiting_coroutine;

    void* const unlocked = m_mutex.unlocked_value();
    void*       state    = m_mutex.m_state.load(std::memory_order_acquire);
    while (true)
    {
        if (state == unlocked)
        {
            // Freed since await_ready(): take it without suspending.
            if (m_mutex.m_state.compare_exchange_weak(
                    state, coro::v16::mutex::locked_no_waiters, std::memory_order_acquire, std::memory_order_acquire))
            {
                return false;
            }
        }
        else
        {
            m_next = static_cast<lock_operation_base*>(state);
            if (m_mutex.m_state.compare_exchange_weak(
                    state, this, std::memory_order_release, std::memory_order_acquire))
            {
                return true;
            }
        }
    }
}

template <>
inline auto lock_operation<coro::v16::scoped_lock>::await_resume() noexcept -> coro::v16::scoped_lock
{
    return coro::v16::scoped_lock{m_mutex};
}

template <>
inline auto lock_operation<void>::await_resume() noexcept -> void
{
}
} // namespace detail
} // namespace coro
