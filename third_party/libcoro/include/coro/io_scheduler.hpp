#pragma once

#include "coro/detail/poll_info.hpp"
#include "coro/detail/schedule_ref.hpp"
#include "coro/detail/timer_cancel.hpp"
#include "coro/expected.hpp"
#include "coro/fd.hpp"
#include "coro/gocoro_extensions.hpp"
#include "coro/poll.hpp"
#include "coro/task.hpp"
#include "coro/thread_pool.hpp"
#include "coro/time.hpp"
#include "coro/when_any.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <sys/eventfd.h>
#include <thread>
#include <vector>

namespace coro
{
#ifdef LIBCORO_FEATURE_NETWORKING
namespace net
{
class socket;
} // namespace net
#endif

/// Result of io_scheduler::schedule(task, timeout) when the task lost. Unscoped on purpose (libcoro v0.14):
/// coro::no_timeout and coro::timeout are namespace-scope names too.
enum timeout_status
{
    no_timeout,
    timeout,
};

/// An executor that also waits for file descriptors (epoll) and timers.
///
/// Tasks run either on an internal thread_pool (process_tasks_on_thread_pool) or on the thread that
/// processes events (process_tasks_inline). Events are processed by a dedicated thread
/// (thread_strategy_t::spawn) or by whoever calls process_events() (thread_strategy_t::manual).
///
/// Timers are kept in millisecond buckets (an ordered map from tick to an intrusive FIFO list threaded
/// through the waiting coroutines' frames): inserting or cancelling a timer never allocates, all timers of
/// one tick are released as one batch, and the timerfd is only re-armed when the earliest tick changes.
/// Completed polls/timers of one epoll round are handed to the pool with one thread_pool::resume(range).
///
/// Lifetime: unlike libcoro v0.14 the event thread does not own the scheduler, so dropping the last
/// shared_ptr without shutdown() runs the destructor, which shuts down (drains pending work) and joins.
/// All public members are thread-safe and may be called from any thread.
class io_scheduler : public std::enable_shared_from_this<io_scheduler>
{
    struct private_constructor
    {
        private_constructor() = default;
    };

public:
    /// The v0.14 poll result, whatever LIBCORO_API_VERSION selects for coro::poll_status.
    using poll_status = coro::v14::poll_status;

    class schedule_operation;
    friend class schedule_operation;

    enum class thread_strategy_t
    {
        /// A dedicated thread processes events.
        spawn,
        /// The user calls process_events().
        manual
    };

    enum class execution_strategy_t
    {
        /// Tasks run on the internal thread pool.
        process_tasks_on_thread_pool,
        /// Tasks run on the event-processing thread.
        process_tasks_inline
    };

    struct options
    {
        thread_strategy_t     thread_strategy{thread_strategy_t::spawn};
        std::function<void()> on_io_thread_start_functor{nullptr};
        std::function<void()> on_io_thread_stop_functor{nullptr};
        thread_pool::options  pool{
             .thread_count = ((std::thread::hardware_concurrency() > 1) ? (std::thread::hardware_concurrency() - 1) : 1),
             .on_thread_start_functor = nullptr,
             .on_thread_stop_functor  = nullptr};
        const execution_strategy_t execution_strategy{execution_strategy_t::process_tasks_on_thread_pool};
    };

    explicit io_scheduler(options&& opts, private_constructor);

    static auto make_shared(
        options opts = options{
            .thread_strategy            = thread_strategy_t::spawn,
            .on_io_thread_start_functor = nullptr,
            .on_io_thread_stop_functor  = nullptr,
            .pool =
                {.thread_count =
                     ((std::thread::hardware_concurrency() > 1) ? (std::thread::hardware_concurrency() - 1) : 1),
                 .on_thread_start_functor = nullptr,
                 .on_thread_stop_functor  = nullptr},
            .execution_strategy = execution_strategy_t::process_tasks_on_thread_pool}) -> std::shared_ptr<io_scheduler>;

    io_scheduler(const io_scheduler&)                    = delete;
    io_scheduler(io_scheduler&&)                         = delete;
    auto operator=(const io_scheduler&) -> io_scheduler& = delete;
    auto operator=(io_scheduler&&) -> io_scheduler&      = delete;

