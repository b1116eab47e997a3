#pragma once

#include "coro/fd.hpp"
#include "coro/poll.hpp"

#include <coroutine>
#include <cstdint>
#include <optional>

namespace coro::detail
{
struct poll_info;

/// All timers of one io_scheduler that expire in the same millisecond tick: an intrusive FIFO list of the
/// poll_info records waiting on it. Buckets live in an ordered map keyed by tick, so the earliest deadline
/// is always the first bucket and inserting or cancelling a timer never allocates.
struct timer_bucket
{
    int64_t    m_tick{0};
    poll_info* m_head{nullptr};
    poll_info* m_tail{nullptr};
};

/// Internal record for one pending poll or timer wait of an io_scheduler. It lives in the frame of the
/// waiting coroutine, so it is valid exactly until that coroutine is resumed. Not part of the user API.
///
/// Every field except the timer links is touched only by the registering thread (before the wait becomes
/// visible) and then by the single thread processing events; the timer links are guarded by the
/// scheduler's timer lock.
struct poll_info
{
    poll_info() noexcept = default;
    /// libcoro v0.16 (D24): a wait for `op` on `fd`, e.g. for io_notifier::watch(poll_info&).
    poll_info(fd_t fd, coro::poll_op op) noexcept : m_fd(fd), m_op(op) {}
    /// As above, also ended (poll_status::cancelled) once `cancel_trigger`'s source is signalled.
    poll_info(fd_t fd, coro::poll_op op, std::optional<poll_stop_token> cancel_trigger) noexcept
        : m_fd(fd), m_cancel_trigger(cancel_trigger), m_op(op)
    {
    }
    ~poll_info() = default;

    poll_info(const poll_info&)                    = delete;
    poll_info(poll_info&&)                         = delete;
    auto operator=(const poll_info&) -> poll_info& = delete;
    auto operator=(poll_info&&) -> poll_info&      = delete;

    // Field order packs the struct into one 64-byte cache line (checked below): every pending poll and timer
    // frame embeds one.

    /// The polled descriptor, -1 for a plain timer.
    fd_t m_fd{-1};
    /// Result handed back to the awaiting coroutine.
    coro::v14::poll_status m_poll_status{coro::v14::poll_status::error};
    /// The coroutine to resume once the wait completes.
    std::coroutine_handle<> m_awaiting_coroutine{nullptr};
    /// Set by the event-processing thread when the first of {event, timer} is handled; the other is ignored.
    bool m_processed{false};
    /// Whether a timer is paired with this wait (set before registration, read by the event thread).
    bool m_has_timer{false};
    /// Resume the waiter on the thread processing events even in thread-pool mode (io_scheduler::poll_notify).
    bool m_resume_here{false};
    /// Generation of the scheduler's fd-table entry this wait armed (0 when the fd is not tracked there).
    uint32_t m_poll_gen{0};

    /// libcoro v0.16 (D24), read by io_notifier only (io_scheduler passes the operation along instead): the
    /// cancel token whose descriptor is watched with the fd, and (m_op, last) what to wait for.
    std::optional<poll_stop_token> m_cancel_trigger{std::nullopt};

    /// Timer linkage (only while a timer is pending): bucket plus neighbours within the bucket.
    timer_bucket* m_timer_bucket{nullptr};
    poll_info*    m_timer_prev{nullptr};
    poll_info*    m_timer_next{nullptr};

    coro::poll_op m_op{coro::poll_op::read};
};

static_assert(sizeof(poll_info) <= 64, "poll_info is embedded in every pending poll and timer frame");

} // namespace coro::detail
