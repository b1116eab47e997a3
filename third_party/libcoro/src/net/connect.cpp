#include "coro/net/connect.hpp"

#include <stdexcept>

namespace coro::net
{
auto to_string(const connect_status& status) -> const std::string&
{
    static const std::string connected{"connected"};
    static const std::string invalid_ip_address{"invalid_ip_address"};
    static const std::string timeout{"timeout"};
    static const std::string error{"error"};
    switch (status)
    {
        case connect_status::connected:
            return connected;
        case connect_status::invalid_ip_address:
            return invalid_ip_address;
        case connect_status::timeout:
            return timeout;
        case connect_status::error:
            return error;
    }
    throw std::logic_error{"coro::net::to_string(connect_status): unknown status"};
}
} // namespace coro::net
