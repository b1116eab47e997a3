// scheduler::poll(const net::socket&, ...): in the networking library, next to io_scheduler::poll(const
// net::socket&, ...) (src/net/socket.cpp), which it uses.
#include "coro/detail/v16_poll_status.hpp"
#include "coro/net/socket.hpp"
#include "coro/scheduler.hpp"

namespace coro
{
auto scheduler::poll(
    const net::socket&             sock,
    coro::poll_op                  op,
    std::chrono::milliseconds      timeout,
    std::optional<poll_stop_token> cancel_trigger) -> coro::task<coro::v16::poll_status>
{
    if (!cancel_trigger.has_value())
    {
        co_return detail::v16_status(sock.native_handle(), op, co_await m_io->poll(sock, op, timeout));
    }
    co_return co_await poll(sock.native_handle(), op, timeout, std::move(cancel_trigger));
}

} // namespace coro
