// The fallbacks of compat/io_scheduler.hpp on upstream libcoro v0.14's public io_scheduler API (external build).
// Upstream cannot cancel a poll, so a poll for the Go binding waits in slices and looks at a per-scheduler
// "cancelled" mark between them: closing a scheduler takes up to one slice longer, and an idle waiter costs one
// wake-up per slice. shutdown_cancel_polls() waits for those polls before it calls shutdown(): upstream v0.14.1
// shuts the pool down first and then drops whatever completes, which would leave a poll hanging.
// Timers cannot be cancelled either, and upstream's shutdown() waits for every pending one: a timer for the Go
// binding is a poll, with the timer's duration as timeout, of a per-scheduler eventfd that shutdown_cancel_polls()
// makes readable, so Close ends it at once. Each timer polls a dup() of that eventfd (upstream allows one poll per
// descriptor at a time: a second poll of it never completes): a pending timer holds one descriptor and costs an
// epoll add and remove. Beyond max_timer_descriptors pending timers, more timers wait in slices like the polls
// (Close ends them within one).
// A schedule() (or yield()) for the Go binding is counted like a poll too: upstream v0.14.1 drops a coroutine
// scheduled after shutdown() in pool mode, so one that comes after the mark is refused instead, and
// shutdown_cancel_polls() waits for the ones that came before.

#include "cshim/compat/io_scheduler.hpp"

#if !GOCORO_CORE_EXTENSIONS

    #include <coro/detail/task_self_deleting.hpp>

    #include <algorithm>
    #include <cstdint>
    #include <fcntl.h>
    #include <memory>
    #include <mutex>
    #include <new>
    #include <optional>
    #include <stdexcept>
    #include <sys/eventfd.h>
    #include <thread>
    #include <unistd.h>
    #include <utility>
    #include <vector>

namespace gocoro::compat
{
namespace
{
/// How long a cancelled scheduler's pending poll may keep waiting.
constexpr std::chrono::milliseconds poll_slice{100};

/// The compat polls of one scheduler. The weak pointer tells a live entry from a dead scheduler whose address was
/// reused (upstream v0.14.1's closed schedulers are destroyed too, once shutdown() let the event thread go).
struct scheduler_polls
{
    const coro::io_scheduler*         scheduler;
    std::weak_ptr<coro::io_scheduler> alive;
    std::size_t                       pending{0};
    bool                              cancelled{false};
    std::vector<coro::fd_t>           woken;          // wake_poll() not yet seen by a poll
    int                               timer_wake{-1}; // the eventfd compat::yield_for polls (made on first use)
};

/// At most this many timers at once wait on a descriptor of their own (process-wide); later ones wait in slices, so
/// that timers cannot take the descriptors that sockets need.
constexpr std::size_t max_timer_descriptors{1024};

std::mutex                   g_mutex;
std::vector<scheduler_polls> g_schedulers;
std::size_t                  g_timer_descriptors{0}; // held by timers now

/// The entry of `s` (created if needed); call with g_mutex held.
auto entry(coro::io_scheduler& s) -> scheduler_polls&
{
    for (auto& e : g_schedulers)
    {
        if (e.scheduler == &s && !e.alive.expired())
        {
            return e;
        }
    }
    std::erase_if(
        g_schedulers,
        [](const scheduler_polls& e)
        {
            if (!e.alive.expired())
            {
                return false;
            }
            // Destroyed without shutdown_cancel_polls(): no timer can poll it any more.
            if (e.timer_wake >= 0)
            {
                ::close(e.timer_wake);
            }
            return true;
        });
    return g_schedulers.emplace_back(scheduler_polls{&s, s.weak_from_this()});
}

} // namespace

// Not in the anonymous namespace: poll()'s coroutine frame, which has external linkage, holds one.
/// Counts a poll of `s` as pending for its lifetime.
class pending_poll
{
public:
    explicit pending_poll(coro::io_scheduler& s) : m_scheduler(s)
    {
        std::scoped_lock lk{g_mutex};
        ++entry(s).pending;
    }
    ~pending_poll()
    {
        std::scoped_lock lk{g_mutex};
        --entry(m_scheduler).pending;
    }
    pending_poll(const pending_poll&)                    = delete;
    auto operator=(const pending_poll&) -> pending_poll& = delete;

