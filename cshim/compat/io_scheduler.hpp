#pragma once

// The shim's io_scheduler calls that gocoro's embedded core serves with extensions (GOCORO_CORE_EXTENSIONS, see
// coro/gocoro_extensions.hpp) and that upstream libcoro v0.14 lacks; under the external build (a user's own
// libcoro) they fall back on its public API with the same outcome for the Go binding, only slower (see
// compat/io_scheduler.cc).

#include "cshim/compat/upstream_version.hpp"

#include <coro/io_scheduler.hpp>

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <optional>
#include <utility>

#if GOCORO_CORE_EXTENSIONS
    #include <coro/detail/fd_close_serial.hpp>
#endif

namespace gocoro::compat
{
#if GOCORO_CORE_EXTENSIONS
/// io_scheduler::poll, which shutdown_cancel_polls() below ends with poll_status::closed.
inline auto poll(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>
{
    return s.poll(fd, op, timeout);
}

/// io_scheduler::yield_for, whose co_await shutdown_cancel_polls() ends at once by throwing std::runtime_error.
inline auto yield_for(coro::io_scheduler& s, std::chrono::milliseconds amount) -> coro::task<void>
{
    return s.yield_for(amount);
}

/// io_scheduler::schedule: the embedded core's runs (or refuses with std::runtime_error) what it gets after
/// shutdown.
inline auto schedule(coro::io_scheduler& s)
{
    return s.schedule();
}

/// io_scheduler::yield, which shutdown handles as schedule().
inline auto yield(coro::io_scheduler& s)
{
    return s.yield();
}

/// The executor to hand to event::set / latch::count_down for `s`: `s` itself, whose resume() refuses a coroutine
/// after shutdown (the event then resumes it inline).
inline auto resume_executor(coro::io_scheduler& s) noexcept -> coro::io_scheduler&
{
    return s;
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

/// io_scheduler::poll_kept: a socket held as a raw descriptor stays registered between polls (every close of it
/// must go through note_close below).
inline auto poll_kept(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>
{
    return s.poll_kept(fd, op, timeout);
}

/// io_scheduler::note_drained: `fd` was just found not ready for `op`.
inline auto note_drained(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op) noexcept -> void
{
    s.note_drained(fd, op);
}

/// io_scheduler::wake_poll: the poll pending on `fd` (or the next one) completes with poll_status::event.
inline auto wake_poll(coro::io_scheduler& s, coro::fd_t fd) -> void
{
    s.wake_poll(fd);
}

/// Counts a close of a poll_kept descriptor (call right before and right after ::close).
inline auto note_close(coro::fd_t fd) noexcept -> void
{
    coro::detail::fd_close_serial::note_close(fd);
}
#else
/// poll() in slices of compat::poll_slice, checking between them whether shutdown_cancel_polls() was called for
/// `s` (then: poll_status::closed).
auto poll(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>;

/// poll() that also ends once `stop` is set, within one slice (compat::poll_slice, 100 ms): std::nullopt then, also
/// when `stop` was set before the call or is found set when the descriptor became ready. Upstream v0.14 has no
/// poll_stop_token, so this stands in for libcoro v0.16's cancellable poll.
auto poll_until_stopped(
    coro::io_scheduler&       s,
    coro::fd_t                fd,
    coro::poll_op             op,
    std::chrono::milliseconds timeout,
    const std::atomic<bool>&  stop) -> coro::task<std::optional<coro::poll_status>>;

/// io_scheduler::schedule() counted like a poll: upstream v0.14.1 drops a coroutine scheduled in pool mode after
/// shutdown() (it would never resume), so once shutdown_cancel_polls() was called for `s` the co_await throws
/// std::runtime_error instead, and shutdown_cancel_polls() waits for every schedule that got in before.
auto schedule(coro::io_scheduler& s) -> coro::task<void>;

/// schedule() above: upstream's yield() is its schedule().
inline auto yield(coro::io_scheduler& s) -> coro::task<void>
{
    return schedule(s);
}

/// An executor over `s` for event::set / latch::count_down (see resume_executor). Only resume() is used by them;
/// the other members are there because upstream's executor concept requires them.
class io_executor
{
public:
    explicit io_executor(coro::io_scheduler& s) noexcept : m_scheduler(s) {}

    auto schedule() { return m_scheduler.schedule(); }
    auto spawn(coro::task<void>&& task) -> bool { return m_scheduler.spawn(std::move(task)); }
    auto yield() { return m_scheduler.yield(); }
    /// Resumes `handle` on `s` through compat::schedule(), so shutdown_cancel_polls() waits for it, or on the
    /// calling thread once `s` is shutting down: upstream v0.14.1 drops a coroutine resumed after shutdown(), and
    /// its event::set ignores the result. Always true.
    auto resume(std::coroutine_handle<> handle) -> bool;
    auto size() const noexcept -> std::size_t { return m_scheduler.size(); }
    auto empty() const noexcept -> bool { return m_scheduler.empty(); }
    auto shutdown() noexcept -> void { m_scheduler.shutdown(); }

private:
    coro::io_scheduler& m_scheduler;
};

/// The executor to hand to event::set / latch::count_down for `s`.
inline auto resume_executor(coro::io_scheduler& s) noexcept -> io_executor
{
    return io_executor{s};
}

/// yield_for() whose co_await throws std::runtime_error as soon as shutdown_cancel_polls() is called for `s`:
/// upstream cannot cancel a timer (its shutdown() waits for every pending one), so the wait is a poll, with
/// `amount` as its timeout, of a descriptor that shutdown_cancel_polls() makes readable (see io_scheduler.cc).
auto yield_for(coro::io_scheduler& s, std::chrono::milliseconds amount) -> coro::task<void>;

/// poll() above: resumed wherever upstream resumes a poll (a pool worker in pool mode).
inline auto poll_notify(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>
{
    return poll(s, fd, op, timeout);
}

/// Marks `s` cancelled (its compat::poll / poll_notify / poll_until_stopped waiters end with poll_status::closed
/// within one slice, and new ones at once; its compat::yield_for waiters throw at once, as do new compat::schedule
/// and yield calls), waits for those waiters and for the schedules that got in before (processing events itself if
/// nobody else does, as in manual mode), then shutdown().
auto shutdown_cancel_polls(coro::io_scheduler& s) noexcept -> void;

/// poll() above (upstream registers and removes the descriptor per poll).
inline auto poll_kept(coro::io_scheduler& s, coro::fd_t fd, coro::poll_op op, std::chrono::milliseconds timeout)
    -> coro::task<coro::poll_status>
{
    return poll(s, fd, op, timeout);
}

/// Nothing to tell: upstream checks readiness with every poll.
inline auto note_drained(coro::io_scheduler&, coro::fd_t, coro::poll_op) noexcept -> void {}

/// Marks `fd` woken: its compat::poll (pending or next) returns poll_status::event at its next look, which is
/// within one slice.
auto wake_poll(coro::io_scheduler& s, coro::fd_t fd) -> void;

/// Nothing to count: upstream keeps no registration between polls.
inline auto note_close(coro::fd_t) noexcept -> void {}
#endif
} // namespace gocoro::compat
