#pragma once

// libcoro v0.16 coro::scheduler (the successor of io_scheduler): owned through make_unique(), spawn_detached /
// spawn_joinable, any-duration timers, polls reporting coro::v16::poll_status and cancellable through a
// poll_stop_token. It is a thin face over an io_scheduler, which stays the one implementation of the event loop,
// the epoll and timer machinery and the pool hand-off (COMPATIBILITY.md, "Two API versions").

#include "coro/api_version.hpp"
#include "coro/concepts/range_of.hpp"
#include "coro/expected.hpp"
#include "coro/fd.hpp"
#include "coro/io_scheduler.hpp"
#include "coro/poll.hpp"
#include "coro/task.hpp"
#include "coro/thread_pool.hpp"
#include "coro/time.hpp"
#include "coro/when_any.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>

namespace coro::net::tls
{
LIBCORO_INLINE_V16 namespace v16
{
    class client;
    class server;
} // namespace v16
} // namespace coro::net::tls

namespace coro
{
/// An executor that also waits for file descriptors and timers (libcoro v0.16). Tasks run on an internal
/// thread pool or on the thread processing events, as chosen by options::execution_strategy; events are processed
/// by a dedicated thread or by whoever calls process_events(), as chosen by options::thread_strategy.
///
/// Created only through make_unique(); destroying it shuts it down (pending tasks, timers and polls complete
/// first) and joins its threads. Destroying it from one of its own threads is not supported. All other members
/// are thread-safe.
class scheduler
{
    struct private_constructor
    {
        explicit private_constructor() = default;
    };

public:
    class schedule_operation;

    using thread_strategy_t    = io_scheduler::thread_strategy_t;
    using execution_strategy_t = io_scheduler::execution_strategy_t;

    struct options
    {
        thread_strategy_t     thread_strategy{thread_strategy_t::spawn};
        std::function<void()> on_io_thread_start_functor{nullptr};
        std::function<void()> on_io_thread_stop_functor{nullptr};
        thread_pool::options  pool{
             .thread_count = ((std::thread::hardware_concurrency() > 1) ? (std::thread::hardware_concurrency() - 1) : 1),
             .on_thread_start_functor = nullptr,
             .on_thread_stop_functor  = nullptr};
        /// Not const (unlike io_scheduler::options), so options can be assigned.
        execution_strategy_t execution_strategy{execution_strategy_t::process_tasks_on_thread_pool};
    };

    explicit scheduler(options&& opts, private_constructor);

    /// A scheduler with the default options.
    static auto make_unique() -> std::unique_ptr<scheduler>;
    /// A scheduler with `opts`. (Two overloads instead of a defaulted argument: a default argument cannot use
    /// options' member initialisers inside this class.)
    static auto make_unique(options opts) -> std::unique_ptr<scheduler>;

#if GOCORO_CORE_EXTENSIONS
    /// A v0.16 face over an io_scheduler that is owned elsewhere (e.g. the one a net/server connection runs on), for
    /// v0.16 code that needs a std::unique_ptr<scheduler>&. Its destructor leaves the io_scheduler running (an
    /// explicit shutdown() still shuts it down). Throws std::runtime_error for a null io_scheduler.
    static auto adopt(std::shared_ptr<io_scheduler> io) -> std::unique_ptr<scheduler>;
    explicit scheduler(std::shared_ptr<io_scheduler> io, private_constructor);
#endif

    scheduler(const scheduler&)                    = delete;
    scheduler(scheduler&&)                         = delete;
    auto operator=(const scheduler&) -> scheduler& = delete;
    auto operator=(scheduler&&) -> scheduler&      = delete;

    /// Shuts down (see shutdown()).
    virtual ~scheduler();

    /// Manual thread strategy: waits up to `timeout` (0 = just check, negative = block) for events, processes
    /// them and returns size(). Returns size() without processing in spawn mode or while another thread processes.
    auto process_events(std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) -> std::size_t;

    /// Awaitable returned by schedule() and yield(): continues the awaiting coroutine on the scheduler.
    class schedule_operation
    {
        friend class scheduler;
        explicit schedule_operation(io_scheduler::schedule_operation op) noexcept : m_op(op) {}

    public:
        auto await_ready() noexcept -> bool { return false; }
        auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> void
        {
            m_op.await_suspend(awaiting_coroutine);
        }
        auto await_resume() noexcept -> void {}

    private:
        io_scheduler::schedule_operation m_op;
    };

    /// Continues the awaiting coroutine on the scheduler. Throws std::runtime_error once shutdown() has completed
    /// (upstream hands it to an executor that may never run it: D38.7).
    [[nodiscard]] auto schedule() -> schedule_operation { return schedule_operation{m_io->schedule()}; }

    /// Detaches `task` into the scheduler; it counts in size() until it completes, exceptions escaping it are
    /// discarded. False (size() unchanged, task freed) once shutdown was requested.
    auto spawn_detached(coro::task<void>&& task) -> bool { return m_io->spawn_detached(std::move(task)); }

