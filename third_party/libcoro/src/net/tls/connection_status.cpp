#include "coro/net/tls/connection_status.hpp"

namespace coro::net::tls
{
auto to_string(connection_status status) -> const std::string&
{
    static const std::string names[] = {
        "connected",
        "not_connected",
        "context_required",
        "resource_allocation_failed",
        "set_fd_failure",
        "handshake_failed",
        "timeout",
        "poll_error",
        "unexpected_close",
        "invalid_ip_address",
        "error"};
    static const std::string unknown{"unknown"};
    const auto               i = static_cast<std::size_t>(status);
    return i < std::size(names) ? names[i] : unknown;
}
} // namespace coro::net::tls