    /// Shuts down (see shutdown()) and closes the internal descriptors.
    ~io_scheduler();

    /// Manual mode: waits up to `timeout` (0 = just check, negative = block) for events, processes them and
    /// returns size(). Only one thread processes at a time; a concurrent call (or any call in spawn mode)
    /// returns size() without processing.
    auto process_events(std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) -> std::size_t;

    /// Awaitable returned by schedule()/yield(): continues the awaiting coroutine on the scheduler.
    class schedule_operation
    {
        friend class io_scheduler;
        schedule_operation(io_scheduler& scheduler, bool fifo) noexcept : m_ref(scheduler, fifo) {}

    public:
        auto await_ready() noexcept -> bool { return false; }
        /// False (not suspended) if the scheduler stopped processing after shutdown, or if its queue could not grow
        /// (out of memory): await_resume then throws, std::runtime_error or std::bad_alloc.
        auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool;
        auto await_resume() const -> void
        {
            if (m_ref.refused()) [[unlikely]]
            {
                m_ref.scheduler().throw_refused();
            }
        }

    private:
        detail::schedule_ref<io_scheduler> m_ref;
    };

    /// Continues the awaiting coroutine on the scheduler. Throws std::runtime_error once shutdown() has completed
    /// (at this call, or at the co_await if the scheduler stopped in between); while shutdown() is still draining,
    /// in-flight work may keep scheduling.
    [[nodiscard]] auto schedule() -> schedule_operation;

    /// Detaches `task` into the scheduler; it counts in size() until it completes. Exceptions escaping it are
    /// discarded. False once shutdown was requested.
    auto spawn(coro::task<void>&& task) -> bool;

    /// libcoro v0.16 name of spawn().
    auto spawn_detached(coro::task<void>&& task) -> bool { return spawn(std::move(task)); }

    /// As thread_pool::spawn_joinable(): starts `task` now, the returned lazy task joins it.
    auto spawn_joinable(coro::task<void>&& task) -> coro::task<void>;

    /// A task that first moves onto the scheduler and then runs `task`, returning its value.
    template <typename return_type>
    [[nodiscard]] auto schedule(coro::task<return_type> task) -> coro::task<return_type>
    {
        co_await schedule();
        co_return co_await task;
    }

    /// Races `task` (started inline on the awaiting thread) against a timer of `timeout`. The loser is not
    /// cancelled. A timeout of 0 (or negative) just schedules the task.
    template <typename return_type, typename rep, typename period>
    [[nodiscard]] auto schedule(coro::task<return_type> task, std::chrono::duration<rep, period> timeout)
        -> coro::task<coro::expected<return_type, timeout_status>>
    {
        using namespace std::chrono_literals;
        auto timeout_ms = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(timeout), 0ms);
        if (timeout_ms == 0ms)
        {
            co_return coro::expected<return_type, timeout_status>(co_await schedule(std::move(task)));
        }
        auto result = co_await when_any(std::move(task), make_timeout_task(timeout_ms));
        if (result.index() == 0)
        {
            co_return coro::expected<return_type, timeout_status>(std::move(std::get<0>(result)));
        }
        co_return coro::unexpected<timeout_status>(std::get<1>(result));
    }

#ifndef EMSCRIPTEN
    /// As above; `stop_source.request_stop()` is called as soon as either side wins.
    template <typename return_type, typename rep, typename period>
    [[nodiscard]] auto
    schedule(std::stop_source stop_source, coro::task<return_type> task, std::chrono::duration<rep, period> timeout)
        -> coro::task<coro::expected<return_type, timeout_status>>
    {
        using namespace std::chrono_literals;
        auto timeout_ms = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(timeout), 0ms);
        if (timeout_ms == 0ms)
        {
            co_return coro::expected<return_type, timeout_status>(co_await schedule(std::move(task)));
        }
        auto result = co_await when_any(std::move(stop_source), std::move(task), make_timeout_task(timeout_ms));
        if (result.index() == 0)
        {
            co_return coro::expected<return_type, timeout_status>(std::move(std::get<0>(result)));
        }
        co_return coro::unexpected<timeout_status>(std::get<1>(result));
    }