    /// Starts `task` now; the returned lazy task completes once `task` has. Dropping the returned task unawaited
    /// blocks until `task` completed.
    auto spawn_joinable(coro::task<void>&& task) -> coro::task<void> { return m_io->spawn_joinable(std::move(task)); }

    /// A task that first moves onto the scheduler and then runs `task`, returning its value.
    template <typename return_type>
    [[nodiscard]] auto schedule(coro::task<return_type> task) -> coro::task<return_type>
    {
        co_await schedule();
        co_return co_await task;
    }

    /// Races `task` (started inline on the awaiting thread) against a timer of `timeout` (truncated to whole
    /// milliseconds). The loser is not cancelled. A timeout <= 0 just schedules and awaits the task.
    template <typename return_type, typename rep, typename period>
    [[nodiscard]] auto schedule(coro::task<return_type> task, std::chrono::duration<rep, period> timeout)
        -> coro::task<coro::expected<return_type, timeout_status>>
    {
        static_assert(
            !std::is_same_v<return_type, timeout_status>,
            "scheduler::schedule(task, timeout): a task returning coro::timeout_status cannot be told apart from "
            "the timeout");
        const auto timeout_ms = clamp_timeout(timeout);
        if (timeout_ms.count() == 0)
        {
            co_return co_await schedule_expected(std::move(task));
        }
        co_return from_race<return_type>(co_await when_any(as_value(std::move(task)), make_timeout_task(timeout_ms)));
    }

#ifndef EMSCRIPTEN
    /// As above; `stop_source.request_stop()` is called as soon as either side wins (not in the timeout <= 0
    /// case, which just schedules and awaits the task).
    template <typename return_type, typename rep, typename period>
    [[nodiscard]] auto
    schedule(std::stop_source stop_source, coro::task<return_type> task, std::chrono::duration<rep, period> timeout)
        -> coro::task<coro::expected<return_type, timeout_status>>
    {
        static_assert(
            !std::is_same_v<return_type, timeout_status>,
            "scheduler::schedule(stop_source, task, timeout): a task returning coro::timeout_status cannot be told "
            "apart from the timeout");
        const auto timeout_ms = clamp_timeout(timeout);
        if (timeout_ms.count() == 0)
        {
            co_return co_await schedule_expected(std::move(task));
        }
        co_return from_race<return_type>(
            co_await when_any(std::move(stop_source), as_value(std::move(task)), make_timeout_task(timeout_ms)));
    }
#endif

    /// Same as yield_for(amount).
    template <class rep_type, class period_type>
    [[nodiscard]] auto schedule_after(std::chrono::duration<rep_type, period_type> amount) -> coro::task<void>
    {
        return yield_for_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(amount));
    }

    /// Same as yield_until(time).
    [[nodiscard]] auto schedule_at(time_point time) -> coro::task<void> { return m_io->schedule_at(time); }

    /// Re-queues the awaiting coroutine behind everything already queued.
    [[nodiscard]] auto yield() -> schedule_operation { return schedule_operation{m_io->yield()}; }

    /// Continues on the scheduler no earlier than `amount` from now (like schedule() for amount <= 0). Timers
    /// have millisecond resolution: a sub-millisecond remainder rounds up.
    template <class rep_type, class period_type>
    [[nodiscard]] auto yield_for(std::chrono::duration<rep_type, period_type> amount) -> coro::task<void>
    {
        return yield_for_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(amount));
    }

    /// Continues on the scheduler no earlier than `time` (like schedule() if it already passed).
    [[nodiscard]] auto yield_until(time_point time) -> coro::task<void> { return m_io->yield_until(time); }

    /// Waits until `fd` is ready for `op` (poll_status::read if it is readable, else write), the peer hangs up
    /// (closed), an error is reported (error), `timeout` elapses (timeout; 0 = no timeout) or `cancel_trigger`'s
    /// source is signalled (cancelled; also at once if it already was, and it wins when both are ready). Any
    /// number of polls may share one token. One poll per descriptor at a time; a second one reports error.
    [[nodiscard]] auto poll(
        fd_t                           fd,
        coro::poll_op                  op,
        std::chrono::milliseconds      timeout        = std::chrono::milliseconds{0},
        std::optional<poll_stop_token> cancel_trigger = std::nullopt) -> coro::task<coro::v16::poll_status>;

#ifdef LIBCORO_FEATURE_NETWORKING
    /// poll(sock.native_handle(), ...) for a socket the net classes own: without a cancel_trigger it uses the
    /// scheduler's kept socket registration (see io_scheduler::poll(const net::socket&, ...)). `sock` must stay
    /// alive until the poll completes.
    [[nodiscard]] auto poll(
        const net::socket&             sock,
        coro::poll_op                  op,
        std::chrono::milliseconds      timeout        = std::chrono::milliseconds{0},
        std::optional<poll_stop_token> cancel_trigger = std::nullopt) -> coro::task<coro::v16::poll_status>;
