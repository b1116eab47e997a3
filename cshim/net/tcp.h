#ifndef GOCORO_CSHIM_NET_TCP_H
#define GOCORO_CSHIM_NET_TCP_H

/* TCP sockets for the Go packages net/tcp and net/tls: creation, connect, accept and addresses of non-blocking
 * descriptors (the host does the data path and waits for readiness itself). Addresses are parsed and formatted by
 * coro::net::ip_address.
 *
 * Every function is a single non-blocking system call (or a few), safe from any thread. Buffers are only used for
 * the duration of the call and never retained. Results: >= 0 on success, or a negated errno value; address
 * parsing failures report -EINVAL. Descriptors are O_NONBLOCK | O_CLOEXEC. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Binds and listens on host:port (host: an IPv4 or IPv6 literal; SO_REUSEADDR). Returns the descriptor. */
int gocoro_tcp_listen(const char* host, uint16_t port, int backlog);

/* Starts connecting to host:port, from local_host:local_port when local_host is not NULL (else the kernel picks).
 * Returns the descriptor (TCP_NODELAY set); *in_progress is 1 when the connection is still being established
 * (wait for write readiness, then call gocoro_tcp_connect_result). */
int gocoro_tcp_connect(const char* host, uint16_t port, const char* local_host, uint16_t local_port, int* in_progress);

/* The two calls above in two steps, for a caller that configures the socket in between (net/tcp's Control hooks):
 * gocoro_tcp_socket opens an unbound socket of host's address family, set up as gocoro_tcp_listen's (listener != 0:
 * SO_REUSEADDR) or gocoro_tcp_connect's (TCP_NODELAY) are; gocoro_tcp_bind_listen and gocoro_tcp_connect_fd finish
 * the job on it. These two return 0 or a negated errno and never close fd: the caller does. */
int gocoro_tcp_socket(const char* host, int listener);
int gocoro_tcp_bind_listen(int fd, const char* host, uint16_t port, int backlog);
int gocoro_tcp_connect_fd(
    int         fd,
    const char* host,
    uint16_t    port,
    const char* local_host,
    uint16_t    local_port,
    int*        in_progress);

/* The outcome of a non-blocking connect: 0 or a negated errno (SO_ERROR). */
int gocoro_tcp_connect_result(int fd);

/* Accepts one connection (TCP_NODELAY set) and writes the peer's address as gocoro_tcp_addr does (the address
 * accept4 returns: no getpeername). -EAGAIN when none is pending. */
int gocoro_tcp_accept(int fd, char* peer_host, size_t cap, uint16_t* peer_port);

/* The local (peer == 0) or remote (peer == 1) address: its text form into host (NUL-terminated) and its port.
 * 0 or a negated errno. */
int gocoro_tcp_addr(int fd, int peer, char* host, size_t cap, uint16_t* port);

#ifdef __cplusplus
}
#endif

#endif
