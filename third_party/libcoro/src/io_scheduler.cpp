#include "coro/io_scheduler.hpp"
#if GOCORO_CORE_EXTENSIONS
    #include "coro/detail/fd_close_serial.hpp"
#endif

#include <algorithm>
#include <cerrno>
#include <climits>
#include <new>
#include <poll.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace coro
{
namespace
{
/// Scheduler whose event thread or pool worker this thread is (nullptr for other threads).
thread_local const io_scheduler* t_owner = nullptr;
/// Set by the destructor when it ran on the scheduler's own event thread, so the event loop knows the
/// object is gone and must return without touching it.
thread_local bool t_destroyed_on_io_thread = false;

constexpr int         max_events       = 128;
constexpr std::size_t max_free_buckets = 64;
/// Event-thread yield before blocking (see spin_then_wait_for_events): a yield longer than slow_yield
/// switches yielding off for a back-off time between the two bounds.
constexpr auto slow_yield        = std::chrono::microseconds{1000};
constexpr auto min_yield_backoff = std::chrono::microseconds{1000};
constexpr auto max_yield_backoff = std::chrono::microseconds{1'000'000};

/// Millisecond tick a deadline belongs to, rounded up so a timer never fires early.
auto deadline_tick(time_point tp) noexcept -> int64_t
{
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count();
    return (ns + 999'999) / 1'000'000;
}

/// The tick that has fully started at `tp` (rounded down).
auto current_tick(time_point tp) noexcept -> int64_t
{
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count();
    return ns / 1'000'000;
}

auto drain_fd(fd_t fd) noexcept -> void
{
    uint64_t              value{0};
    [[maybe_unused]] auto n = ::read(fd, &value, sizeof(value));
}

auto signal_fd(fd_t fd) noexcept -> void
{
    uint64_t              value{1};
    [[maybe_unused]] auto n = ::write(fd, &value, sizeof(value));
}

// Descriptor table geometry: 1024 pages of 1024 slots cover fd numbers below 2^20 (Linux's default
// fs.nr_open). Larger descriptors fall back to adding and removing the registration on every poll.
constexpr std::size_t fd_page_bits  = 10;
constexpr std::size_t fd_page_size  = std::size_t{1} << fd_page_bits;
constexpr std::size_t fd_page_count = 1024;
constexpr std::size_t fd_table_size = fd_page_size * fd_page_count;

/// epoll data for a tracked descriptor: (generation, fd, 1). Bit 0 set tells it apart from the pointers used
/// for internal descriptors and untracked polls. A token whose generation is no longer current belongs to a
/// registration that was superseded (its fd number was closed and reused) and is ignored.
auto make_token(fd_t fd, uint32_t gen) noexcept -> uint64_t
{
    return (uint64_t{gen} << 32) | (static_cast<uint64_t>(fd) << 1) | 1U;
}

auto add_internal_fd(fd_t epoll_fd, fd_t fd, void* tag) -> void
{
    epoll_event ev{};
    ev.events   = EPOLLIN;
    ev.data.ptr = tag;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
    {
        throw std::runtime_error("coro::io_scheduler: failed to register an internal descriptor with epoll");
    }
}
/// arm_poll() result: the descriptor is ready already; the poll's status is set and it does not wait.
constexpr int ready_now = -1;
/// arm_poll() result: shutdown_cancel_polls() was called; the poll completes at once with poll_status::closed.
constexpr int cancelled_now = -2;

/// Events a waiter always hears about, whatever it polls for.
constexpr uint32_t always_events = EPOLLERR | EPOLLHUP | EPOLLRDHUP;

/// What a wait reports for the epoll (or, same bits on Linux, ::poll) events that ended it.
auto status_for(uint32_t flags) noexcept -> poll_status
{
    if ((flags & (EPOLLIN | EPOLLOUT)) != 0)
    {
        return poll_status::event;
    }
    if ((flags & EPOLLERR) != 0)
    {
        return poll_status::error;
    }
    if ((flags & (EPOLLRDHUP | EPOLLHUP)) != 0)
    {
        return poll_status::closed;
    }
    return poll_status::error; // POLLNVAL and anything unexpected
}
static_assert(
    POLLIN == EPOLLIN && POLLOUT == EPOLLOUT && POLLERR == EPOLLERR && POLLHUP == EPOLLHUP && POLLRDHUP == EPOLLRDHUP);
} // namespace

/// Registration state of one fd number. Guarded by its own spin lock, which the polling thread holds across
/// the epoll_ctl call so that the event thread never sees a half-done arm.
struct io_scheduler::fd_slot
{
    std::atomic<bool> m_locked{false};
    /// A poll is pending: its registration is armed and m_owner waits for it.
    bool m_armed{false};
    /// Probably registered with epoll (disarmed by EPOLLONESHOT when not armed). Only a hint: the kernel
    /// drops the registration by itself when the last reference to the open file is closed, and the number
    /// may then be reused by another file, so EPOLL_CTL_MOD may fail with ENOENT (and ADD with EEXIST).
    bool m_registered{false};
    /// Bumped by every registration (every arm of a one-shot one); part of the epoll token.
    uint32_t           m_gen{0};
    detail::poll_info* m_owner{nullptr};

    // Kept registrations (sockets polled through net::socket): registered once, edge-triggered for every event,
    // and valid while the number's close serial (coro/detail/fd_close_serial.hpp) still equals m_close_serial.
    // An edge-triggered registration reports each change once, so the slot remembers readiness that may still be
    // there: m_maybe, directions whose poll completed (the reader may not have drained them; note_drained clears
    // them), and m_unclaimed, events that came with no waiter for them. A poll that finds its bits set checks the
    // descriptor (::poll, timeout 0) before waiting; one that finds them clear waits with no system call at all.
    bool     m_kept{false};
    uint32_t m_close_serial{0};
    /// wake_poll() found no poll pending: the next one completes at once.
    bool     m_woken{false};
    uint32_t m_want{0};
    uint32_t m_maybe{0};
    uint32_t m_unclaimed{0};
    /// Events handled for this slot; tells a poll whether an edge came in while it was checking the descriptor.
    uint32_t m_handled{0};

    auto lock() noexcept -> void
    {
        while (m_locked.exchange(true, std::memory_order_acquire))
        {
            // Only contended when two threads touch the same fd at once; the holder is inside one syscall.
            for (int spins = 0; m_locked.load(std::memory_order_relaxed); ++spins)
            {
                if (spins >= 64)
                {
                    std::this_thread::yield();
                    spins = 0;
                }
            }
        }
    }
    auto unlock() noexcept -> void { m_locked.store(false, std::memory_order_release); }
};

struct io_scheduler::fd_page
{
    std::array<fd_slot, fd_page_size> m_slots{};
};

/// Suspends until its timer fires. The wait record lives inside the awaiter (in the coroutine frame).
class io_scheduler::timer_awaiter
{
public:
    timer_awaiter(io_scheduler& s, int64_t tick) noexcept : m_scheduler(s), m_tick(tick) {}

    auto await_ready() const noexcept -> bool { return false; }
    auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
    {
        m_info.m_awaiting_coroutine = awaiting_coroutine;
        m_info.m_has_timer          = true;
        if (!m_scheduler.enter_size())
        {
            m_info.m_poll_status = poll_status::closed; // the scheduler stopped: await_resume throws
            return false;
        }
        std::lock_guard lk{m_scheduler.m_timer_mutex};
        // Checked under the timer lock, which cancel_pending_timers() takes after reading the flag: either it
        // finds this timer or this timer sees the flag.
        if (m_scheduler.m_cancel_polls.load(std::memory_order_seq_cst))
        {
            m_scheduler.m_size.fetch_sub(1, std::memory_order_release);
            m_info.m_poll_status = poll_status::closed;
            return false;
        }
        m_scheduler.add_timer_locked(m_info, m_tick);
        return true; // the event thread may resume (and free) our frame as soon as the lock is released
    }
    /// A timer cancelled by shutdown_cancel_polls() (or refused after shutdown) throws; one that fired returns.
    auto await_resume() const -> void
    {
        if (m_info.m_poll_status == poll_status::closed)
        {
            throw_stopped();
        }
    }

private:
    io_scheduler&     m_scheduler;
    int64_t           m_tick;
    detail::poll_info m_info{};
};

/// Registers the descriptor (and the optional timer) and suspends until the first of them fires.
class io_scheduler::poll_awaiter
{
public:
    poll_awaiter(io_scheduler& s, detail::poll_info& info, poll_op op, int64_t tick, bool socket) noexcept
        : m_scheduler(s), m_info(info), m_op(op), m_tick(tick), m_socket(socket)
    {
    }

    auto await_ready() const noexcept -> bool { return false; }
    auto await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
    {
        m_info.m_awaiting_coroutine = awaiting_coroutine;
        m_info.m_has_timer          = m_tick >= 0;

        if (!m_scheduler.enter_size())
        {
            m_info.m_poll_status = poll_status::closed; // the scheduler stopped: nothing would wake this poll
            return false;
        }
        int err = 0;
        if (m_info.m_has_timer)
        {
            // Holding the timer lock across the registration keeps the timer from firing before the
            // descriptor is registered (the event thread needs the lock to expire or cancel timers).
            std::lock_guard lk{m_scheduler.m_timer_mutex};
            m_scheduler.add_timer_locked(m_info, m_tick);
            err = m_scheduler.arm_poll(m_info, m_op, m_socket);
            if (err != 0)
            {
                m_scheduler.remove_timer_locked(m_info);
            }
        }
        else
        {
            err = m_scheduler.arm_poll(m_info, m_op, m_socket);
        }
        if (err == 0)
        {
            return true; // from here on the frame belongs to the event thread
        }
        m_scheduler.m_size.fetch_sub(1, std::memory_order_release);
        if (err == ready_now)
        {
            return false; // m_poll_status is set
        }
        if (err == cancelled_now)
        {
            m_info.m_poll_status = poll_status::closed;
            return false;
        }
        // epoll refused the descriptor: EPERM means it is always ready (regular file, directory); anything
        // else (EBADF, EEXIST: already polled by another coroutine, ...) is reported as an error right away.
        m_info.m_poll_status = (err == EPERM) ? poll_status::event : poll_status::error;
        return false;
    }
    auto await_resume() const noexcept -> poll_status { return m_info.m_poll_status; }

private:
    io_scheduler&      m_scheduler;
    detail::poll_info& m_info;
    poll_op            m_op;
    int64_t            m_tick;
    bool               m_socket;
};

io_scheduler::io_scheduler(options&& opts, private_constructor) : m_opts(std::move(opts))
{
    m_epoll_fd    = ::epoll_create1(EPOLL_CLOEXEC);
    m_shutdown_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    m_timer_fd    = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    m_schedule_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_epoll_fd < 0 || m_shutdown_fd < 0 || m_timer_fd < 0 || m_schedule_fd < 0)
    {
        for (fd_t fd : {m_epoll_fd, m_shutdown_fd, m_timer_fd, m_schedule_fd})
        {
            if (fd >= 0)
            {
                ::close(fd);
            }
        }
        throw std::runtime_error("coro::io_scheduler: failed to create epoll/eventfd/timerfd descriptors");
    }
    add_internal_fd(m_epoll_fd, m_shutdown_fd, &m_shutdown_fd);
    add_internal_fd(m_epoll_fd, m_timer_fd, &m_timer_fd);
    add_internal_fd(m_epoll_fd, m_schedule_fd, &m_schedule_fd);

    m_ready.reserve(max_events);
    m_ready_here.reserve(max_events);
    m_fd_pages = std::make_unique<std::atomic<fd_page*>[]>(fd_page_count);

    if (m_opts.execution_strategy == execution_strategy_t::process_tasks_on_thread_pool)
    {
        thread_pool::options pool_opts    = m_opts.pool;
        auto                 user_start   = std::move(pool_opts.on_thread_start_functor);
        pool_opts.on_thread_start_functor = [this, user_start = std::move(user_start)](std::size_t i)
        {
            t_owner = this;
            if (user_start)
            {
                user_start(i);
            }
        };
        m_thread_pool = std::make_unique<thread_pool>(std::move(pool_opts));
    }
}

auto io_scheduler::make_shared(options opts) -> std::shared_ptr<io_scheduler>
{
    auto s = std::make_shared<io_scheduler>(std::move(opts), private_constructor{});
    if (s->m_opts.thread_strategy == thread_strategy_t::spawn)
    {
        s->m_io_thread = std::thread(&io_scheduler::io_thread_main, std::weak_ptr<io_scheduler>(s), s.get());
    }
    return s;
}

auto io_scheduler::io_thread_main(std::weak_ptr<io_scheduler> weak, io_scheduler* raw) -> void
{
    // `raw` is valid for as long as this thread runs: the destructor joins it (or, when the destructor runs
    // on this very thread, it tells us through t_destroyed_on_io_thread).
    t_owner = raw;
    if (raw->m_opts.on_io_thread_start_functor)
    {
        raw->m_opts.on_io_thread_start_functor();
    }

    // The loop never holds a strong reference while blocked in epoll_wait, so dropping the last user
    // reference runs the destructor on the dropping thread (it signals and joins us; `raw` stays valid
    // until we return). While resuming user code we do hold one, so the scheduler cannot die underneath
    // it; if that turns out to be the last reference, the destructor runs here at the release point,
    // drains the remaining work on this thread and detaches it.
    for (;;)
    {
        bool shutting_down{false};
        {
            auto self     = weak.lock();
            shutting_down = raw->m_shutdown_requested.load(std::memory_order_acquire);
            if (raw->m_abandon.load(std::memory_order_acquire) || (shutting_down && raw->seal_if_idle()))
            {
                if (self != nullptr && self.use_count() == 1)
                {
                    self.reset(); // last owner: the destructor finishes everything on this thread
                    return;
                }
                break;
            }
        }
        if (t_destroyed_on_io_thread)
        {
            return;
        }
        // Never block for long while shutting down: size() can drop to zero without any event.
        const int count = shutting_down ? raw->wait_for_events(1) : raw->spin_then_wait_for_events();
        {
            auto self = weak.lock();
            raw->process_ready_events(count);
        }
        if (t_destroyed_on_io_thread)
        {
            return; // the destructor already called the stop functor and detached us
        }
    }

    if (raw->m_opts.on_io_thread_stop_functor)
    {
        raw->m_opts.on_io_thread_stop_functor();
    }
    t_owner = nullptr;
}

auto io_scheduler::on_own_thread() const noexcept -> bool
{
    return t_owner == this;
}

io_scheduler::~io_scheduler()
{
    if (on_own_thread() && m_io_thread.joinable() && m_io_thread.get_id() == std::this_thread::get_id())
    {
        // The event loop released the last reference: finish the pending work right here, then detach.
        m_shutdown_requested.store(true, std::memory_order_release);
        while (!m_abandon.load(std::memory_order_acquire) && !seal_if_idle())
        {
            process_events_execute(1);
        }
        if (m_thread_pool != nullptr)
        {
            m_thread_pool->shutdown();
        }
        if (m_opts.on_io_thread_stop_functor)
        {
            m_opts.on_io_thread_stop_functor();
        }
        t_destroyed_on_io_thread = true;
        t_owner                  = nullptr;
        m_io_thread.detach();
    }
    else if (on_own_thread())
    {
        // Dropped from inside one of our own pool tasks: that task is still running, so nothing can be
        // drained or joined from here. Pending work is abandoned; the pool is torn down by a helper thread
        // once this worker returns.
        m_abandon.store(true, std::memory_order_release);
        m_shutdown_requested.store(true, std::memory_order_release);
        m_sealed.store(true, std::memory_order_seq_cst);
        if (m_io_thread.joinable())
        {
            signal_fd(m_shutdown_fd);
            m_io_thread.join();
        }
        if (m_thread_pool != nullptr)
        {
            std::thread([pool = m_thread_pool.release()]() { delete pool; }).detach();
        }
    }
    else
    {
        shutdown();
    }

    for (fd_t fd : {m_epoll_fd, m_shutdown_fd, m_timer_fd, m_schedule_fd})
    {
        if (fd >= 0)
        {
            ::close(fd);
        }
    }
    // Closing the epoll descriptor dropped every registration; only the bookkeeping is left.
    for (std::size_t i = 0; i < fd_page_count; ++i)
    {
        delete m_fd_pages[i].load(std::memory_order_acquire);
    }
}

auto io_scheduler::throw_if_stopped() const -> void
{
    if (m_stopped.load(std::memory_order_acquire))
    {
        throw_stopped();
    }
}

auto io_scheduler::throw_stopped() -> void
{
    throw std::runtime_error("coro::io_scheduler is shut down, unable to schedule new tasks.");
}

auto io_scheduler::enter_size() noexcept -> bool
{
    m_size.fetch_add(1, std::memory_order_seq_cst);
    if (m_sealed.load(std::memory_order_seq_cst)) [[unlikely]]
    {
        m_size.fetch_sub(1, std::memory_order_release);
        return false;
    }
    return true;
}

auto io_scheduler::seal_if_idle() noexcept -> bool
{
    // The pool's count is read first: a task running there counts its next wait in m_size before the pool stops
    // counting it, so reading in this order never misses both.
    const auto pending = [this]
    {
        const std::size_t pool = m_thread_pool != nullptr ? m_thread_pool->size() : 0;
        return pool + m_size.load(std::memory_order_seq_cst);
    };
    if (pending() != 0)
    {
        return false;
    }
    m_sealed.store(true, std::memory_order_seq_cst);
    // An enter_size() that counted before the flag was set and missed it is seen here: keep processing for it.
    return pending() == 0;
}

auto io_scheduler::schedule() -> schedule_operation
{
    throw_if_stopped();
    return schedule_operation{*this, false};
}

auto io_scheduler::schedule_operation::await_suspend(std::coroutine_handle<> awaiting_coroutine) noexcept -> bool
{
    // Once accepted, a worker may resume and destroy this frame at once: touch the awaiter only when refused.
    if (m_scheduler.schedule_impl(awaiting_coroutine, m_fifo))
    {
        return true;
    }
    m_refused = true;
    return false;
}

auto io_scheduler::schedule_impl(std::coroutine_handle<> handle, bool fifo, bool counted) noexcept -> bool
{
    if (m_thread_pool != nullptr)
    {
        try
        {
            // schedule() from a worker pushes onto that worker's own deque (cheap, depth-first). Both refuse once
            // the pool has shut down (schedule() by throwing).
            auto op = fifo ? m_thread_pool->yield() : m_thread_pool->schedule();
            return op.await_suspend(handle);
        }
        catch (...)
        {
            return false;
        }
    }

    if (counted)
    {
        m_size.fetch_add(1, std::memory_order_relaxed);
    }
    else if (!enter_size())
    {
        return false;
    }
    {
        std::lock_guard lk{m_inline_mutex};
        m_inline_queue.push_back(handle);
    }
    if (!m_schedule_fd_triggered.exchange(true, std::memory_order_acq_rel))
    {
        signal_fd(m_schedule_fd);
    }
    return true;
}

auto io_scheduler::spawn(coro::task<void>&& task) -> bool
{
    if (m_shutdown_requested.load(std::memory_order_acquire))
    {
        return false; // unlike v0.14, size() is not left incremented
    }
    auto wrapper = detail::make_task_self_deleting(std::move(task));
    // Counted while it lives; the count also keeps the scheduler from stopping before it is queued below.
    if (!enter_size())
    {
        wrapper.handle().destroy(); // never started
        return false;
    }
    wrapper.promise().executor_size(m_size);
    if (!schedule_impl(wrapper.handle(), true, true))
    {
        wrapper.handle().destroy();
        m_size.fetch_sub(1, std::memory_order_release);
        return false;
    }
    return true;
}

auto io_scheduler::resume(std::coroutine_handle<> handle) -> bool
{
    if (handle == nullptr || handle.done() || m_shutdown_requested.load(std::memory_order_acquire))
    {
        return false;
    }
    if (m_thread_pool != nullptr)
    {
        return m_thread_pool->resume(handle);
    }
    return schedule_impl(handle, true);
}

auto io_scheduler::schedule_after(std::chrono::milliseconds amount) -> coro::task<void>
{
    return yield_for(amount);
}

auto io_scheduler::schedule_at(time_point time) -> coro::task<void>
{
    return yield_until(time);
}

auto io_scheduler::yield_for(std::chrono::milliseconds amount) -> coro::task<void>
{
    if (amount <= std::chrono::milliseconds{0})
    {
        co_await schedule();
        co_return;
    }
    throw_if_stopped();
    co_await timer_awaiter{*this, deadline_tick(clock::now() + amount)};
    co_return;
}

auto io_scheduler::yield_until(time_point time) -> coro::task<void>
{
    if (time <= clock::now())
    {
        co_await schedule();
        co_return;
    }
    throw_if_stopped();
    co_await timer_awaiter{*this, deadline_tick(time)};
    co_return;
}

auto io_scheduler::poll(fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout) -> coro::task<poll_status>
{
    throw_if_stopped();
    detail::poll_info info{};
    info.m_fd          = fd;
    const int64_t tick = (timeout > std::chrono::milliseconds{0}) ? deadline_tick(clock::now() + timeout) : -1;
    co_return co_await poll_awaiter{*this, info, op, tick, false};
}

auto io_scheduler::poll_socket(fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout) -> coro::task<poll_status>
{
    throw_if_stopped();
    detail::poll_info info{};
    info.m_fd          = fd;
    const int64_t tick = (timeout > std::chrono::milliseconds{0}) ? deadline_tick(clock::now() + timeout) : -1;
    co_return co_await poll_awaiter{*this, info, op, tick, true};
}

#if GOCORO_CORE_EXTENSIONS
auto io_scheduler::poll_notify(fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout) -> coro::task<poll_status>
{
    throw_if_stopped();
    detail::poll_info info{};
    info.m_fd          = fd;
    info.m_resume_here = true;
    const int64_t tick = (timeout > std::chrono::milliseconds{0}) ? deadline_tick(clock::now() + timeout) : -1;
    co_return co_await poll_awaiter{*this, info, op, tick, false};
}
#endif

auto io_scheduler::size() const noexcept -> std::size_t
{
    std::size_t own = m_size.load(std::memory_order_acquire);
    if (m_thread_pool != nullptr)
    {
        return own + m_thread_pool->size();
    }
    return own;
}

auto io_scheduler::process_events(std::chrono::milliseconds timeout) -> std::size_t
{
    if (m_opts.thread_strategy != thread_strategy_t::manual || m_processing.exchange(true, std::memory_order_acquire))
    {
        return size();
    }
    int timeout_ms = -1;
    if (timeout.count() >= 0)
    {
        timeout_ms = static_cast<int>(std::min<int64_t>(timeout.count(), INT_MAX));
    }
    process_events_execute(timeout_ms);
    m_processing.store(false, std::memory_order_release);
    return size();
}

auto io_scheduler::process_events_execute(int timeout_ms) -> void
{
    process_ready_events(wait_for_events(timeout_ms));
}

auto io_scheduler::spin_then_wait_for_events() -> int
{
    // Pool mode: when nothing is ready, first let the other runnable threads on this CPU (typically the pool
    // worker we just handed work to, or a connection's peer) run, then look again before blocking. Events
    // then arrive in larger batches and the event thread is not woken (a costly cross-CPU wake-up) for each.
    // A yield that takes over slow_yield means another busy process got the CPU for a whole time slice; then
    // yielding only slows us down, so it is switched off for a back-off that doubles while that keeps
    // happening. Inline mode gained nothing from yielding (measured), so it just blocks.
    if (m_thread_pool == nullptr)
    {
        return wait_for_events(-1);
    }
    const int count = wait_for_events(0);
    if (count > 0)
    {
        return count;
    }
    const auto now = clock::now();
    if (now >= m_yield_off_until)
    {
        std::this_thread::yield();
        const auto after = clock::now();
        if (after - now > slow_yield)
        {
            m_yield_backoff   = std::clamp(m_yield_backoff * 2, min_yield_backoff, max_yield_backoff);
            m_yield_off_until = after + m_yield_backoff;
            m_last_slow_yield = after;
        }
        else if (after - m_last_slow_yield > 16 * m_yield_backoff)
        {
            m_yield_backoff = std::chrono::microseconds{0}; // no slow yield for a long while
        }
    }
    return wait_for_events(-1);
}

auto io_scheduler::wait_for_events(int timeout_ms) -> int
{
    const int count = ::epoll_wait(m_epoll_fd, m_events.data(), static_cast<int>(m_events.size()), timeout_ms);
    return count > 0 ? count : 0;
}

auto io_scheduler::process_ready_events(int count) -> void
{
    epoll_event* events       = m_events.data();
    bool         timers_due   = false;
    bool         inline_queue = false;
    for (int i = 0; i < count; ++i)
    {
        void* tag = events[i].data.ptr;
        if (tag == &m_timer_fd)
        {
            drain_fd(m_timer_fd);
            timers_due = true;
        }
        else if (tag == &m_schedule_fd)
        {
            drain_fd(m_schedule_fd);
            inline_queue = true;
        }
        else if (tag == &m_shutdown_fd)
        {
            drain_fd(m_shutdown_fd);
        }
        else
        {
            detail::poll_info* info{nullptr};
            const uint64_t     token = events[i].data.u64;
            uint32_t           flags = events[i].events;
            if ((token & 1U) != 0)
            {
                info = claim_poll(token, flags);
                if (info == nullptr)
                {
                    continue; // a superseded registration
                }
            }
            else
            {
                info = static_cast<detail::poll_info*>(tag);
                if (info->m_processed)
                {
                    continue; // its timer already won in this round
                }
                ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, info->m_fd, nullptr);
            }
            info->m_processed   = true;
            info->m_poll_status = status_for(flags);
            if (info->m_has_timer)
            {
                std::lock_guard lk{m_timer_mutex};
                remove_timer_locked(*info);
            }
            make_ready(*info);
        }
    }

    if (timers_due)
    {
        collect_expired_timers();
    }
    if (m_wake_requested.exchange(false, std::memory_order_acq_rel))
    {
        complete_wakes();
    }
    hand_off_ready();
    if (inline_queue)
    {
        run_inline_queue();
    }
    if (!m_polls_cancelled && m_cancel_polls.load(std::memory_order_seq_cst))
    {
        m_polls_cancelled = true;
        cancel_pending_polls();
        cancel_pending_timers();
    }
}

