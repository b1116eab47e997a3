#pragma once

#include <cerrno>
#include <cstdint>
#include <string>

namespace coro::net
{
/// Result of a plain (tcp/udp) receive: ok, closed, udp_not_bound or the errno of the failed call.
enum class recv_status : int64_t
{
    ok                  = 0,
    closed              = -1,
    udp_not_bound       = -2,
    try_again           = EAGAIN,
    would_block         = EWOULDBLOCK,
    bad_file_descriptor = EBADF,
    connection_refused  = ECONNREFUSED,
    memory_fault        = EFAULT,
    interrupted         = EINTR,
    invalid_argument    = EINVAL,
    no_memory           = ENOMEM,
    not_connected       = ENOTCONN,
    not_a_socket        = ENOTSOCK
};

/// The enumerator's name ("would_block" for try_again too), "unknown" for other values.
auto to_string(recv_status status) -> const std::string&;

} // namespace coro::net
