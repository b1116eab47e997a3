#pragma once

#include <cerrno>
#include <cstddef>
#include <openssl/bio.h>
#include <sys/socket.h>
#include <sys/types.h>

namespace coro::detail
{
/// gocoro internals (not in libcoro): a minimal socket BIO for a TLS session over a non-blocking socket. Like
/// OpenSSL's own, but it sends with MSG_NOSIGNAL, so writing to a connection the peer already closed reports EPIPE
/// instead of killing the process with SIGPIPE. It never owns the descriptor. net::tls::client uses it, and so does
/// gocoro's C shim (whose sessions also keep what the socket calls saw, for its error reports and readiness waits).
///
/// Session says what the BIO's data pointer is, all static and inlined into the BIO's calls:
///   static constexpr const char* name;                                  // the BIO type's name
///   static auto fd(void* data) noexcept -> int;                         // the socket
///   static auto received(void* data, ssize_t n, int len, int error) noexcept -> void; // after every recv
///   static auto failed(void* data, int error) noexcept -> void;         // a send or recv failed, not EAGAIN/EINTR
/// (error is errno when n < 0, else 0).
template <typename Session>
class socket_bio
{
public:
    /// A BIO over `data`'s socket, for SSL_set_bio; nullptr when OpenSSL cannot make one.
    static auto make(void* data) -> BIO*
    {
        const BIO_METHOD* m = method();
        BIO*              b = m != nullptr ? BIO_new(m) : nullptr;
        if (b != nullptr)
        {
            BIO_set_data(b, data);
            BIO_set_init(b, 1);
        }
        return b;
    }

private:
    static auto retryable(int error) noexcept -> bool { return error == EAGAIN || error == EINTR; }

    static auto write(BIO* b, const char* data, int len) -> int
    {
        BIO_clear_retry_flags(b);
        void* s     = BIO_get_data(b);
        auto  n     = ::send(Session::fd(s), data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
        int   error = n < 0 ? errno : 0;
        if (n < 0)
        {
            if (retryable(error))
            {
                BIO_set_retry_write(b);
            }
            else
            {
                Session::failed(s, error);
            }
        }
        return static_cast<int>(n);
    }

    static auto read(BIO* b, char* data, int len) -> int
    {
        BIO_clear_retry_flags(b);
        void* s     = BIO_get_data(b);
        auto  n     = ::recv(Session::fd(s), data, static_cast<std::size_t>(len), 0);
        int   error = n < 0 ? errno : 0;
        Session::received(s, n, len, error);
        if (n < 0)
        {
            if (retryable(error))
            {
                BIO_set_retry_read(b);
            }
            else
            {
                Session::failed(s, error);
            }
        }
        return static_cast<int>(n);
    }

    static auto ctrl(BIO*, int cmd, long, void*) -> long
    {
        return cmd == BIO_CTRL_FLUSH || cmd == BIO_CTRL_DUP ? 1 : 0;
    }

    static auto create(BIO* b) -> int
    {
        BIO_set_data(b, nullptr);
        return 1;
    }

    static auto destroy(BIO* b) -> int { return b != nullptr ? 1 : 0; }

    static auto method() -> const BIO_METHOD*
    {
        static BIO_METHOD* m = []
        {
            BIO_METHOD* made =
                BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, Session::name);
            if (made != nullptr)
            {
                BIO_meth_set_write(made, write);
                BIO_meth_set_read(made, read);
                BIO_meth_set_ctrl(made, ctrl);
                BIO_meth_set_create(made, create);
                BIO_meth_set_destroy(made, destroy);
            }
            return made;
        }();
        return m;
    }
};
} // namespace coro::detail