auto io_scheduler::cancel_pending_timers() -> void
{
    // Runs once, after cancel_pending_polls() (which already took the timers of the polls it found). A timer
    // registered later sees m_cancel_polls under the timer lock (timer_awaiter, arm_poll) and does not wait.
    std::vector<timer_map::node_type> buckets;
    {
        std::lock_guard lk{m_timer_mutex};
        while (!m_timers.empty())
        {
            buckets.push_back(m_timers.extract(m_timers.begin()));
        }
    }
    for (auto& node : buckets)
    {
        for (detail::poll_info* info = node.mapped().m_head; info != nullptr;)
        {
            detail::poll_info* next = info->m_timer_next;
            info->m_timer_bucket    = nullptr;
            info->m_timer_prev      = nullptr;
            info->m_timer_next      = nullptr;
            info->m_processed       = true;
            info->m_poll_status     = poll_status::closed;
            if (info->m_fd != -1)
            {
                disarm_timed_out_poll(*info); // a poll with a timeout whose descriptor is not in the table
            }
            make_ready(*info);
            info = next;
        }
    }
    hand_off_ready();
}

auto io_scheduler::cancel_pending_polls() -> void
{
    // Runs once, on the thread processing events, after m_cancel_polls was set: a poll armed before a slot is
    // visited here is found armed; one that locks the slot afterwards sees the flag and does not wait. A page
    // created after the load below belongs to a poll whose seq_cst check of the flag comes after that page's
    // seq_cst installation, and so after this load, which follows our seq_cst read of the flag: it sees it.
    for (std::size_t p = 0; p < fd_page_count; ++p)
    {
        fd_page* page = m_fd_pages[p].load(std::memory_order_seq_cst);
        if (page == nullptr)
        {
            continue;
        }
        for (std::size_t i = 0; i < fd_page_size; ++i)
        {
            fd_slot&           slot = page->m_slots[i];
            detail::poll_info* info{nullptr};
            slot.lock();
            if (slot.m_armed)
            {
                info         = slot.m_owner;
                slot.m_armed = false;
                slot.m_owner = nullptr;
                if (!slot.m_kept)
                {
                    // A one-shot registration is still armed: remove it, as for a timed-out poll.
                    ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, info->m_fd, nullptr);
                    slot.m_registered = false;
                }
            }
            slot.unlock();
            if (info == nullptr)
            {
                continue;
            }
            info->m_processed   = true;
            info->m_poll_status = poll_status::closed;
            if (info->m_has_timer)
            {
                std::lock_guard lk{m_timer_mutex};
                remove_timer_locked(*info);
            }
            make_ready(*info);
        }
    }
    hand_off_ready();
}

