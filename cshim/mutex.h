#ifndef GOCORO_CSHIM_MUTEX_H
#define GOCORO_CSHIM_MUTEX_H

/* coro::mutex behind an opaque handle.
 *
 * Lifetime: create -> ... -> destroy exactly once, when it is unlocked and nobody waits for it.
 * Threads: every function may be called from any thread. unlock() with waiters hands the lock to one of them and
 * resumes it inline on the calling thread before returning (libcoro semantics); a host task body reached that
 * way is returned as a step for the caller to run (see gocoro_step in cshim/task.h). unlock() must only be called
 * by the holder of the lock. */

#include "cshim/status.h"
#include "cshim/task.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_mutex gocoro_mutex;

gocoro_mutex* gocoro_mutex_create(void);
void          gocoro_mutex_destroy(gocoro_mutex* m);
int           gocoro_mutex_try_lock(gocoro_mutex* m);
gocoro_step*  gocoro_mutex_unlock(gocoro_mutex* m);

/* Queues a native lock operation on behalf of the host; posts (handle, 0) once it holds the lock (possibly right
 * away). The host then owns the lock and must unlock() it. */
void gocoro_mutex_lock_async(gocoro_mutex* m, uintptr_t handle);

#ifdef __cplusplus
}
#endif

#endif
