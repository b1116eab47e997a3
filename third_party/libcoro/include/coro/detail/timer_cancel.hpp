#pragma once

// gocoro extension (not in libcoro): lets a timer wait end before its time (io_scheduler::yield_for_cancellable /
// cancel_timer), so that a timer that lost its race (a condition_variable wait notified early) does not keep the
// scheduler's size() above zero, nor its shutdown() waiting, for the rest of its duration.

#include <cstdint>

namespace coro::detail
{
struct poll_info;

/// Connects one cancellable timer wait with whoever may cancel it. Every member is guarded by the scheduler's timer
/// lock; the object must outlive both the wait and every cancel_timer() call for it.
struct timer_cancel
{
    /// The waiting timer while it is registered (null before and after).
    poll_info* m_info{nullptr};
    /// The tick it was registered for.
    int64_t m_tick{0};
    /// cancel_timer() was called: a wait not registered yet does not start, a registered one fires at once.
    bool m_cancelled{false};
};
} // namespace coro::detail
