#pragma once

// libcoro v0.16 semaphore<max_value>: acquire/release/shutdown are lazy tasks, the count never exceeds max_value.
// Included by coro/semaphore.hpp; with LIBCORO_API_VERSION 1600 coro::semaphore is coro::v16::semaphore.

#include "coro/api_version.hpp"
#include "coro/sync_wait.hpp"
#include "coro/task.hpp"
#include "coro/v16/mutex.hpp"
#include <coro/export.hpp>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <string>
#include <utility>

namespace coro
{
enum class semaphore_acquire_result
{
    /// A unit was taken.
    acquired,
    /// The semaphore is shut down; nothing was taken.
    shutdown
};

extern CORO_EXPORT std::string semaphore_acquire_result_acquired;
extern CORO_EXPORT std::string semaphore_acquire_result_shutdown;
extern CORO_EXPORT std::string semaphore_acquire_result_unknown;

/// "acquired", "shutdown" or "unknown".
auto to_string(semaphore_acquire_result result) -> const std::string&;

LIBCORO_INLINE_V16 namespace v16
{
    /// Counting semaphore for coroutines whose count never exceeds `max_value`.
    ///
    /// acquire() takes a unit without suspending when one is available, otherwise waits (waiters form a LIFO stack).
    /// release() hands its unit straight to the most recent waiter and resumes it inline on the releasing thread, or
    /// increments the count unless it is at max() already. shutdown() wakes every waiter with `shutdown`; afterwards
    /// acquire() always reports `shutdown` (try_acquire() still takes units). The waiter list and the shutdown flag are
    /// guarded by a coro::v16::mutex, never held across a resumption.
    template <std::ptrdiff_t max_value>
    class semaphore
    {
        static_assert(max_value > 0, "coro::semaphore<max_value> needs max_value > 0");

    public:
        /// Not clamped to max() (as upstream, D38.14): a larger start only drains down to max() through acquires.
        explicit semaphore(const std::ptrdiff_t starting_value) : m_count(starting_value) {}

        /// Shuts down, resuming any waiter on this thread with `shutdown`.
        ~semaphore() { coro::sync_wait(shutdown()); }

        semaphore(const semaphore&)                    = delete;
        semaphore(semaphore&&)                         = delete;
        auto operator=(const semaphore&) -> semaphore& = delete;
        auto operator=(semaphore&&) -> semaphore&      = delete;

        /// Takes a unit, waiting for one if none is available.
        [[nodiscard]] auto acquire() -> coro::task<semaphore_acquire_result>
        {
            co_await m_mutex.lock();
            if (m_shutdown.load(std::memory_order_acquire))
            {
                m_mutex.unlock();
                co_return semaphore_acquire_result::shutdown;
            }
            if (try_acquire())
            {
                m_mutex.unlock();
                co_return semaphore_acquire_result::acquired;
            }
            // The result is set by whoever resumes us: a release() that handed us its unit reports `acquired` even if a
            // shutdown came in meanwhile, so no unit is lost (upstream looks at the flag instead).
            co_return co_await wait_operation{*this};
        }

        /// Returns a unit: to the most recent waiter (resumed inline before the task completes), else to the count
        /// unless it is at max() already (then nothing happens).
        [[nodiscard]] auto release() -> coro::task<void>
        {
            co_await m_mutex.lock();
            if (wait_operation* waiter = m_waiters; waiter != nullptr)
            {
                m_waiters = waiter->m_next;
                m_mutex.unlock();
                waiter->m_result = semaphore_acquire_result::acquired;
                waiter->m_awaiting_coroutine.resume();
                co_return;
            }
            std::ptrdiff_t count = m_count.load(std::memory_order_relaxed);
            while (count < max_value && !m_count.compare_exchange_weak(
                                            count, count + 1, std::memory_order_release, std::memory_order_relaxed))
            {
            }
            m_mutex.unlock();
        }

        /// Takes a unit only if one is available right now (lock-free; does not look at the shutdown flag).
        auto try_acquire() -> bool
        {
            std::ptrdiff_t count = m_count.load(std::memory_order_acquire);
            while (count > 0)
            {
                if (m_count.compare_exchange_weak(
                        count, count - 1, std::memory_order_acquire, std::memory_order_acquire))
                {
                    return true;
                }
            }
            return false;
        }

        [[nodiscard]] static constexpr auto max() noexcept -> std::ptrdiff_t { return max_value; }

        [[nodiscard]] auto value() const noexcept -> std::ptrdiff_t { return m_count.load(std::memory_order_acquire); }

        /// Stops the semaphore for good and resumes every waiter (most recent first) on this thread with `shutdown`.
        [[nodiscard]] auto shutdown() noexcept -> coro::task<void>
        {
            if (m_shutdown.load(std::memory_order_acquire))
            {
                co_return;
            }
            co_await m_mutex.lock();
            m_shutdown.store(true, std::memory_order_release);
            wait_operation* waiters = std::exchange(m_waiters, nullptr);
            m_mutex.unlock();
            while (waiters != nullptr)
            {
                // Read the link first: the resumed waiter may end the operation's life.
                wait_operation* next = waiters->m_next;
                waiters->m_result    = semaphore_acquire_result::shutdown;
                waiters->m_awaiting_coroutine.resume();
                waiters = next;
            }
        }

        [[nodiscard]] auto is_shutdown() const -> bool { return m_shutdown.load(std::memory_order_acquire); }

    private:
        /// A queued acquire(): entered holding m_mutex, which await_suspend releases once the waiter is on the stack.
        struct wait_operation
        {
            explicit wait_operation(semaphore& s) noexcept : m_semaphore(s) {}

            auto await_ready() const noexcept -> bool { return false; }
            auto await_suspend(std::coroutine_handle<> awaiting_coroutine) -> void
            {
                m_awaiting_coroutine  = awaiting_coroutine;
                m_next                = m_semaphore.m_waiters;
                m_semaphore.m_waiters = this;
                m_semaphore.m_mutex.unlock();
            }
            auto await_resume() const noexcept -> semaphore_acquire_result { return m_result; }

            semaphore&               m_semaphore;
            std::coroutine_handle<>  m_awaiting_coroutine{};
            wait_operation*          m_next{nullptr};
            semaphore_acquire_result m_result{semaphore_acquire_result::shutdown};
        };

        std::atomic<std::ptrdiff_t> m_count;
        std::atomic<bool>           m_shutdown{false};
        coro::v16::mutex            m_mutex{};
        /// Most recent first; guarded by m_mutex.
        wait_operation* m_waiters{nullptr};
    };
} // namespace v16
} // namespace coro
