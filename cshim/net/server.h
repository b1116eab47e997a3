#ifndef GOCORO_CSHIM_NET_SERVER_H
#define GOCORO_CSHIM_NET_SERVER_H

/* A TCP server whose accept/read/write loop runs entirely in C++ on a coro::io_scheduler, for the Go package
 * net/server: the host (Go) starts, observes and stops it; every connection is served by a handler coroutine.
 *
 * Threads: the accept loop and every connection coroutine run on the scheduler (its event-loop thread for
 * inline execution, its pool threads otherwise). gocoro_server_start/stats/stop_accepting may be called from any
 * thread; gocoro_server_stop blocks and must not be called from one of the scheduler's threads.
 *
 * Lifetime: start -> (stats, stop_accepting)* -> stop (idempotent) -> destroy exactly once. The scheduler must
 * stay alive (not shut down) until stop has returned.
 *
 * Handler contract (gocoro_server_handler, the C ABI for user handlers written in C++ against libcoro):
 *  - `start` is called on a scheduler thread, once per accepted connection, and returns the handler coroutine
 *    (a gocoro_server_task, see server_handler.hpp) or NULL to refuse the connection. It must not throw.
 *  - The server co_awaits the task on the scheduler. While it runs, `conn` is valid and the descriptor open; when
 *    it returns (or throws: the exception is counted as an error and dropped), the server closes the descriptor
 *    and frees `conn`. Handlers never close the descriptor themselves.
 *  - On stop the server shuts the socket down (shutdown(2), SHUT_RDWR): polls on it report closed, reads return
 *    0. A handler must then return promptly (stop waits for every handler); gocoro_server_conn_stopping says
 *    whether the server is stopping.
 *  - Byte and request counters are only as good as the handler's reports: the recv/send helpers of
 *    server_handler.hpp count for it, its connection's count and add_requests add anything else.
 *  - `user_arg` and the handler table must outlive the server (static storage, or freed after destroy). */

#include <stddef.h>
#include <stdint.h>

#include "cshim/net/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_io_scheduler gocoro_io_scheduler;
typedef struct gocoro_server       gocoro_server;
typedef struct gocoro_server_conn  gocoro_server_conn;
/* A handler coroutine (coro::task<void> in C++; see server_handler.hpp). */
typedef struct gocoro_server_task gocoro_server_task;

/* Bumped whenever server_handler.hpp's gocoro_server_conn (read inline by handlers) changes layout; 2: client
 * became a pointer, the per-server fields left it. */
#define GOCORO_SERVER_HANDLER_ABI 2

typedef struct gocoro_server_handler
{
    /* GOCORO_SERVER_HANDLER_ABI: the server refuses tables of another version. */
    uint32_t    abi_version;
    const char* name;
    gocoro_server_task* (*start)(void* user_arg, gocoro_server_conn* conn);
} gocoro_server_handler;

/* Built-in handlers. Echo writes back every byte. HTTP200 answers every complete HTTP/1.x request (headers plus a
 * Content-Length body; keep-alive; split across reads or pipelined) with the server's data bytes, which must be
 * a complete HTTP response. Go calls fn (mode 3 of net/server). */
const gocoro_server_handler* gocoro_server_echo_handler(void);
const gocoro_server_handler* gocoro_server_http200_handler(void);
const gocoro_server_handler* gocoro_server_go_handler(void);

typedef struct gocoro_server_options
{
    const char* host; /* IPv4 or IPv6 literal */
    uint16_t    port; /* 0: the kernel picks one (read it back with gocoro_server_port) */
    int32_t     backlog;
    int32_t     reuse_port; /* SO_REUSEPORT: several servers (schedulers) on one port */
    /* Bytes copied into the server, readable by handlers (gocoro_server_conn_data); may be NULL. */
    const void* data;
    size_t      data_len;
    /* Largest unconsumed input a connection may buffer (HTTP200 and Go handlers); 0: 1 MiB. */
    size_t max_input;
    /* Host handle passed to the Go callbacks (gocoro_server_go_handler only). */
    uintptr_t host_handle;
    /* More than this many open connections: new ones are accepted and closed at once (counted in refused;
     * reported to the host). 0: no limit. */
    uint64_t max_conns;
    /* Go handlers only (0: none). idle: no input for that long closes the connection; read: unconsumed input
     * older than that (a message that never completes) closes it; write: queued output that makes no progress
     * for that long closes it. */
    int64_t idle_timeout_ms;
    int64_t read_timeout_ms;
    int64_t write_timeout_ms;
    /* Go handlers only. Queued output above high_water stops reading from the connection until it has drained
     * (then the host's drained event runs); 0: 1 MiB. Asynchronous writes that would queue more than max_output
     * are refused; 0: 4 * high_water. */
    size_t high_water;
    size_t max_output;
    /* Go handlers only: non-zero runs the host's tick callback on the loop (first at once). */
    int32_t tick;
    /* Go handlers only: non-zero calls open only before a connection's first data callback (the host has no
     * per-connection hooks to run at accept and close), so a connection that never sends costs the host nothing;
     * close is then called only for connections that were opened. */
    int32_t lazy_open;
    /* Go handlers only. Non-NULL: accepted connections speak TLS (terminated here, see gocoro_server_tls_ops);
     * the certificate and key come from it (cert/key files or PEM; verify_peer, ca_* ignored). */
    const gocoro_tls_context_options* tls;
    /* TLS only: a handshake not finished after that long closes the connection (0: 10 s). */
    int64_t handshake_timeout_ms;
    /* TLS only, may be NULL: receives OpenSSL's text when the certificate or key is refused (failed_op "tls"). */
    char*  tls_error;
    size_t tls_error_cap;
} gocoro_server_options;

