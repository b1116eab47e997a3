#pragma once

#ifdef LIBCORO_FEATURE_TLS

    #include <filesystem>
    #include <openssl/ssl.h>

namespace coro::net::tls
{
enum class tls_file_type : int
{
    /// DER encoded.
    asn1 = SSL_FILETYPE_ASN1,
    /// PEM encoded.
    pem = SSL_FILETYPE_PEM
};

enum class verify_peer_t : int
{
    /// Verify the peer's certificate (handshake fails for an untrusted one). Client contexts trust the
    /// system's default CA store.
    yes,
    /// Accept any peer certificate.
    no
};

/// Owns an OpenSSL SSL_CTX (TLS 1.2 minimum). Share one between many clients/servers via shared_ptr.
class context
{
public:
    /// Client context without a certificate. Throws std::runtime_error if OpenSSL fails.
    explicit context(verify_peer_t verify_peer = verify_peer_t::yes);

    /// Context with a certificate and private key (server side). Throws std::runtime_error if a file cannot
    /// be loaded or the key does not match the certificate.
    context(
        std::filesystem::path certificate,
        tls_file_type         certificate_type,
        std::filesystem::path private_key,
        tls_file_type         private_key_type,
        verify_peer_t         verify_peer = verify_peer_t::yes);

    context(const context&)                    = delete;
    context(context&&)                         = delete;
    auto operator=(const context&) -> context& = delete;
    auto operator=(context&&) -> context&      = delete;
    ~context();

    /// The OpenSSL context, for code that drives its own SSL sessions (the Go binding's net/tls makes its
    /// non-blocking sessions from it). Upstream keeps this private to tls::client and tls::server.
    auto native_handle() -> SSL_CTX* { return m_ssl_ctx; }
    auto native_handle() const -> const SSL_CTX* { return m_ssl_ctx; }

private:
    SSL_CTX* m_ssl_ctx{nullptr};
};

} // namespace coro::net::tls

#endif // LIBCORO_FEATURE_TLS