    auto cancelled() -> bool
    {
        std::scoped_lock lk{g_mutex};
        return entry(m_scheduler).cancelled;
    }

    /// Whether wake_poll(fd) came since the last look (and forgets it).
    auto woken(coro::fd_t fd) -> bool
    {
        std::scoped_lock lk{g_mutex};
        return std::erase(entry(m_scheduler).woken, fd) > 0;
    }

    /// A descriptor of its own (give it to a timer_descriptor) for a timer to poll; it becomes readable when
    /// shutdown_cancel_polls() is called. -1 once cancelled, when max_timer_descriptors are in use, or when the
    /// process has no descriptor left (EMFILE).
    auto timer_wake() -> int
    {
        std::scoped_lock lk{g_mutex};
        auto&            e = entry(m_scheduler);
        if (e.cancelled || g_timer_descriptors >= max_timer_descriptors)
        {
            return -1;
        }
        if (e.timer_wake < 0)
        {
            e.timer_wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (e.timer_wake < 0)
            {
                return -1;
            }
        }
        const int fd = ::fcntl(e.timer_wake, F_DUPFD_CLOEXEC, 0);
        g_timer_descriptors += fd >= 0 ? 1 : 0;
        return fd;
    }

private:
    coro::io_scheduler& m_scheduler;
};

/// A timer's descriptor from pending_poll::timer_wake (if any), closed and uncounted at the end of its scope. Not in
/// the anonymous namespace either: yield_for()'s frame holds one (g++ warns, -Wsubobject-linkage).
struct timer_descriptor
{
    explicit timer_descriptor(int descriptor) noexcept : fd(descriptor) {}
    ~timer_descriptor()
    {
        if (fd >= 0)
        {
            ::close(fd);
            std::scoped_lock lk{g_mutex};
            --g_timer_descriptors;
        }
    }
    timer_descriptor(const timer_descriptor&)                    = delete;
    auto operator=(const timer_descriptor&) -> timer_descriptor& = delete;

