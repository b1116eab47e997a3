#pragma once

// libcoro v0.16's epoll wrapper (D24), for code written against it: a standalone class. gocoro's scheduler does not
// run on it (see COMPATIBILITY.md, "D24"); use coro::io_notifier (coro/io_notifier.hpp) to name it.

#include "coro/detail/poll_info.hpp"
#include "coro/fd.hpp"
#include "coro/poll.hpp"

#include <chrono>
#include <utility>
#include <vector>

namespace coro::detail
{
class timer_handle;

/// Owns one epoll instance (close-on-exec). Registrations carry a caller-chosen tag pointer that next_events()
/// hands back with the poll_status the event means; for registrations made through watch(poll_info&) the tag is
/// the poll_info itself. Not thread-safe except that next_events() may wait while another thread calls watch().
class io_notifier_epoll
{
public:
    /// The most events one next_events() call reports.
    static constexpr int max_events = 16;

    /// Throws std::runtime_error if the epoll instance cannot be created.
    io_notifier_epoll();
    ~io_notifier_epoll();

    io_notifier_epoll(const io_notifier_epoll&)                    = delete;
    io_notifier_epoll(io_notifier_epoll&&)                         = delete;
    auto operator=(const io_notifier_epoll&) -> io_notifier_epoll& = delete;
    auto operator=(io_notifier_epoll&&) -> io_notifier_epoll&      = delete;

    /// Arms `timer` to fire once after `duration`; a non-positive duration fires after 1 ns (a zero timerfd value
    /// would disarm it instead). Re-arming replaces the previous expiry. The event is reported as
    /// {timer.get_inner(), poll_status::read}.
    auto watch_timer(const timer_handle& timer, std::chrono::nanoseconds duration) -> bool;

    /// Registers `fd` for `op` plus peer hang-up under tag `data`: one-shot (reported once, then disarmed but still
    /// registered; watching the fd again re-arms it) unless `keep`, which makes it edge-triggered and permanent
    /// until unwatch(). `is_cancel_event` makes its events report poll_status::cancelled. False (errno set) if the
    /// kernel refuses the descriptor, or if `data` uses the top 3 bits, which hold the flags.
    auto watch(fd_t fd, coro::poll_op op, void* data, bool keep = false, bool is_cancel_event = false) -> bool;

    /// Registers `pi.m_fd` for `pi.m_op` and, if `pi.m_cancel_trigger` is set, the token's descriptor as its cancel
    /// event, both one-shot under tag &pi. Once next_events() reported `pi` both registrations are removed, so the
    /// fd and the token can be watched again. False if either registration failed (then neither is left).
    auto watch(poll_info& pi) -> bool;

    /// Removes `fd`'s registration (`op` is not needed by epoll). False (errno set) if there was none.
    auto unwatch(fd_t fd, coro::poll_op op) -> bool;
    /// Removes both registrations of a watch(poll_info&) that was not reported (e.g. on the caller's timeout).
    /// False if the descriptor's registration was already gone.
    auto unwatch(poll_info& pi) -> bool;

    /// Disarms `timer` (a pending expiry is not reported). The timer stays registered for the next watch_timer().
    auto unwatch_timer(const timer_handle& timer) -> bool;

    /// Waits up to `timeout` (negative: without limit, 0: just looks) and appends at most max_events
    /// {tag, status} pairs to `out`: read if readable, else write if writable, else error, else closed (peer hang-up);
    /// cancelled for a cancel event. A poll_info whose descriptor and cancel token are both ready in one round is
    /// reported once. An interrupted wait (EINTR) reports nothing.
    auto next_events(std::vector<std::pair<poll_info*, coro::v16::poll_status>>& out, std::chrono::milliseconds timeout)
        -> void;

    /// The epoll descriptor (gocoro extension), e.g. to nest it in another poll.
    [[nodiscard]] auto native_handle() const noexcept -> fd_t { return m_fd; }

private:
    fd_t m_fd{-1};
};
} // namespace coro::detail
