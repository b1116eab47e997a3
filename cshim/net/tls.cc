// TLS sessions for net/tls (see tls.h). Contexts are libcoro's coro::net::tls::context, so certificate loading,
// protocol floor and verify modes are exactly libcoro's; sessions are plain non-blocking SSL objects, because
// libcoro's tls::client drives them with coroutines while the Go host waits for readiness itself.

#include "cshim/net/tls.h"

#include <coro/net/socket.hpp> // GOCORO_CORE_EXTENSIONS comes with the embedded core's headers; upstream's lack it
#include <coro/net/tls/context.hpp>

#if GOCORO_CORE_EXTENSIONS
    #include <coro/detail/socket_bio.hpp>
#endif

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>

struct gocoro_tls_context
{
    std::shared_ptr<coro::net::tls::context> ctx;
    SSL_CTX*                                 ssl_ctx{nullptr}; // owned by ctx
};

struct gocoro_tls_conn
{
    SSL*        ssl{nullptr};
    int         fd{-1};
    bool        server{false};
    bool        failed{false}; // fatal TLS or socket error: no close_notify may follow (OpenSSL's rule)
    bool        eof{false};    // recv returned 0
    bool        empty{false};  // the last recv left the socket empty (short, or would block)
    int         sys_errno{0};  // errno of the BIO's last failed system call
    long        verify{0};
    std::string error;

    // TLS 1.3 application traffic secrets as OpenSSL's key log reports them during the handshake: kept until Go's
    // record layer takes the session over (gocoro_tls_conn_take_records), wiped then or when the session is freed.
    unsigned char client_secret[EVP_MAX_MD_SIZE]{};
    unsigned char server_secret[EVP_MAX_MD_SIZE]{};
    size_t        client_secret_len{0};
    size_t        server_secret_len{0};
    bool          taken{false}; // Go's record layer owns the records: OpenSSL must send nothing more

    ~gocoro_tls_conn()
    {
        OPENSSL_cleanse(client_secret, sizeof client_secret);
        OPENSSL_cleanse(server_secret, sizeof server_secret);
    }
};

namespace gocoro_tls_shim
{
auto copy_text(const std::string& text, char* buf, size_t cap) -> void
{
    if (buf == nullptr || cap == 0)
    {
        return;
    }
    size_t n = text.size() < cap - 1 ? text.size() : cap - 1;
    std::memcpy(buf, text.data(), n);
    buf[n] = '\0';
}

// Empties the thread's OpenSSL error queue before a session call (SSL_get_error reads it). Every entry point of
// this shim leaves the queue empty, so it is almost always empty already; peeking costs far less than
// ERR_clear_error, which walks and resets all the queue's slots (measured: ~2% of a TLS echo's CPU).
inline auto clear_stale_errors() -> void
{
    if (ERR_peek_error() != 0)
    {
        ERR_clear_error();
    }
}

// Drains the thread's OpenSSL error queue into text ("; "-separated reasons).
auto drain_errors(std::string prefix = {}) -> std::string
{
    std::string text = std::move(prefix);
    while (unsigned long e = ERR_get_error())
    {
        if (!text.empty())
        {
            text += "; ";
        }
        // The reason alone ("tlsv1 alert unknown ca") reads better than OpenSSL's "error:0A000418:SSL routines::..."
        if (const char* reason = ERR_reason_error_string(e))
        {
            text += reason;
        }
        else
        {
            char buffer[256];
            ERR_error_string_n(e, buffer, sizeof(buffer));
            text += buffer;
        }
    }
    return text;
}

// A session's socket BIO has the session as its data and records errno, EOF and whether recv left the socket empty.
struct conn_session
{
    static constexpr const char* name = "gocoro socket";

    static auto fd(void* data) noexcept -> int { return static_cast<gocoro_tls_conn*>(data)->fd; }

    static auto received(void* data, ssize_t n, int len, int error) noexcept -> void
    {
        auto* t  = static_cast<gocoro_tls_conn*>(data);
        t->empty = (n > 0 && n < len) || error == EAGAIN;
        if (n == 0)
        {
            t->eof = true;
        }
    }