#endif

    /// Same as yield_for(amount).
    [[nodiscard]] auto schedule_after(std::chrono::milliseconds amount) -> coro::task<void>;
    /// Same as yield_until(time).
    [[nodiscard]] auto schedule_at(time_point time) -> coro::task<void>;

    /// Re-queues the awaiting coroutine behind everything already queued.
    [[nodiscard]] auto yield() -> schedule_operation { return schedule_operation{*this, true}; }

    /// Continues on the scheduler no earlier than `amount` from now (like schedule() for amount <= 0).
    [[nodiscard]] auto yield_for(std::chrono::milliseconds amount) -> coro::task<void>;

#if GOCORO_CORE_EXTENSIONS
    /// gocoro extension (not in libcoro): yield_for(amount) that cancel_timer(cancel) can end early: the coroutine
    /// then continues at once, as if its time had come (and at once if cancel_timer came first). `cancel` belongs
    /// to one wait.
    [[nodiscard]] auto yield_for_cancellable(std::chrono::milliseconds amount, detail::timer_cancel& cancel)
        -> coro::task<void>;
    /// Ends the yield_for_cancellable() wait of `cancel` now (see there). Thread-safe; does nothing once it fired.
    auto cancel_timer(detail::timer_cancel& cancel) noexcept -> void;
#endif
    /// Continues on the scheduler no earlier than `time` (like schedule() if it already passed).
    [[nodiscard]] auto yield_until(time_point time) -> coro::task<void>;

    /// Waits until `fd` is ready for `op`, the peer hangs up, or `timeout` (0 = forever) elapses. A
    /// descriptor epoll refuses (closed/invalid, or already being polled by another coroutine) completes
    /// immediately with poll_status::error; a regular file (always ready) with poll_status::event.
    [[nodiscard]] auto poll(fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout = std::chrono::milliseconds{0})
        -> coro::task<poll_status>;

