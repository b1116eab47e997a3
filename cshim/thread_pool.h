#ifndef GOCORO_CSHIM_THREAD_POOL_H
#define GOCORO_CSHIM_THREAD_POOL_H

/* coro::thread_pool behind an opaque handle.
 *
 * Lifetime: create -> (spawn ...) -> shutdown (optional, idempotent) -> destroy (exactly once).
 * Threads: every function except destroy may be called from any thread, including pool threads. */

#include "cshim/callback.h"
#include "cshim/status.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_thread_pool gocoro_thread_pool;

typedef struct gocoro_thread_pool_options
{
    uint32_t thread_count;
    /* Host handle passed to the thread_event callback when a worker starts/stops; 0 = no callback. */
    uintptr_t thread_event_handle;
} gocoro_thread_pool_options;

/* Returns NULL and fills `err` on failure. */
gocoro_thread_pool* gocoro_thread_pool_create(const gocoro_thread_pool_options* opts, gocoro_error* err);

/* Queues the host function `handle` to run once on a pool thread (through the installed run callback).
 * GOCORO_ESHUTDOWN after shutdown: the handle was not taken and the caller still owns it. */
int gocoro_thread_pool_spawn(gocoro_thread_pool* tp, uintptr_t handle);

/* Like gocoro_thread_pool_spawn, but the host function runs only after everything already queued on the pool
 * (it goes through the pool's FIFO queue, as yield() does, even when called from a pool thread, whose own spawns
 * would otherwise run next). For host work that hands its thread back to the pool and continues later. */
int gocoro_thread_pool_spawn_behind(gocoro_thread_pool* tp, uintptr_t handle);

/* 1 if the calling thread is one of the pool's workers (shutdown there would join the caller itself). */
int gocoro_thread_pool_on_own_thread(const gocoro_thread_pool* tp);

/* Stops accepting work, runs everything already queued, joins the workers. Blocking, idempotent. */
void gocoro_thread_pool_shutdown(gocoro_thread_pool* tp);

/* Shuts down (if needed) and frees the pool. */
void gocoro_thread_pool_destroy(gocoro_thread_pool* tp);

size_t gocoro_thread_pool_thread_count(const gocoro_thread_pool* tp);
/* Queued + running + unfinished spawned tasks. */
size_t gocoro_thread_pool_size(const gocoro_thread_pool* tp);
/* Tasks queued and not yet started (coro::thread_pool::queue_size). */
size_t gocoro_thread_pool_queue_size(const gocoro_thread_pool* tp);

#ifdef __cplusplus
}
#endif

#endif
