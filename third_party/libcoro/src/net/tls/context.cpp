#include "coro/net/tls/context.hpp"

#include <mutex>
#include <openssl/err.h>
#include <stdexcept>
#include <string>

namespace coro::net::tls
{
namespace
{
auto init_openssl() -> void
{
    static std::once_flag once;
    std::call_once(
        once, [] { OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, nullptr); });
}

auto openssl_error(const std::string& what) -> std::runtime_error
{
    std::string text = "coro::net::tls::context: " + what;
    while (unsigned long e = ERR_get_error())
    {
        char buffer[256];
        ERR_error_string_n(e, buffer, sizeof(buffer));
        text += "; ";
        text += buffer;
    }
    return std::runtime_error{text};
}

auto make_ctx(verify_peer_t verify_peer) -> SSL_CTX*
{
    init_openssl();
    SSL_CTX* ctx = SSL_CTX_new(TLS_method());
    if (ctx == nullptr)
    {
        throw openssl_error("SSL_CTX_new failed");
    }
    SSL_CTX_set_options(ctx, SSL_OP_ALL | SSL_OP_NO_SSLv3);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, verify_peer == verify_peer_t::yes ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    return ctx;
}
} // namespace

context::context(verify_peer_t verify_peer) : m_ssl_ctx(make_ctx(verify_peer))
{
    if (verify_peer == verify_peer_t::yes)
    {
        // Trust the system CA store; a peer with an unknown (e.g. self-signed) certificate fails the handshake.
        SSL_CTX_set_default_verify_paths(m_ssl_ctx);
    }
}

context::context(
    std::filesystem::path certificate,
    tls_file_type         certificate_type,
    std::filesystem::path private_key,
    tls_file_type         private_key_type,
    verify_peer_t         verify_peer)
    : m_ssl_ctx(make_ctx(verify_peer))
{
    // Session tickets are useless for the short-lived sessions this library serves and cost a message each.
    SSL_CTX_set_num_tickets(m_ssl_ctx, 0);
    if (SSL_CTX_use_certificate_file(m_ssl_ctx, certificate.c_str(), static_cast<int>(certificate_type)) != 1)
    {
        auto e = openssl_error("cannot load certificate '" + certificate.string() + "'");
        SSL_CTX_free(m_ssl_ctx);
        throw e;
    }
    if (SSL_CTX_use_PrivateKey_file(m_ssl_ctx, private_key.c_str(), static_cast<int>(private_key_type)) != 1)
    {
        auto e = openssl_error(
            "cannot load private key '" + private_key.string() + "' or it does not match certificate '" +
            certificate.string() + "'");
        SSL_CTX_free(m_ssl_ctx);
        throw e;
    }
    if (SSL_CTX_check_private_key(m_ssl_ctx) != 1)
    {
        auto e = openssl_error(
            "private key '" + private_key.string() + "' does not match certificate '" + certificate.string() + "'");
        SSL_CTX_free(m_ssl_ctx);
        throw e;
    }
}

context::~context()
{
    SSL_CTX_free(m_ssl_ctx);
}

} // namespace coro::net::tls