typedef struct gocoro_server_stats
{
    uint64_t accepted;
    uint64_t active;
    uint64_t bytes_read;
    uint64_t bytes_written;
    uint64_t requests;
    uint64_t errors;  /* failed accepts, refused connections, exceptions escaping handlers */
    uint64_t refused; /* connections closed at once for max_conns */
} gocoro_server_stats;

/* Binds and listens (SO_REUSEADDR), then starts the accept loop on the scheduler. Returns NULL and *err (a
 * negated errno; *failed_op names the system call: "socket", "bind", "listen", ...) on failure. */
gocoro_server* gocoro_server_start(
    gocoro_io_scheduler*         sched,
    const gocoro_server_options* opts,
    const gocoro_server_handler* handler,
    void*                        user_arg,
    int*                         err,
    const char**                 failed_op);
/* The bound port. */
uint16_t gocoro_server_port(const gocoro_server* s);
void     gocoro_server_stats_get(const gocoro_server* s, gocoro_server_stats* out);
/* Stops accepting (open connections keep being served). Non-blocking. */
void gocoro_server_stop_accepting(gocoro_server* s);
/* Posts completion `handle` (result 0) once no connection is open: at once if none is, else when the last one
 * ends (at the latest during gocoro_server_stop). One handle at a time per server; call after
 * gocoro_server_stop_accepting, so that the count only falls. */
void gocoro_server_notify_idle(gocoro_server* s, uintptr_t handle);
/* Stops accepting, shuts every open connection down and waits until the accept loop and every handler have
 * finished. Idempotent. Drives the scheduler's process_events meanwhile (so a manual-thread scheduler whose
 * driver is the caller still makes progress). */
void gocoro_server_stop(gocoro_server* s);
/* 1 if the calling thread is running one of s's Go callbacks right now (gocoro_server_stop would wait for it). */
int gocoro_server_in_callback(const gocoro_server* s);
/* Frees the server (after stop). */
void gocoro_server_destroy(gocoro_server* s);

/* ---- For handlers (any scheduler thread, only while the handler runs) ---- */
int                  gocoro_server_conn_fd(const gocoro_server_conn* c);
gocoro_io_scheduler* gocoro_server_conn_scheduler(const gocoro_server_conn* c);
/* The user_arg given to gocoro_server_start. */
void*       gocoro_server_conn_user_arg(const gocoro_server_conn* c);
const void* gocoro_server_conn_data(const gocoro_server_conn* c, size_t* len);
int         gocoro_server_conn_stopping(const gocoro_server_conn* c);

/* ---- Go callbacks (mode 3), installed once by the host ---- */

/* One read's worth of work for the host: `in` holds every received byte not consumed yet; the host appends its
 * reply to out (growing it with gocoro_server_msg_reserve) and returns how many input bytes it consumed, or a
 * negative value to close the connection after `out` has been sent (-1: normally, below -1: counted as an error). */
typedef struct gocoro_server_msg
{
    const char* in;
    size_t      in_len;
    char*       out;
    size_t      out_len;
    size_t      out_cap;
    uint64_t    requests; /* the host adds how many requests it answered */
} gocoro_server_msg;

/* Makes room for `more` bytes after out_len (may move out). 0, or -ENOMEM. */
int gocoro_server_msg_reserve(gocoro_server_msg* m, size_t more);

/* Why a Go connection ended (gocoro_server_close_fn's reason; err is an errno for GOCORO_END_IO). */
enum
{
    GOCORO_END_EOF           = 0, /* the peer closed, or the host asked to close */
    GOCORO_END_IO            = 1,
    GOCORO_END_IDLE_TIMEOUT  = 2,
    GOCORO_END_READ_TIMEOUT  = 3,
    GOCORO_END_WRITE_TIMEOUT = 4,
    GOCORO_END_INPUT_LIMIT   = 5,
    GOCORO_END_STOPPING      = 6,
    GOCORO_END_HOST_ERROR    = 7 /* the data callback failed (already reported by the host) */
};
/* gocoro_server_data_fn's event. */
enum
{
    GOCORO_EVENT_DATA    = 0, /* new input arrived */
    GOCORO_EVENT_WAKE    = 1, /* gocoro_server_conn_wake: no new input necessarily */
    GOCORO_EVENT_DRAINED = 2  /* output above high_water has all been sent */
};
/* gocoro_server_report_fn's kind (err: an errno). */
enum
{
    GOCORO_REPORT_ACCEPT  = 0, /* accept(2) failed */
    GOCORO_REPORT_REFUSED = 1, /* max_conns reached: a connection was closed at once */
    /* A TLS handshake failed (the connection was closed, the host never saw it): err is an errno (ETIMEDOUT for
     * the handshake timeout, EPROTO for a TLS failure, whose text is the report's text). */
    GOCORO_REPORT_HANDSHAKE = 2
};

