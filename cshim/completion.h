#ifndef GOCORO_CSHIM_COMPLETION_H
#define GOCORO_CSHIM_COMPLETION_H

/* The completion queue: how C++ tells the host (Go) that something it waits for has finished.
 *
 * C++ threads post (handle, result) records; one host thread, the deliverer, takes them in batches, so a host waiter costs
 * one crossing per batch rather than one C->Go callback per event. An idle deliverer waits for an eventfd to become
 * readable through the host's own poller, so no thread is held while nothing is posted. Process-wide; thread-safe. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gocoro_completion
{
    uintptr_t handle;
    int64_t   result;
} gocoro_completion;

/* The eventfd (non-blocking) that the deliverer waits on after gocoro_completion_sleep returned 1; -1 if it could not
 * be made. The deliverer reads it (resetting it) before taking again. */
int gocoro_completion_fd(void);

/* Moves up to `cap` queued completions (oldest first) into `out` and returns how many; 0 when none is queued. Meant
 * for a single deliverer. */
size_t gocoro_completion_take(gocoro_completion* out, size_t cap);

/* A word that is non-zero whenever gocoro_completion_take may find something: a deliverer that polls reads it
 * atomically (it lives as long as the process) instead of calling take on an empty queue. It may read 0 for a moment
 * after a post; gocoro_completion_sleep never misses one. */
const uint32_t* gocoro_completion_posted(void);

/* Called by the deliverer after gocoro_completion_take returned 0: returns 1 if the queue is still empty, in which case
 * the next post makes gocoro_completion_fd readable, or 0 if something was posted meanwhile (take again). */
int gocoro_completion_sleep(void);

/* Posts one completion (used by the shim itself and by user C++ code that completes host waiters). */
void gocoro_completion_post(uintptr_t handle, int64_t result);

#ifdef __cplusplus
}
#endif

#endif
