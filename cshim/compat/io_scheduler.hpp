#pragma once

// The shim's io_scheduler calls that gocoro's embedded core serves with extensions (GOCORO_CORE_EXTENSIONS, see
// coro/gocoro_extensions.hpp) and that upstream libcoro v0.14 lacks; under the external build (a user's own
// libcoro) they fall back on its public API with the same outcome for the Go binding, only slower (see
// compat/io_scheduler.cc).

#include <coro/io_scheduler.hpp>

#include <chrono>

namespace gocoro::compat
{
#if GOCORO_CORE_EXTENSIONS
/// io_scheduler::poll, which shutdown_cancel_polls() below ends with poll_status::closed.
inline auto poll(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>
{
    return s.poll(fd, op, timeout);
}

/// io_scheduler::poll_notify: resumed on the thread processing events (no hand-off to a pool worker).
inline auto poll_notify(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>
{
    return s.poll_notify(fd, op, timeout);
}

/// io_scheduler::shutdown_cancel_polls: shuts down without waiting for pending polls, which complete with
/// poll_status::closed.
inline auto shutdown_cancel_polls(coro::io_scheduler& s) noexcept -> void
{
    s.shutdown_cancel_polls();
}
#else
/// poll() in slices of compat::poll_slice, checking between them whether shutdown_cancel_polls() was called for
/// `s` (then: poll_status::closed).
auto poll(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>;

/// poll() above: resumed wherever upstream resumes a poll (a pool worker in pool mode).
inline auto poll_notify(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>
{
    return poll(s, fd, op, timeout);
}

/// Marks `s` cancelled (its compat::poll / poll_notify waiters end with poll_status::closed within one slice, and new
/// ones at once), waits for those waiters (processing events itself if nobody else does, as in manual mode), then
/// shutdown().
auto shutdown_cancel_polls(coro::io_scheduler& s) noexcept -> void;
#endif
} // namespace gocoro::compat