    static auto failed(void* data, int error) noexcept -> void
    {
        static_cast<gocoro_tls_conn*>(data)->sys_errno = error;
    }
};

#if GOCORO_CORE_EXTENSIONS
using socket_bio = coro::detail::socket_bio<conn_session>;
#else
// Upstream libcoro has no coro/detail/socket_bio.hpp (the embedded core's, which sends with MSG_NOSIGNAL): the
// external build's copy of it, for conn_session only.
class socket_bio
{
public:
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
        auto  n     = ::send(conn_session::fd(s), data, static_cast<size_t>(len), MSG_NOSIGNAL);
        int   error = n < 0 ? errno : 0;
        if (n < 0)
        {
            if (retryable(error))
            {
                BIO_set_retry_write(b);
            }
            else
            {
                conn_session::failed(s, error);
            }
        }
        return static_cast<int>(n);
    }

    static auto read(BIO* b, char* data, int len) -> int
    {
        BIO_clear_retry_flags(b);
        void* s     = BIO_get_data(b);
        auto  n     = ::recv(conn_session::fd(s), data, static_cast<size_t>(len), 0);
        int   error = n < 0 ? errno : 0;
        conn_session::received(s, n, len, error);
        if (n < 0)
        {
            if (retryable(error))
            {
                BIO_set_retry_read(b);
            }
            else
            {
                conn_session::failed(s, error);
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
                BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, conn_session::name);
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
#endif

// Loads a PEM certificate chain (leaf first) and key from memory into ctx.
auto use_pem(SSL_CTX* ctx, const char* cert, size_t cert_len, const char* key, size_t key_len) -> std::string
{
    BIO* cb = BIO_new_mem_buf(cert, static_cast<int>(cert_len));
    if (cb == nullptr)
    {
        return drain_errors("out of memory");
    }
    X509* leaf = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    if (leaf == nullptr || SSL_CTX_use_certificate(ctx, leaf) != 1)
    {
        X509_free(leaf);
        BIO_free(cb);
        return drain_errors("cannot load the PEM certificate");
    }
    X509_free(leaf);
    SSL_CTX_clear_chain_certs(ctx);
    while (X509* extra = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr))
    {
        if (SSL_CTX_add0_chain_cert(ctx, extra) != 1)
        {
            X509_free(extra);
            BIO_free(cb);
            return drain_errors("cannot add a chain certificate");
        }
    }
    ERR_clear_error(); // the loop ends with a "no start line" error
    BIO_free(cb);

    BIO* kb = BIO_new_mem_buf(key, static_cast<int>(key_len));
    if (kb == nullptr)
    {
        return drain_errors("out of memory");
    }
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    if (pkey == nullptr || SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
    {
        EVP_PKEY_free(pkey);
        return drain_errors("cannot load the PEM private key or it does not match the certificate");
    }
    EVP_PKEY_free(pkey);
    if (SSL_CTX_check_private_key(ctx) != 1)
    {
        return drain_errors("private key does not match the certificate");
    }
    return {};
}

auto use_ca_pem(SSL_CTX* ctx, const char* pem, size_t len) -> std::string
{
    BIO* b = BIO_new_mem_buf(pem, static_cast<int>(len));
    if (b == nullptr)
    {
        return drain_errors("out of memory");
    }
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    int         added = 0;
    while (X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr))
    {
        if (X509_STORE_add_cert(store, x) == 1)
        {
            ++added;
        }
        X509_free(x);
    }
    BIO_free(b);
    if (added == 0)
    {
        return drain_errors("no CA certificate in the PEM text");
    }
    ERR_clear_error();
    return {};
}

/// The ex_data slot of an SSL object that holds its gocoro_tls_conn (contexts may also serve sessions of others).
auto conn_index() -> int
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

/// Hex digits to bytes; false on a bad digit, an odd length or more than cap bytes.
auto parse_hex(std::string_view hex, unsigned char* out, size_t cap, size_t* len) -> bool
{
    auto digit = [](char c) -> int
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }
        return -1;
    };
    if (hex.size() % 2 != 0 || hex.size() / 2 > cap)
    {
        return false;
    }
    for (size_t i = 0; i < hex.size(); i += 2)
    {
        int hi = digit(hex[i]);
        int lo = digit(hex[i + 1]);
        if (hi < 0 || lo < 0)
        {
            return false;
        }
        out[i / 2] = static_cast<unsigned char>(hi << 4 | lo);
    }
    *len = hex.size() / 2;
    return true;
}

