#include "coro/net/tls/client.hpp"

#include "coro/detail/socket_bio.hpp"

#include <cerrno>
#include <cstdint>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <stdexcept>
#include <sys/socket.h>

namespace coro::net::tls
{
LIBCORO_INLINE_V14 namespace v14
{
    namespace
    {
    // The session's socket BIO (coro/detail/socket_bio.hpp) keeps the descriptor itself as its data: the client
    // may move, and it has nothing to record.
    struct socket_session
    {
        static constexpr const char* name = "coro socket";

        static auto fd(void* data) noexcept -> int { return static_cast<int>(reinterpret_cast<intptr_t>(data)); }

        static auto received(void*, ssize_t, int, int) noexcept -> void {}

        static auto failed(void*, int) noexcept -> void {}
    };

    /// Remaining budget until `deadline`; nullopt means wait forever (poll timeout 0). Zero or negative means
    /// the deadline passed.
    auto remaining(const std::optional<std::chrono::steady_clock::time_point>& deadline) -> std::chrono::milliseconds
    {
        if (!deadline.has_value())
        {
            return std::chrono::milliseconds{0};
        }
        auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
        return left > std::chrono::milliseconds{0} ? left : std::chrono::milliseconds{-1};
    }

    auto make_deadline(std::optional<std::chrono::milliseconds> timeout)
        -> std::optional<std::chrono::steady_clock::time_point>
    {
        if (!timeout.has_value() || *timeout <= std::chrono::milliseconds{0})
        {
            return std::nullopt;
        }
        return std::chrono::steady_clock::now() + *timeout;
    }
    } // namespace

    client::client(std::shared_ptr<io_scheduler> scheduler, std::shared_ptr<context> tls_ctx, options opts)
        : m_io_scheduler(std::move(scheduler)), m_tls_ctx(std::move(tls_ctx)), m_options(std::move(opts))
    {
        if (m_io_scheduler == nullptr)
        {
            throw std::runtime_error{"coro::net::tls::client: scheduler cannot be nullptr"};
        }
        if (m_tls_ctx == nullptr)
        {
            throw std::runtime_error{"coro::net::tls::client: tls context cannot be nullptr"};
        }
        m_socket = net::make_socket(
            net::socket::options{m_options.address.domain(), net::socket::type_t::tcp, net::socket::blocking_t::no});
    }

    client::client(
        std::shared_ptr<io_scheduler> scheduler, std::shared_ptr<context> tls_ctx, net::socket socket, options opts)
        : m_io_scheduler(std::move(scheduler)), m_tls_ctx(std::move(tls_ctx)), m_options(std::move(opts)),
          m_socket(std::move(socket)), m_connect_status(connection_status::connected)
    {
    }

    client::client(client && other) noexcept
        : m_io_scheduler(std::move(other.m_io_scheduler)), m_tls_ctx(std::move(other.m_tls_ctx)),
          m_options(std::move(other.m_options)), m_socket(std::move(other.m_socket)),
          m_connect_status(std::exchange(other.m_connect_status, std::nullopt)), m_tls(std::move(other.m_tls)),
          m_tls_error(std::exchange(other.m_tls_error, false))
    {
    }

    auto client::operator=(client&& other) noexcept -> client&
    {
        if (this != &other)
        {
            close_session();
            m_io_scheduler   = std::move(other.m_io_scheduler);
            m_tls_ctx        = std::move(other.m_tls_ctx);
            m_options        = std::move(other.m_options);
            m_socket         = std::move(other.m_socket);
            m_connect_status = std::exchange(other.m_connect_status, std::nullopt);
            m_tls            = std::move(other.m_tls);
            m_tls_error      = std::exchange(other.m_tls_error, false);
        }
        return *this;
    }

    client::~client()
    {
        close_session();
    }

    auto client::close_session() noexcept -> void
    {
        end_session();
        m_socket.close();
    }

    auto client::end_session() noexcept -> void
    {
        if (m_tls != nullptr)
        {
            if (!m_tls_error && m_socket.is_valid() && SSL_is_init_finished(m_tls.get()) == 1)
            {
                // One non-blocking attempt to send close_notify; the peer's reply is not awaited (the socket is
                // closed right after), which TLS allows for the side that closes the connection.
                ERR_set_mark();
                SSL_shutdown(m_tls.get());
                ERR_pop_to_mark();
            }
            m_tls.reset();
        }
    }

    auto client::create_session(bool server_side) -> connection_status
    {
        m_tls.reset(SSL_new(m_tls_ctx->native_handle()));
        if (m_tls == nullptr)
        {
            return connection_status::resource_allocation_failed;
        }
        BIO* bio = coro::detail::socket_bio<socket_session>::make(
            reinterpret_cast<void*>(static_cast<intptr_t>(m_socket.native_handle())));
        if (bio == nullptr)
        {
            return connection_status::set_fd_failure;
        }
        SSL_set_bio(m_tls.get(), bio, bio);
        if (server_side)
        {
            SSL_set_accept_state(m_tls.get());
        }
        else
        {
            SSL_set_connect_state(m_tls.get());
        }
        return connection_status::connected;
    }

    auto client::connect(std::chrono::milliseconds timeout) -> coro::task<connection_status>
    {
        if (m_connect_status.has_value())
        {
            co_return *m_connect_status;
        }
        if (!m_socket.is_valid())
        {
            m_connect_status = connection_status::error;
            co_return *m_connect_status;
        }

        sockaddr_storage addr{};
        socklen_t        len = net::detail::to_sockaddr(m_options.address, m_options.port, addr);
        if (::connect(m_socket.native_handle(), reinterpret_cast<sockaddr*>(&addr), len) != 0)
        {
            if (errno != EINPROGRESS && errno != EAGAIN)
            {
                m_connect_status = connection_status::error;
                co_return *m_connect_status;
            }
            auto pstatus = co_await poll(poll_op::write, timeout);
            if (pstatus == poll_status::timeout)
            {
                m_connect_status = connection_status::timeout;
                co_return *m_connect_status;
            }
            int       error{0};
            socklen_t error_len = sizeof(error);
            if (pstatus != poll_status::event ||
                ::getsockopt(m_socket.native_handle(), SOL_SOCKET, SO_ERROR, &error, &error_len) != 0 || error != 0)
            {
                m_connect_status = connection_status::error;
                co_return *m_connect_status;
            }
        }

        auto status = create_session(false);
        if (status != connection_status::connected)
        {
            m_tls_error      = true;
            m_connect_status = status;
            co_return status;
        }
        status           = co_await handshake(timeout);
        m_connect_status = status;
        co_return status;
    }

    auto client::handshake(std::chrono::milliseconds timeout) -> coro::task<connection_status>
    {
        while (true)
        {
            ERR_clear_error();
            int r = SSL_do_handshake(m_tls.get());
            if (r == 1)
            {
                co_return connection_status::connected;
            }
            poll_op op{poll_op::read};
            switch (SSL_get_error(m_tls.get(), r))
            {
                case SSL_ERROR_WANT_READ:
                    op = poll_op::read;
                    break;
                case SSL_ERROR_WANT_WRITE:
                    op = poll_op::write;
                    break;
                default:
                    m_tls_error = true;
                    co_return connection_status::handshake_failed;
            }
                // WANT_READ/WANT_WRITE: the socket said "would block" for op just now.
#if GOCORO_CORE_EXTENSIONS
            m_io_scheduler->note_drained(m_socket.native_handle(), op);
#endif
            switch (co_await poll(op, timeout))
            {
                case poll_status::event:
                    break;
                case poll_status::timeout:
                    m_tls_error = true;
                    co_return connection_status::timeout;
                case poll_status::closed:
                    m_tls_error = true;
                    co_return connection_status::unexpected_close;
                case poll_status::error:
                    m_tls_error = true;
                    co_return connection_status::poll_error;
            }
        }
    }

    auto client::recv_impl(char* data, std::size_t size, std::optional<std::chrono::milliseconds> timeout)
        -> coro::task<std::pair<recv_status, std::span<char>>>
    {
        if (size == 0)
        {
            co_return std::pair{recv_status::buffer_is_empty, std::span<char>{}};
        }
        if (m_tls == nullptr || !m_socket.is_valid())
        {
            co_return std::pair{recv_status::error, std::span<char>{}};
        }
        const auto deadline = make_deadline(timeout);
        bool       hung_up  = false;
        while (true)
        {
            // Try first: OpenSSL may already hold decrypted bytes, which no poll would announce.
            std::size_t n{0};
            ERR_clear_error();
            int r = SSL_read_ex(m_tls.get(), data, size, &n);
            if (r == 1)
            {
                co_return std::pair{recv_status::ok, std::span<char>{data, n}};
            }
            poll_op op{poll_op::read};
            int     e = SSL_get_error(m_tls.get(), r);
            if (e == SSL_ERROR_WANT_READ)
            {
                if (hung_up)
                {
                    co_return std::pair{recv_status::closed, std::span<char>{}};
                }
                op = poll_op::read;
            }
            else if (e == SSL_ERROR_WANT_WRITE)
            {
                op = poll_op::write;
            }
            else
            {
                if (e == SSL_ERROR_SSL || e == SSL_ERROR_SYSCALL)
                {
                    m_tls_error = true;
                }
                co_return std::pair{static_cast<recv_status>(e), std::span<char>{}};
            }
            auto left = remaining(deadline);
            if (left < std::chrono::milliseconds{0})
            {
                co_return std::pair{recv_status::timeout, std::span<char>{}};
            }
            // WANT_READ/WANT_WRITE: the socket said "would block" for op just now.
#if GOCORO_CORE_EXTENSIONS
            m_io_scheduler->note_drained(m_socket.native_handle(), op);
#endif
            switch (co_await poll(op, left))
            {
                case poll_status::event:
                    break;
                case poll_status::closed:
                    hung_up = true; // read what is left (e.g. close_notify) once more
                    break;
                case poll_status::timeout:
                    co_return std::pair{recv_status::timeout, std::span<char>{}};
                case poll_status::error:
                    co_return std::pair{recv_status::error, std::span<char>{}};
            }
        }
    }

    auto client::send_impl(const char* data, std::size_t size, std::optional<std::chrono::milliseconds> timeout)
        -> coro::task<std::pair<send_status, std::span<const char>>>
    {
        if (size == 0)
        {
            co_return std::pair{send_status::buffer_is_empty, std::span<const char>{data, size}};
        }
        if (m_tls == nullptr || !m_socket.is_valid())
        {
            co_return std::pair{send_status::error, std::span<const char>{}};
        }
        const auto deadline = make_deadline(timeout);
        while (true)
        {
            std::size_t n{0};
            ERR_clear_error();
            int r = SSL_write_ex(m_tls.get(), data, size, &n);
            if (r == 1)
            {
                co_return std::pair{send_status::ok, std::span<const char>{data + n, size - n}};
            }
            poll_op op{poll_op::write};
            int     e = SSL_get_error(m_tls.get(), r);
            if (e == SSL_ERROR_WANT_WRITE)
            {
                op = poll_op::write;
            }
            else if (e == SSL_ERROR_WANT_READ)
            {
                op = poll_op::read;
            }
            else
            {
                if (e == SSL_ERROR_SSL || e == SSL_ERROR_SYSCALL)
                {
                    m_tls_error = true;
                }
                co_return std::pair{static_cast<send_status>(e), std::span<const char>{}};
            }
            auto left = remaining(deadline);
            if (left < std::chrono::milliseconds{0})
            {
                co_return std::pair{send_status::timeout, std::span<const char>{}};
            }
            // WANT_READ/WANT_WRITE: the socket said "would block" for op just now.
#if GOCORO_CORE_EXTENSIONS
            m_io_scheduler->note_drained(m_socket.native_handle(), op);
#endif
            switch (co_await poll(op, left))
            {
                case poll_status::event:
                    break;
                case poll_status::timeout:
                    co_return std::pair{send_status::timeout, std::span<const char>{}};
                case poll_status::closed:
                    m_tls_error = true;
                    co_return std::pair{send_status::closed, std::span<const char>{}};
                case poll_status::error:
                    m_tls_error = true;
                    co_return std::pair{send_status::error, std::span<const char>{}};
            }
        }
    }

} // namespace v14
} // namespace coro::net::tls
