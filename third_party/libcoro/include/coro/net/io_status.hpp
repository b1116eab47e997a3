#pragma once

// libcoro v0.16 (D28): the outcome of a networking operation of the v0.16 Read/Write API (it replaces
// recv_status / send_status there; the v0.14 classes keep those). New in v0.16, so one definition for both API
// versions.

#include "coro/poll.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace coro::net
{
struct io_status
{
    enum class kind
    {
        ok,
        closed,
        connection_reset,
        connection_refused,
        timeout,
        would_block_or_try_again,
        polling_error,
        cancelled,
        udp_not_bound,
        message_too_big,
        /// native_code holds an errno value not listed above.
        native,
        /// Not a kind any operation reports; what an out-of-range poll status maps to (upstream HEAD).
        unknown
    };

    kind                 type{};
    [[maybe_unused]] int native_code{};

    [[nodiscard]] auto is_ok() const -> bool { return type == kind::ok; }
    [[nodiscard]] auto is_timeout() const -> bool { return type == kind::timeout; }
    [[nodiscard]] auto is_closed() const -> bool { return type == kind::closed; }
    [[nodiscard]] auto would_block() const -> bool { return type == kind::would_block_or_try_again; }
    [[nodiscard]] auto try_again() const -> bool { return type == kind::would_block_or_try_again; }
    [[nodiscard]] auto is_native() const -> bool { return type == kind::native; }
    explicit           operator bool() const { return is_ok(); }

    /// to_string(type), or for `native` the operating system's text for native_code ("Success" for 0).
    [[nodiscard]] auto message() const -> std::string;
};

/// "Success", "Connection closed by peer", ... (fixed English text per kind).
auto to_string(io_status::kind kind) -> std::string_view;

/// 0 -> ok, EOF -> closed, ECONNREFUSED, ECONNRESET, EAGAIN, EMSGSIZE -> their kinds, anything else -> native;
/// native_code is always `native_code`.
auto make_io_status_from_native(int native_code) -> io_status;

/// read / write -> ok, timeout, error -> polling_error, closed, cancelled; anything else -> unknown.
auto make_io_status_from_poll_status(coro::v16::poll_status status) -> io_status;

} // namespace coro::net