#if GOCORO_CORE_EXTENSIONS
    /// gocoro extension (not in libcoro): poll() for a waiter that only passes the outcome on (posts it to a
    /// queue, sets a flag) and never blocks. It is resumed on the thread processing events even in thread-pool
    /// mode, saving the hand-off to a pool worker; anything heavier belongs in poll().
    [[nodiscard]] auto poll_notify(fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
        -> coro::task<poll_status>;
#endif

#ifdef LIBCORO_FEATURE_NETWORKING
    /// poll() for a socket. Unlike a raw descriptor, a socket stays registered with epoll between polls (edge-
    /// triggered), so a poll usually costs no system call; this relies on the socket being closed through
    /// net::socket (its destructor or close()), never with ::close() on its native_handle() while it lives.
    [[nodiscard]] auto poll(
        const net::socket&        sock,
        coro::poll_op             op,
        std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) -> coro::task<poll_status>;

    #if GOCORO_CORE_EXTENSIONS
    /// gocoro extension (not in libcoro): poll(net::socket) for a socket the caller holds as a raw descriptor: it
    /// stays registered between polls the same way, so the caller must count every close of `fd` as net::socket
    /// does (detail::fd_close_serial::note_close before and after ::close) and may call note_drained.
    [[nodiscard]] auto poll_kept(
        fd_t                      fd,
        coro::poll_op             op,
        std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) -> coro::task<poll_status>
    {
        return poll_socket(fd, op, timeout);
    }
    #endif
#endif

#if GOCORO_CORE_EXTENSIONS
    /// gocoro extension (not in libcoro): tells the scheduler that `fd` was just found not ready for `op` (a read
    /// came back empty or, for a stream, short; a write would block), so the next poll of that socket can wait
    /// for the kernel's next readiness edge instead of checking the descriptor first. The net classes call it;
    /// calling it wrongly (the descriptor is in fact ready) would let that poll miss the readiness.
    auto note_drained(fd_t fd, coro::poll_op op) noexcept -> void;
#endif

#if GOCORO_CORE_EXTENSIONS
    /// gocoro extension (not in libcoro): completes the poll pending on `fd`, if any, with poll_status::event as if
    /// the descriptor had become ready; if none is pending, the next poll of `fd` completes at once. Callable from
    /// any thread; the thread processing events does the completion. Lets a server wake the coroutine that waits
    /// on a connection (to flush a write queued by another thread, say). Waiters must take the event as "maybe
    /// ready": their non-blocking read or write may still say would_block.
    auto wake_poll(fd_t fd) -> void;
#endif

    /// Continues a suspended coroutine on the scheduler. False for a null or finished handle or once
    /// shutdown was requested.
    auto resume(std::coroutine_handle<> handle) -> bool;

    /// Pending timers/polls + spawned tasks (+ queued inline tasks), plus the pool's size() in pool mode.
    auto size() const noexcept -> std::size_t;
    auto empty() const noexcept -> bool { return size() == 0; }

    /// Idempotent and blocking: stops accepting resume()/spawn(), waits until every pending task, timer and
    /// poll has completed (spawn mode), then shuts down the pool and joins the event thread.
    auto shutdown() noexcept -> void;

#if GOCORO_CORE_EXTENSIONS
    /// gocoro extension (not in libcoro): shutdown() that does not wait for pending polls and timers. Every poll
    /// still waiting completes with poll_status::closed (resumed as usual: on the pool, or on the thread processing
    /// events), and so does every poll started afterwards, at once; every timer still waiting (yield_for,
    /// yield_until, schedule_after, schedule_at) resumes at once and its co_await throws std::runtime_error, as
    /// does every timer started afterwards. Queued tasks are still drained. In manual mode the caller processes one
    /// round of events to resume them (unless it runs inside process_events, which then does it). Polls of
    /// descriptors beyond the scheduler's table (fd >= 2^20) without a timeout are not cancelled.
    auto shutdown_cancel_polls() noexcept -> void;
#endif

private:
    class timer_awaiter;
    class poll_awaiter;
    friend class timer_awaiter;
    friend class poll_awaiter;

    static auto io_thread_main(std::weak_ptr<io_scheduler> weak, io_scheduler* raw) -> void;

    auto make_timeout_task(std::chrono::milliseconds timeout) -> coro::task<timeout_status>
    {
        co_await schedule_after(timeout);
        co_return timeout_status::timeout;
    }

    auto poll_socket(fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout) -> coro::task<poll_status>;
    auto throw_if_stopped() const -> void;
    [[noreturn]] static auto throw_stopped() -> void;
    /// Throws why a schedule was refused: the shutdown, or else memory for the queue.
    [[noreturn]] auto throw_refused() const -> void;
    /// Queues handle; false if the scheduler stopped processing (sealed) or its pool's workers left. `counted`:
    /// the caller already holds a count in m_size, so the scheduler cannot stop before this is processed.
    [[nodiscard]] auto schedule_impl(std::coroutine_handle<> handle, bool fifo, bool counted = false) noexcept -> bool;
    /// Counts one pending item in m_size unless the scheduler is sealed (then nothing is counted: false).
    [[nodiscard]] auto enter_size() noexcept -> bool;
    /// The event loop's exit check after shutdown: true (and the scheduler sealed) when nothing is pending.
    auto seal_if_idle() noexcept -> bool;
    auto cancel_pending_timers() -> void;
    auto process_events_execute(int timeout_ms) -> void;
    auto wait_for_events(int timeout_ms) -> int;
    auto spin_then_wait_for_events() -> int;
    auto process_ready_events(int count) -> void;
    auto add_timer_locked(detail::poll_info& pi, int64_t tick) -> void;
    auto remove_timer_locked(detail::poll_info& pi) noexcept -> void;
    auto arm_timer_locked(int64_t tick) noexcept -> void;
    auto collect_expired_timers() -> void;
    auto make_ready(detail::poll_info& info) -> void;
    auto hand_off_ready() -> void;
    auto run_inline_queue() -> void;
    auto on_own_thread() const noexcept -> bool;

    // Per-descriptor registration state (see detail/io_scheduler_internal.hpp): polled descriptors stay registered with
    // epoll between polls and are re-armed with EPOLL_CTL_MOD instead of being added and removed each time;
    // sockets stay registered edge-triggered and need no re-arm at all.
    struct fd_slot;
    struct fd_page;
    auto fd_slot_for(fd_t fd, bool create) noexcept -> fd_slot*;
    auto arm_poll(detail::poll_info& info, poll_op op, bool socket) noexcept -> int;
    auto arm_kept(fd_slot& slot, detail::poll_info& info, poll_op op) noexcept -> int;
    auto claim_poll(uint64_t token, uint32_t& flags, uint32_t batch) noexcept -> detail::poll_info*;
    auto cancel_pending_polls() -> void;
    auto complete_wakes() -> void;
    auto disarm_timed_out_poll(detail::poll_info& info) noexcept -> void;

    options m_opts;

    fd_t m_epoll_fd{-1};
    fd_t m_shutdown_fd{-1};
    fd_t m_timer_fd{-1};
    fd_t m_schedule_fd{-1};

    std::unique_ptr<thread_pool> m_thread_pool{nullptr};

    /// Two-level table indexed by fd number; pages are created on first use and never move or shrink.
    std::unique_ptr<std::atomic<fd_page*>[]> m_fd_pages;
    std::thread                              m_io_thread;

    /// Pending timers/polls, queued inline tasks and live spawned tasks.
    alignas(64) std::atomic<std::size_t> m_size{0};

    // Timers: tick (ms since the steady clock's epoch) -> bucket. Guarded by m_timer_mutex.
    using timer_map = std::map<int64_t, detail::timer_bucket>;
    std::mutex                        m_timer_mutex;
    timer_map                         m_timers;
    std::vector<timer_map::node_type> m_free_buckets;
    /// Buckets unhooked by the event-processing thread for expiry (touched only by that thread, except
    /// that they are handed back to m_free_buckets under the lock).
    std::vector<timer_map::node_type> m_due_buckets;
    int64_t                           m_armed_tick{INT64_MAX};

    // Inline mode: queued coroutines, guarded by m_inline_mutex.
    std::mutex                           m_inline_mutex;
    std::vector<std::coroutine_handle<>> m_inline_queue;
    std::vector<std::coroutine_handle<>> m_inline_running;
    std::atomic<bool>                    m_schedule_fd_triggered{false};

    // Owned by the thread processing events.
    std::array<epoll_event, 128>         m_events{};
    std::vector<std::coroutine_handle<>> m_ready;
    /// Waiters of poll_notify, resumed by the event thread itself after m_ready is handed off.
    std::vector<std::coroutine_handle<>> m_ready_here;
    std::atomic<bool>                    m_processing{false};
    /// Bumped by the thread processing events before each epoll_wait fetches a batch (see wait_for_events). A kept
    /// poll that armed with the stamp of the batch that completes it may be woken by an edge the kernel reported
    /// before the waiter's own read consumed the data (see claim_poll).
    std::atomic<uint32_t> m_event_batch{0};
    /// Spawned event thread only: when it may yield before blocking again, and the current back-off.
    time_point                m_yield_off_until{};
    time_point                m_last_slow_yield{};
    std::chrono::microseconds m_yield_backoff{0};

    /// shutdown_cancel_polls() was called: polls are refused from now on, and the thread processing events
    /// cancels the pending ones once (m_polls_cancelled, touched only by that thread).
    std::atomic<bool> m_cancel_polls{false};
    bool              m_polls_cancelled{false};
    /// Descriptors whose poll wake_poll() asked to complete; the thread processing events takes them.
    std::mutex        m_wake_mutex;
    std::vector<fd_t> m_wake_fds;
    std::vector<fd_t> m_waking;
    std::atomic<bool> m_wake_requested{false};

    std::atomic<bool> m_shutdown_requested{false};
    /// Set after shutdown when the thread processing events found nothing pending and stops: work that arrives
    /// later (a timer, poll, inline task or spawn that passed the shutdown checks just before) is refused, since
    /// nothing would process it. Pairs with enter_size() (seq_cst on both sides).
    std::atomic<bool> m_sealed{false};
    std::atomic<bool> m_stopped{false};
    std::atomic<bool> m_abandon{false};
    std::mutex        m_shutdown_mutex;
};

} // namespace coro
