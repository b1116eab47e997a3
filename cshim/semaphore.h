#ifndef GOCORO_CSHIM_SEMAPHORE_H
#define GOCORO_CSHIM_SEMAPHORE_H

/* coro::semaphore behind an opaque handle.
 *
 * Lifetime: create -> ... -> destroy exactly once, when nobody waits on it (destroy calls notify_waiters()).
 * Threads: every function may be called from any thread. release() hands its unit to the most recent waiter and
 * resumes it inline on the calling thread; notify_waiters() resumes every waiter inline. Host task bodies reached
 * that way are returned as steps for the caller to run (see gocoro_step in cshim/task.h). */

#include "cshim/status.h"
#include "cshim/task.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_semaphore gocoro_semaphore;

/* Results of an acquire (coro::semaphore::acquire_result). */
enum gocoro_acquire_result
{
    GOCORO_ACQUIRED          = 0,
    GOCORO_SEMAPHORE_STOPPED = 1
};

/* `initial` is clamped to `max` (libcoro). With `clamp` != 0 release() never takes the counter past `max`
 * (libcoro v0.16's semaphore<max>). NULL on allocation failure. */
gocoro_semaphore* gocoro_semaphore_create(int64_t max, int64_t initial, int clamp);
void              gocoro_semaphore_destroy(gocoro_semaphore* s);
int               gocoro_semaphore_try_acquire(gocoro_semaphore* s);
/* GOCORO_EINVAL (and nothing released) if the counter could pass its bound: `max` for a clamping semaphore (a
 * release handed to a waiter always succeeds), else INT64_MAX (libcoro v0.14 does not clamp to max). */
/* Host task bodies resumed by the release are returned in *steps (see gocoro_step in cshim/task.h). */
int          gocoro_semaphore_release(gocoro_semaphore* s, gocoro_step** steps);
int64_t      gocoro_semaphore_value(const gocoro_semaphore* s);
gocoro_step* gocoro_semaphore_notify_waiters(gocoro_semaphore* s);

/* Queues a native acquire on behalf of the host; posts (handle, gocoro_acquire_result) once it completes
 * (possibly right away). */
void gocoro_semaphore_acquire_async(gocoro_semaphore* s, uintptr_t handle);

#ifdef __cplusplus
}
#endif

#endif
