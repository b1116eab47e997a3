// The fallbacks of compat/io_scheduler.hpp on upstream libcoro v0.14's public io_scheduler API (external build).
// Upstream cannot cancel a poll, so a poll for the Go binding waits in slices and looks at a per-scheduler
// "cancelled" mark between them: closing a scheduler takes up to one slice longer, and an idle waiter costs one
// wake-up per slice.

#include "cshim/compat/io_scheduler.hpp"

#if !GOCORO_CORE_EXTENSIONS

#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace gocoro::compat
{
namespace
{
/// How long a cancelled scheduler's pending poll may keep waiting.
constexpr std::chrono::milliseconds poll_slice{100};

/// Schedulers that shutdown_cancel_polls() was called for. The weak pointer tells a live entry from a dead
/// scheduler whose address was reused (upstream v0.14.1's schedulers are never destroyed, the stand-in's are).
std::mutex                                                                      g_mutex;
std::vector<std::pair<const coro::io_scheduler*, std::weak_ptr<coro::io_scheduler>>> g_cancelled;

auto cancelled(const coro::io_scheduler& s) -> bool
{
    std::scoped_lock lk{g_mutex};
    return std::any_of(
        g_cancelled.begin(), g_cancelled.end(), [&](const auto& e) { return e.first == &s && !e.second.expired(); });
}
} // namespace

auto poll(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>
{
    using clock         = std::chrono::steady_clock;
    const bool bounded  = timeout > std::chrono::milliseconds{0};
    const auto deadline = clock::now() + timeout;
    for (;;)
    {
        if (cancelled(s))
        {
            co_return coro::poll_status::closed;
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

auto shutdown_cancel_polls(coro::io_scheduler& s) noexcept -> void
{
    try
    {
        std::scoped_lock lk{g_mutex};
        std::erase_if(g_cancelled, [](const auto& e) { return e.second.expired(); });
        g_cancelled.emplace_back(&s, s.weak_from_this());
    }
    catch (...)
    {
        // Out of memory: pending polls then end by their own timeouts.
    }
    s.shutdown();
}
} // namespace gocoro::compat

#endif
