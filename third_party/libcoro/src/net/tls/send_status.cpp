#include "coro/net/tls/send_status.hpp"

namespace coro::net::tls
{
auto to_string(send_status status) -> const std::string&
{
    static const std::string ok{"ok"};
    static const std::string buffer_is_empty{"buffer_is_empty"};
    static const std::string timeout{"timeout"};
    static const std::string cancelled{"cancelled"};
    static const std::string closed{"closed"};
    static const std::string error{"error"};
    static const std::string want_read{"want_read"};
    static const std::string want_write{"want_write"};
    static const std::string want_connect{"want_connect"};
    static const std::string want_accept{"want_accept"};
    static const std::string want_x509_lookup{"want_x509_lookup"};
    static const std::string error_syscall{"error_syscall"};
    static const std::string unknown{"unknown"};
    switch (status)
    {
        case send_status::ok:
            return ok;
        case send_status::buffer_is_empty:
            return buffer_is_empty;
        case send_status::timeout:
            return timeout;
        case send_status::cancelled:
            return cancelled;
        case send_status::closed:
            return closed;
        case send_status::error:
            return error;
        case send_status::want_read:
            return want_read;
        case send_status::want_write:
            return want_write;
        case send_status::want_connect:
            return want_connect;
        case send_status::want_accept:
            return want_accept;
        case send_status::want_x509_lookup:
            return want_x509_lookup;
        case send_status::error_syscall:
            return error_syscall;
    }
    return unknown;
}
} // namespace coro::net::tls
