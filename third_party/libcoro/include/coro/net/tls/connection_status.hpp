#pragma once

#ifdef LIBCORO_FEATURE_TLS

    #include <string>

namespace coro::net::tls
{
enum class connection_status
{
    connected,
    not_connected,
    context_required,
    resource_allocation_failed,
    set_fd_failure,
    handshake_failed,
    timeout,
    poll_error,
    unexpected_close,
    invalid_ip_address,
    error
};

/// The enumerator's name, "unknown" for other values.
auto to_string(connection_status status) -> const std::string&;

} // namespace coro::net::tls

#endif // LIBCORO_FEATURE_TLS
