#pragma once

// coro::condition_variable (libcoro v0.16): waits on a coro::v16::mutex (coro::mutex with LIBCORO_API_VERSION 1600).

#include "coro/concepts/executor.hpp"
#include "coro/detail/timer_cancel.hpp"
#include "coro/mutex.hpp"
#include "coro/task.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>
#include <vector>

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

    condition_variable()  = default;
    ~condition_variable() = default;

    condition_variable(const condition_variable&)                    = delete;
    condition_variable(condition_variable&&)                         = delete;
    auto operator=(const condition_variable&) -> condition_variable& = delete;
    auto operator=(condition_variable&&) -> condition_variable&      = delete;

    class awaiter_base;

    /// Shared between a timed waiter, its timer task and its notifiers, so that whichever side loses the race can
    /// still look at the outcome after the waiter (and perhaps the condition variable) is gone.
    struct timed_state
    {
        enum : int
        {
            waiting,
            notified,
            timed_out
        };
        std::atomic<int> m_state{waiting};
        /// Valid while m_state is `waiting` or the timer owns the wait (then the waiter is still suspended).
        condition_variable* m_cv{nullptr};
        awaiter_base*       m_waiter{nullptr};
        coro::v16::mutex*   m_mutex{nullptr};

        auto claim(int outcome) noexcept -> bool
        {
            int expected = waiting;
            return m_state.compare_exchange_strong(expected, outcome, std::memory_order_acq_rel);
        }

        /// A notifier won: ends the timer's wait now if the executor can (coro::scheduler, io_scheduler), so it
        /// does not keep size() > 0 (nor shutdown() waiting) for the rest of its duration.
        auto cancel_timer() noexcept -> void
        {
            if (m_cancel_timer != nullptr)
            {
                m_cancel_timer(m_executor, m_timer_cancel);
            }
        }

        /// Set by the waiter for executors with timer cancellation; the executor outlives the pending timer.
        void (*m_cancel_timer)(void* executor, detail::timer_cancel& cancel) noexcept {nullptr};
        void*                m_executor{nullptr};
        detail::timer_cancel m_timer_cancel{};
    };

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
        /// Timed waits: the timer won; called holding the waiter's mutex, sets the result.
        virtual auto on_timeout() -> void {}

        condition_variable&     m_cv;
        coro::v16::mutex&       m_mutex;
        std::coroutine_handle<> m_awaiting_coroutine{};
        awaiter_base*           m_next{nullptr};
        /// Timed waits only: the race with the timer.
        std::shared_ptr<timed_state> m_timed{};
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
            : awaiter_base(cv, lock), m_predicate(std::move(predicate))
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
            condition_variable&     cv,
            coro::v16::scoped_lock& lock,
            std::stop_token         stop_token,
            predicate_type          predicate)
            : awaiter_base(cv, lock), m_stop_token(std::move(stop_token)), m_predicate(std::move(predicate))
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

    /// wait_for / wait_until: a notification (with the predicate and stop rules of the untimed waits) races a timer
    /// run on `executor`. result_type is std::cv_status (no predicate) or bool (the predicate's last value).
    template <coro::concepts::io_executor executor_type, typename result_type>
    class awaiter_with_wait : public awaiter_base
    {
    public:
        awaiter_with_wait(
            condition_variable&            cv,
            executor_type&                 executor,
            coro::v16::scoped_lock&        lock,
            std::chrono::nanoseconds       duration,
            std::optional<predicate_type>  predicate,
            std::optional<std::stop_token> stop_token)
            : awaiter_base(cv, lock), m_executor(executor), m_duration(duration), m_predicate(std::move(predicate)),
              m_stop_token(std::move(stop_token))
        {
        }

        auto await_ready() -> bool
        {
            if (m_predicate.has_value() && (*m_predicate)())
            {
                set_result(true, false);
                return true;
            }
            return false;
        }

        auto await_suspend(std::coroutine_handle<> awaiting_coroutine) -> bool
        {
            m_awaiting_coroutine = awaiting_coroutine;
            m_timed              = std::make_shared<timed_state>();
            m_timed->m_cv        = &m_cv;
            m_timed->m_waiter    = this;
            m_timed->m_mutex     = &m_mutex;
            if constexpr (requires(executor_type& e, detail::timer_cancel& c) { e.cancel_timer(c); })
            {
                m_timed->m_executor     = &m_executor;
                m_timed->m_cancel_timer = [](void* executor, detail::timer_cancel& cancel) noexcept
                { static_cast<executor_type*>(executor)->cancel_timer(cancel); };
            }
            m_cv.push(this);
            if (!m_executor.spawn_detached(make_timer_task(m_executor, m_duration, m_timed)))
            {
                // No timer (the executor is shut down): time out at once. No notifier can have claimed the wait,
                // since that needs the mutex, which we still hold.
                m_timed->claim(timed_state::timed_out);
                m_cv.withdraw(*m_timed);
                on_timeout();
                return false;
            }
            // From here on the timer or a notifier may own this waiter; nothing of `this` is touched after the unlock.
            m_mutex.unlock();
            return true;
        }

        auto await_resume() const noexcept -> result_type { return m_result; }

    protected:
        auto on_notify() -> bool override
        {
            if (!m_predicate.has_value())
            {
                set_result(true, false);
                return true;
            }
            const bool value = (*m_predicate)();
            set_result(value, false);
            return value || (m_stop_token.has_value() && m_stop_token->stop_requested());
        }

        auto on_timeout() -> void override { set_result(m_predicate.has_value() ? (*m_predicate)() : false, true); }

    private:
        auto set_result(bool value, bool timed_out) -> void
        {
            if constexpr (std::is_same_v<result_type, std::cv_status>)
            {
                (void)value;
                m_result = timed_out ? std::cv_status::timeout : std::cv_status::no_timeout;
            }
            else
            {
                m_result = value;
            }
        }

        /// Waits for the duration, then takes the wait over unless a notifier already has. A notifier cuts the
        /// wait short where the executor can cancel timers (D38.16, fixed for coro::scheduler); elsewhere it runs
        /// for the whole duration, as upstream.
        static auto make_timer_task(
            executor_type&               executor,
            std::chrono::nanoseconds     duration,
            std::shared_ptr<timed_state> state) -> coro::task<void>
        {
            if constexpr (requires(detail::timer_cancel& c) { executor.yield_for_cancellable(duration, c); })
            {
                co_await executor.yield_for_cancellable(duration, state->m_timer_cancel);
            }
            else
            {
                co_await executor.schedule_after(duration);
            }
            if (!state->claim(timed_state::timed_out))
            {
                co_return;
            }
            // The waiter is still suspended (only we can resume it now), so the condition variable and the
            // mutex are still there.
            state->m_cv->withdraw(*state);
            co_await state->m_mutex->lock();
            resume_timed_out(*state);
        }

        executor_type&                 m_executor;
        std::chrono::nanoseconds       m_duration;
        std::optional<predicate_type>  m_predicate;
        std::optional<std::stop_token> m_stop_token;
        result_type                    m_result{};
    };

    /// Notifies the most recent waiter (a task: nothing happens until it is awaited).
    [[nodiscard]] auto notify_one() -> coro::task<void>;

    /// Spawns notify_one() detached on `executor` and returns at once.
    template <coro::concepts::v16::executor executor_type>
    auto notify_one(std::unique_ptr<executor_type>& executor) -> void
    {
        executor->spawn_detached(notify_one());
    }

    /// Notifies every current waiter in turn, most recent first (a task).
    [[nodiscard]] auto notify_all() -> coro::task<void>;

    /// Detaches every current waiter and spawns one detached task per waiter on `executor` that notifies it, so
    /// they are resumed in parallel on the executor's threads. A waiter the executor refuses keeps waiting.
    template <coro::concepts::v16::executor executor_type>
    auto notify_all(std::unique_ptr<executor_type>& executor) -> void
    {
        for (auto& popped : detach_all())
        {
            if (!executor->spawn_detached(notify_one_waiter(popped)))
            {
                push_back(popped);
            }
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

    /// Timed waits (libcoro v0.16, need an io_executor such as coro::scheduler, which must outlive the wait): as
    /// wait(...), but also end once `duration` passed (a timer on `executor`; the caller then resumes on the
    /// executor holding the mutex again). Without a predicate the result is std::cv_status; with one, the
    /// predicate's last value (evaluated once more at the timeout). A predicate true at the call does not suspend.
    /// If the executor refuses the timer (shut down) the wait times out at once without releasing the mutex.
    template <coro::concepts::io_executor executor_type, class rep_type, class period_type>
    [[nodiscard]] auto wait_for(
        std::unique_ptr<executor_type>&                    executor,
        coro::v16::scoped_lock&                            lock,
        const std::chrono::duration<rep_type, period_type> duration) -> awaiter_with_wait<executor_type, std::cv_status>
    {
        return awaiter_with_wait<executor_type, std::cv_status>{
            *this, *executor, lock, to_wait(duration), std::nullopt, std::nullopt};
    }
    template <coro::concepts::io_executor executor_type, class rep_type, class period_type>
    [[nodiscard]] auto wait_for(
        std::unique_ptr<executor_type>&                    executor,
        coro::v16::scoped_lock&                            lock,
        const std::chrono::duration<rep_type, period_type> duration,
        predicate_type                                     predicate) -> awaiter_with_wait<executor_type, bool>
    {
        return awaiter_with_wait<executor_type, bool>{
            *this, *executor, lock, to_wait(duration), std::move(predicate), std::nullopt};
    }
    template <coro::concepts::io_executor executor_type, class rep_type, class period_type>
    [[nodiscard]] auto wait_for(
        std::unique_ptr<executor_type>&                    executor,
        coro::v16::scoped_lock&                            lock,
        std::stop_token                                    stop_token,
        const std::chrono::duration<rep_type, period_type> duration,
        predicate_type                                     predicate) -> awaiter_with_wait<executor_type, bool>
    {
        return awaiter_with_wait<executor_type, bool>{
            *this, *executor, lock, to_wait(duration), std::move(predicate), std::move(stop_token)};
    }
    template <coro::concepts::io_executor executor_type, class clock_type, class duration_type>
    [[nodiscard]] auto wait_until(
        std::unique_ptr<executor_type>&                          executor,
        coro::v16::scoped_lock&                                  lock,
        const std::chrono::time_point<clock_type, duration_type> wait_until_time)
        -> awaiter_with_wait<executor_type, std::cv_status>
    {
        return wait_for(executor, lock, until(wait_until_time));
    }
    template <coro::concepts::io_executor executor_type, class clock_type, class duration_type>
    [[nodiscard]] auto wait_until(
        std::unique_ptr<executor_type>&                          executor,
        coro::v16::scoped_lock&                                  lock,
        const std::chrono::time_point<clock_type, duration_type> wait_until_time,
        predicate_type                                           predicate) -> awaiter_with_wait<executor_type, bool>
    {
        return wait_for(executor, lock, until(wait_until_time), std::move(predicate));
    }
    template <coro::concepts::io_executor executor_type, class clock_type, class duration_type>
    [[nodiscard]] auto wait_until(
        std::unique_ptr<executor_type>&                          executor,
        coro::v16::scoped_lock&                                  lock,
        std::stop_token                                          stop_token,
        const std::chrono::time_point<clock_type, duration_type> wait_until_time,
        predicate_type                                           predicate) -> awaiter_with_wait<executor_type, bool>
    {
        return wait_for(executor, lock, std::move(stop_token), until(wait_until_time), std::move(predicate));
    }

private:
    /// Non-positive durations wait 1ns (upstream's rule for deadlines already passed).
    template <class rep_type, class period_type>
    static auto to_wait(std::chrono::duration<rep_type, period_type> duration) -> std::chrono::nanoseconds
    {
        return std::max(std::chrono::duration_cast<std::chrono::nanoseconds>(duration), std::chrono::nanoseconds{1});
    }
    template <class clock_type, class duration_type>
    static auto until(std::chrono::time_point<clock_type, duration_type> time) -> std::chrono::nanoseconds
    {
        return to_wait(time - clock_type::now());
    }

    /// What a notifier took off the list: copied under the list lock, because a timed waiter may be resumed by its
    /// timer (and gone) once it is off the list.
    struct popped_waiter
    {
        awaiter_base*                waiter{nullptr};
        coro::v16::mutex*            mutex{nullptr};
        std::shared_ptr<timed_state> timed{};
    };

    static auto mutex_of(coro::v16::scoped_lock& lock) -> coro::v16::mutex&;
    auto        push(awaiter_base* waiter) -> void;
    /// Re-queues a waiter whose predicate was false, unless its timer has taken it over meanwhile.
    auto push_back(const popped_waiter& popped) -> void;
    auto pop() -> std::optional<popped_waiter>;
    auto detach_all() -> std::vector<popped_waiter>;
    /// Takes a timed-out waiter off the list (if a notifier has not popped it already).
    auto withdraw(timed_state& state) -> void;

    /// Locks the waiter's mutex on its behalf; resumes it inline if on_notify() agrees, otherwise re-queues it.
    /// False if the waiter's timer had taken the wait over (nothing was consumed).
    static auto notify_waiter(popped_waiter popped) -> coro::task<bool>;
    static auto notify_one_waiter(popped_waiter popped) -> coro::task<void>;
    /// The timer won: sets the waiter's result and resumes it (the caller holds the waiter's mutex for it).
    static auto resume_timed_out(timed_state& state) -> void;

    std::mutex m_waiters_mutex;
    /// Most recent first, linked by awaiter_base::m_next. Guarded by m_waiters_mutex (a waiter whose predicate
    /// is still false goes back on the list, so a lock-free stack would suffer from ABA).
    awaiter_base* m_waiters{nullptr};
};

} // namespace coro
