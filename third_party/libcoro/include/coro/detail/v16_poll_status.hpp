#pragma once

// Internal: the v0.16 poll_status for what a v0.14 poll of the one io_scheduler reported (scheduler::poll and the
// v0.16 net classes).

#include "coro/fd.hpp"
#include "coro/poll.hpp"

#include <cstdint>

namespace coro::detail
{
/// event -> read or write (for read_write: readable wins, as upstream's mapping of the epoll bits), the others
/// one to one.
auto v16_status(fd_t fd, poll_op op, v14::poll_status status) noexcept -> v16::poll_status;

/// The v0.16 result for the epoll bits of a ready descriptor (D15's priority: read, write, error, hang-up); used by
/// scheduler::poll's cancellable path and io_notifier.
auto v16_status_for_events(uint32_t events) noexcept -> v16::poll_status;
} // namespace coro::detail
