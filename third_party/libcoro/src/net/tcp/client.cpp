#include "coro/net/tcp/client.hpp"

#include <stdexcept>
#include <sys/socket.h>

namespace coro::net::tcp
{
LIBCORO_INLINE_V14 namespace v14
{
    client::client(std::shared_ptr<io_scheduler> scheduler, options opts)
        : m_io_scheduler(std::move(scheduler)), m_options(std::move(opts))
    {
        if (m_io_scheduler == nullptr)
        {
            throw std::runtime_error{"coro::net::tcp::client: scheduler cannot be nullptr"};
        }
        m_socket = net::make_socket(
            net::socket::options{m_options.address.domain(), net::socket::type_t::tcp, net::socket::blocking_t::no});
    }

    client::client(std::shared_ptr<io_scheduler> scheduler, net::socket socket, options opts)
        : m_io_scheduler(std::move(scheduler)), m_options(std::move(opts)), m_socket(std::move(socket)),
          m_connect_status(connect_status::connected)
    {
        // server::accept() hands over a socket that accept4() already made non-blocking.
    }

    client::client(const client& other)
        : m_io_scheduler(other.m_io_scheduler), m_options(other.m_options), m_socket(other.m_socket),
          m_connect_status(other.m_connect_status)
    {
    }

    client::client(client && other) noexcept
        : m_io_scheduler(std::move(other.m_io_scheduler)), m_options(std::move(other.m_options)),
          m_socket(std::move(other.m_socket)), m_connect_status(std::exchange(other.m_connect_status, std::nullopt))
    {
    }

    auto client::operator=(const client& other) noexcept -> client&
    {
        if (this != &other)
        {
            m_io_scheduler   = other.m_io_scheduler;
            m_options        = other.m_options;
            m_socket         = other.m_socket;
            m_connect_status = other.m_connect_status;
        }
        return *this;
    }

    auto client::operator=(client&& other) noexcept -> client&
    {
        if (this != &other)
        {
            m_io_scheduler   = std::move(other.m_io_scheduler);
            m_options        = std::move(other.m_options);
            m_socket         = std::move(other.m_socket);
            m_connect_status = std::exchange(other.m_connect_status, std::nullopt);
        }
        return *this;
    }

    client::~client() = default;

    auto client::connect(std::chrono::milliseconds timeout) -> coro::task<net::connect_status>
    {
        if (m_connect_status.has_value())
        {
            co_return *m_connect_status;
        }
        if (!m_socket.is_valid())
        {
            m_connect_status = connect_status::error;
            co_return *m_connect_status;
        }

        sockaddr_storage addr{};
        socklen_t        len = net::detail::to_sockaddr(m_options.address, m_options.port, addr);
        int              rc  = ::connect(m_socket.native_handle(), reinterpret_cast<sockaddr*>(&addr), len);
        if (rc == 0)
        {
            m_connect_status = connect_status::connected;
            co_return *m_connect_status;
        }
        if (errno != EINPROGRESS && errno != EAGAIN)
        {
            m_connect_status = connect_status::error;
            co_return *m_connect_status;
        }

        auto pstatus = co_await m_io_scheduler->poll(m_socket, poll_op::write, timeout);
        if (pstatus == poll_status::timeout)
        {
            m_connect_status = connect_status::timeout;
            co_return *m_connect_status;
        }
        int       error{0};
        socklen_t error_len = sizeof(error);
        if (::getsockopt(m_socket.native_handle(), SOL_SOCKET, SO_ERROR, &error, &error_len) == 0 && error == 0 &&
            pstatus == poll_status::event)
        {
            m_connect_status = connect_status::connected;
        }
        else
        {
            m_connect_status = connect_status::error;
        }
        co_return *m_connect_status;
    }

} // namespace v14
} // namespace coro::net::tcp