/// OpenSSL's key log callback ("<label> <client random> <secret>", NSS key log format): the one way OpenSSL 3.0
/// hands out TLS 1.3 traffic secrets. Only the two application traffic secrets of our own sessions are kept.
auto log_key(const SSL* ssl, const char* line) -> void
{
    auto* t = static_cast<gocoro_tls_conn*>(SSL_get_ex_data(ssl, conn_index()));
    if (t == nullptr)
    {
        return;
    }
    std::string_view l{line};
    auto             label_end  = l.find(' ');
    auto             random_end = label_end == std::string_view::npos ? label_end : l.find(' ', label_end + 1);
    if (random_end == std::string_view::npos)
    {
        return;
    }
    std::string_view label  = l.substr(0, label_end);
    std::string_view secret = l.substr(random_end + 1);
    if (label == "CLIENT_TRAFFIC_SECRET_0")
    {
        parse_hex(secret, t->client_secret, sizeof t->client_secret, &t->client_secret_len);
    }
    else if (label == "SERVER_TRAFFIC_SECRET_0")
    {
        parse_hex(secret, t->server_secret, sizeof t->server_secret, &t->server_secret_len);
    }
}

// Classifies a failed OpenSSL call on a session; records error text for GOCORO_TLS_ERROR.
auto failure(gocoro_tls_conn* t, int r, bool reading = false) -> int64_t
{
    int e = SSL_get_error(t->ssl, r);
    switch (e)
    {
        case SSL_ERROR_WANT_READ:
            return GOCORO_TLS_WANT_READ;
        case SSL_ERROR_WANT_WRITE:
            return GOCORO_TLS_WANT_WRITE;
        case SSL_ERROR_ZERO_RETURN:
            return GOCORO_TLS_EOF;
        default:
            break;
    }
    t->failed = true;
    // OpenSSL checks the peer's chain even under SSL_VERIFY_NONE and keeps the result; it is a failure (and says
    // so in the error) only when this side asked for verification.
    t->verify = (SSL_get_verify_mode(t->ssl) & SSL_VERIFY_PEER) != 0 ? SSL_get_verify_result(t->ssl) : X509_V_OK;
    if ((e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL) && t->sys_errno != 0)
    {
        // The socket failed (reset, EPIPE): the errno says more than OpenSSL's wrapping of it.
        int se       = t->sys_errno;
        t->sys_errno = 0;
        ERR_clear_error();
        return -se;
    }
    std::string text = drain_errors();
    if (t->verify != X509_V_OK)
    {
        text = std::string{"certificate verify failed: "} + X509_verify_cert_error_string(t->verify) +
               (text.empty() ? "" : "; " + text);
    }
    if (text.empty())
    {
        text = t->eof ? "unexpected eof while reading" : "SSL error " + std::to_string(e);
    }
    if (reading && t->eof && SSL_is_init_finished(t->ssl) == 1)
    {
        // The peer closed the socket without close_notify, between records or inside one. Like Go's crypto/tls
        // this is the end of the data (framing is the protocol's business above TLS).
        return GOCORO_TLS_EOF;
    }
    t->error = std::move(text);
    return GOCORO_TLS_ERROR;
}
} // namespace gocoro_tls_shim

using namespace gocoro_tls_shim;

