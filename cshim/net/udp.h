#ifndef GOCORO_CSHIM_NET_UDP_H
#define GOCORO_CSHIM_NET_UDP_H

/* UDP sockets for the Go package net/udp, with coro::net::udp::peer's semantics: an unbound peer only sends, a
 * bound one sends and receives. Descriptors are O_NONBLOCK | O_CLOEXEC; the host does sendto/recvfrom and waits for
 * readiness itself. Socket addresses are built and read by coro::net (to_sockaddr, from_sockaddr over ip_address).
 *
 * Every function is one non-blocking system call (or a few), safe from any thread. Addresses cross by value and
 * buffers are used only for the duration of the call, so the host keeps no memory pinned. Results: >= 0 on
 * success or a negated errno value. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An endpoint: coro::net::udp::peer::info (address + port). */
typedef struct gocoro_udp_addr
{
    int32_t  domain; /* AF_INET or AF_INET6 */
    uint16_t port;
    uint8_t  bytes[16]; /* network order; 4 significant bytes for AF_INET */
} gocoro_udp_addr;

/* The outcome of getsockname: n is 0 or a negated errno. */
typedef struct gocoro_udp_result
{
    int64_t         n;
    gocoro_udp_addr addr;
} gocoro_udp_result;

/* An unbound socket of the domain (peer(scheduler, domain)): send-only in libcoro's terms. Returns the descriptor. */
int gocoro_udp_open(int32_t domain);

/* A socket bound to addr (peer(scheduler, info)); port 0 picks a free port. reuse_port sets SO_REUSEADDR and
 * SO_REUSEPORT first, as libcoro's make_accept_socket does; without it a port in use fails with -EADDRINUSE. */
int gocoro_udp_bind(gocoro_udp_addr addr, int reuse_port);

/* gocoro_udp_bind in two steps, for a caller that configures the socket in between (net/udp's Control hook): binds
 * fd, made by gocoro_udp_open with addr's domain, to addr, setting reuse_port's options first. 0 or a negated
 * errno; fd stays open either way. */
int gocoro_udp_bind_fd(int fd, gocoro_udp_addr addr, int reuse_port);

/* getsockname: the local address (the actual port when bound to port 0). */
gocoro_udp_result gocoro_udp_local(int fd);

#ifdef __cplusplus
}
#endif

#endif
