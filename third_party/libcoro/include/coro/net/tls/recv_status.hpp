#pragma once

#ifdef LIBCORO_FEATURE_TLS

    #include <cstdint>
    #include <openssl/ssl.h>
    #include <string>

namespace coro::net::tls
{
/// Result of a TLS recv: ok, a local condition (buffer_is_empty, timeout) or OpenSSL's SSL_get_error() code.
enum class recv_status : int64_t
{
    ok              = SSL_ERROR_NONE,
    buffer_is_empty = -3,
    timeout         = -4,
    /// v0.16 (D32): the wait was cancelled.
    cancelled        = -5,
    closed           = SSL_ERROR_ZERO_RETURN,
    error            = SSL_ERROR_SSL,
    want_read        = SSL_ERROR_WANT_READ,
    want_write       = SSL_ERROR_WANT_WRITE,
    want_connect     = SSL_ERROR_WANT_CONNECT,
    want_accept      = SSL_ERROR_WANT_ACCEPT,
    want_x509_lookup = SSL_ERROR_WANT_X509_LOOKUP,
    error_syscall    = SSL_ERROR_SYSCALL
};

/// The enumerator's name, "unknown" for other values.
auto to_string(recv_status status) -> const std::string&;

} // namespace coro::net::tls

#endif // LIBCORO_FEATURE_TLS