#if GOCORO_CORE_EXTENSIONS
auto io_scheduler::wake_poll(fd_t fd) -> void
{
    {
        std::lock_guard lk{m_wake_mutex};
        m_wake_fds.push_back(fd);
    }
    m_wake_requested.store(true, std::memory_order_release);
    signal_fd(m_shutdown_fd); // only wakes epoll_wait; shutdown is a separate flag
}
#endif

auto io_scheduler::complete_wakes() -> void
{
    // On the thread processing events, like the completion of events and timers, so a waiter is never completed
    // twice: whoever disarms the slot under its lock owns the waiter.
    {
        std::lock_guard lk{m_wake_mutex};
        m_waking.swap(m_wake_fds);
    }
    for (fd_t fd : m_waking)
    {
        fd_slot* slot = fd_slot_for(fd, true);
        if (slot == nullptr)
        {
            continue; // untracked descriptors cannot be woken
        }
        detail::poll_info* info{nullptr};
        slot->lock();
        if (slot->m_armed)
        {
            info          = slot->m_owner;
            slot->m_armed = false;
            slot->m_owner = nullptr;
            if (!slot->m_kept)
            {
                ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, info->m_fd, nullptr);
                slot->m_registered = false;
            }
        }
        else
        {
            slot->m_woken = true;
        }
        slot->unlock();
        if (info == nullptr)
        {
            continue;
        }
        info->m_processed   = true;
        info->m_poll_status = poll_status::event;
        if (info->m_has_timer)
        {
            std::lock_guard lk{m_timer_mutex};
            remove_timer_locked(*info);
        }
        make_ready(*info);
    }
    m_waking.clear();
}

