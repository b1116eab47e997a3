#ifndef GOCORO_CSHIM_SHARED_MUTEX_H
#define GOCORO_CSHIM_SHARED_MUTEX_H

/* coro::shared_mutex behind an opaque handle.
 *
 * The C++ executor is an adapter over a gocoro_thread_pool or gocoro_io_scheduler: releasing a lock hands a run of shared waiters to
 * pool.resume() (libcoro semantics); once the host calls detach_executor() (its pool is closing) or the pool
 * refuses work, those waiters are resumed inline on the releasing thread instead, so none is ever dropped.
 * An exclusive waiter is always resumed inline on the releasing thread.
 *
 * Lifetime: create -> ... -> destroy exactly once, when it is unlocked and nobody waits for it. The pool must
 * stay alive during every call that can wake waiters (unlock, unlock_shared) unless detach_executor() was called.
 * Threads: every function may be called from any thread. exclusive != 0 selects lock()/unlock(), 0 selects
 * lock_shared()/unlock_shared(). A host task body that unlock resumes inline (an exclusive waiter, or any waiter once
 * the executor is detached) is returned as a step for the caller to run (see gocoro_step in cshim/task.h). */

#include "cshim/status.h"
#include "cshim/task.h"
#include "cshim/thread_pool.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_shared_mutex gocoro_shared_mutex;

/* NULL if tp is NULL (libcoro throws std::runtime_error; the message goes to err) or on allocation failure. */
gocoro_shared_mutex* gocoro_shared_mutex_create(gocoro_thread_pool* tp, gocoro_error* err);
/* Same, with an io_scheduler as the executor (coro::shared_mutex<coro::io_scheduler>). */
struct gocoro_io_scheduler;
gocoro_shared_mutex* gocoro_shared_mutex_create_io(struct gocoro_io_scheduler* s, gocoro_error* err);
void                 gocoro_shared_mutex_destroy(gocoro_shared_mutex* sm);
int                  gocoro_shared_mutex_try_lock(gocoro_shared_mutex* sm, int exclusive);
gocoro_step*         gocoro_shared_mutex_unlock(gocoro_shared_mutex* sm, int exclusive);
/* From now on shared waiters are resumed inline on the releasing thread (the pool is going away). */
void gocoro_shared_mutex_detach_executor(gocoro_shared_mutex* sm);

/* Queues a native lock operation on behalf of the host; posts (handle, 0) once it holds the lock (possibly right
 * away). The host then owns that hold and must unlock() it with the same `exclusive`. */
void gocoro_shared_mutex_lock_async(gocoro_shared_mutex* sm, int exclusive, uintptr_t handle);

#ifdef __cplusplus
}
#endif

#endif
