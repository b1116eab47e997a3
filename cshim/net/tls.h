#ifndef GOCORO_CSHIM_NET_TLS_H
#define GOCORO_CSHIM_NET_TLS_H

/* TLS over OpenSSL for the Go package net/tls: a coro::net::tls::context behind an opaque handle, and TLS
 * sessions (SSL objects from that context) bound to non-blocking sockets the host owns and polls through the
 * io_scheduler. Sockets themselves are made with cshim/net/tcp.h.
 *
 * Every session function is one non-blocking OpenSSL call; it never waits. Results (int64_t): >= 0 on success
 * (a byte count for read/write), GOCORO_TLS_WANT_READ / GOCORO_TLS_WANT_WRITE when the socket must become
 * readable / writable first (OpenSSL may want either direction for any call), GOCORO_TLS_EOF at the end of the
 * peer's data, GOCORO_TLS_ERROR for a TLS failure (its text: gocoro_tls_conn_error), or a negated errno for a
 * socket error. No C++ exception crosses this interface.
 *
 * Threads: a context may be used from any thread at once. A session is not thread-safe: the host serialises
 * every call on one session (any thread, one at a time). Buffers are used only during the call. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_tls_context gocoro_tls_context;
typedef struct gocoro_tls_conn    gocoro_tls_conn;

#define GOCORO_TLS_WANT_READ  (-5001)
#define GOCORO_TLS_WANT_WRITE (-5002)
#define GOCORO_TLS_EOF        (-5003)
#define GOCORO_TLS_ERROR      (-5004)

/* File encodings: coro::net::tls::tls_file_type. */
#define GOCORO_TLS_FILE_PEM  1
#define GOCORO_TLS_FILE_ASN1 2

typedef struct gocoro_tls_context_options
{
    /* Certificate and private key, from files (cert_file/key_file, libcoro's context(cert, type, key, type,
     * verify)) or from PEM text (cert_pem/key_pem, length-delimited). A certificate file or text may carry the
     * chain after the leaf. Both NULL: a context without a certificate (libcoro's context(verify)). */
    const char* cert_file;
    int         cert_type;
    const char* key_file;
    int         key_type;
    const char* cert_pem;
    size_t      cert_pem_len;
    const char* key_pem;
    size_t      key_pem_len;
    /* 1: verify the peer (verify_peer_t::yes), 0: accept any certificate (verify_peer_t::no). */
    int verify_peer;
    /* Trust anchors (PEM). Neither given and verify_peer: the system's default store. */
    const char* ca_file;
    const char* ca_pem;
    size_t      ca_pem_len;
    /* Lowest protocol version accepted (0x0303 TLS 1.2, 0x0304 TLS 1.3); 0: libcoro's floor (TLS 1.2). */
    uint16_t min_version;
} gocoro_tls_context_options;

/* Builds a context. 0 and *out set, or a negated errno (-EINVAL for a bad certificate/key/CA, -ENOMEM) with
 * OpenSSL's reason text in err (NUL-terminated, truncated to cap). */
int  gocoro_tls_context_new(const gocoro_tls_context_options* o, gocoro_tls_context** out, char* err, size_t cap);
void gocoro_tls_context_free(gocoro_tls_context* c);

/* A session on the connected socket fd (not owned: the host closes it after gocoro_tls_conn_free). server != 0:
 * the accepting side. Client side: host (may be NULL) is sent as SNI when it is a name, and when the context
 * verifies peers the certificate must match it (a DNS name or an IP literal). 0 or a negated errno, text in err. */
int gocoro_tls_conn_new(
    gocoro_tls_context* c,
    int                 fd,
    int                 server,
    const char*         host,
    gocoro_tls_conn**   out,
    char*               err,
    size_t              cap);

/* Frees the session. If its handshake finished and no TLS or socket error happened, first makes one
 * non-blocking attempt to send close_notify (as libcoro's tls::client destructor does). */
void gocoro_tls_conn_free(gocoro_tls_conn* t);

/* SSL_do_handshake: 0 when done. */
int64_t gocoro_tls_handshake(gocoro_tls_conn* t);

/* SSL_read_ex / SSL_write_ex. len must be > 0. A write may return less than len (partial-write mode); when it
 * asked to wait, retry with the same remaining bytes. */
int64_t gocoro_tls_read(gocoro_tls_conn* t, void* buf, size_t len);
int64_t gocoro_tls_write(gocoro_tls_conn* t, const void* buf, size_t len);

/* 1 if the socket was found empty by the session's last read from it (a short or would-block recv) and OpenSSL
 * holds no received bytes: reading again before the socket becomes readable would only find nothing. */
int gocoro_tls_conn_drained(const gocoro_tls_conn* t);

/* gocoro_tls_read that also sets *drained to what gocoro_tls_conn_drained says afterwards when it returns data
 * (0 otherwise): one crossing instead of two on the read path. */
int64_t gocoro_tls_read_drained(gocoro_tls_conn* t, void* buf, size_t len, int* drained);

/* Sends close_notify (SSL_shutdown, one-way): 0 when sent, WANT_WRITE/WANT_READ, or an error. */
int64_t gocoro_tls_close_notify(gocoro_tls_conn* t);

/* The last GOCORO_TLS_ERROR's text into buf (NUL-terminated, truncated to cap) and the certificate verification
 * result (X509_V_OK = 0, else the X509_V_ERR_* code: the peer's certificate was rejected). Returns the text
 * length. */
size_t gocoro_tls_conn_error(gocoro_tls_conn* t, char* buf, size_t cap, long* verify_result);

/* What Go's record layer needs to take a TLS 1.3 session over from OpenSSL. */
typedef struct gocoro_tls_traffic
{
    uint16_t      cipher;           /* 0x1301 TLS_AES_128_GCM_SHA256 or 0x1302 TLS_AES_256_GCM_SHA384 */
    size_t        secret_len;       /* the suite's hash size: 32 or 48 */
    unsigned char read_secret[64];  /* the peer's application traffic secret (RFC 8446 7.1) */
    unsigned char write_secret[64]; /* this side's */
} gocoro_tls_traffic;

/* Call once, right after the handshake succeeded. For TLS 1.3 with an AES-GCM suite it hands out the application
 * traffic secrets and returns 1: from then on the host protects the records itself (sequence numbers start at 0
 * both ways, nothing of the peer's is buffered in OpenSSL, and OpenSSL sends nothing more: no close_notify at free);
 * only gocoro_tls_conn_state, gocoro_tls_peer_certificate and gocoro_tls_conn_free may follow. Otherwise (TLS 1.2,
 * ChaCha20, a server that sent session tickets) returns 0 and the session stays with OpenSSL. */
int gocoro_tls_conn_take_records(gocoro_tls_conn* t, gocoro_tls_traffic* out);

/* After the handshake: protocol version (0x0303 TLS 1.2, 0x0304 TLS 1.3), IANA cipher suite id, and whether a
 * session was resumed. */
void gocoro_tls_conn_state(gocoro_tls_conn* t, uint16_t* version, uint16_t* cipher, int* resumed);

/* DER bytes of the peer's certificate number index (0: the leaf, then the chain as sent). Returns its length (the
 * bytes are copied only if it fits in cap), or -1 when there is no such certificate. */
int64_t gocoro_tls_peer_certificate(gocoro_tls_conn* t, int index, void* buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
