#include "coro/net/tls/client.hpp"
#include "coro/scheduler.hpp"

#include <stdexcept>

namespace coro::net::tls
{
LIBCORO_INLINE_V16 namespace v16
{
    namespace
    {
    auto io_of(std::unique_ptr<coro::scheduler>& scheduler) -> coro::scheduler&
    {
        if (scheduler == nullptr)
        {
            throw std::runtime_error{"coro::net::tls::client: scheduler cannot be nullptr"};
        }
        return *scheduler;
    }
    } // namespace

    client::client(
        std::unique_ptr<coro::scheduler> & scheduler,
        std::shared_ptr<context>   tls_ctx,
        const net::socket_address& endpoint)
        : m_inner(
              io_of(scheduler).m_io,
              std::move(tls_ctx),
              v14::client::options{.address = endpoint.ip(), .port = endpoint.port()})
    {
    }

    auto client::end_session() noexcept -> void
    {
        m_inner.end_session();
    }

} // namespace v16
} // namespace coro::net::tls
