// The fallbacks of compat/io_scheduler.hpp on upstream libcoro v0.14's public io_scheduler API (external build).
// Upstream cannot cancel a poll, so a poll for the Go binding waits in slices and looks at a per-scheduler
// "cancelled" mark between them: closing a scheduler takes up to one slice longer, and an idle waiter costs one
// wake-up per slice. shutdown_cancel_polls() waits for those polls before it calls shutdown(): upstream v0.14.1
// shuts the pool down first and then drops what completes (spec §35.6), which would leave a poll hanging.

#include "cshim/compat/io_scheduler.hpp"

#if !GOCORO_CORE_EXTENSIONS

    #include <algorithm>
    #include <memory>
    #include <mutex>
    #include <thread>
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
    std::vector<coro::fd_t>           woken; // wake_poll() not yet seen by a poll
};

std::mutex                   g_mutex;
std::vector<scheduler_polls> g_schedulers;

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
    std::erase_if(g_schedulers, [](const scheduler_polls& e) { return e.alive.expired(); });
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

private:
    coro::io_scheduler& m_scheduler;
};

auto poll(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>
{
    using clock           = std::chrono::steady_clock;
    const bool   bounded  = timeout > std::chrono::milliseconds{0};
    const auto   deadline = clock::now() + timeout;
    pending_poll counted{s};
    for (;;)
    {
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
        if (status != coro::poll_status::timeout || (bounded && clock::now() >= deadline))
        {
            co_return status;
        }
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
        for (bool first = true;; first = false)
        {
            {
                std::scoped_lock lk{g_mutex};
                auto&            e = entry(s);
                e.cancelled        = true;
                if (e.pending == 0)
                {
                    break;
                }
            }
            // Each pending poll sees the mark within one slice. In manual mode nobody else may process events:
            // do it here (a concurrent process_events returns at once, as does this one while the event thread
            // of a spawn-mode scheduler processes).
            if (!first)
            {
                std::this_thread::sleep_for(std::chrono::milliseconds{1});
            }
            s.process_events(std::chrono::milliseconds{10});
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
