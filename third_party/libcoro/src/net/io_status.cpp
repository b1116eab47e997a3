#include "coro/net/io_status.hpp"

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace coro::net
{
auto io_status::message() const -> std::string
{
    if (type == kind::native)
    {
        return native_code == 0 ? std::string{"Success"} : std::system_category().message(native_code);
    }
    return std::string{to_string(type)};
}

auto to_string(io_status::kind kind) -> std::string_view
{
    switch (kind)
    {
        case io_status::kind::ok:
            return "Success";
        case io_status::kind::closed:
            return "Connection closed by peer";
        case io_status::kind::connection_reset:
            return "Connection reset by peer";
        case io_status::kind::connection_refused:
            return "Connection refused by target host";
        case io_status::kind::timeout:
            return "Operation timed out";
        case io_status::kind::would_block_or_try_again:
            return "Operation would block or try again";
        case io_status::kind::polling_error:
            return "Polling error";
        case io_status::kind::cancelled:
            return "Operation cancelled";
        case io_status::kind::udp_not_bound:
            return "Udp socket is not bound";
        case io_status::kind::message_too_big:
            return "Message is too big";
        case io_status::kind::native:
            return "Native error code";
        case io_status::kind::unknown:
            break;
    }
    return "unknown";
}

auto make_io_status_from_native(int native_code) -> io_status
{
    using kind = io_status::kind;
    switch (native_code)
    {
        case 0:
            return io_status{.type = kind::ok, .native_code = native_code};
        case EOF:
            return io_status{.type = kind::closed, .native_code = native_code};
        case ECONNREFUSED:
            return io_status{.type = kind::connection_refused, .native_code = native_code};
        case ECONNRESET:
            return io_status{.type = kind::connection_reset, .native_code = native_code};
        case EAGAIN:
            return io_status{.type = kind::would_block_or_try_again, .native_code = native_code};
        case EMSGSIZE:
            return io_status{.type = kind::message_too_big, .native_code = native_code};
        default:
            return io_status{.type = kind::native, .native_code = native_code};
    }
}

auto make_io_status_from_poll_status(coro::v16::poll_status status) -> io_status
{
    using kind = io_status::kind;
    switch (status)
    {
        case coro::v16::poll_status::read:
        case coro::v16::poll_status::write:
            return io_status{.type = kind::ok};
        case coro::v16::poll_status::timeout:
            return io_status{.type = kind::timeout};
        case coro::v16::poll_status::error:
            return io_status{.type = kind::polling_error};
        case coro::v16::poll_status::closed:
            return io_status{.type = kind::closed};
        case coro::v16::poll_status::cancelled:
            return io_status{.type = kind::cancelled};
    }
    return io_status{.type = kind::unknown};
}

} // namespace coro::net