/* open: returns the host's handle for the connection (0: refuse it); output written to msg is sent first. data:
 * see gocoro_server_msg. close: called exactly once for each connection whose open returned non-zero, after its
 * last data call. report: accept failures and refused connections (on the accept loop), failed TLS handshakes
 * (text: a description, "" if none, valid during the call only; fd: the connection's socket, still open during
 * the call so that the host can name the peer, -1 for other kinds). tick: returns the nanoseconds until the next
 * tick, negative to stop ticking. All run on a scheduler thread. */
typedef uintptr_t (
    *gocoro_server_open_fn)(uintptr_t host_handle, gocoro_server_conn* conn, uint64_t id, gocoro_server_msg* msg);
typedef int64_t (*gocoro_server_data_fn)(uintptr_t conn_handle, gocoro_server_msg* msg, int32_t event);
typedef void (*gocoro_server_close_fn)(uintptr_t conn_handle, int32_t reason, int32_t err);
typedef void (*gocoro_server_report_fn)(uintptr_t host_handle, int32_t kind, int32_t err, const char* text, int32_t fd);
typedef int64_t (*gocoro_server_tick_fn)(uintptr_t host_handle);
void gocoro_server_install_go_callbacks(
    gocoro_server_open_fn   open,
    gocoro_server_data_fn   data,
    gocoro_server_close_fn  close,
    gocoro_server_report_fn report,
    gocoro_server_tick_fn   tick);

/* ---- For the host, from any thread, while the connection is open (before its close callback returned) ---- */

/* Queues bytes (copied) to be sent by the loop after what is queued already: 0, or -ENOBUFS past max_output. */
int gocoro_server_conn_async_write(gocoro_server_conn* c, const void* p, size_t n);
/* Runs the data callback once more (event GOCORO_EVENT_WAKE) soon. */
void gocoro_server_conn_wake(gocoro_server_conn* c);
/* Closes the connection once what is queued has been sent (or the write timeout hit). */
void gocoro_server_conn_close(gocoro_server_conn* c);
/* Output queued and not sent yet (bytes). */
size_t gocoro_server_conn_outbound(const gocoro_server_conn* c);
/* The dial_token given to gocoro_server_adopt for this connection, 0 for an accepted one. */
uintptr_t gocoro_server_conn_dial_token(const gocoro_server_conn* c);

/* Serves a connected socket the host made (a client connection dialled into the loop) like an accepted one, with
 * the server's handler; takes ownership of fd (closed on failure too). The Go handler opens such a connection at
 * once (never lazily) and its open callback sees dial_token. Not counted in accepted. 0, or -ESHUTDOWN when the
 * server is stopping. Any thread. */
int gocoro_server_adopt(gocoro_server* s, int fd, uintptr_t dial_token);

/* ---- TLS termination ----
 * The loop speaks TLS through these functions (cshim/net/tls.h's, over OpenSSL), installed once by whoever links
 * OpenSSL in (Go: package net/server/servertls, see server_tls.h), so that a server without TLS needs no OpenSSL.
 * Every call is non-blocking and made on the connection's loop thread. */
typedef struct gocoro_server_tls_ops
{
    int (*context_new)(const gocoro_tls_context_options* o, gocoro_tls_context** out, char* err, size_t cap);
    void (*context_free)(gocoro_tls_context* c);
    int (*conn_new)(
        gocoro_tls_context* c,
        int                 fd,
        int                 server,
        const char*         host,
        gocoro_tls_conn**   out,
        char*               err,
        size_t              cap);
    void (*conn_free)(gocoro_tls_conn* t); /* sends close_notify if it can */
    int64_t (*handshake)(gocoro_tls_conn* t);
    int64_t (*read)(gocoro_tls_conn* t, void* buf, size_t len);
    int64_t (*write)(gocoro_tls_conn* t, const void* buf, size_t len);
    size_t (*conn_error)(gocoro_tls_conn* t, char* buf, size_t cap, long* verify_result);
    int (*conn_drained)(const gocoro_tls_conn* t);
} gocoro_server_tls_ops;

/* gocoro_server_start with options.tls fails (-ENOTSUP, "tls") before this has run. */
void gocoro_server_install_tls(const gocoro_server_tls_ops* ops);

/* Replaces the certificate and key that new handshakes use (handshakes under way and established connections keep
 * theirs). Any thread. 0, -EINVAL (not a TLS server; or a bad certificate/key, text in err), -ENOMEM. */
int gocoro_server_reload_certificate(gocoro_server* s, const gocoro_tls_context_options* o, char* err, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