    const int fd;
};

namespace
{
/// The sliced poll behind poll() and poll_until_stopped() (std::nullopt: `stop` was set).
auto sliced_poll(
    coro::io_scheduler&       s,
    coro::fd_t                fd,
    coro::poll_op             op,
    std::chrono::milliseconds timeout,
    const std::atomic<bool>*  stop) -> coro::task<std::optional<coro::poll_status>>
{
    using clock           = std::chrono::steady_clock;
    const bool   bounded  = timeout > std::chrono::milliseconds{0};
    const auto   deadline = clock::now() + timeout;
    const auto   stopped  = [stop] { return stop != nullptr && stop->load(std::memory_order_acquire); };
    pending_poll counted{s};
    for (;;)
    {
        if (stopped())
        {
            co_return std::nullopt;
        }
        if (counted.cancelled())
        {
            co_return coro::poll_status::closed;
        }
        if (counted.woken(fd))
        {
            co_return coro::poll_status::event;
        }
        auto wait = poll_slice;
        if (bounded)
        {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
            if (left <= std::chrono::milliseconds{0})
            {
                co_return coro::poll_status::timeout;
            }
            wait = std::min(wait, left);
        }
        const auto status = co_await s.poll(fd, op, wait);
        if (stopped())
        {
            co_return std::nullopt; // a stop that came with the event wins, as with libcoro v0.16's poll
        }
        if (status != coro::poll_status::timeout || (bounded && clock::now() >= deadline))
        {
            co_return status;
        }
    }
}
} // namespace

auto poll(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>
{
    co_return *co_await sliced_poll(s, fd, op, timeout, nullptr);
}

auto poll_until_stopped(
    coro::io_scheduler&       s,
    coro::fd_t                fd,
    coro::poll_op             op,
    std::chrono::milliseconds timeout,
    const std::atomic<bool>&  stop) -> coro::task<std::optional<coro::poll_status>>
{
    return sliced_poll(s, fd, op, timeout, &stop);
}

auto schedule(coro::io_scheduler& s) -> coro::task<void>
{
    pending_poll counted{
        s}; // counted before the look: shutdown_cancel_polls() then waits for this one, or it sees the mark
    if (counted.cancelled())
    {
        throw std::runtime_error{"io_scheduler: shut down"};
    }
    co_await s.schedule();
}

namespace
{
/// io_executor::resume's hand-over: `handle` runs on `s` after compat::schedule(), or here if `s` refused it.
auto resume_on(coro::io_scheduler& s, std::coroutine_handle<> handle) -> coro::task<void>
{
    try
    {
        co_await schedule(s);
    }
    catch (const std::runtime_error&)
    {
        // Shutting down: resumed on this thread rather than never.
    }
    handle.resume();
}
} // namespace

auto io_executor::resume(std::coroutine_handle<> handle) -> bool
{
    try
    {
        auto hand_over = coro::detail::make_task_self_deleting(resume_on(m_scheduler, handle));
        hand_over.handle().resume(); // the frame frees itself once `handle` has been resumed
    }
    catch (const std::bad_alloc&)
    {
        handle.resume(); // no frame for the hand-over: resumed on this thread rather than never
    }
    return true;
}

auto yield_for(coro::io_scheduler& s, std::chrono::milliseconds amount) -> coro::task<void>
{
    if (amount <= std::chrono::milliseconds{0})
    {
        co_await schedule(s); // nothing to wait out
        co_return;
    }
    using clock           = std::chrono::steady_clock;
    const auto   deadline = clock::now() + amount;
    pending_poll counted{s};
    {
        const timer_descriptor wake{counted.timer_wake()};
        if (wake.fd >= 0 && co_await s.poll(wake.fd, coro::poll_op::read, amount) == coro::poll_status::timeout)
        {
            co_return;
        }
    }
    // Cancelled, or no descriptor to wait on: waits of at most a slice that look for the cancel mark between them.
    for (;;)
    {
        if (counted.cancelled())
        {
            throw std::runtime_error{"io_scheduler: shut down"};
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
        if (left <= std::chrono::milliseconds{0})
        {
            co_return;
        }
        co_await s.yield_for(std::min(poll_slice, left));
    }
}

auto wake_poll(coro::io_scheduler& s, coro::fd_t fd) -> void
{
    std::scoped_lock lk{g_mutex};
    auto&            woken = entry(s).woken;
    if (std::find(woken.begin(), woken.end(), fd) == woken.end())
    {
        woken.push_back(fd);
    }
}

auto shutdown_cancel_polls(coro::io_scheduler& s) noexcept -> void
{
    try
    {
        {
            std::scoped_lock lk{g_mutex};
            auto&            e = entry(s);
            e.cancelled        = true;
            if (e.timer_wake >= 0)
            {
                // Every pending timer polls a dup() of it, and none polls it after the mark.
                const uint64_t              one = 1;
                [[maybe_unused]] const auto n   = ::write(e.timer_wake, &one, sizeof one);
                ::close(e.timer_wake);
                e.timer_wake = -1;
            }
        }
        // In manual mode nobody else may process events: do it here. One round always, as the embedded core's
        // shutdown does, because upstream's shutdown() runs nothing that is still queued (no event thread to join)
        // and the queued work would keep its handles. Then one round per slice until each pending poll has seen the
        // mark. A concurrent process_events returns at once, as do these while the event thread of a spawn-mode
        // scheduler processes.
        s.process_events(std::chrono::milliseconds{0});
        for (;;)
        {
            {
                std::scoped_lock lk{g_mutex};
                if (entry(s).pending == 0)
                {
                    break;
                }
            }
            s.process_events(std::chrono::milliseconds{10});
            std::this_thread::sleep_for(std::chrono::milliseconds{1});
        }
    }
    catch (...)
    {
        // Out of memory: pending polls then end by their own timeouts (shutdown() waits for them).
    }
    s.shutdown();
}
} // namespace gocoro::compat

#endif