auto io_scheduler::fd_slot_for(fd_t fd, bool create) noexcept -> fd_slot*
{
    if (fd < 0 || static_cast<std::size_t>(fd) >= fd_table_size)
    {
        return nullptr;
    }
    auto&    entry = m_fd_pages[static_cast<std::size_t>(fd) >> fd_page_bits];
    fd_page* page  = entry.load(std::memory_order_acquire);
    if (page == nullptr)
    {
        if (!create)
        {
            return nullptr;
        }
        auto* fresh = new (std::nothrow) fd_page{};
        if (fresh == nullptr)
        {
            return nullptr; // untracked: falls back to add/remove per poll
        }
        // seq_cst: pairs with cancel_pending_polls(), which must either see this page or be seen by arm_poll's
        // check of m_cancel_polls.
        if (entry.compare_exchange_strong(page, fresh, std::memory_order_seq_cst, std::memory_order_acquire))
        {
            page = fresh;
        }
        else
        {
            delete fresh; // another thread installed it first; `page` holds theirs
        }
    }
    return &page->m_slots[static_cast<std::size_t>(fd) & (fd_page_size - 1)];
}

auto io_scheduler::arm_poll(detail::poll_info& info, poll_op op, bool socket) noexcept -> int
{
    epoll_event ev{};
    ev.events = static_cast<uint32_t>(op) | EPOLLONESHOT | EPOLLRDHUP;

    fd_slot* slot = fd_slot_for(info.m_fd, true);
    if (slot == nullptr)
    {
        // Untracked (invalid or huge fd): register for this poll only; the event thread removes it again. Not
        // cancelled by shutdown_cancel_polls() once registered (only refused after it).
        if (m_cancel_polls.load(std::memory_order_seq_cst))
        {
            return cancelled_now;
        }
        ev.data.ptr = &info;
        return ::epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, info.m_fd, &ev) == 0 ? 0 : errno;
    }

    slot->lock();
    // Checked under the slot lock, which cancel_pending_polls() also takes: either it finds this poll armed or
    // this poll sees the flag (see cancel_pending_polls for slots on a page it did not find).
    if (m_cancel_polls.load(std::memory_order_seq_cst))
    {
        slot->unlock();
        return cancelled_now;
    }
    if (slot->m_woken)
    {
        slot->m_woken = false;
        slot->unlock();
        info.m_poll_status = poll_status::event;
        return ready_now;
    }
    std::atomic<uint32_t>* close_serial{nullptr};
    if (slot->m_kept || socket)
    {
#if GOCORO_CORE_EXTENSIONS
        close_serial = detail::fd_close_serial::counter(info.m_fd); // created before it is read: see its header
#endif
    }
    if (slot->m_kept)
    {
        if (close_serial != nullptr && close_serial->load(std::memory_order_acquire) == slot->m_close_serial)
        {
            return arm_kept(*slot, info, op); // the same open socket: its registration is still there
        }
        // The socket was closed since: the kernel dropped its registration, and whatever file has the number now
        // was never registered. A waiter left on the old registration (its socket closed under it) can only end by
        // its timeout, as with one-shot registrations below.
        slot->m_kept       = false;
        slot->m_registered = false;
    }

    uint32_t seen_serial = 0;
    if (socket && close_serial != nullptr)
    {
        seen_serial = close_serial->load(std::memory_order_acquire);
        ev.events   = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    }
    else
    {
        socket = false;
    }
    const uint32_t gen = slot->m_gen + 1;
    ev.data.u64        = make_token(info.m_fd, gen);
    info.m_poll_gen    = gen;
    int rc             = 0;
    int err            = 0;
    if (slot->m_armed)
    {
        // Another poll is pending on this fd number. If it is the same open file epoll refuses the ADD with
        // EEXIST (the caller fails fast, as before). If the ADD succeeds, the number was closed and reused
        // for another file while that poll waited: this poll takes the slot over, and the stale
        // registration's token no longer matches (its waiter can only finish by its timeout).
        rc  = ::epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, info.m_fd, &ev);
        err = errno;
    }
    else
    {
        int ctl = slot->m_registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        rc      = ::epoll_ctl(m_epoll_fd, ctl, info.m_fd, &ev);
        err     = errno;
        if (rc != 0 && ((ctl == EPOLL_CTL_MOD && err == ENOENT) || (ctl == EPOLL_CTL_ADD && err == EEXIST)))
        {
            // The hint was wrong: the file went away (and maybe the number was reused), or a registration
            // left by an earlier file with this number is still there.
            ctl = (ctl == EPOLL_CTL_MOD) ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
            rc  = ::epoll_ctl(m_epoll_fd, ctl, info.m_fd, &ev);
            err = errno;
        }
    }
    if (rc == 0)
    {
        slot->m_gen        = gen;
        slot->m_armed      = true;
        slot->m_registered = true;
        slot->m_owner      = &info;
        slot->m_kept       = socket;
        if (socket)
        {
            // A fresh edge-triggered registration reports the current readiness by itself.
            slot->m_close_serial = seen_serial;
            slot->m_want         = static_cast<uint32_t>(op);
            slot->m_maybe        = 0;
            slot->m_unclaimed    = 0;
        }
    }
    else if (!slot->m_armed)
    {
        slot->m_registered = false;
        slot->m_kept       = false;
    }
    slot->unlock();
    return rc == 0 ? 0 : err;
}

