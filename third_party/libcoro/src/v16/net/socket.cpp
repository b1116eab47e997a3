#include "coro/net/socket.hpp"
#include "coro/net/socket_address.hpp"

namespace coro::net
{
// The v0.16 overloads reuse the v0.14 functions: one place creates sockets and sets the reuse options.

auto make_socket(const socket::options& opts, domain_t domain) -> socket
{
    return make_socket(socket::options{.domain = domain, .type = opts.type, .blocking = opts.blocking});
}

auto make_accept_socket(const socket::options& opts, const net::socket_address& endpoint, int32_t backlog) -> socket
{
    return make_accept_socket(
        socket::options{.domain = endpoint.domain(), .type = opts.type, .blocking = opts.blocking},
        endpoint.ip(),
        endpoint.port(),
        backlog);
}

} // namespace coro::net
