#pragma once

#include <string>

namespace coro::net
{
enum class connect_status
{
    /// The connection is established.
    connected,
    /// The address was not usable (never produced by tcp::client, kept for source compatibility).
    invalid_ip_address,
    /// The peer did not answer within the timeout.
    timeout,
    /// Connecting failed (refused, unreachable, ...).
    error
};

/// The enumerator's name; std::logic_error for an out-of-range value.
auto to_string(const connect_status& status) -> const std::string&;

} // namespace coro::net
