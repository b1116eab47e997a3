#pragma once

// coro::condition_variable (libcoro v0.16): waits on a coro::v16::mutex (coro::mutex with LIBCORO_API_VERSION 1600).

#include "coro/concepts/executor.hpp"
#include "coro/mutex.hpp"
#include "coro/task.hpp"

#include <coroutine>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <utility>

namespace coro
{
/// Condition variable for coroutines holding a coro::v16::scoped_lock.
///
/// wait() releases the lock and suspends; when the wait completes the caller holds the lock again (the same
/// scoped_lock owns it). A notification re-acquires the waiter's mutex on the waiter's behalf and then resumes
/// it inline on the notifying thread, so, unlike std::condition_variable, notify_*() must NOT be called while
/// holding that mutex (it would deadlock). Predicate waiters are woken only when their predicate holds (it is
/// evaluated under the mutex by the notifier); a notification that finds it false is consumed and the waiter
/// keeps waiting. Waiters are notified most recent first. A notification with no waiter is not remembered.
class condition_variable
{
public:
    using predicate_type = std::function<bool()>;

    condition_variable() = default;
    ~condition_variable() = default;

    condition_variable(const condition_variable&)                    = delete;
    condition_variable(condition_variable&&)                         = delete;
    auto operator=(const condition_variable&) -> condition_variable& = delete;
    auto operator=(condition_variable&&) -> condition_variable&      = delete;

    class awaiter_base
    {
        friend class condition_variable;

    public:
        awaiter_base(condition_variable& cv, coro::v16::scoped_lock& lock);
        virtual ~awaiter_base() = default;

        awaiter_base(const awaiter_base&)                    = delete;
        awaiter_base(awaiter_base&&)                         = delete;
        auto operator=(const awaiter_base&) -> awaiter_base& = delete;
        auto operator=(awaiter_base&&) -> awaiter_base&      = delete;

        /// Queues the waiter, then releases the mutex (which may hand it to a notifier right away).
        auto await_suspend(std::coroutine_handle<> awaiting_coroutine) -> void;

    protected:
        /// Called by a notifier holding the waiter's mutex: true if the waiter is to be resumed (it then owns the
        /// mutex), false to keep it waiting.
        virtual auto on_notify() -> bool { return true; }

        condition_variable&     m_cv;
        coro::v16::mutex&       m_mutex;
        std::coroutine_handle<> m_awaiting_coroutine{};
        awaiter_base*           m_next{nullptr};
    };

    /// wait(lock): always suspends until a notification.
    class awaiter : public awaiter_base
    {
    public:
        using awaiter_base::awaiter_base;
        auto await_ready() const noexcept -> bool { return false; }
        auto await_resume() const noexcept -> void {}
    };

    /// wait(lock, predicate): does not suspend if the predicate already holds.
    class awaiter_with_predicate : public awaiter_base
    {
    public:
        awaiter_with_predicate(condition_variable& cv, coro::v16::scoped_lock& lock, predicate_type predicate)
            : awaiter_base(cv, lock),
              m_predicate(std::move(predicate))
        {
        }
        auto await_ready() -> bool { return m_predicate(); }
        auto await_resume() const noexcept -> void {}

    protected:
        auto on_notify() -> bool override { return m_predicate(); }

    private:
        predicate_type m_predicate;
    };

    /// wait(lock, stop_token, predicate): resumes with the predicate's last value once it holds or, at a call or a
    /// notification, a stop has been requested.
    class awaiter_with_predicate_stop_token : public awaiter_base
    {
    public:
        awaiter_with_predicate_stop_token(
            condition_variable& cv, coro::v16::scoped_lock& lock, std::stop_token stop_token, predicate_type predicate)
            : awaiter_base(cv, lock),
              m_stop_token(std::move(stop_token)),
              m_predicate(std::move(predicate))
        {
        }
        auto await_ready() -> bool { return on_notify(); }
        auto await_resume() const noexcept -> bool { return m_result; }

    protected:
        auto on_notify() -> bool override
        {
            m_result = m_predicate();
            return m_result || m_stop_token.stop_requested();
        }

    private:
        std::stop_token m_stop_token;
        predicate_type  m_predicate;
        bool            m_result{false};
    };

    /// Notifies the most recent waiter (a task: nothing happens until it is awaited).
    [[nodiscard]] auto notify_one() -> coro::task<void>;

    /// Spawns notify_one() detached on `executor` and returns at once.
    template<coro::concepts::v16::executor executor_type>
    auto notify_one(std::unique_ptr<executor_type>& executor) -> void
    {
        executor->spawn_detached(notify_one());
    }

    /// Notifies every current waiter in turn, most recent first (a task).
    [[nodiscard]] auto notify_all() -> coro::task<void>;

    /// Detaches every current waiter and spawns one detached task per waiter on `executor` that notifies it, so
    /// they are resumed in parallel on the executor's threads. A waiter the executor refuses keeps waiting.
    template<coro::concepts::v16::executor executor_type>
    auto notify_all(std::unique_ptr<executor_type>& executor) -> void
    {
        awaiter_base* waiters = detach_all();
        while (waiters != nullptr)
        {
            auto* next = waiters->m_next;
            if (!executor->spawn_detached(notify_waiter(waiters)))
            {
                push(waiters);
            }
            waiters = next;
        }
    }

    /// Throws std::runtime_error if `lock` does not own a mutex. The awaiters must be co_awaited directly.
    [[nodiscard]] auto wait(coro::v16::scoped_lock& lock) -> awaiter { return awaiter{*this, lock}; }
    [[nodiscard]] auto wait(coro::v16::scoped_lock& lock, predicate_type predicate) -> awaiter_with_predicate
    {
        return awaiter_with_predicate{*this, lock, std::move(predicate)};
    }
    [[nodiscard]] auto wait(coro::v16::scoped_lock& lock, std::stop_token stop_token, predicate_type predicate)
        -> awaiter_with_predicate_stop_token
    {
        return awaiter_with_predicate_stop_token{*this, lock, std::move(stop_token), std::move(predicate)};
    }

private:
    static auto mutex_of(coro::v16::scoped_lock& lock) -> coro::v16::mutex&;
    auto push(awaiter_base* waiter) -> void;
    auto pop() -> awaiter_base*;
    auto detach_all() -> awaiter_base*;

    /// Locks the waiter's mutex on its behalf; resumes it inline if on_notify() agrees, otherwise re-queues it.
    static auto notify_waiter(awaiter_base* waiter) -> coro::task<void>;

    std::mutex    m_waiters_mutex;
    /// Most recent first, linked by awaiter_base::m_next. Guarded by m_waiters_mutex (a waiter whose predicate
    /// is still false goes back on the list, so a lock-free stack would suffer from ABA).
    awaiter_base* m_waiters{nullptr};
};

} // namespace coro
