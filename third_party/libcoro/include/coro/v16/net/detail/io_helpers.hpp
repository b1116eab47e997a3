#pragma once

// Shared by the v0.16 net classes' sources (not part of the public API): deadlines of read_exact / write_all and
// telling the scheduler that a socket was found drained.

#include "coro/gocoro_extensions.hpp"
#include "coro/net/socket.hpp"
#include "coro/poll.hpp"
#include "coro/scheduler.hpp"

#include <chrono>
#include <optional>

namespace coro::net::detail
{
/// What is left of a deadline for the next step of an operation: nullopt once it passed, 0 (= no timeout) when
/// there is no deadline. Rounded up, so a step never gives up before the deadline.
inline auto remaining_until(bool has_deadline, std::chrono::steady_clock::time_point deadline)
    -> std::optional<std::chrono::milliseconds>
{
    if (!has_deadline)
    {
        return std::chrono::milliseconds{0};
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds{0})
    {
        return std::nullopt;
    }
    return left;
}

/// io_scheduler::note_drained for `sock` (a no-op without the core's extensions): the next poll can wait for the
/// kernel's next readiness edge directly.
inline auto note_drained(coro::scheduler& scheduler, const net::socket& sock, coro::poll_op op) noexcept -> void
{
#if GOCORO_CORE_EXTENSIONS
    scheduler.note_drained(sock.native_handle(), op);
#else
    (void)scheduler;
    (void)sock;
    (void)op;
#endif
}
} // namespace coro::net::detail