auto io_scheduler::arm_kept(fd_slot& slot, detail::poll_info& info, poll_op op) noexcept -> int
{
    // Called with slot locked; unlocks it.
    const uint32_t want     = static_cast<uint32_t>(op);
    const uint32_t relevant = want | always_events;
    for (;;)
    {
        if (m_cancel_polls.load(std::memory_order_seq_cst))
        {
            slot.unlock(); // checked under the lock each round: see arm_poll
            return cancelled_now;
        }
        if (slot.m_armed)
        {
            slot.unlock();
            return EEXIST; // another coroutine is polling this socket (as epoll would say for a second ADD)
        }
        if (((slot.m_maybe | slot.m_unclaimed) & relevant) == 0)
        {
            // Nothing pending that the registration has not reported: the next edge completes this wait.
            slot.m_armed    = true;
            slot.m_owner    = &info;
            slot.m_want     = want;
            info.m_poll_gen = slot.m_gen;
            slot.unlock();
            return 0;
        }
        const uint32_t handled = slot.m_handled;
        slot.unlock();
        pollfd    pfd{.fd = info.m_fd, .events = static_cast<short>(want | POLLRDHUP), .revents = 0};
        const int n = ::poll(&pfd, 1, 0);
        if (n > 0)
        {
            info.m_poll_status = status_for(static_cast<uint16_t>(pfd.revents));
            return ready_now; // the bits stay: after this read there may still be more
        }
        if (n < 0 && errno != EINTR && errno != EAGAIN && errno != ENOMEM)
        {
            info.m_poll_status = poll_status::error;
            return ready_now;
        }
        slot.lock();
        if (n == 0 && slot.m_handled == handled)
        {
            slot.m_maybe &= ~relevant;
            slot.m_unclaimed &= ~relevant;
        }
        // Otherwise an edge came in while we looked (or the check failed for a moment): look again.
    }
}

