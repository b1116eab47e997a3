#pragma once

#include "coro/api_version.hpp"

#include <cstdint>
#include <string>
#include <sys/epoll.h>

namespace coro
{
/// What a poll waits for. Values are the epoll bits so they can be handed to the kernel directly.
enum class poll_op : uint64_t
{
    read       = EPOLLIN,
    write      = EPOLLOUT,
    read_write = EPOLLIN | EPOLLOUT
};

inline auto poll_op_readable(poll_op op) -> bool
{
    return (static_cast<uint64_t>(op) & EPOLLIN) != 0;
}

inline auto poll_op_writeable(poll_op op) -> bool
{
    return (static_cast<uint64_t>(op) & EPOLLOUT) != 0;
}

/// "read", "write", "read_write" or "unknown".
auto to_string(poll_op op) -> const std::string&;

// The v0.14 poll_status (coro::v16::poll_status, coro/v16/poll.hpp, is the v0.16 one). Library code names it
// coro::v14::poll_status so that its meaning does not depend on LIBCORO_API_VERSION.
LIBCORO_INLINE_V14 namespace v14
{
    /// How a poll finished.
    enum class poll_status
    {
        /// The file descriptor is ready for the requested operation.
        event,
        /// The timeout elapsed first.
        timeout,
        /// The kernel reported an error on the descriptor (or it could not be polled at all).
        error,
        /// The peer hung up.
        closed
    };

    /// "event", "timeout", "error", "closed" or "unknown".
    auto to_string(poll_status status) -> const std::string&;
} // namespace v14

} // namespace coro

#include "coro/v16/poll.hpp"
