#ifndef GOCORO_CSHIM_LATCH_H
#define GOCORO_CSHIM_LATCH_H

/* coro::latch behind an opaque handle.
 *
 * Lifetime: create -> ... -> destroy exactly once, when nothing waits on it any more (release_all() first).
 * Threads: every function may be called from any thread. count_down() resumes native waiters inline on the
 * calling thread when it completes the latch (a host task body reached that way is left in *steps for the caller to
 * run: see gocoro_step in cshim/task.h); count_down_on() hands them to a thread pool or scheduler. */

#include "cshim/status.h"
#include "cshim/task.h"
#include "cshim/thread_pool.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_latch gocoro_latch;

gocoro_latch* gocoro_latch_create(int64_t count);
void          gocoro_latch_destroy(gocoro_latch* l);
int           gocoro_latch_is_ready(const gocoro_latch* l);
/* The counter (libcoro's remaining() is this value converted to size_t). */
int64_t gocoro_latch_remaining(const gocoro_latch* l);
/* Subtract n >= 0 (GOCORO_EINVAL for n < 0), saturating at INT64_MIN instead of wrapping. */
int gocoro_latch_count_down(gocoro_latch* l, int64_t n, gocoro_step** steps);
int gocoro_latch_count_down_on(gocoro_latch* l, gocoro_thread_pool* tp, int64_t n, gocoro_step** steps);
struct gocoro_io_scheduler;
int gocoro_latch_count_down_on_io(gocoro_latch* l, struct gocoro_io_scheduler* s, int64_t n, gocoro_step** steps);
/* Completes the latch whatever its counter (used to release waiters on close). */
gocoro_step* gocoro_latch_release_all(gocoro_latch* l);

/* Completion-queue wait for host threads: returns 1 if the latch is ready (nothing registered), else 0 and posts
 * (handle, 0) once it is. */
int gocoro_latch_wait_async(gocoro_latch* l, uintptr_t handle);

#ifdef __cplusplus
}
#endif

#endif