#if GOCORO_CORE_EXTENSIONS
auto io_scheduler::note_drained(fd_t fd, coro::poll_op op) noexcept -> void
{
    fd_slot* slot = fd_slot_for(fd, false);
    if (slot == nullptr)
    {
        return;
    }
    slot->lock();
    if (slot->m_kept)
    {
        // Only m_maybe: an edge that came with no waiter (m_unclaimed) may be newer than the caller's look.
        slot->m_maybe &= ~static_cast<uint32_t>(op);
    }
    slot->unlock();
}
#endif

auto io_scheduler::claim_poll(uint64_t token, uint32_t& flags) noexcept -> detail::poll_info*
{
    const auto         fd   = static_cast<fd_t>((token & 0xffff'ffffU) >> 1);
    const auto         gen  = static_cast<uint32_t>(token >> 32);
    fd_slot*           slot = fd_slot_for(fd, false);
    detail::poll_info* info{nullptr};
    if (slot == nullptr)
    {
        return nullptr;
    }
    slot->lock();
    if (slot->m_gen != gen)
    {
        // A superseded registration.
    }
    else if (slot->m_kept)
    {
        ++slot->m_handled;
        const uint32_t relevant = slot->m_armed ? flags & (slot->m_want | always_events) : 0;
        if (relevant != 0)
        {
            info          = slot->m_owner;
            slot->m_armed = false;
            slot->m_owner = nullptr;
            slot->m_maybe |= relevant;
            slot->m_unclaimed |= flags & ~relevant;
            flags = relevant;
        }
        else
        {
            slot->m_unclaimed |= flags; // nobody waits for this: the next poll for it checks first
        }
    }
    else if (slot->m_armed)
    {
        // EPOLLONESHOT disarmed the registration; it stays in epoll for the next poll's EPOLL_CTL_MOD.
        info          = slot->m_owner;
        slot->m_armed = false;
        slot->m_owner = nullptr;
    }
    slot->unlock();
    return info;
}

auto io_scheduler::disarm_timed_out_poll(detail::poll_info& info) noexcept -> void
{
    fd_slot* slot = fd_slot_for(info.m_fd, false);
    if (slot == nullptr)
    {
        ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, info.m_fd, nullptr);
        return;
    }
    slot->lock();
    if (slot->m_armed && slot->m_gen == info.m_poll_gen && slot->m_owner == &info)
    {
        if (slot->m_kept)
        {
            // The registration stays; only the waiter leaves.
            slot->m_armed = false;
            slot->m_owner = nullptr;
        }
        else
        {
            // Still armed: remove it (a MOD to no events would still report EPOLLERR/EPOLLHUP).
            ::epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, info.m_fd, nullptr);
            slot->m_armed      = false;
            slot->m_registered = false;
            slot->m_owner      = nullptr;
        }
    }
    // Otherwise the slot was taken over by a poll on a reused fd number; that registration is not ours.
    slot->unlock();
}