#endif

#if GOCORO_CORE_EXTENSIONS
    /// gocoro extension: yield_for(amount) that cancel_timer(cancel) can end early (io_scheduler::
    /// yield_for_cancellable; the condition_variable's timed waits use it). Millisecond ticks, rounded up.
    [[nodiscard]] auto yield_for_cancellable(std::chrono::nanoseconds amount, detail::timer_cancel& cancel)
        -> coro::task<void>
    {
        return m_io->yield_for_cancellable(std::chrono::ceil<std::chrono::milliseconds>(amount), cancel);
    }
    /// gocoro extension: see io_scheduler::cancel_timer.
    auto cancel_timer(detail::timer_cancel& cancel) noexcept -> void { m_io->cancel_timer(cancel); }

    /// gocoro extension: see io_scheduler::note_drained (the v0.16 net classes call it).
    auto note_drained(fd_t fd, coro::poll_op op) noexcept -> void { m_io->note_drained(fd, op); }

    /// gocoro extension: the io_scheduler this face runs on (the Go binding's IOScheduler wraps it).
    [[nodiscard]] auto io() const noexcept -> const std::shared_ptr<io_scheduler>& { return m_io; }
#endif

    /// Continues a suspended coroutine on the scheduler. False for a null or finished handle or once shutdown was
    /// requested.
    auto resume(std::coroutine_handle<> handle) -> bool { return m_io->resume(handle); }

    /// resume() for each handle; returns how many were accepted.
    template <coro::concepts::sized_range_of<std::coroutine_handle<>> range_type>
    auto resume(const range_type& handles) noexcept -> std::size_t
    {
        std::size_t accepted = 0;
        for (const auto& handle : handles)
        {
            accepted += resume(handle) ? 1 : 0;
        }
        return accepted;
    }

    /// Pending timers/polls, live spawned tasks and queued inline tasks, plus the pool's size() in pool mode.
    auto size() const noexcept -> std::size_t { return m_io->size(); }
    auto empty() const noexcept -> bool { return size() == 0; }

    /// Idempotent and blocking: stops accepting resume()/spawn_detached(), lets the event loop finish every pending
    /// task, timer and poll (spawn mode; in manual mode nothing processes them unless process_events() is
    /// called), joins it, then shuts the pool down. Called from one of the scheduler's own tasks it only records
    /// the request.
    auto shutdown() noexcept -> void;

    /// Whether shutdown() was called.
    [[nodiscard]] auto is_shutdown() const -> bool { return m_shutdown_requested.load(std::memory_order_acquire); }

private:
    template <typename rep, typename period>
    static auto clamp_timeout(std::chrono::duration<rep, period> timeout) -> std::chrono::milliseconds
    {
        return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(timeout), std::chrono::milliseconds{0});
    }

    auto yield_for_ns(std::chrono::nanoseconds amount) -> coro::task<void>;

    auto make_timeout_task(std::chrono::milliseconds timeout) -> coro::task<timeout_status>
    {
        co_await yield_for_ns(timeout);
        co_return timeout_status::timeout;
    }

    /// when_any needs a value from each side: a void task reports std::monostate.
    template <typename return_type>
    static auto as_value(coro::task<return_type> task) -> coro::task<return_type>
    {
        return task;
    }
    static auto as_value(coro::task<void> task) -> coro::task<std::monostate>
    {
        co_await task;
        co_return std::monostate{};
    }

    template <typename return_type>
    auto schedule_expected(coro::task<return_type> task) -> coro::task<coro::expected<return_type, timeout_status>>
    {
        if constexpr (std::is_void_v<return_type>)
        {
            co_await schedule(std::move(task));
            co_return coro::expected<void, timeout_status>{};
        }
        else
        {
            co_return coro::expected<return_type, timeout_status>(co_await schedule(std::move(task)));
        }
    }

    /// The race's outcome as schedule(task, timeout)'s result; `variant_type` holds the task's value (monostate for
    /// void) or the timeout.
    template <typename return_type, typename variant_type>
    static auto from_race(variant_type result) -> coro::expected<return_type, timeout_status>
    {
        if (result.index() != 0)
        {
            return coro::expected<return_type, timeout_status>(
                coro::unexpected<timeout_status>(timeout_status::timeout));
        }
        if constexpr (std::is_void_v<return_type>)
        {
            return coro::expected<void, timeout_status>{};
        }
        else
        {
            return coro::expected<return_type, timeout_status>(std::move(std::get<0>(result)));
        }
    }

    /// The v0.16 TLS classes are faces over the v0.14 ones, which hold the io_scheduler.
    friend class net::tls::v16::client;
    friend class net::tls::v16::server;

    /// The event loop, timers, epoll and pool: shared machinery with the v0.14 face.
    std::shared_ptr<io_scheduler> m_io;
    std::atomic<bool>             m_shutdown_requested{false};
    /// Made by adopt(): the destructor does not shut m_io down.
    bool m_borrowed{false};
};

} // namespace coro
