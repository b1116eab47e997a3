#include "coro/net/tls/server.hpp"
#include "coro/scheduler.hpp"

#include <stdexcept>

namespace coro::net::tls
{
LIBCORO_INLINE_V16 namespace v16
{
    namespace
    {
    auto checked_scheduler(std::unique_ptr<coro::scheduler>& scheduler) -> coro::scheduler*
    {
        if (scheduler == nullptr)
        {
            throw std::runtime_error{"coro::net::tls::server: scheduler cannot be nullptr"};
        }
        return scheduler.get();
    }
    } // namespace

    server::server(
        std::unique_ptr<coro::scheduler> & scheduler,
        std::shared_ptr<context>   tls_ctx,
        const net::socket_address& endpoint,
        options                    opts)
        : m_scheduler(checked_scheduler(scheduler)),
          m_inner(
              m_scheduler->m_io,
              std::move(tls_ctx),
              v14::server::options{.address = endpoint.ip(), .port = endpoint.port(), .backlog = opts.backlog})
    {
    }

    auto server::poll(std::chrono::milliseconds timeout) -> coro::task<coro::v16::poll_status>
    {
        return m_scheduler->poll(m_inner.m_accept_socket, poll_op::read, timeout, m_stop.get_token());
    }

    auto server::accept(std::chrono::milliseconds timeout) -> coro::task<client>
    {
        co_return client{co_await m_inner.accept(timeout)};
    }

    auto server::shutdown() -> void
    {
        m_stop.signal_stop(); // first, so a poll woken by the socket's shutdown reports cancelled
        m_inner.m_accept_socket.shutdown(poll_op::read_write);
    }

} // namespace v16
} // namespace coro::net::tls