auto io_scheduler::add_timer_locked(detail::poll_info& info, int64_t tick) -> void
{
    detail::timer_bucket* bucket{nullptr};
    if (!m_timers.empty() && m_timers.rbegin()->first == tick)
    {
        bucket = &m_timers.rbegin()->second; // the common case: same tick as the latest timer
    }
    else if (auto it = m_timers.find(tick); it != m_timers.end())
    {
        bucket = &it->second;
    }
    else if (!m_free_buckets.empty())
    {
        auto node = std::move(m_free_buckets.back());
        m_free_buckets.pop_back();
        node.key()    = tick;
        node.mapped() = detail::timer_bucket{.m_tick = tick};
        bucket        = &m_timers.insert(std::move(node)).position->second;
    }
    else
    {
        bucket = &m_timers.emplace(tick, detail::timer_bucket{.m_tick = tick}).first->second;
    }

    info.m_timer_bucket = bucket;
    info.m_timer_next   = nullptr;
    info.m_timer_prev   = bucket->m_tail;
    if (bucket->m_tail != nullptr)
    {
        bucket->m_tail->m_timer_next = &info;
    }
    else
    {
        bucket->m_head = &info;
    }
    bucket->m_tail = &info;

    if (tick < m_armed_tick)
    {
        arm_timer_locked(tick);
    }
}

auto io_scheduler::remove_timer_locked(detail::poll_info& info) noexcept -> void
{
    detail::timer_bucket* bucket = info.m_timer_bucket;
    if (bucket == nullptr)
    {
        return;
    }
    if (info.m_timer_prev != nullptr)
    {
        info.m_timer_prev->m_timer_next = info.m_timer_next;
    }
    else
    {
        bucket->m_head = info.m_timer_next;
    }
    if (info.m_timer_next != nullptr)
    {
        info.m_timer_next->m_timer_prev = info.m_timer_prev;
    }
    else
    {
        bucket->m_tail = info.m_timer_prev;
    }
    info.m_timer_bucket = nullptr;
    info.m_timer_prev   = nullptr;
    info.m_timer_next   = nullptr;

    if (bucket->m_head == nullptr)
    {
        // Empty bucket: recycle its map node. The timerfd may stay armed for it; that only costs one
        // spurious wake-up.
        if (auto it = m_timers.find(bucket->m_tick); it != m_timers.end() && &it->second == bucket)
        {
            auto node = m_timers.extract(it);
            if (m_free_buckets.size() < max_free_buckets)
            {
                m_free_buckets.push_back(std::move(node));
            }
        }
    }
}

