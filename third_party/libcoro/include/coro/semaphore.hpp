#pragma once

#include "coro/api_version.hpp"
#include <coro/export.hpp>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <mutex>
#include <string>

namespace coro
{
// The v0.14 semaphore (coro::v16::semaphore<max>, coro/v16/semaphore.hpp, is the v0.16 one).
LIBCORO_INLINE_V14 namespace v14
{
    /// Counting semaphore for coroutines. acquire() takes a unit without suspending when one is available,
    /// otherwise waits. release() hands its unit straight to the most recent waiter (LIFO, intentionally unfair) and
    /// resumes it inline on the releasing thread; with no waiter it just increments the counter (lock-free, and
    /// never clamped to max()). notify_waiters() stops the semaphore for good.
    class semaphore
    {
    public:
        enum class acquire_result
        {
            /// A unit was taken.
            acquired,
            /// notify_waiters() was called; no unit was taken.
            semaphore_stopped
        };

        static CORO_EXPORT std::string acquire_result_acquired;
        static CORO_EXPORT std::string acquire_result_semaphore_stopped;
        static CORO_EXPORT std::string acquire_result_unknown;

        static auto to_string(acquire_result ar) -> const std::string&;

        explicit semaphore(std::ptrdiff_t least_max_value_and_starting_value);
        /// The starting value is clamped to `least_max_value`.
        explicit semaphore(std::ptrdiff_t least_max_value, std::ptrdiff_t starting_value);
        /// Calls notify_waiters().
        ~semaphore();

        semaphore(const semaphore&)                    = delete;
        semaphore(semaphore&&)                         = delete;
        auto operator=(const semaphore&) -> semaphore& = delete;
        auto operator=(semaphore&&) -> semaphore&      = delete;

        class acquire_operation
        {
        public:
            explicit acquire_operation(semaphore& s) : m_semaphore(s) {}

            auto await_ready() const noexcept -> bool
            {
                if (m_semaphore.m_notify_all_set.load(std::memory_order_acquire))
                {
                    m_result = acquire_result::semaphore_stopped;
                    return true;
                }
                return m_semaphore.try_acquire();
            }

            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool;

            auto await_resume() const -> acquire_result { return m_result; }

        private:
            friend class semaphore;

            semaphore&              m_semaphore;
            std::coroutine_handle<> m_awaiting_coroutine;
            acquire_operation*      m_next{nullptr};
            mutable acquire_result  m_result{acquire_result::acquired};
        };

        /// Gives back one unit: to the most recent waiter (resumed inline before this returns) if there is one.
        auto release() -> void
        {
            // Pairs with acquire_operation::await_suspend(), which registers in m_waiter_count and then re-reads the
            // counter: at least one of the two sides sees the other (all four operations are seq_cst).
            m_counter.fetch_add(1, std::memory_order_seq_cst);
            if (m_waiter_count.load(std::memory_order_seq_cst) != 0)
            {
                release_to_waiter();
            }
        }

        /// Awaitable yielding acquire_result.
        [[nodiscard]] auto acquire() -> acquire_operation { return acquire_operation{*this}; }

        /// Takes one unit if available, without waiting.
        auto try_acquire() -> bool
        {
            std::ptrdiff_t value = m_counter.load(std::memory_order_seq_cst);
            while (value > 0)
            {
                if (m_counter.compare_exchange_weak(
                        value, value - 1, std::memory_order_seq_cst, std::memory_order_seq_cst))
                {
                    return true;
                }
            }
            return false;
        }

        /// The least_max_value given at construction.
        auto max() const noexcept -> std::ptrdiff_t { return m_least_max_value; }

        /// Units currently available.
        auto value() const noexcept -> std::ptrdiff_t { return m_counter.load(std::memory_order_acquire); }

        /// Stops the semaphore: every current waiter is resumed inline with semaphore_stopped, and every later
        /// acquire() completes immediately with semaphore_stopped.
        auto notify_waiters() noexcept -> void;

    private:
        auto release_to_waiter() -> void;

        const std::ptrdiff_t        m_least_max_value;
        std::atomic<std::ptrdiff_t> m_counter;
        /// Waiters registered (under m_waiter_mutex) but not yet handed a unit.
        std::atomic<std::size_t> m_waiter_count{0};
        std::atomic<bool>        m_notify_all_set{false};

        std::mutex         m_waiter_mutex;
        acquire_operation* m_acquire_waiters{nullptr};
    };
} // namespace v14

} // namespace coro

#include "coro/v16/semaphore.hpp"
