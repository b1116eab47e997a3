#ifndef GOCORO_CSHIM_NET_DNS_H
#define GOCORO_CSHIM_NET_DNS_H

/* coro::net::dns::resolver<coro::io_scheduler> (c-ares) for the Go package net/dns.
 *
 * A lookup runs as a native coroutine spawned on the resolver's io_scheduler (host_by_name: c-ares's sockets are
 * polled by the scheduler's epoll loop, c-ares runs on the scheduler's threads). When it has finished it posts
 * (handle, (int64_t)(gocoro_dns_result*)) to the completion queue (cshim/completion.h); the host owns the result
 * and frees it with gocoro_dns_result_free. A posted 0 means the result could not be allocated.
 *
 * Lifetime: the host's reference (create -> release) and every lookup in flight share the native resolver; the
 * last one out destroys it (and its c-ares channel), so release never waits and a lookup never outlives it;
 * release cancels the lookups still in flight.
 * Lookups on one resolver run one at a time, in turn. Threads: any; create/lookup/release of one handle must not
 * race with each other (the host serialises release against lookup starts). */

#include "cshim/io_scheduler.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_dns_resolver gocoro_dns_resolver;

typedef struct gocoro_dns_address
{
    int32_t domain; /* AF_INET or AF_INET6 */
    uint8_t bytes[16];
} gocoro_dns_address;

enum
{
    GOCORO_DNS_COMPLETE  = 0, /* dns::status::complete: at least one address */
    GOCORO_DNS_NOT_FOUND = 1, /* dns::status::error before the timeout: no address for the name */
    GOCORO_DNS_TIMEOUT   = 2  /* dns::status::error once the resolver's timeout had passed */
};

typedef struct gocoro_dns_result
{
    int32_t             status; /* GOCORO_DNS_* or a negated errno (-ECANCELED: the resolver was released) */
    int32_t             count;
    gocoro_dns_address* addresses; /* count entries (IPv4 first, then IPv6), inside the same allocation */
} gocoro_dns_result;

/* A resolver on s whose lookups give up after timeout_ms in total (0: c-ares's own timeouts only). Stores it in
 * *out and returns 0, or a negated errno (-EINVAL: bad argument, -EIO: c-ares could not be initialised). */
int gocoro_dns_resolver_create(gocoro_io_scheduler* s, int64_t timeout_ms, gocoro_dns_resolver** out);

/* Drops the host's reference and cancels the resolver (dns::resolver::cancel): the lookup in progress and the
 * queued ones end at once and post a result with status -ECANCELED. */
void gocoro_dns_resolver_release(gocoro_dns_resolver* r);

/* Queries these servers ("ip:port,...", len bytes, no NUL) instead of /etc/resolv.conf's; call before the first
 * lookup. 0, or -EINVAL for a bad list, -ENOMEM. */
int gocoro_dns_resolver_set_servers(gocoro_dns_resolver* r, const char* csv, size_t len);

/* Starts resolving name (len bytes, no NUL) to its IPv4 and IPv6 addresses; handle is posted exactly once when
 * it returns 0. Negated errno (nothing will be posted): -EINVAL for a name with a NUL byte, -ESHUTDOWN if the
 * scheduler is shutting down, -ENOMEM. */
int gocoro_dns_lookup(gocoro_dns_resolver* r, const char* name, size_t len, uintptr_t handle);

void gocoro_dns_result_free(gocoro_dns_result* result);

#ifdef __cplusplus
}
#endif

#endif