auto io_scheduler::arm_timer_locked(int64_t tick) noexcept -> void
{
    itimerspec spec{};
    spec.it_value.tv_sec  = static_cast<time_t>(tick / 1000);
    spec.it_value.tv_nsec = static_cast<long>((tick % 1000) * 1'000'000);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
    {
        spec.it_value.tv_nsec = 1; // all-zero would disarm
    }
    ::timerfd_settime(m_timer_fd, TFD_TIMER_ABSTIME, &spec, nullptr);
    m_armed_tick = tick;
}

auto io_scheduler::collect_expired_timers() -> void
{
    const int64_t now = current_tick(clock::now());
    {
        // Only unhook the due buckets under the lock; walking them (one cache miss per waiting frame) happens
        // outside it so registering threads are not held up. Nobody else can touch an unhooked bucket: its
        // entries are only ever cancelled by this (the event-processing) thread.
        std::lock_guard lk{m_timer_mutex};
        for (auto& node : m_due_buckets)
        {
            if (m_free_buckets.size() < max_free_buckets)
            {
                m_free_buckets.push_back(std::move(node));
            }
        }
        m_due_buckets.clear();
        while (!m_timers.empty() && m_timers.begin()->first <= now)
        {
            m_due_buckets.push_back(m_timers.extract(m_timers.begin()));
        }
        // The timerfd fired (it is one-shot), so nothing is armed any more.
        m_armed_tick = INT64_MAX;
        if (!m_timers.empty())
        {
            arm_timer_locked(m_timers.begin()->first);
        }
    }

    for (auto& node : m_due_buckets)
    {
        detail::timer_bucket& bucket = node.mapped();
        for (detail::poll_info* info = bucket.m_head; info != nullptr;)
        {
            detail::poll_info* next = info->m_timer_next;
            info->m_timer_bucket    = nullptr;
            info->m_timer_prev      = nullptr;
            info->m_timer_next      = nullptr;
            info->m_processed       = true;
            info->m_poll_status     = poll_status::timeout;
            if (info->m_fd != -1)
            {
                disarm_timed_out_poll(*info);
            }
            make_ready(*info);
            info = next;
        }
        bucket = detail::timer_bucket{};
    }
}

auto io_scheduler::make_ready(detail::poll_info& info) -> void
{
    if (info.m_resume_here && m_thread_pool != nullptr)
    {
        m_ready_here.push_back(info.m_awaiting_coroutine);
        return;
    }
    m_ready.push_back(info.m_awaiting_coroutine);
}

auto io_scheduler::hand_off_ready() -> void
{
    // Resumed only after the whole round was collected: a resumed waiter's frame (holding its poll_info) may go.
    for (std::size_t i = 0; i < m_ready_here.size(); ++i)
    {
        m_ready_here[i].resume();
        m_size.fetch_sub(1, std::memory_order_release);
    }
    m_ready_here.clear();
    const std::size_t count = m_ready.size();
    if (count == 0)
    {
        return;
    }
    if (m_thread_pool != nullptr)
    {
        // One locked batch into the pool; counted there before we stop counting it here.
        m_thread_pool->resume(m_ready);
        m_ready.clear();
        m_size.fetch_sub(count, std::memory_order_release);
        return;
    }
    for (std::size_t i = 0; i < count; ++i)
    {
        m_ready[i].resume();
        m_size.fetch_sub(1, std::memory_order_release);
    }
    m_ready.clear();
}

auto io_scheduler::run_inline_queue() -> void
{
    // An RMW, not a store: if a producer's exchange saw `true` just before this, we read its release and so see its
    // push under the lock below (a plain store could be ordered after our lock and lose that push's signal).
    (void)m_schedule_fd_triggered.exchange(false, std::memory_order_acq_rel);
    {
        std::lock_guard lk{m_inline_mutex};
        m_inline_running.swap(m_inline_queue);
    }
    for (auto handle : m_inline_running)
    {
        handle.resume();
        m_size.fetch_sub(1, std::memory_order_release);
    }
    m_inline_running.clear();
}

#if GOCORO_CORE_EXTENSIONS
auto io_scheduler::shutdown_cancel_polls() noexcept -> void
{
    m_cancel_polls.store(true, std::memory_order_seq_cst);
    if (m_opts.thread_strategy == thread_strategy_t::manual && !on_own_thread())
    {
        // Nobody else processes events: do one round here (it cancels the pending polls). A process_events()
        // blocked on another thread is woken and leaves, or does the round itself.
        while (m_processing.exchange(true, std::memory_order_acquire))
        {
            signal_fd(m_shutdown_fd);
            std::this_thread::yield();
        }
        process_events_execute(0);
        m_processing.store(false, std::memory_order_release);
    }
    else
    {
        signal_fd(m_shutdown_fd); // the event thread (or the running process_events) cancels them
    }
    shutdown();
}
#endif

auto io_scheduler::shutdown() noexcept -> void
{
    m_shutdown_requested.store(true, std::memory_order_release);
    if (on_own_thread())
    {
        // Called from one of our own tasks: it cannot wait for itself. The request is recorded; the event
        // loop exits once everything has drained, and the destructor finishes the job.
        signal_fd(m_shutdown_fd);
        return;
    }
    std::lock_guard lk{m_shutdown_mutex};
    if (m_stopped.load(std::memory_order_acquire))
    {
        return;
    }
    if (m_io_thread.joinable())
    {
        signal_fd(m_shutdown_fd);
        m_io_thread.join(); // it sealed the scheduler before leaving
    }
    else
    {
        m_sealed.store(true, std::memory_order_seq_cst); // manual mode: nothing processes events from here on
    }
    if (m_thread_pool != nullptr)
    {
        m_thread_pool->shutdown();
    }
    m_stopped.store(true, std::memory_order_release);
}

} // namespace coro
