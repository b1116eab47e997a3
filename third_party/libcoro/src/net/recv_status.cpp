#include "coro/net/recv_status.hpp"

namespace coro::net
{
auto to_string(recv_status status) -> const std::string&
{
    static const std::string ok{"ok"};
    static const std::string closed{"closed"};
    static const std::string udp_not_bound{"udp_not_bound"};
    static const std::string would_block{"would_block"};
    static const std::string bad_file_descriptor{"bad_file_descriptor"};
    static const std::string connection_refused{"connection_refused"};
    static const std::string memory_fault{"memory_fault"};
    static const std::string interrupted{"interrupted"};
    static const std::string invalid_argument{"invalid_argument"};
    static const std::string no_memory{"no_memory"};
    static const std::string not_connected{"not_connected"};
    static const std::string not_a_socket{"not_a_socket"};
    static const std::string unknown{"unknown"};
    switch (status)
    {
        case recv_status::ok:
            return ok;
        case recv_status::closed:
            return closed;
        case recv_status::udp_not_bound:
            return udp_not_bound;
        case recv_status::would_block: // == try_again on Linux
            return would_block;
        case recv_status::bad_file_descriptor:
            return bad_file_descriptor;
        case recv_status::connection_refused:
            return connection_refused;
        case recv_status::memory_fault:
            return memory_fault;
        case recv_status::interrupted:
            return interrupted;
        case recv_status::invalid_argument:
            return invalid_argument;
        case recv_status::no_memory:
            return no_memory;
        case recv_status::not_connected:
            return not_connected;
        case recv_status::not_a_socket:
            return not_a_socket;
    }
    return unknown;
}
} // namespace coro::net
