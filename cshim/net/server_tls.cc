// net/server's TLS functions (see server_tls.h): the net/tls shim's sessions, which already drive OpenSSL
// non-blocking over a socket the caller polls, are exactly what the server loop needs.

#include "cshim/net/server_tls.h"

namespace
{
constinit const gocoro_server_tls_ops openssl_ops = {
    .context_new  = gocoro_tls_context_new,
    .context_free = gocoro_tls_context_free,
    .conn_new     = gocoro_tls_conn_new,
    .conn_free    = gocoro_tls_conn_free,
    .handshake    = gocoro_tls_handshake,
    .read         = gocoro_tls_read,
    .write        = gocoro_tls_write,
    .conn_error   = gocoro_tls_conn_error,
    .conn_drained = gocoro_tls_conn_drained,
};
} // namespace

extern "C" const gocoro_server_tls_ops* gocoro_server_tls_openssl(void)
{
    return &openssl_ops;
}