extern "C" {

int gocoro_tls_context_new(const gocoro_tls_context_options* o, gocoro_tls_context** out, char* err, size_t cap)
{
    *out = nullptr;
    using coro::net::tls::context;
    using coro::net::tls::tls_file_type;
    auto verify = o->verify_peer != 0 ? coro::net::tls::verify_peer_t::yes : coro::net::tls::verify_peer_t::no;
    std::unique_ptr<gocoro_tls_context> c;
    try
    {
        c = std::make_unique<gocoro_tls_context>();
        if (o->cert_file != nullptr)
        {
            c->ctx = std::make_shared<context>(
                o->cert_file,
                static_cast<tls_file_type>(o->cert_type),
                o->key_file != nullptr ? o->key_file : o->cert_file,
                static_cast<tls_file_type>(o->key_type),
                verify);
        }
        else
        {
            c->ctx = std::make_shared<context>(verify);
        }
    }
    catch (const std::bad_alloc&)
    {
        copy_text("out of memory", err, cap);
        return -ENOMEM;
    }
    catch (const std::exception& e)
    {
        copy_text(e.what(), err, cap);
        return -EINVAL;
    }
    c->ssl_ctx = c->ctx->native_handle();

    std::string problem;
    if (o->cert_file != nullptr && o->cert_type == GOCORO_TLS_FILE_PEM)
    {
        // libcoro loads the leaf only; a PEM file may also carry the intermediates a peer needs.
        if (SSL_CTX_use_certificate_chain_file(c->ssl_ctx, o->cert_file) != 1 ||
            SSL_CTX_check_private_key(c->ssl_ctx) != 1)
        {
            problem = drain_errors(std::string{"cannot load certificate chain '"} + o->cert_file + "'");
        }
    }
    else if (o->cert_pem != nullptr)
    {
        problem = use_pem(c->ssl_ctx, o->cert_pem, o->cert_pem_len, o->key_pem, o->key_pem_len);
    }
    if (problem.empty() && o->min_version != 0 && SSL_CTX_set_min_proto_version(c->ssl_ctx, o->min_version) != 1)
    {
        problem = drain_errors("unsupported minimum TLS version " + std::to_string(o->min_version));
    }
    // TLS 1.3 suites in crypto/tls's order on AES-capable CPUs (OpenSSL's default puts AES-256-GCM first): a
    // net/tls client then negotiates what a Go client would, and the cheaper AES-128 (OpenSSL servers follow the
    // client's order).
    if (problem.empty() &&
        SSL_CTX_set_ciphersuites(
            c->ssl_ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1)
    {
        problem = drain_errors("cannot set the TLS 1.3 cipher suites");
    }
    if (problem.empty() && o->ca_file != nullptr && SSL_CTX_load_verify_locations(c->ssl_ctx, o->ca_file, nullptr) != 1)
    {
        problem = drain_errors(std::string{"cannot load CA file '"} + o->ca_file + "'");
    }
    if (problem.empty() && o->ca_pem != nullptr)
    {
        problem = use_ca_pem(c->ssl_ctx, o->ca_pem, o->ca_pem_len);
    }
    if (problem.empty() && o->verify_peer != 0 && o->ca_file == nullptr && o->ca_pem == nullptr &&
        o->cert_file != nullptr)
    {
        // libcoro's certificate context trusts nothing by default; a verifying client with a certificate needs
        // the system store like libcoro's client context has.
        SSL_CTX_set_default_verify_paths(c->ssl_ctx);
    }
    if (!problem.empty())
    {
        copy_text(problem, err, cap);
        return -EINVAL;
    }
    SSL_CTX_set_keylog_callback(c->ssl_ctx, log_key);
    // No session tickets (as the embedded core's certificate context; upstream's may send them): a server's tickets
    // would use sequence numbers of its application key that OpenSSL does not report, which would keep its
    // sessions from moving to Go's record layer. This package's clients do not resume sessions anyway.
    SSL_CTX_set_num_tickets(c->ssl_ctx, 0);
    *out = c.release();
    return 0;
}

void gocoro_tls_context_free(gocoro_tls_context* c)
{
    delete c; // live sessions keep their own reference to the SSL_CTX
}

int gocoro_tls_conn_new(
    gocoro_tls_context* c,
    int                 fd,
    int                 server,
    const char*         host,
    gocoro_tls_conn**   out,
    char*               err,
    size_t              cap)
{
    *out = nullptr;
    ERR_clear_error();
    auto* t = new (std::nothrow) gocoro_tls_conn{};
    if (t == nullptr)
    {
        copy_text("out of memory", err, cap);
        return -ENOMEM;
    }
    t->fd     = fd;
    t->server = server != 0;
    t->ssl    = SSL_new(c->ssl_ctx);
    BIO* bio  = t->ssl != nullptr ? socket_bio::make(t) : nullptr;
    if (bio == nullptr)
    {
        copy_text(drain_errors("cannot create the TLS session"), err, cap);
        SSL_free(t->ssl);
        delete t;
        return -ENOMEM;
    }
    SSL_set_bio(t->ssl, bio, bio);
    // Renegotiation is the only way SSL_write could need to read; TLS 1.3 has none anyway.
    SSL_set_options(t->ssl, SSL_OP_NO_RENEGOTIATION);
    SSL_set_mode(t->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // No read-ahead during the handshake: OpenSSL then reads exactly up to the end of the handshake's last record,
    // so whatever the peer sent after it is still in the socket when Go's record layer takes over; it comes back on
    // when the handshake is done (one recv per record and more, as crypto/tls reads).
    SSL_set_ex_data(t->ssl, conn_index(), t);
    if (server != 0)
    {
        SSL_set_accept_state(t->ssl);
    }
    else
    {
        SSL_set_connect_state(t->ssl);
        if (host != nullptr && *host != '\0')
        {
            unsigned char ip[16];
            bool          literal = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
            bool          ok      = true;
            if (!literal)
            {
                ok = SSL_set_tlsext_host_name(t->ssl, host) == 1; // SNI carries names only (RFC 6066)
            }
            if (ok && (SSL_CTX_get_verify_mode(c->ssl_ctx) & SSL_VERIFY_PEER) != 0)
            {
                ok = literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host) == 1
                             : SSL_set1_host(t->ssl, host) == 1;
            }
            if (!ok)
            {
                copy_text(drain_errors(std::string{"invalid server name '"} + host + "'"), err, cap);
                SSL_free(t->ssl);
                delete t;
                return -EINVAL;
            }
        }
    }
    *out = t;
    return 0;
}

void gocoro_tls_conn_free(gocoro_tls_conn* t)
{
    if (t == nullptr)
    {
        return;
    }
    if (!t->failed && !t->taken && SSL_is_init_finished(t->ssl) == 1 &&
        (SSL_get_shutdown(t->ssl) & SSL_SENT_SHUTDOWN) == 0)
    {
        SSL_shutdown(t->ssl);
    }
    ERR_clear_error();
    SSL_free(t->ssl);
    delete t;
}

int64_t gocoro_tls_handshake(gocoro_tls_conn* t)
{
    clear_stale_errors();
    int r = SSL_do_handshake(t->ssl);
    if (r != 1)
    {
        return failure(t, r);
    }
    SSL_set_read_ahead(
        t->ssl, 1); // see gocoro_tls_conn_new (harmless once Go takes the records: OpenSSL reads no more)
    return 0;
}

int64_t gocoro_tls_read(gocoro_tls_conn* t, void* buf, size_t len)
{
    clear_stale_errors();
    size_t n = 0;
    int    r = SSL_read_ex(t->ssl, buf, len, &n);
    return r == 1 ? static_cast<int64_t>(n) : failure(t, r, true);
}

int64_t gocoro_tls_write(gocoro_tls_conn* t, const void* buf, size_t len)
{
    clear_stale_errors();
    size_t n = 0;
    int    r = SSL_write_ex(t->ssl, buf, len, &n);
    return r == 1 ? static_cast<int64_t>(n) : failure(t, r);
}

int gocoro_tls_conn_drained(const gocoro_tls_conn* t)
{
    return t->empty && SSL_has_pending(t->ssl) == 0 ? 1 : 0;
}

int64_t gocoro_tls_read_drained(gocoro_tls_conn* t, void* buf, size_t len, int* drained)
{
    int64_t r = gocoro_tls_read(t, buf, len);
    *drained  = r > 0 ? gocoro_tls_conn_drained(t) : 0;
    return r;
}

int64_t gocoro_tls_close_notify(gocoro_tls_conn* t)
{
    if (t->failed)
    {
        return -EPIPE;
    }
    ERR_clear_error();
    int r = SSL_shutdown(t->ssl);
    if (r >= 0)
    {
        return 0; // 0: ours is sent, the peer's not seen yet (one-way close is enough)
    }
    return failure(t, r);
}

int gocoro_tls_conn_take_records(gocoro_tls_conn* t, gocoro_tls_traffic* out)
{
    const SSL_CIPHER* c      = SSL_get_current_cipher(t->ssl);
    uint16_t          cipher = c != nullptr ? SSL_CIPHER_get_protocol_id(c) : 0;
    size_t            len    = cipher == 0x1301 ? 32 : cipher == 0x1302 ? 48 : 0; // the suites' hash sizes
    // Our server contexts send no session tickets; one that did would have used sequence numbers of the server's
    // application key already, which OpenSSL does not report.
    bool ok = !t->failed && SSL_is_init_finished(t->ssl) == 1 && SSL_version(t->ssl) == TLS1_3_VERSION && len != 0 &&
              t->client_secret_len == len && t->server_secret_len == len && SSL_has_pending(t->ssl) == 0 &&
              (!t->server || SSL_get_num_tickets(t->ssl) == 0);
    if (ok)
    {
        out->cipher     = cipher;
        out->secret_len = len;
        std::memcpy(out->read_secret, t->server ? t->client_secret : t->server_secret, len);
        std::memcpy(out->write_secret, t->server ? t->server_secret : t->client_secret, len);
        t->taken = true;
        SSL_free_buffers(t->ssl); // OpenSSL reads and writes no more: its record buffers (~34 KiB) can go
    }
    OPENSSL_cleanse(t->client_secret, sizeof t->client_secret);
    OPENSSL_cleanse(t->server_secret, sizeof t->server_secret);
    t->client_secret_len = t->server_secret_len = 0;
    return ok ? 1 : 0;
}

size_t gocoro_tls_conn_error(gocoro_tls_conn* t, char* buf, size_t cap, long* verify_result)
{
    *verify_result = t->verify;
    copy_text(t->error, buf, cap);
    return t->error.size();
}

void gocoro_tls_conn_state(gocoro_tls_conn* t, uint16_t* version, uint16_t* cipher, int* resumed)
{
    *version            = static_cast<uint16_t>(SSL_version(t->ssl));
    const SSL_CIPHER* c = SSL_get_current_cipher(t->ssl);
    *cipher             = c != nullptr ? SSL_CIPHER_get_protocol_id(c) : 0;
    *resumed            = SSL_session_reused(t->ssl);
}

int64_t gocoro_tls_peer_certificate(gocoro_tls_conn* t, int index, void* buf, size_t cap)
{
    X509* x = nullptr;
    if (index == 0)
    {
        x = SSL_get0_peer_certificate(t->ssl);
    }
    else
    {
        // The client's chain starts with the server's leaf; the server's chain omits the client's.
        STACK_OF(X509)* chain = SSL_get_peer_cert_chain(t->ssl);
        int i                 = t->server ? index - 1 : index;
        if (chain != nullptr && i >= 0 && i < sk_X509_num(chain))
        {
            x = sk_X509_value(chain, i);
        }
    }
    if (x == nullptr)
    {
        return -1;
    }
    int len = i2d_X509(x, nullptr);
    if (len <= 0)
    {
        return -1;
    }
    if (static_cast<size_t>(len) <= cap)
    {
        auto* p = static_cast<unsigned char*>(buf);
        i2d_X509(x, &p);
    }
    return len;
}

} // extern "C"
